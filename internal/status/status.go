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

// Target is what the status rules need to know about one scraped endpoint.
type Target struct {
	Down     bool
	Critical bool
	// Maintenance is set when the target's alerts are muted by a silence
	// and statusbridge is told to show that as maintenance.
	Maintenance bool
}

// Aggregate applies the status rules (spec §2) to the targets that feed one
// visible component. ok is false when there are no targets: such a component
// is left as it is. An outage outranks maintenance; with no outage, any
// target under maintenance puts the component under maintenance.
func Aggregate(targets []Target) (s Status, ok bool) {
	if len(targets) == 0 {
		return 0, false
	}
	down, maintenance := 0, false
	for _, t := range targets {
		maintenance = maintenance || t.Maintenance
		if !t.Down {
			continue
		}
		if t.Critical {
			return MajorOutage, true
		}
		down++
	}
	switch down {
	case 0:
		if maintenance {
			return UnderMaintenance, true
		}
		return Operational, true
	case len(targets):
		return MajorOutage, true
	default:
		return PartialOutage, true
	}
}
