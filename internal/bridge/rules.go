package bridge

import (
	"slices"
	"time"

	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// rules are one visible component's status rules (spec §12), as the
// bridge applies them.
type rules struct {
	degraded                   []string // severities that make a target degraded, not down
	majorWhen                  func(down, members int) bool
	openAt                     status.Status // the published status that opens an incident; 0 never
	outageAfter, recoveryAfter time.Duration
	manualHold                 time.Duration
}

// rulesFor reads the rules config.json gives a visible component.
func rulesFor(cfg *config.Config, component string) rules {
	r := cfg.RulesFor(component)
	out := rules{degraded: r.DegradedSeverities, majorWhen: r.MajorWhenDown.Reached,
		outageAfter: r.OutageAfter, recoveryAfter: r.RecoveryAfter, manualHold: r.ManualHold, openAt: status.MajorOutage}
	switch r.OpenIncidentAt {
	case "partial":
		out.openAt = status.PartialOutage
	case "never":
		out.openAt = 0
	}
	return out
}

// condition is how a target's firing alerts count for a component that
// counts the given severities as degraded: down while one of another
// severity fires, degraded while only listed ones do, and since when.
func (t *target) condition(degraded []string) (c timedTarget) {
	c.configured, c.critical = t.configured, t.critical
	for _, a := range t.alerts {
		if !a.counts() {
			continue
		}
		start := startOf(a.startsAt)
		if slices.Contains(degraded, a.severity) {
			if !c.degraded || start.Before(c.degradedAt) {
				c.degraded, c.degradedAt = true, start
			}
			continue
		}
		if !c.down || start.Before(c.downAt) {
			c.down, c.downAt = true, start
		}
	}
	return c
}
