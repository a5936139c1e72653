package bridge

import (
	"context"
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
}

func (b *Bridge) convergeService(ctx context.Context, name string) error {
	key := servicePrefix + name
	unlock, err := b.lock(ctx, key)
	if err != nil {
		b.markDirty(key)
		return err
	}
	defer unlock()
	err = b.writeService(ctx, name)
	if err != nil {
		b.markDirty(key)
		return err
	}
	b.clean(key)
	return nil
}

// serviceView is a consistent snapshot of one visible component.
type serviceView struct {
	s      *service
	want   status.Status
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
	var ts []status.Target
	var alerts template.Alerts
	for _, t := range b.feeds[name] {
		ts = append(ts, status.Target{Down: t.down(), Critical: t.critical, Maintenance: t.maintenance})
		if !b.keepAlerts {
			continue // no text reads them
		}
		for _, a := range t.alerts {
			if a.counts() && a.alert.Labels != nil {
				alerts = append(alerts, a.alert)
			}
		}
	}
	want, ok := status.Aggregate(ts)
	return serviceView{s: s, want: want, ok: ok, alerts: alerts}, true
}

func (b *Bridge) writeService(ctx context.Context, name string) error {
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
		if _, err := b.cachet.UpdateComponent(ctx, id, cachet.ComponentFields{Status: cachet.Ptr(v.want)}); err != nil {
			return fmt.Errorf("update component %q (id %d) to %v: %w", name, id, v.want, err)
		}
		b.mu.Lock()
		s.known = v.want
		b.mu.Unlock()
		b.logChange(name, known, v.want)
	}
	return b.writeIncident(ctx, v)
}
