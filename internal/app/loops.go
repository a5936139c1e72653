package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/backoff"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/metrics"
)

// loadLoop loads the Cachet index, retrying with backoff until it works.
func loadLoop(ctx context.Context, client *cachet.Client, br *bridge.Bridge, log *slog.Logger) {
	retry := backoff.Policy{Min: time.Second, Max: 30 * time.Second}
	for failures := 1; ; failures++ {
		err := client.CheckToken(ctx)
		if err == nil {
			err = br.Load(ctx)
		}
		if err == nil {
			log.Info("cachet index loaded; ready")
			return
		}
		delay := retry.Delay(failures)
		log.Error("cannot load the Cachet index; webhooks get 503 until it works", "retry_in", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
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

func (s bridgeSource) Health() metrics.Health {
	h := s.br.Health()
	return metrics.Health{Reachable: h.Reachable, Authorised: h.Authorised, Permanent: h.Permanent,
		PermanentTotal: h.PermanentTotal, LostTotal: h.LostTotal, HeartbeatLastSeen: s.br.HeartbeatLastSeen()}
}

// maxHealthWarnings bounds the permanent failures /-/healthy lists.
const maxHealthWarnings = 20

// failureWarnings renders permanent failures as /-/healthy warnings.
func failureWarnings(fs []bridge.Failure) []string {
	var out []string
	for i, f := range fs {
		if i == maxHealthWarnings {
			out = append(out, fmt.Sprintf("and %d more permanent failures; see the log", len(fs)-i))
			break
		}
		out = append(out, fmt.Sprintf("cachet refuses writes to %s: %s", f.Object, f.Err))
	}
	return out
}

func (s bridgeSource) Components() []metrics.Component {
	states := s.br.Components()
	out := make([]metrics.Component, len(states))
	for i, c := range states {
		out[i] = metrics.Component{Name: c.Name, Status: int(c.Status), IncidentOpen: c.IncidentOpen}
	}
	return out
}
