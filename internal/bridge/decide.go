package bridge

import "statusbridge/internal/status"

// This file is the bridge's decision layer: pure functions from what
// statusbridge wants and what it knows of Cachet to the next write. They do
// no I/O and take no locks; the executors (writeTarget, writeIncident) run
// what they return, record the outcome and ask again, until nothing is left
// to do. Each rule of spec §1–§3 and §10 is one case here, and a row of
// decide_test.go.

// targetStep is the next write to a target's invisible component.
type targetStep int

const (
	targetDone   targetStep = iota // Cachet agrees
	targetLookUp                   // a create's answer was lost: find it by name first
	targetCreate                   // no component yet
	targetUpdate                   // status, description or metadata differ
)

// decideTarget is the next write for an invisible component known by id
// (0: none), whose create may have landed unseen (ambiguous).
func decideTarget(id int, ambiguous bool, want, known compState) targetStep {
	switch {
	case id == 0 && ambiguous:
		return targetLookUp
	case id == 0:
		return targetCreate
	case want != known:
		return targetUpdate
	default:
		return targetDone
	}
}

// incidentState is what decideIncident reads of one visible component.
type incidentState struct {
	want      status.Status // the status to publish
	openAt    status.Status // the published status that opens an incident; 0 never
	incident  int           // the open incident statusbridge holds, 0 for none
	announced status.Status // the outage level the incident last reported
	stale     []int         // other open incidents of statusbridge's on it
	// tried holds the stale incidents already tried in this round: one
	// that fails must not keep the component's own incident waiting.
	tried           map[int]bool
	resolving       map[int]resolveStep
	createAmbiguous bool // an open's answer was lost
	personClosed    bool // a person ended statusbridge's incident mid-outage
	// covered: a maintenance window in progress, or a person's incident,
	// as read right before an open (spec §13); none opens then.
	covered   bool
	recurring bool // recurring_alert_update_message is set
	head      bool // Cachet syncs an incident's status from its updates
}

// incidentKind is the kind of the next incident write.
type incidentKind int

const (
	incidentDone       incidentKind = iota
	incidentCheck                   // a fixed update's answer was lost: read the incident
	incidentPostFixed               // post the resolved message, status Fixed
	incidentPatchFixed              // Cachet before 2026-07: set the incident's own status
	incidentResolved                // the resolve is complete: forget the incident (no I/O)
	incidentFind                    // look for an incident whose open was lost
	incidentForgive                 // the outage a person ended is over (no I/O)
	incidentOpen                    // open one
	incidentPostUpdate              // post recurring_alert_update_message
)

// incidentStep is the next incident write and the incident it is about.
type incidentStep struct {
	kind incidentKind
	id   int
}

// decideIncident is the next incident write for one visible component
// (spec §3): one incident per outage, opened at Major Outage, kept through
// Partial Outage with one update per change, resolved at Operational (or
// Under Maintenance). Leftover incidents are resolved first; a resolve
// that began is finished before a new outage opens a new incident; a lost
// open is looked for before anything else; after a person resolved the
// incident, none opens until the outage is over.
func decideIncident(s incidentState) incidentStep {
	if s.want == status.Unknown {
		// The heartbeat is lost: nothing is known, so nothing is said.
		return incidentStep{kind: incidentDone}
	}
	for _, id := range s.stale {
		if !s.tried[id] {
			return nextResolve(id, s)
		}
	}
	recovered := s.want == status.Operational || s.want == status.UnderMaintenance
	switch {
	case s.incident != 0 && s.resolving[s.incident] != resolveNone:
		return nextResolve(s.incident, s)
	case s.incident == 0:
		return decideWithout(s, recovered)
	case recovered:
		return nextResolve(s.incident, s)
	case s.want != s.announced && s.recurring:
		return incidentStep{kind: incidentPostUpdate, id: s.incident}
	}
	return incidentStep{kind: incidentDone}
}

// decideWithout is decideIncident for a component with no open incident.
func decideWithout(s incidentState, recovered bool) incidentStep {
	switch {
	case s.createAmbiguous:
		return incidentStep{kind: incidentFind}
	case recovered && s.personClosed:
		return incidentStep{kind: incidentForgive}
	case opens(s.want, s.openAt) && !s.personClosed && !s.covered:
		return incidentStep{kind: incidentOpen}
	}
	return incidentStep{kind: incidentDone}
}

// opens reports whether a published status opens an incident under
// open_incident_at (spec §12): Major Outage by default, Partial Outage or
// worse with "partial", never with "never".
func opens(want, openAt status.Status) bool {
	w, ok := want.Rank()
	o, on := openAt.Rank()
	return ok && on && w >= o
}

// nextResolve is the next write of resolving incident id: the resolved
// message is posted once (after a lost answer, only once a read shows it
// is not there), then on Cachet before 2026-07 the status is set too.
func nextResolve(id int, s incidentState) incidentStep {
	switch s.resolving[id] {
	case resolveUncertain:
		return incidentStep{kind: incidentCheck, id: id}
	case resolvePosted:
		if s.head {
			return incidentStep{kind: incidentResolved, id: id}
		}
		return incidentStep{kind: incidentPatchFixed, id: id}
	case resolvePatched:
		return incidentStep{kind: incidentResolved, id: id}
	default:
		return incidentStep{kind: incidentPostFixed, id: id}
	}
}

// resolveStep records how far resolving one incident got, so a retry does
// not post the resolved message twice.
type resolveStep int

const (
	resolveNone      resolveStep = iota
	resolveUncertain             // the update's answer was lost
	resolvePosted                // the fixed update is on the incident
	resolvePatched               // and its status is set (Cachet before 2026-07)
)
