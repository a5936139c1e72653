package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/template"

	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

// service is one visible component.
type service struct {
	name  string
	group string
	id    int // 0 when Cachet has no such component
	known status.Status

	incident  int           // the open incident, 0 for none
	announced status.Status // the outage level the incident last reported
	stale     []int         // other open incidents on it, to be resolved
	resolving map[int]resolveStep
	// createAmbiguous marks a create whose answer was lost.
	createAmbiguous bool
	reported        bool // "missing in Cachet" already logged
	// personClosed is set when someone resolved statusbridge's incident in
	// Cachet during the outage: no new one is opened until it is over.
	personClosed bool
	// published is the status statusbridge decided to show, which flap
	// damping may hold back from the computed one; 0 before the first.
	published status.Status
	// better: since when the computed status has been at least as good
	// as each level (damping's recovery windows; kept in memory).
	better levels
	// fresh: loaded from Cachet and not looked at since; its recovery
	// windows are taken from when its targets last recovered.
	fresh bool
	// holdUntil: after a restart found the page worse than the hidden
	// components say, it stays so until then (spec §14).
	holdUntil time.Time
	// held is a status a person set, left alone until heldUntil (spec
	// §13, manual_hold); 0 for none.
	held      status.Status
	heldUntil time.Time
}

func (b *Bridge) convergeService(ctx context.Context, name string) error {
	unlock, err := b.lock(ctx, serviceObj(name))
	if err != nil {
		b.failed(serviceObj(name), err)
		return err
	}
	defer unlock()
	if err := b.writeService(ctx, name); err != nil {
		b.failed(serviceObj(name), err)
		return err
	}
	b.succeeded(serviceObj(name))
	return nil
}

// serviceView is a consistent snapshot of one visible component.
type serviceView struct {
	s *service
	// want is the status to publish: the computed one, or while a flap
	// is damped, the one published before.
	want   status.Status
	openAt status.Status // open_incident_at, as a status; 0 never
	hold   time.Duration // manual_hold
	ok     bool
	alerts template.Alerts
}

func (b *Bridge) view(name string) (serviceView, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.services[name]
	if !ok {
		return serviceView{}, false
	}
	r := rulesFor(b.cfg, name)
	m := b.membersLocked(name, r)
	if !m.ok {
		return serviceView{s: s, alerts: m.alerts}, true
	}
	now := b.now()
	if b.beatLost {
		// The pipeline is dead: what statusbridge knows may be stale.
		m.computed = status.Unknown
	}
	start := now
	if s.fresh {
		// After a restart, a recovery window runs from the last recovery
		// Cachet recorded among the members, not from the restart.
		s.fresh = false
		start = lastRecovery(b.feeds[name], now)
	}
	s.better = calmer(s.better, m.computed, start)
	p := publishState{published: s.published, computed: m.computed, better: s.better,
		outageAfter: r.outageAfter, recoveryAfter: r.recoveryAfter, hold: s.holdUntil, now: now}
	if r.outageAfter > 0 {
		p.worse = worseSince(m.timed, r.majorWhen)
	}
	want, next := decidePublish(p)
	s.published = want
	if !next.IsZero() {
		b.waitUntil(name, next)
		if want != m.computed {
			b.log.Info("status change waits for its window", "component", name, "computed", m.computed, "published", want, "publish_at", next)
		}
	}
	return serviceView{s: s, want: want, openAt: r.openAt, hold: r.manualHold, ok: true, alerts: m.alerts}, true
}

// members is what a visible component's members make of it.
type members struct {
	computed status.Status
	ok       bool          // false: no members, the component is left as it is
	timed    []timedTarget // for the outage windows; only with outage_after
	alerts   template.Alerts
}

// membersLocked evaluates a visible component's members under its rules.
// b.mu must be held.
func (b *Bridge) membersLocked(name string, r rules) members {
	var m members
	var ts []status.Target
	for _, t := range b.feeds[name] {
		c := t.condition(r.degraded)
		if r.outageAfter > 0 && (c.down || c.degraded || t.member()) {
			m.timed = append(m.timed, c)
		}
		if !t.member() {
			continue
		}
		ts = append(ts, status.Target{Down: c.down, Degraded: c.degraded, Critical: t.critical, Maintenance: t.maintenance})
		if !b.keepAlerts {
			continue // no text reads them
		}
		for _, a := range t.alerts {
			if a.counts() && a.alert.Labels != nil {
				m.alerts = append(m.alerts, a.alert)
			}
		}
	}
	m.computed, m.ok = status.Evaluate(ts, r.majorWhen)
	if !m.ok && len(b.feeds[name]) > 0 {
		// Fed only by discovered targets, none of them firing now.
		m.computed, m.ok = status.Operational, true
	}
	return m
}

// holdIfStale is run at load: a visible component that Cachet shows worse
// than its hidden components say may have hidden components that are
// stale, their writes queued behind the visible ones when the last process
// stopped (spec §14). Alertmanager sends again what it was not
// acknowledged; until then the page keeps the outage rather than flap to a
// better status. b.mu must be held.
func (b *Bridge) holdIfStale(s *service) {
	m := b.membersLocked(s.name, rulesFor(b.cfg, s.name))
	cr, cok := m.computed.Rank()
	pr, pok := s.published.Rank()
	if m.ok && cok && pok && cr < pr {
		s.holdUntil = b.now().Add(b.restartHold)
		b.log.Info("cachet shows a worse status than the hidden components; keeping it while Alertmanager sends again what was not acknowledged",
			"component", s.name, "shown", s.published, "computed", m.computed, "until", s.holdUntil)
	}
}

// relocate looks a visible component up by name after a 404 on the id
// statusbridge knew; it forgets the id when the component is really gone.
func (b *Bridge) relocate(ctx context.Context, s *service, lost int) error {
	comps, err := b.cachet.ComponentsNamed(ctx, s.name)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.id != lost {
		return nil // someone else found it meanwhile
	}
	s.id, s.known = 0, 0
	b.lostTotal++
	for _, c := range comps {
		if c.Enabled {
			s.id, s.known = c.ID, c.Status
			b.log.Warn("visible component was re-created in Cachet; using the new one", "component", s.name, "component_id", c.ID, "old_component_id", lost)
			return nil
		}
	}
	s.reported = true
	b.log.Warn("visible component deleted in Cachet; run statusbridge setup", "component", s.name, "component_id", lost, "group", s.group)
	return nil
}

// personFirst applies manual_hold before a status write: it reports
// whether statusbridge may write the status, which it may not while a
// person's status is held.
func (b *Bridge) personFirst(ctx context.Context, v serviceView) (bool, error) {
	s := v.s
	b.mu.Lock()
	known := s.known
	b.mu.Unlock()
	if v.hold > 0 && v.want != known {
		if err := b.noticePerson(ctx, s, v.hold); err != nil {
			return false, err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch decideHold(s.held, s.heldUntil, v.want, b.now()) {
	case holdKeep:
		return false, nil
	case holdRelease:
		b.log.Info("manual hold over; statusbridge writes the component's status again", "component", s.name, "held", s.held)
		s.held, s.heldUntil = 0, time.Time{}
	}
	return true, nil
}

// writeService converges one visible component and its incident. A 404 on
// the component's id is looked up by name at once and written again.
func (b *Bridge) writeService(ctx context.Context, name string) error {
	err := b.writeServiceOnce(ctx, name)
	if errors.Is(err, errLost) {
		return b.writeServiceOnce(ctx, name)
	}
	return err
}

func (b *Bridge) writeServiceOnce(ctx context.Context, name string) error {
	v, exists := b.view(name)
	if !exists {
		return nil // reported when the target was first seen
	}
	s := v.s
	b.mu.Lock()
	id := s.id
	if id == 0 && !s.reported {
		s.reported = true
		b.log.Warn("visible component not found in Cachet; run statusbridge setup", "component", name, "group", s.group)
	}
	b.mu.Unlock()
	if id == 0 || !v.ok {
		return nil
	}
	write, err := b.personFirst(ctx, v)
	if err != nil {
		return err
	}
	b.mu.Lock()
	known := s.known
	b.mu.Unlock()
	if write && v.want != known {
		_, err := b.cachet.UpdateComponent(ctx, id, cachet.ComponentFields{Status: cachet.Ptr(v.want)})
		if errors.Is(err, cachet.ErrNotFound) {
			// Deleted in the dashboard: find it again by name at once.
			if lerr := b.relocate(ctx, s, id); lerr != nil {
				return fmt.Errorf("update component %q (id %d): %w; look it up again: %w", name, id, err, lerr)
			}
			return fmt.Errorf("update component %q (id %d): %w: %w", name, id, errLost, err)
		}
		if err != nil {
			if cachet.Ambiguous(err) {
				b.mu.Lock()
				s.known = 0 // it may have landed: unknown until written again
				b.mu.Unlock()
			}
			return fmt.Errorf("update component %q (id %d) to %v: %w", name, id, v.want, err)
		}
		b.mu.Lock()
		s.known = v.want
		b.mu.Unlock()
		b.logChange(name, known, v.want)
	}
	return b.writeIncident(ctx, v)
}
