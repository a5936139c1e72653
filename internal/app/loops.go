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
	"statusbridge/internal/maintenance"
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

// syncer is what syncLoop needs.
type syncer struct {
	am *alertmanager.APIClient
	br *bridge.Bridge
	// maintenance shows silenced alerts' components Under Maintenance;
	// otherwise a silenced alert counts as resolved.
	maintenance bool
	// windows, when set, announces silences as Cachet maintenance windows
	// on the visible components of the configuration in force.
	windows *maintenance.Windows
	visible func() []string
	log     *slog.Logger
}

// syncLoop reads Alertmanager's current alerts every interval and makes
// the bridge agree, recovering notifications that never arrived; with
// windows, it then makes the maintenance windows agree with the silences.
func syncLoop(ctx context.Context, s syncer, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		if s.br.Loaded() {
			s.once(ctx)
		}
	}
}

// once is one sync; failures are logged and retried at the next.
func (s syncer) once(ctx context.Context) {
	fetchedAt := time.Now()
	cur, err := s.am.Current(ctx)
	if err != nil {
		s.log.Warn("alertmanager sync: cannot read current alerts", "err", err)
		return
	}
	res, err := s.br.Sync(ctx, cur, fetchedAt, s.maintenance)
	if err != nil {
		s.log.Warn("alertmanager sync: cachet not updated yet; retrying in the background", "err", err)
	}
	if res.Applied > 0 {
		s.log.Info("alertmanager sync changed the state", "applied", res.Applied, "active", len(cur.Active), "silenced", len(cur.Silenced))
	}
	if s.windows == nil {
		return
	}
	silences, err := s.am.ActiveSilences(ctx)
	if err != nil {
		s.log.Warn("alertmanager sync: cannot read silences; maintenance windows unchanged until the next sync", "err", err)
		return
	}
	if _, err := s.windows.Sync(ctx, s.visible(), silences, cur.Silenced); err != nil {
		s.log.Warn("alertmanager sync: maintenance windows not in step with the silences; retrying at the next sync", "err", err)
	}
}

// bridgeSource adapts the bridge to what the metrics read at scrape time.
type bridgeSource struct{ br *bridge.Bridge }

func (s bridgeSource) Pending() int { return s.br.Pending() }

func (s bridgeSource) Health() metrics.Health {
	h := s.br.Health()
	return metrics.Health{Reachable: h.Reachable, Authorised: h.Authorised, Permanent: h.Permanent,
		PermanentTotal: h.PermanentTotal, LostTotal: h.LostTotal, HeartbeatLastSeen: s.br.HeartbeatLastSeen(), Holds: s.br.Holds()}
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
