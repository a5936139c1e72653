package bridge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"statusbridge/internal/cachet"
)

// Resync re-reads Cachet and converges everything that differs from the
// desired state: a status edited in the dashboard, a managed component
// deleted, an incident resolved or deleted by a person. Drift is logged.
// It also forgets alerts resolved more than a day ago.
func (b *Bridge) Resync(ctx context.Context) error {
	snap, err := b.cachet.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("resync: %w", err)
	}
	incs, err := b.cachet.ListOpenIncidents(ctx)
	if err != nil {
		return fmt.Errorf("resync: %w", err)
	}
	byName := snap.ComponentsByName()
	b.confirmMissing(ctx, byName)
	b.lookAtCover(ctx)
	openIDs := map[int]bool{}
	for _, in := range incs {
		openIDs[in.ID] = true
	}

	b.mu.Lock()
	if !b.loaded {
		b.mu.Unlock()
		return ErrNotLoaded
	}
	for _, t := range b.targets {
		b.observeTarget(t, byName)
	}
	byID := map[int]*service{}
	for _, s := range b.services {
		b.observeService(s, byName, openIDs)
		if s.id != 0 {
			byID[s.id] = s
		}
	}
	// Open incidents statusbridge does not hold (a create whose answer was
	// lost, a second one opened meanwhile) are adopted or marked stale.
	for _, in := range incs {
		if s := b.incidentOwner(in, byID); s != nil {
			s.adoptIncident(in.ID)
		}
	}
	b.prune()
	keys := slices.Sorted(maps.Keys(b.targets))
	b.mu.Unlock()
	return b.converge(ctx, keys)
}

// observeTarget records what Cachet now holds for t's invisible component;
// a difference from what statusbridge wrote is drift, repaired by the
// convergence that follows. b.mu must be held.
func (b *Bridge) observeTarget(t *target, byName map[string]cachet.Component) {
	c, ok := byName[t.key]
	switch {
	case !ok && t.id != 0:
		b.log.Warn("drift: invisible component deleted in Cachet; recreating it", "component", t.key, "component_id", t.id)
		t.id, t.known = 0, compState{}
	case ok && t.id == 0:
		t.id, t.known = c.ID, observed(c, b.head)
	case ok && observed(c, b.head) != t.known:
		b.log.Warn("drift: invisible component changed in Cachet; restoring it", "component", t.key,
			"component_id", c.ID, "old_status", t.known.status, "new_status", c.Status)
		t.id, t.known = c.ID, observed(c, b.head)
	}
}

// observeService records what Cachet now holds for a visible component and
// its incident. b.mu must be held.
func (b *Bridge) observeService(s *service, byName map[string]cachet.Component, openIDs map[int]bool) {
	c, ok := byName[s.name]
	hold := rulesFor(b.cfg, s.name).manualHold
	switch {
	case !ok || !c.Enabled:
		s.id = 0
	case c.ID == s.id && c.Status != s.known && s.known != 0 && s.held == 0 && hold > 0:
		b.startHoldLocked(s, c.Status, hold)
	case c.ID != s.id || c.Status != s.known:
		if s.id != 0 && c.Status != s.known {
			b.log.Warn("drift: component status changed in Cachet; restoring it", "component", s.name,
				"component_id", c.ID, "old_status", s.known, "new_status", c.Status)
		}
		s.id, s.known = c.ID, c.Status
	}
	switch {
	case s.incident == 0 || openIDs[s.incident]:
	case s.resolving[s.incident] != resolveNone:
		// Our own resolve whose answer was lost: it did land.
		delete(s.resolving, s.incident)
		s.incident = 0
	default:
		b.log.Warn("incident resolved or deleted in Cachet by a person; no new one until the outage ends",
			"component", s.name, "incident_id", s.incident)
		s.incident, s.personClosed = 0, true
	}
}

// adoptIncident takes an open incident of statusbridge's that the
// component does not hold: as its own if it holds none, else as a
// leftover to resolve.
func (s *service) adoptIncident(id int) {
	switch {
	case s.incident == id || slices.Contains(s.stale, id):
	case s.incident == 0:
		s.incident, s.announced, s.createAmbiguous = id, s.known, false
	default:
		s.stale = append(s.stale, id)
	}
}

// confirmMissing reads directly each component statusbridge knows by id
// that the list did not show (spec §10): a list read while Cachet writes
// can skip rows, so only a 404 counts as deleted. A component that is
// there, or whose read fails, is put back into byName as read or as last
// known, so that nothing is recreated on a list's word alone.
func (b *Bridge) confirmMissing(ctx context.Context, byName map[string]cachet.Component) {
	type suspect struct {
		name string
		last cachet.Component
	}
	var suspects []suspect
	b.mu.Lock()
	for _, t := range b.targets {
		if _, ok := byName[t.key]; !ok && t.id != 0 {
			suspects = append(suspects, suspect{t.key, cachet.Component{ID: t.id, Name: t.key, Status: t.known.status, Description: t.known.description}})
		}
	}
	for _, s := range b.services {
		if c, ok := byName[s.name]; (!ok || !c.Enabled) && s.id != 0 {
			suspects = append(suspects, suspect{s.name, cachet.Component{ID: s.id, Name: s.name, Status: s.known, Enabled: true}})
		}
	}
	b.mu.Unlock()
	for _, sp := range suspects {
		c, err := b.cachet.Component(ctx, sp.last.ID)
		switch {
		case errors.Is(err, cachet.ErrNotFound):
			continue // really gone
		case err != nil:
			b.log.Warn("resync: cannot confirm a component the list did not show; keeping it", "component", sp.name, "component_id", sp.last.ID, "err", err)
			c = sp.last
		case c.Name != sp.name:
			continue // renamed: no longer the object of that name
		}
		byName[sp.name] = c
	}
}

// keepResolved is how long a resolved alert is remembered, so that a late
// firing of the same episode is still recognised as late. Alertmanager
// retries a notification for minutes, not days.
const keepResolved = 24 * time.Hour

// prune forgets resolved alerts older than keepResolved, so that alerts
// whose labels change (and so their fingerprints) cannot grow the state
// without bound. b.mu must be held.
func (b *Bridge) prune() {
	cutoff := b.now().Add(-keepResolved)
	for _, t := range b.targets {
		for fp, a := range t.alerts {
			if !a.firing && a.seen.Before(cutoff) {
				delete(t.alerts, fp)
			}
		}
	}
}
