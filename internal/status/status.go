// Package status holds statusbridge's domain rules: Cachet's component status
// values, how target states aggregate into a visible component's status, and
// the naming and description conventions of the per-target invisible
// components. It does no I/O.
package status

import "fmt"

// Status is a Cachet component status value.
type Status int

// Component status values, as Cachet numbers them.
const (
	Operational       Status = 1
	PerformanceIssues Status = 2
	PartialOutage     Status = 3
	MajorOutage       Status = 4
	Unknown           Status = 5
	UnderMaintenance  Status = 6
)

var labels = map[Status]string{
	Operational:       "Operational",
	PerformanceIssues: "Performance Issues",
	PartialOutage:     "Partial Outage",
	MajorOutage:       "Major Outage",
	Unknown:           "Unknown",
	UnderMaintenance:  "Under Maintenance",
}

// Valid reports whether s is one of Cachet's six component statuses.
func (s Status) Valid() bool { _, ok := labels[s]; return ok }

// Label is the English name Cachet shows for s.
func (s Status) Label() string {
	if l, ok := labels[s]; ok {
		return l
	}
	if s == 0 {
		return "None"
	}
	return "Invalid"
}

// String renders s as the legacy log lines do: "4 (Major Outage)".
func (s Status) String() string { return fmt.Sprintf("%d (%s)", int(s), s.Label()) }

// Target is what the status rules need to know about one scraped endpoint
// that is a member of a visible component.
type Target struct {
	// Down: a status-page alert fires on it whose severity is not one the
	// component counts as degraded.
	Down bool
	// Degraded: alerts fire on it, but only ones of a degraded severity.
	Degraded bool
	Critical bool
	// Maintenance is set when the target's alerts are muted by a silence
	// and statusbridge is told to show that as maintenance.
	Maintenance bool
}

// Aggregate applies the status rules of spec §2 (the defaults of §12) to
// the targets that feed one visible component.
func Aggregate(targets []Target) (s Status, ok bool) { return Evaluate(targets, nil) }

// Evaluate applies the status rules (spec §12) to the members of one
// visible component, first match wins: a critical member down → Major
// Outage; majorWhen(down, members) → Major Outage (nil: all members down);
// any member down → Partial Outage; any under maintenance → Under
// Maintenance; any degraded → Performance Issues; otherwise Operational.
// ok is false when there are no members: such a component is left as it
// is. An outage outranks maintenance, and planned work outranks a
// degradation, which is no outage.
func Evaluate(targets []Target, majorWhen func(down, members int) bool) (s Status, ok bool) {
	if len(targets) == 0 {
		return 0, false
	}
	down, maintenance, degraded := 0, false, false
	for _, t := range targets {
		maintenance = maintenance || t.Maintenance
		degraded = degraded || t.Degraded
		if !t.Down {
			continue
		}
		if t.Critical {
			return MajorOutage, true
		}
		down++
	}
	if majorWhen == nil {
		majorWhen = func(down, members int) bool { return down == members }
	}
	switch {
	case down > 0 && majorWhen(down, len(targets)):
		return MajorOutage, true
	case down > 0:
		return PartialOutage, true
	case maintenance:
		return UnderMaintenance, true
	case degraded:
		return PerformanceIssues, true
	default:
		return Operational, true
	}
}

// Rank orders statuses by how bad they are for a visitor: Operational,
// Performance Issues, Partial Outage, Major Outage. Under Maintenance and
// Unknown are not on that scale (ok false).
func (s Status) Rank() (rank int, ok bool) {
	switch s {
	case Operational, PerformanceIssues, PartialOutage, MajorOutage:
		return int(s), true
	}
	return 0, false
}
