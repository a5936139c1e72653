package bridge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

// writeIncident opens, updates or resolves the incident of one visible
// component to match v.want: it asks decideIncident for the next write,
// runs it, records the outcome and asks again until nothing is left.
//
// The incident is linked to its component with an Operational impact. In
// current Cachet the page shows the worst of a component's own status and
// its open incidents' impacts, and impacts cannot be edited: an impact of
// Major Outage would keep the page red after a partial recovery. The
// component's own status is what statusbridge drives; the link only ties
// the incident to its component on the page.
func (b *Bridge) writeIncident(ctx context.Context, v serviceView) error {
	s := v.s
	tried := map[int]bool{}
	var errs []error
	for range maxIncidentSteps {
		b.mu.Lock()
		covered, _ := b.coveredLocked(s.id)
		st := incidentState{
			covered: covered,
			want:    v.want, openAt: v.openAt, incident: s.incident, announced: s.announced,
			stale: slices.Clone(s.stale), tried: tried, resolving: maps.Clone(s.resolving),
			createAmbiguous: s.createAmbiguous, personClosed: s.personClosed,
			recurring: b.cfg.RecurringAlertUpdateMessage != "", head: b.head,
		}
		b.mu.Unlock()
		step := decideIncident(st)
		if step.kind == incidentDone {
			return errors.Join(errs...)
		}
		err := b.runIncident(ctx, v, step)
		switch {
		case err == nil:
		case step.id != 0 && slices.Contains(st.stale, step.id):
			tried[step.id] = true // a leftover does not hold up the rest
			errs = append(errs, err)
		default:
			return errors.Join(append(errs, err)...)
		}
	}
	return fmt.Errorf("incident of %q: no progress after %d steps (a bug; please report it)", s.name, maxIncidentSteps)
}

// maxIncidentSteps bounds one writeIncident; every step changes the state,
// and a component needs fewer than ten even with leftovers to resolve.
const maxIncidentSteps = 64

// runIncident runs one step decideIncident chose and records its outcome.
func (b *Bridge) runIncident(ctx context.Context, v serviceView, step incidentStep) error {
	s := v.s
	switch step.kind {
	case incidentCheck:
		return b.checkResolved(ctx, s, step.id)
	case incidentPostFixed:
		return b.postFixed(ctx, s, step.id)
	case incidentPatchFixed:
		_, err := b.cachet.UpdateIncident(ctx, step.id, cachet.IncidentFields{Status: cachet.Ptr(cachet.IncidentFixed)})
		if err != nil && !errors.Is(err, cachet.ErrNotFound) {
			return fmt.Errorf("set incident %d of %q to fixed: %w", step.id, s.name, err)
		}
		b.setResolve(s, step.id, resolvePatched)
	case incidentResolved:
		b.mu.Lock()
		delete(s.resolving, step.id)
		if step.id == s.incident {
			s.incident, s.announced = 0, 0
		} else {
			s.stale = removeInt(s.stale, step.id)
		}
		b.mu.Unlock()
		b.log.Info("resolved incident", "component", s.name, "incident_id", step.id)
	case incidentFind:
		return b.find(ctx, s)
	case incidentForgive:
		b.mu.Lock()
		s.personClosed = false
		b.mu.Unlock()
	case incidentOpen:
		return b.openUnlessCovered(ctx, v)
	case incidentPostUpdate:
		return b.postUpdate(ctx, v, step.id)
	}
	return nil
}

// find looks for an incident whose open's answer was lost: it may have
// landed, and must be neither duplicated nor left open.
func (b *Bridge) find(ctx context.Context, s *service) error {
	found, err := b.findIncident(ctx, s.id)
	if err != nil {
		return fmt.Errorf("look up incident of %q after a lost create: %w", s.name, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s.createAmbiguous = false
	if found != 0 {
		s.incident, s.announced = found, status.MajorOutage
	}
	return nil
}

// postUpdate posts recurring_alert_update_message for a change of outage.
func (b *Bridge) postUpdate(ctx context.Context, v serviceView, id int) error {
	s := v.s
	b.mu.Lock()
	text := b.cfg.RecurringAlertUpdateMessage
	b.mu.Unlock()
	err := b.cachet.AddUpdate(ctx, id, cachet.IncidentIdentified, status.Cut(b.text(text, v), status.MaxMessage))
	switch {
	case errors.Is(err, cachet.ErrNotFound):
		// A person deleted it during the outage: as for one they
		// resolved, no new one until the outage is over.
		b.log.Warn("incident deleted in Cachet by a person; no new one until the outage ends", "component", s.name, "incident_id", id)
		b.mu.Lock()
		s.incident, s.announced, s.personClosed = 0, 0, true
		b.mu.Unlock()
		return nil
	case err != nil && !cachet.Ambiguous(err):
		return fmt.Errorf("post update to incident %d of %q: %w", id, s.name, err)
	case err != nil:
		// The update may be on the page already; posting it again would
		// show it twice, and a missing one is only a lost courtesy.
		b.log.Warn("incident update answer lost; not repeating it", "incident_id", id, "component", s.name, "err", err)
	}
	b.mu.Lock()
	s.announced = v.want
	b.mu.Unlock()
	return nil
}

// openUnlessCovered opens the component's incident unless, read right
// now, a maintenance window or a person's incident covers it; then it looks
// again when the window ends.
func (b *Bridge) openUnlessCovered(ctx context.Context, v serviceView) error {
	if err := b.freshCover(ctx); err != nil {
		return fmt.Errorf("read maintenance windows and open incidents before opening one for %q: %w", v.s.name, err)
	}
	b.mu.Lock()
	covered, again := b.coveredLocked(v.s.id)
	if covered {
		b.waitUntil(v.s.name, again)
	}
	b.mu.Unlock()
	if covered {
		b.log.Info("no incident opened: a maintenance window or a person's incident covers the component", "component", v.s.name, "look_again", again)
		return nil
	}
	return b.open(ctx, v)
}

func (b *Bridge) open(ctx context.Context, v serviceView) error {
	s := v.s
	b.mu.Lock()
	cfg := b.cfg
	b.mu.Unlock()
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

// setResolve records how far resolving incident id got.
func (b *Bridge) setResolve(s *service, id int, step resolveStep) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.resolving == nil {
		s.resolving = map[int]resolveStep{}
	}
	s.resolving[id] = step
}

// checkResolved reads an incident whose fixed update's answer was lost.
func (b *Bridge) checkResolved(ctx context.Context, s *service, id int) error {
	in, err := b.cachet.Incident(ctx, id)
	switch {
	case errors.Is(err, cachet.ErrNotFound):
		b.setResolve(s, id, resolvePatched) // deleted by a person: nothing left to resolve
	case err != nil:
		return fmt.Errorf("check incident %d of %q after a lost update: %w", id, s.name, err)
	case in.Status == cachet.IncidentFixed:
		b.setResolve(s, id, resolvePosted)
	default:
		b.setResolve(s, id, resolveNone)
	}
	return nil
}

// postFixed posts the resolved message with status Fixed.
func (b *Bridge) postFixed(ctx context.Context, s *service, id int) error {
	b.mu.Lock()
	text := b.cfg.ResolvedIncidentMessage
	b.mu.Unlock()
	msg := status.Cut(b.text(text, serviceView{s: s, want: status.Operational}), status.MaxMessage)
	err := b.cachet.AddUpdate(ctx, id, cachet.IncidentFixed, msg)
	switch {
	case errors.Is(err, cachet.ErrNotFound):
		b.log.Warn("incident deleted in Cachet before statusbridge resolved it", "component", s.name, "incident_id", id)
		b.setResolve(s, id, resolvePatched)
	case err != nil:
		if cachet.Ambiguous(err) {
			b.setResolve(s, id, resolveUncertain)
		}
		return fmt.Errorf("resolve incident %d of %q: %w", id, s.name, err)
	default:
		b.setResolve(s, id, resolvePosted)
	}
	return nil
}

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
