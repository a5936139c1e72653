package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/metrics"
)

// loadLoop loads the Cachet index, retrying with backoff until it works.
func loadLoop(ctx context.Context, client *cachet.Client, br *bridge.Bridge, log *slog.Logger) {
	delay := time.Second
	for {
		err := client.CheckToken(ctx)
		if err == nil {
			err = br.Load(ctx)
		}
		if err == nil {
			log.Info("cachet index loaded; ready")
			return
		}
		log.Error("cannot load the Cachet index; webhooks get 503 until it works", "retry_in", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// syncLoop reads Alertmanager's current alerts every interval and makes
// the bridge agree, recovering notifications that never arrived.
func syncLoop(ctx context.Context, am *alertmanager.APIClient, br *bridge.Bridge, every time.Duration, maintenance bool, log *slog.Logger) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		if !br.Loaded() {
			continue
		}
		fetchedAt := time.Now()
		cur, err := am.Current(ctx)
		if err != nil {
			log.Warn("alertmanager sync: cannot read current alerts", "err", err)
			continue
		}
		res, err := br.Sync(ctx, cur, fetchedAt, maintenance)
		if err != nil {
			log.Warn("alertmanager sync: cachet not updated yet; retrying in the background", "err", err)
		}
		if res.Applied > 0 {
			log.Info("alertmanager sync changed the state", "applied", res.Applied, "active", len(cur.Active), "silenced", len(cur.Silenced))
		}
	}
}

// bridgeSource adapts the bridge to what the metrics read at scrape time.
type bridgeSource struct{ br *bridge.Bridge }

func (s bridgeSource) Pending() int { return s.br.Pending() }

func (s bridgeSource) Components() []metrics.Component {
	states := s.br.Components()
	out := make([]metrics.Component, len(states))
	for i, c := range states {
		out[i] = metrics.Component{Name: c.Name, Status: int(c.Status), IncidentOpen: c.IncidentOpen}
	}
	return out
}

// CheckTexts checks every incident text of cfg with r, the check validate,
// serve and a reload share.
func CheckTexts(r *alertmanager.Renderer, cfg *config.Config) error {
	var errs []error
	for _, t := range []struct{ key, text string }{
		{"new_incident_name", cfg.NewIncidentName},
		{"new_incident_message", cfg.NewIncidentMessage},
		{"resolved_incident_message", cfg.ResolvedIncidentMessage},
		{"recurring_alert_update_message", cfg.RecurringAlertUpdateMessage},
	} {
		if err := r.Check(t.text); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", cfg.File, t.key, err))
		}
	}
	return errors.Join(errs...)
}
