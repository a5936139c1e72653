package bridge

import (
	"context"
	"errors"
	"fmt"

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
	var ts []status.Target
	var timed []timedTarget
	var alerts template.Alerts
	for _, t := range b.feeds[name] {
		c := t.condition(r.degraded)
		if r.outageAfter > 0 && (c.down || c.degraded) {
			timed = append(timed, c)
		}
		if !t.member() {
			continue
		}
		if r.outageAfter > 0 && !c.down && !c.degraded {
			timed = append(timed, c) // a configured member that is up
		}
		ts = append(ts, status.Target{Down: c.down, Degraded: c.degraded, Critical: t.critical, Maintenance: t.maintenance})
		if !b.keepAlerts {
			continue // no text reads them
		}
		for _, a := range t.alerts {
			if a.counts() && a.alert.Labels != nil {
				alerts = append(alerts, a.alert)
			}
		}
	}
	computed, ok := status.Evaluate(ts, r.majorWhen)
	if !ok && len(b.feeds[name]) > 0 {
		// Fed only by discovered targets, none of them firing now.
		computed, ok = status.Operational, true
	}
	if !ok {
		return serviceView{s: s, alerts: alerts}, true
	}
	now := b.now()
	start := now
	if s.fresh {
		// After a restart, a recovery window runs from the last recovery
		// Cachet recorded among the members, not from the restart.
		s.fresh = false
		start = lastRecovery(b.feeds[name], now)
	}
	s.better = calmer(s.better, computed, start)
	p := publishState{published: s.published, computed: computed, better: s.better,
		outageAfter: r.outageAfter, recoveryAfter: r.recoveryAfter, now: now}
	if r.outageAfter > 0 {
		p.worse = worseSince(timed, r.majorWhen)
	}
	want, next := decidePublish(p)
	if want != s.published && s.published != 0 {
		if want != computed {
			b.log.Info("status change damped: publishing part of it now", "component", name, "computed", computed, "published", want)
		}
	}
	s.published = want
	if !next.IsZero() {
		b.waitUntil(name, next)
		if want != computed {
			b.log.Info("status change waits for its window", "component", name, "computed", computed, "published", want, "publish_at", next)
		}
	}
	return serviceView{s: s, want: want, openAt: r.openAt, ok: true, alerts: alerts}, true
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
	id, known := s.id, s.known
	if id == 0 && !s.reported {
		s.reported = true
		b.log.Warn("visible component not found in Cachet; run statusbridge setup", "component", name, "group", s.group)
	}
	b.mu.Unlock()
	if id == 0 || !v.ok {
		return nil
	}
	if v.want != known {
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
