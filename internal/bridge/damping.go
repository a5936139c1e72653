package bridge

import (
	"slices"
	"time"

	"statusbridge/internal/status"
)

// This file is the decision layer of flap damping (spec §12): pure
// functions from what a visible component computes, what it publishes and
// since when its status has been how bad, to what to publish now.

// levels holds one time per rank on the status scale (Operational 1 …
// Major Outage 4); index 0 is unused.
type levels [5]time.Time

// publishState is what decidePublish reads.
type publishState struct {
	published, computed status.Status
	// worse[L]: since when the computed status has been at least as bad
	// as rank L, without a break; zero while it is not.
	worse levels
	// better[L]: since when it has been at least as good as rank L.
	better                     levels
	outageAfter, recoveryAfter time.Duration
	// hold: no better status is published before it (after a restart
	// that found the page worse than the hidden components say).
	hold time.Time
	now  time.Time
}

// decidePublish is the status to publish now, and when to decide again
// because a change waits for its window (zero when none does). A change
// toward a worse status is published once the computed status has stayed
// at least that bad for outageAfter, toward a better one once it has held
// for recoveryAfter; between the two, the worst (or best) level whose
// window has passed. Statuses off the scale (maintenance, unknown) and a
// first publication are not damped.
func decidePublish(p publishState) (status.Status, time.Time) {
	pr, pok := p.published.Rank()
	cr, cok := p.computed.Rank()
	switch {
	case !pok || !cok || pr == cr:
		return p.computed, time.Time{}
	case cr > pr:
		return damp(p.worse, pr, cr, -1, p.outageAfter, p.now, p.published)
	case p.now.Before(p.hold):
		return p.published, p.hold
	default:
		return damp(p.better, pr, cr, +1, p.recoveryAfter, p.now, p.published)
	}
}

// damp walks from the computed rank toward the published one (step +1 or
// -1) and publishes the first level whose window has passed.
func damp(since levels, pr, cr, step int, window time.Duration, now time.Time, published status.Status) (status.Status, time.Time) {
	for l := cr; l != pr; l += step {
		if t := since[l]; !t.IsZero() && now.Sub(t) >= window || window <= 0 {
			next := time.Time{}
			if l != cr {
				next = since[l-step].Add(window) // a step further is still waiting
			}
			return status.Status(l), next
		}
	}
	return published, since[pr-step].Add(window)
}

// calmer keeps better for a component whose computed status is now c:
// each level at least as good as c has held since the first time it was
// seen so; the others are broken off.
func calmer(better levels, c status.Status, now time.Time) levels {
	cr, ok := c.Rank()
	for l := 1; l < len(better); l++ {
		switch {
		case !ok || cr > l:
			better[l] = time.Time{}
		case better[l].IsZero():
			better[l] = now
		}
	}
	return better
}

// longAgo stands for the start of an alert restored from Cachet without
// one: its window has passed.
var longAgo = time.Unix(1, 0).UTC()

// startOf is an alert's start for the windows.
func startOf(t time.Time) time.Time {
	if t.IsZero() {
		return longAgo
	}
	return t
}

// timedTarget is one member or candidate member of a visible component, as
// far as the outage windows need it: since when it has been down and
// degraded (zero when it is not).
type timedTarget struct {
	configured, critical bool
	down, degraded       bool
	downAt, degradedAt   time.Time
}

// worseSince derives, from the start of the alerts that fire now, since
// when the component's computed status has been at least as bad as each
// level. It needs no memory, so a restart keeps every running window: the
// alerts Alertmanager sends again carry their startsAt, and those restored
// from Cachet carry it in the metadata. majorWhen is the component's
// major_when_down.
func worseSince(ts []timedTarget, majorWhen func(down, members int) bool) levels {
	changes, members := changesOf(ts)
	var out levels
	down, degraded, critDown := 0, 0, false
	for _, c := range changes {
		t := ts[c.t]
		if c.toMember {
			members++
		}
		switch {
		case !c.toDown:
			degraded++
		case t.degradedFirst():
			degraded--
			fallthrough
		default:
			down++
			critDown = critDown || t.critical
		}
		r, _ := sweepStatus(down, members, degraded, critDown, majorWhen).Rank()
		for l := 2; l <= r; l++ {
			if out[l].IsZero() {
				out[l] = c.at
			}
		}
	}
	return out
}

// degradedFirst: the target was degraded before it went down (or is only
// degraded).
func (t timedTarget) degradedFirst() bool {
	return t.degraded && (!t.down || t.degradedAt.Before(t.downAt))
}

// change is a moment a target got worse: degraded, or down.
type change struct {
	at       time.Time
	t        int
	toDown   bool
	toMember bool // a discovered target becomes a member when it fires
}

// changesOf lists when each target got worse, in time order, and how many
// members there were before any of it: the configured targets.
func changesOf(ts []timedTarget) ([]change, int) {
	var changes []change
	members := 0
	for i, t := range ts {
		if t.configured {
			members++
		}
		if t.degradedFirst() {
			changes = append(changes, change{at: t.degradedAt, t: i, toMember: !t.configured})
		}
		if t.down {
			changes = append(changes, change{at: t.downAt, t: i, toDown: true, toMember: !t.configured && !t.degradedFirst()})
		}
	}
	slices.SortStableFunc(changes, func(a, b change) int { return a.at.Compare(b.at) })
	return changes, members
}

// sweepStatus is status.Evaluate for counts (maintenance is off the scale
// and never damped).
func sweepStatus(down, members, degraded int, critDown bool, majorWhen func(down, members int) bool) status.Status {
	switch {
	case critDown || down > 0 && majorWhen(down, members):
		return status.MajorOutage
	case down > 0:
		return status.PartialOutage
	case degraded > 0:
		return status.PerformanceIssues
	}
	return status.Operational
}

// lastRecovery is when the last of these targets that Cachet showed
// healthy at load recovered, or now when none did (or no time is known).
func lastRecovery(ts []*target, now time.Time) time.Time {
	var last time.Time
	for _, t := range ts {
		if t.down() || t.upSince.IsZero() {
			continue
		}
		if t.upSince.After(last) {
			last = t.upSince
		}
	}
	if last.IsZero() || last.After(now) {
		return now
	}
	return last
}
