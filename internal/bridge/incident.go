package bridge

import (
	"context"
	"errors"
	"fmt"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// writeIncident opens, updates or resolves the incident of one visible
// component to match v.want (spec §3): open at Major Outage, keep through
// Partial Outage, resolve at Operational.
//
// The incident is linked to its component with an Operational impact. In
// current Cachet the page shows the worst of a component's own status and
// its open incidents' impacts, and impacts cannot be edited: an impact of
// Major Outage would keep the page red after a partial recovery. The
// component's own status is what statusbridge drives; the link only ties
// the incident to its component on the page.
func (b *Bridge) writeIncident(ctx context.Context, v serviceView) error {
	s := v.s
	b.mu.Lock()
	cfg := b.cfg
	incident, announced, createAmb, closed := s.incident, s.announced, s.createAmbiguous, s.personClosed
	stale := append([]int(nil), s.stale...)
	b.mu.Unlock()

	var errs []error
	for _, id := range stale {
		if err := b.resolve(ctx, s, id); err != nil {
			errs = append(errs, err)
			continue
		}
		b.mu.Lock()
		s.stale = removeInt(s.stale, id)
		b.mu.Unlock()
	}

	b.mu.Lock()
	resolving := incident != 0 && s.resolving[incident] != resolveNone
	b.mu.Unlock()
	recovered := v.want == status.Operational || v.want == status.UnderMaintenance
	if resolving && !recovered {
		// The outage ended and its resolve began but did not finish; it is
		// finished first, and a new outage gets a new incident.
		if err := b.closeIncident(ctx, s, incident); err != nil {
			return errors.Join(append(errs, err)...)
		}
		incident = 0
	}

	if incident == 0 && createAmb {
		// A create whose answer was lost may have landed: find it before
		// anything else, whatever the status is now, so it is neither
		// duplicated nor left open.
		found, err := b.findIncident(ctx, s.id)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("look up incident of %q after a lost create: %w", s.name, err))...)
		}
		b.mu.Lock()
		s.createAmbiguous = false
		if found != 0 {
			s.incident, s.announced, incident, announced = found, status.MajorOutage, found, status.MajorOutage
		}
		b.mu.Unlock()
	}

	switch {
	case incident == 0 && recovered:
		b.mu.Lock()
		s.personClosed = false
		b.mu.Unlock()
	case incident == 0 && v.want == status.MajorOutage && !closed:
		if err := b.open(ctx, cfg, v); err != nil {
			errs = append(errs, err)
		}
	case incident != 0 && recovered:
		if err := b.closeIncident(ctx, s, incident); err != nil {
			errs = append(errs, err)
		}
	case incident != 0 && v.want != announced && cfg.RecurringAlertUpdateMessage != "":
		msg := status.Cut(b.text(cfg.RecurringAlertUpdateMessage, v), status.MaxMessage)
		err := b.cachet.AddUpdate(ctx, incident, cachet.IncidentIdentified, msg)
		if errors.Is(err, cachet.ErrNotFound) {
			// A person deleted it during the outage: as for one they
			// resolved, no new one until the outage is over.
			b.log.Warn("incident deleted in Cachet by a person; no new one until the outage ends", "component", s.name, "incident_id", incident)
			b.mu.Lock()
			s.incident, s.announced, s.personClosed = 0, 0, true
			b.mu.Unlock()
			break
		}
		if err != nil {
			if !cachet.Ambiguous(err) {
				errs = append(errs, fmt.Errorf("post update to incident %d of %q: %w", incident, s.name, err))
				break
			}
			// The update may be on the page already; posting it again would
			// show it twice, and a missing one is only a lost courtesy.
			b.log.Warn("incident update answer lost; not repeating it", "incident_id", incident, "component", s.name, "err", err)
		}
		b.mu.Lock()
		s.announced = v.want
		b.mu.Unlock()
	}
	return errors.Join(errs...)
}

// closeIncident resolves the component's open incident and forgets it.
func (b *Bridge) closeIncident(ctx context.Context, s *service, id int) error {
	if err := b.resolve(ctx, s, id); err != nil {
		return err
	}
	b.mu.Lock()
	s.incident, s.announced = 0, 0
	b.mu.Unlock()
	return nil
}

func (b *Bridge) open(ctx context.Context, cfg *config.Config, v serviceView) error {
	s := v.s
	in, err := b.cachet.CreateIncident(ctx, cachet.NewIncident{
		Name:       status.Cut(b.text(cfg.NewIncidentName, v), status.MaxName),
		Message:    status.Cut(b.text(cfg.NewIncidentMessage, v), status.MaxMessage),
		Status:     cachet.IncidentInvestigating,
		Visible:    true,
		Components: []cachet.Impact{{ComponentID: s.id, Status: status.Operational}},
		Meta:       map[string]any{MetaKey: s.id},
	})
	if err != nil {
		if cachet.Ambiguous(err) {
			b.mu.Lock()
			s.createAmbiguous = true
			b.mu.Unlock()
		}
		return fmt.Errorf("open incident for %q: %w", s.name, err)
	}
	b.mu.Lock()
	s.incident, s.announced, s.createAmbiguous = in.ID, v.want, false
	b.mu.Unlock()
	b.log.Info("opened incident", "component", s.name, "incident_id", in.ID)
	return nil
}

// resolve marks an incident fixed with the resolved message. Cachet before
// 2026-07 does not sync the incident's own status from updates, so there
// the status is also written.
func (b *Bridge) resolve(ctx context.Context, s *service, id int) error {
	b.mu.Lock()
	st := s.resolving[id]
	head, cfg := b.head, b.cfg
	b.mu.Unlock()
	setStep := func(step resolveStep) {
		b.mu.Lock()
		if s.resolving == nil {
			s.resolving = map[int]resolveStep{}
		}
		s.resolving[id] = step
		b.mu.Unlock()
	}

	if st == resolveUncertain {
		in, err := b.cachet.Incident(ctx, id)
		switch {
		case errors.Is(err, cachet.ErrNotFound):
			st = resolvePosted // deleted by a person: nothing left to resolve
		case err != nil:
			return fmt.Errorf("check incident %d of %q after a lost update: %w", id, s.name, err)
		case in.Status == cachet.IncidentFixed:
			st = resolvePosted
		default:
			st = resolveNone
		}
	}
	if st == resolveNone {
		msg := status.Cut(b.text(cfg.ResolvedIncidentMessage, serviceView{s: s, want: status.Operational}), status.MaxMessage)
		err := b.cachet.AddUpdate(ctx, id, cachet.IncidentFixed, msg)
		if errors.Is(err, cachet.ErrNotFound) {
			b.log.Warn("incident deleted in Cachet before statusbridge resolved it", "component", s.name, "incident_id", id)
			b.mu.Lock()
			delete(s.resolving, id)
			b.mu.Unlock()
			return nil
		}
		if err != nil {
			if cachet.Ambiguous(err) {
				setStep(resolveUncertain)
			}
			return fmt.Errorf("resolve incident %d of %q: %w", id, s.name, err)
		}
		setStep(resolvePosted)
	}
	if !head {
		if _, err := b.cachet.UpdateIncident(ctx, id, cachet.IncidentFields{Status: cachet.Ptr(cachet.IncidentFixed)}); err != nil && !errors.Is(err, cachet.ErrNotFound) {
			setStep(resolvePosted)
			return fmt.Errorf("set incident %d of %q to fixed: %w", id, s.name, err)
		}
	}
	b.mu.Lock()
	delete(s.resolving, id)
	b.mu.Unlock()
	b.log.Info("resolved incident", "component", s.name, "incident_id", id)
	return nil
}

// resolveStep records how far resolving one incident got, so a retry does
// not post the resolved message twice.
type resolveStep int

const (
	resolveNone      resolveStep = iota
	resolveUncertain             // the update's answer was lost
	resolvePosted                // the fixed update is on the incident
)

// findIncident looks for an open incident statusbridge opened for the
// component with this id.
func (b *Bridge) findIncident(ctx context.Context, componentID int) (int, error) {
	incs, err := b.cachet.ListOpenIncidents(ctx)
	if err != nil {
		return 0, err
	}
	s := &service{id: componentID}
	byID := map[int]*service{componentID: s}
	found := 0
	for _, in := range incs {
		if b.incidentOwner(in, byID) == s && in.ID > found {
			found = in.ID
		}
	}
	return found, nil
}

func (b *Bridge) text(tmpl string, v serviceView) string {
	data := alertmanager.IncidentData{Component: v.s.name, Group: v.s.group, Status: v.want.Label(), Alerts: v.alerts}
	out, err := b.render.Render(tmpl, data)
	if err != nil {
		b.log.Error("incident text template failed; using the plain component name", "component", v.s.name, "err", err)
		return v.s.name
	}
	return out
}

func removeInt(s []int, v int) []int {
	out := s[:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
