package bridge

import (
	"testing"

	"statusbridge/internal/status"
)

// These tables state the rules of spec §1–§3 one row each, on the pure
// decision layer; the executor's behaviour against Cachet is tested in
// bridge_test.go, storm_test.go and model_test.go.

func TestDecideTarget(t *testing.T) {
	down := compState{status: status.MajorOutage, description: "critical: no\nInstanceDown,"}
	up := compState{status: status.Operational, description: "critical: no\nno alerts"}
	tests := []struct {
		name      string
		id        int
		ambiguous bool
		want      compState
		known     compState
		step      targetStep
	}{
		{"a new target's component is created", 0, false, down, compState{}, targetCreate},
		{"a create whose answer was lost is looked up first", 0, true, down, compState{}, targetLookUp},
		{"a known component that differs is updated", 7, false, down, up, targetUpdate},
		{"the metadata alone differing is an update", 7, false, compState{status: 4, description: "d", meta: "a"}, compState{status: 4, description: "d", meta: "b"}, targetUpdate},
		{"a component that agrees is left alone", 7, false, up, up, targetDone},
		{"a known id is not looked up again", 7, true, up, up, targetDone},
	}
	for _, tt := range tests {
		if got := decideTarget(tt.id, tt.ambiguous, tt.want, tt.known); got != tt.step {
			t.Errorf("%s: decideTarget = %v, want %v", tt.name, got, tt.step)
		}
	}
}

func TestDecideIncident(t *testing.T) {
	const (
		op      = status.Operational
		partial = status.PartialOutage
		major   = status.MajorOutage
		maint   = status.UnderMaintenance
	)
	tests := []struct {
		name string
		s    incidentState
		want incidentStep
	}{
		// §3: one incident per outage, opened at Major Outage.
		{"major with no incident opens one", incidentState{want: major, openAt: major}, incidentStep{kind: incidentOpen}},
		{"partial with no incident opens none", incidentState{want: partial, openAt: major}, incidentStep{}},
		// §12 open_incident_at.
		{"partial opens one at open_incident_at partial", incidentState{want: partial, openAt: partial}, incidentStep{kind: incidentOpen}},
		{"major opens one at open_incident_at partial", incidentState{want: major, openAt: partial}, incidentStep{kind: incidentOpen}},
		{"performance issues never open one", incidentState{want: status.PerformanceIssues, openAt: partial}, incidentStep{}},
		{"major opens none at open_incident_at never", incidentState{want: major}, incidentStep{}},
		{"partial keeps an incident open at partial", incidentState{want: partial, openAt: partial, incident: 5, announced: partial}, incidentStep{}},
		{"operational with no incident: nothing", incidentState{want: op}, incidentStep{}},
		{"major with its incident: nothing", incidentState{want: major, incident: 5, announced: major, recurring: true}, incidentStep{}},
		// §3: kept through Partial Outage, one update per change.
		{"major to partial posts one update", incidentState{want: partial, incident: 5, announced: major, recurring: true}, incidentStep{kind: incidentPostUpdate, id: 5}},
		{"the same change is not posted twice", incidentState{want: partial, incident: 5, announced: partial, recurring: true}, incidentStep{}},
		{"no recurring message: no update", incidentState{want: partial, incident: 5, announced: major}, incidentStep{}},
		// §3: resolved at Operational, with the resolved message once.
		{"operational resolves: post fixed", incidentState{want: op, incident: 5, announced: major}, incidentStep{kind: incidentPostFixed, id: 5}},
		{"maintenance resolves too", incidentState{want: maint, incident: 5}, incidentStep{kind: incidentPostFixed, id: 5}},
		{"a lost fixed update is read, not posted again", incidentState{want: op, incident: 5, resolving: map[int]resolveStep{5: resolveUncertain}}, incidentStep{kind: incidentCheck, id: 5}},
		{"posted at HEAD: done", incidentState{want: op, incident: 5, head: true, resolving: map[int]resolveStep{5: resolvePosted}}, incidentStep{kind: incidentResolved, id: 5}},
		{"posted at BASE: the status is set too", incidentState{want: op, incident: 5, resolving: map[int]resolveStep{5: resolvePosted}}, incidentStep{kind: incidentPatchFixed, id: 5}},
		{"patched at BASE: done", incidentState{want: op, incident: 5, resolving: map[int]resolveStep{5: resolvePatched}}, incidentStep{kind: incidentResolved, id: 5}},
		// A resolve that began is finished before a new outage opens anew.
		{"a new outage finishes the old resolve first", incidentState{want: major, incident: 5, resolving: map[int]resolveStep{5: resolvePosted}, head: true}, incidentStep{kind: incidentResolved, id: 5}},
		// A lost open is looked for before anything else.
		{"a lost open is looked for, even at major", incidentState{want: major, createAmbiguous: true}, incidentStep{kind: incidentFind}},
		{"a lost open is looked for, even recovered", incidentState{want: op, createAmbiguous: true}, incidentStep{kind: incidentFind}},
		// People first: an incident a person ended is not reopened.
		{"a person ended it mid-outage: none opens", incidentState{want: major, openAt: major, personClosed: true}, incidentStep{}},
		{"the outage is over: forgiven", incidentState{want: op, personClosed: true}, incidentStep{kind: incidentForgive}},
		// Leftovers (a duplicate, the older middleware's) are resolved first.
		{"a leftover is resolved first", incidentState{want: major, incident: 5, announced: major, stale: []int{3}}, incidentStep{kind: incidentPostFixed, id: 3}},
		{"a leftover tried this round waits", incidentState{want: major, openAt: major, stale: []int{3}, tried: map[int]bool{3: true}}, incidentStep{kind: incidentOpen}},
	}
	for _, tt := range tests {
		if got := decideIncident(tt.s); got != tt.want {
			t.Errorf("%s: decideIncident = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
