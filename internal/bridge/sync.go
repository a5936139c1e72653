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
		if res.count(t.record(b.trim(ev), now)) == applied {
			touched[t.key] = true
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
		if n := b.resolveUnlisted(t, listed, fetchedAt, now); n > 0 {
			touched[key] = true
			res.Applied += n
		}
	}
	keys := slices.Sorted(maps.Keys(touched))
	b.mu.Unlock()
	return res, b.converge(ctx, keys)
}

// resolveUnlisted ends the alerts on t that fire here but that
// Alertmanager's list, read at fetchedAt, no longer holds, and returns how
// many. Alerts heard of after fetchedAt are left alone. b.mu must be held.
func (b *Bridge) resolveUnlisted(t *target, listed map[string]bool, fetchedAt, now time.Time) int {
	n := 0
	for fp, a := range t.alerts {
		if a.firing && !listed[fp] && a.seen.Before(fetchedAt) {
			a.firing, a.muted, a.seen = false, false, now
			t.active = now
			n++
			b.log.Info("alert resolved by Alertmanager sync (its resolved notification never arrived)",
				"fingerprint", fp, "alertname", a.name, "instance", t.instance)
		}
	}
	return n
}
