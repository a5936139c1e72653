package bridge

import (
	"context"
	"maps"
	"slices"
	"time"

	"statusbridge/internal/alertmanager"
)

// Sync makes the desired state agree with Alertmanager's own list of
// current alerts, read at fetchedAt: what it lists fires, and an alert
// statusbridge holds as firing that it no longer lists has resolved — a
// "resolved" that never arrived, or an alert a silence muted before it
// ended. Alerts heard of after fetchedAt are left alone: the list predates
// them. Silenced alerts do not count; with maintenance set they put their
// target under maintenance.
func (b *Bridge) Sync(ctx context.Context, cur alertmanager.Current, fetchedAt time.Time, maintenance bool) (Result, error) {
	var res Result
	listed := map[string]bool{}
	touched := map[string]bool{}
	muted := map[string]bool{}
	b.mu.Lock()
	if !b.loaded {
		b.mu.Unlock()
		return res, ErrNotLoaded
	}
	now := b.now()
	record := func(ev alertmanager.Event) *target {
		t := b.addTarget(targetKey(ev), ev.Instance, ev.ComponentsRaw, ev.Critical)
		listed[ev.Fingerprint] = true
		switch t.record(b.trim(ev), now) {
		case applied:
			res.Applied++
			touched[t.key] = true
		case duplicate:
			res.Duplicate++
		case stale:
			res.Stale++
		}
		return t
	}
	for _, ev := range cur.Active {
		record(ev)
	}
	for _, ev := range cur.Silenced {
		t := record(ev)
		if a := t.alerts[ev.Fingerprint]; a.firing && !a.muted {
			a.muted = true
			touched[t.key] = true
		}
		if maintenance {
			muted[t.key] = true
		}
	}
	for key, t := range b.targets {
		if t.maintenance != muted[key] {
			t.maintenance = muted[key]
			touched[key] = true
		}
		for fp, a := range t.alerts {
			if a.firing && !listed[fp] && a.seen.Before(fetchedAt) {
				a.firing, a.muted, a.seen = false, false, now
				touched[key] = true
				res.Applied++
				b.log.Info("alert resolved by Alertmanager sync (its resolved notification never arrived)",
					"fingerprint", fp, "alertname", a.name, "instance", t.instance)
			}
		}
	}
	keys := slices.Sorted(maps.Keys(touched))
	b.mu.Unlock()
	return res, b.converge(ctx, keys)
}
