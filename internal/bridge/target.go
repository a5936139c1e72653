package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/template"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

// target is one scraped endpoint and its invisible component.
type target struct {
	key        string // the invisible component's name
	instance   string
	raw        string // status_page_component as written
	components []string
	critical   bool
	alerts     map[string]*alertState
	// maintenance: a silence mutes its alerts and silenced alerts are
	// shown as maintenance (Alertmanager sync).
	maintenance bool

	id        int // Cachet id; 0 until created
	known     compState
	ambiguous bool // a create's outcome is unknown: look it up first

	// configured: prometheus.yml lists it. Any other target was
	// discovered in an alert and counts only while an alert fires on it.
	configured bool
	// active is when an alert last fired on it, or when it was first
	// known: a discovered target quiet for the TTL is forgotten.
	active time.Time
	// foreign: its Cachet component is enabled or in a group, so it is
	// not statusbridge's to delete.
	foreign bool
	// upSince is, for a target Cachet showed healthy at load, when its
	// component was last written: about when it recovered. A restart
	// takes the damping recovery windows from it.
	upSince time.Time
}

// member reports whether the target counts toward its visible components
// (spec §10): a configured target always, a discovered one only while one
// of its alerts fires, so a departed instance never waters down a service.
func (t *target) member() bool { return t.configured || t.firing() }

// firing reports whether any alert fires on the target, muted or not.
func (t *target) firing() bool {
	for _, a := range t.alerts {
		if a.firing {
			return true
		}
	}
	return false
}

// record applies one event and keeps the target's activity clock: it was
// active while an alert fired on it, up to the moment the last one ended.
func (t *target) record(ev alertmanager.Event, now time.Time) outcome {
	was := t.firing()
	out := t.apply(ev, now)
	if was || t.firing() {
		t.active = now
	}
	return out
}

type alertState struct {
	name     string
	severity string
	firing   bool
	startsAt time.Time
	alert    template.Alert
	seen     time.Time // when statusbridge last heard of it
	// muted: it fires but a silence mutes it, so it does not count (seen
	// only through Alertmanager sync). It keeps its episode, so the same
	// alert firing on once the silence ends is not taken for a late one.
	muted bool
}

func (a *alertState) counts() bool { return a.firing && !a.muted }

type compState struct {
	status      status.Status
	description string
	meta        string // metaKey of statusbridge's metadata; "" without
}

// targetKey is the target an event is about: its invisible component's name.
func targetKey(ev alertmanager.Event) string {
	return status.InvisibleName(ev.Instance, ev.ComponentsRaw)
}

// outcome is what recording one event did.
type outcome int

const (
	applied   outcome = iota
	duplicate         // the same as the state held
	stale             // older than the state held
)

// apply records one event. Notifications about one alert are ordered by
// startsAt, and at equal startsAt a resolved comes after its firing; the
// newest one wins whatever order they arrive in. So a late firing (an
// Alertmanager retry, an HA peer) cannot undo a resolve, and the resolve of
// an older episode cannot end a newer one.
func (t *target) apply(ev alertmanager.Event, now time.Time) outcome {
	// A real notification replaces what was restored from Cachet.
	delete(t.alerts, restoredKey(ev.AlertName))
	delete(t.alerts, restoredAny)
	// A description cannot tell "a,b" from "a" and "b" (Cachet before
	// metadata), so the parts of a name with commas go with it.
	for p := range strings.SplitSeq(ev.AlertName, ",") {
		delete(t.alerts, restoredKey(strings.TrimSpace(p)))
	}
	if a := t.alerts[ev.Fingerprint]; a != nil {
		switch c := compareEpisode(ev.StartsAt, ev.Firing, a.startsAt, a.firing); {
		case c < 0:
			return stale
		case c == 0:
			a.seen = now
			if a.muted {
				a.muted = false // notified again: the silence is over
				return applied
			}
			return duplicate
		}
	}
	t.alerts[ev.Fingerprint] = &alertState{name: ev.AlertName, severity: ev.Severity, firing: ev.Firing, startsAt: ev.StartsAt, alert: ev.Alert, seen: now}
	return applied
}

// compareEpisode orders two notifications of one alert.
func compareEpisode(at1 time.Time, firing1 bool, at2 time.Time, firing2 bool) int {
	if c := at1.Compare(at2); c != 0 {
		return c
	}
	switch {
	case firing1 == firing2:
		return 0
	case firing1:
		return -1
	default:
		return 1
	}
}

func (t *target) down() bool {
	for _, a := range t.alerts {
		if a.counts() {
			return true
		}
	}
	return false
}

// desired is what the target's invisible component should hold. With
// metadata (head), it also records the exact alert names.
func (t *target) desired(head bool) (compState, map[string]any) {
	var names []string
	var firing []status.MetaAlert
	for _, a := range t.alerts {
		if a.counts() {
			names = append(names, a.name)
			firing = append(firing, status.MetaAlert{Name: a.name, Severity: a.severity, Start: unix(a.startsAt)})
		}
	}
	s := status.Operational
	switch {
	case len(names) > 0:
		s = status.MajorOutage
	case t.maintenance:
		s = status.UnderMaintenance
	}
	want := compState{status: s, description: status.Description(t.critical, names)}
	if !head || len(names) == 0 {
		// Only a target in an outage is restored from its metadata, so a
		// healthy one need not be rewritten to record it.
		return want, nil
	}
	meta := status.TargetMeta{Instance: t.instance, Components: t.raw, Alerts: firing}.Encode()
	want.meta = metaKey(meta)
	return want, meta
}

// unix is t in Unix seconds, 0 for the zero time.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// observed is what Cachet holds for an invisible component.
func observed(c cachet.Component, head bool) compState {
	cs := compState{status: c.Status, description: c.Description}
	if head && c.Status == status.MajorOutage {
		cs.meta = metaKey(c.Meta)
	}
	return cs
}

// metaKey is a comparable form of statusbridge's metadata keys.
func metaKey(meta map[string]any) string {
	m, complete, ok := status.DecodeTargetMeta(meta)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%q %q %+v %v", m.Instance, m.Components, m.Alerts, complete)
}

func (b *Bridge) convergeTarget(ctx context.Context, key string) error {
	unlock, err := b.lock(ctx, targetObj(key))
	if err != nil {
		b.failed(targetObj(key), err)
		return err
	}
	defer unlock()
	if err := b.writeTarget(ctx, key); err != nil {
		b.failed(targetObj(key), err)
		return err
	}
	b.succeeded(targetObj(key))
	return nil
}

// writeTarget converges one invisible component. A 404 on the id it knows
// (deleted in the dashboard, pruned by setup) is looked up by name and
// recreated at once, not left for the next resync.
func (b *Bridge) writeTarget(ctx context.Context, key string) error {
	err := b.writeTargetOnce(ctx, key)
	if !errors.Is(err, errLost) {
		return err
	}
	b.log.Warn("invisible component gone from Cachet; looking it up and recreating it", "component", key, "err", err)
	return b.writeTargetOnce(ctx, key)
}

// errLost marks a write that found its object deleted in Cachet.
var errLost = errors.New("gone from cachet")

func (b *Bridge) writeTargetOnce(ctx context.Context, key string) error {
	// A look-up, then a create or an update, then agreement: three steps
	// at most; one more leaves room for a look-up that found nothing.
	for range 4 {
		b.mu.Lock()
		t := b.targets[key]
		want, meta := t.desired(b.head)
		id, known, amb, head := t.id, t.known, t.ambiguous, b.head
		b.mu.Unlock()
		var err error
		switch decideTarget(id, amb, want, known) {
		case targetDone:
			return nil
		case targetLookUp:
			err = b.lookUpTarget(ctx, t, head)
		case targetCreate:
			err = b.createTarget(ctx, t, want, meta)
		case targetUpdate:
			err = b.updateTarget(ctx, t, id, known, want, meta)
		}
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("invisible component %q: no progress (a bug; please report it)", key)
}

// lookUpTarget finds by name a component whose create's answer was lost.
func (b *Bridge) lookUpTarget(ctx context.Context, t *target, head bool) error {
	found, err := b.findComponent(ctx, t.key)
	if err != nil {
		return fmt.Errorf("look up invisible component %q after a lost create: %w", t.key, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t.ambiguous = false
	if found != nil {
		t.id, t.known = found.ID, observed(*found, head)
	}
	return nil
}

func (b *Bridge) createTarget(ctx context.Context, t *target, want compState, meta map[string]any) error {
	c, err := b.cachet.CreateComponent(ctx, cachet.ComponentFields{
		Name:        cachet.Ptr(t.key),
		Description: cachet.Ptr(want.description),
		Status:      cachet.Ptr(want.status),
		Enabled:     cachet.Ptr(false),
		Meta:        meta,
	})
	if err != nil {
		if cachet.Ambiguous(err) {
			b.mu.Lock()
			t.ambiguous = true
			b.mu.Unlock()
		}
		return fmt.Errorf("create invisible component %q: %w", t.key, err)
	}
	b.mu.Lock()
	t.id, t.known, t.ambiguous = c.ID, want, false
	b.mu.Unlock()
	b.log.Info("created invisible component", "component", t.key, "component_id", c.ID)
	b.logChange(t.key, 0, want.status)
	return nil
}

func (b *Bridge) updateTarget(ctx context.Context, t *target, id int, known, want compState, meta map[string]any) error {
	// enabled:false on every write: Cachet before 2026-07 re-enables a
	// component whose update omits it, which would publish the target.
	_, err := b.cachet.UpdateComponent(ctx, id, cachet.ComponentFields{
		Description: cachet.Ptr(want.description),
		Status:      cachet.Ptr(want.status),
		Enabled:     cachet.Ptr(false),
		Meta:        meta,
	})
	if errors.Is(err, cachet.ErrNotFound) {
		b.mu.Lock()
		if t.id == id {
			t.id, t.known, t.ambiguous = 0, compState{}, true
			b.lostTotal++
		}
		b.mu.Unlock()
		return fmt.Errorf("update invisible component %q (id %d): %w: %w", t.key, id, errLost, err)
	}
	if err != nil {
		if cachet.Ambiguous(err) {
			// It may have landed: what Cachet holds is unknown now, so the
			// next convergence writes whatever the desired state is then,
			// even the state statusbridge last knew.
			b.mu.Lock()
			t.known = compState{}
			b.mu.Unlock()
		}
		return fmt.Errorf("update invisible component %q (id %d): %w", t.key, id, err)
	}
	b.mu.Lock()
	t.known = want
	b.mu.Unlock()
	if want.status != known.status {
		b.logChange(t.key, known.status, want.status)
	}
	return nil
}

// findComponent looks one component up by name, lowest id first, without
// re-reading every component.
func (b *Bridge) findComponent(ctx context.Context, name string) (*cachet.Component, error) {
	comps, err := b.cachet.ComponentsNamed(ctx, name)
	if err != nil || len(comps) == 0 {
		return nil, err
	}
	return &comps[0], nil
}

func (b *Bridge) logChange(component string, from, to status.Status) {
	b.log.Info("[COMPONENT_STATUS_CHANGE]", "component", component, "old_status", from, "new_status", to)
}
