package bridge

import (
	"testing"
	"time"

	"statusbridge/internal/status"
)

var d0 = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

func at(min int) time.Time { return d0.Add(time.Duration(min) * time.Minute) }

// TestDecidePublish states spec §12's flap damping, one row a rule.
func TestDecidePublish(t *testing.T) {
	const (
		op, perf, partial, major = status.Operational, status.PerformanceIssues, status.PartialOutage, status.MajorOutage
	)
	tests := []struct {
		name     string
		p        publishState
		want     status.Status
		wantNext time.Time
	}{
		{"no windows: the computed status at once",
			publishState{published: op, computed: major, worse: levels{2: at(0), 3: at(0), 4: at(0)}, now: at(0)}, major, time.Time{}},
		{"worse inside the outage window: nothing yet, look again when it ends",
			publishState{published: op, computed: major, worse: levels{2: at(0), 3: at(0), 4: at(0)}, outageAfter: 2 * time.Minute, now: at(1)}, op, at(2)},
		{"worse for the whole window: published",
			publishState{published: op, computed: major, worse: levels{2: at(0), 3: at(0), 4: at(0)}, outageAfter: 2 * time.Minute, now: at(2)}, major, time.Time{}},
		{"partial for the window, major only lately: partial now, major when its own window ends",
			publishState{published: op, computed: major, worse: levels{2: at(0), 3: at(0), 4: at(3)}, outageAfter: 2 * time.Minute, now: at(4)}, partial, at(5)},
		{"better inside the recovery window: the outage stays on the page",
			publishState{published: major, computed: op, better: levels{1: at(10), 2: at(10), 3: at(10)}, recoveryAfter: 5 * time.Minute, now: at(12)}, major, at(15)},
		{"better for the whole window: published",
			publishState{published: major, computed: op, better: levels{1: at(10), 2: at(10), 3: at(10)}, recoveryAfter: 5 * time.Minute, now: at(15)}, op, time.Time{}},
		{"partial held long enough, operational not yet: partial now",
			publishState{published: major, computed: op, better: levels{1: at(14), 2: at(14), 3: at(10)}, recoveryAfter: 5 * time.Minute, now: at(16)}, partial, at(19)},
		{"degraded counts as worse than operational",
			publishState{published: op, computed: perf, worse: levels{2: at(0)}, outageAfter: time.Minute, now: at(0)}, op, at(1)},
		{"maintenance is not damped",
			publishState{published: major, computed: status.UnderMaintenance, outageAfter: time.Hour, recoveryAfter: time.Hour, now: at(0)}, status.UnderMaintenance, time.Time{}},
		{"a first publication is not damped",
			publishState{published: 0, computed: major, outageAfter: time.Hour, now: at(0)}, major, time.Time{}},
		{"no change: nothing to decide",
			publishState{published: partial, computed: partial, outageAfter: time.Hour, now: at(0)}, partial, time.Time{}},
	}
	for _, tt := range tests {
		got, next := decidePublish(tt.p)
		if got != tt.want || !next.Equal(tt.wantNext) {
			t.Errorf("%s: decidePublish = %v, next %v; want %v, next %v", tt.name, got, next, tt.want, tt.wantNext)
		}
	}
}

func TestCalmer(t *testing.T) {
	var b levels
	b = calmer(b, status.PartialOutage, at(0)) // ≤3 since 0
	b = calmer(b, status.Operational, at(5))   // ≤1, ≤2 since 5; ≤3 still since 0
	if b[3] != at(0) || b[2] != at(5) || b[1] != at(5) {
		t.Errorf("after partial then operational: %v", b)
	}
	b = calmer(b, status.MajorOutage, at(7)) // every level broken off
	if !b[1].IsZero() || !b[2].IsZero() || !b[3].IsZero() {
		t.Errorf("a major outage keeps calm levels: %v", b)
	}
	b = calmer(b, status.UnderMaintenance, at(8))
	if !b[1].IsZero() {
		t.Errorf("maintenance is off the scale, yet calm: %v", b)
	}
}

func TestWorseSince(t *testing.T) {
	all := func(down, members int) bool { return down == members }
	half := func(down, members int) bool { return down >= (members+1)/2 }
	tests := []struct {
		name      string
		ts        []timedTarget
		majorWhen func(down, members int) bool
		want      levels
	}{
		{"one of two down at 3: partial since 3",
			[]timedTarget{{configured: true, down: true, downAt: at(3)}, {configured: true}}, all,
			levels{2: at(3), 3: at(3)}},
		{"both down, at 3 and 5: major since 5",
			[]timedTarget{{configured: true, down: true, downAt: at(3)}, {configured: true, down: true, downAt: at(5)}}, all,
			levels{2: at(3), 3: at(3), 4: at(5)}},
		{"a critical target forces major at its start",
			[]timedTarget{{configured: true, critical: true, down: true, downAt: at(4)}, {configured: true}}, all,
			levels{2: at(4), 3: at(4), 4: at(4)}},
		{"degraded at 1, down at 6: performance issues since 1",
			[]timedTarget{{configured: true, degraded: true, degradedAt: at(1), down: true, downAt: at(6)}, {configured: true}}, all,
			levels{2: at(1), 3: at(6)}},
		{"50%: two of four at 2 and 7",
			[]timedTarget{{configured: true, down: true, downAt: at(2)}, {configured: true, down: true, downAt: at(7)}, {configured: true}, {configured: true}}, half,
			levels{2: at(2), 3: at(2), 4: at(7)}},
		{"a discovered target joins when it fires: all down from its start",
			[]timedTarget{{configured: true, down: true, downAt: at(2)}, {down: true, downAt: at(9)}}, all,
			levels{2: at(2), 3: at(2), 4: at(2)}},
	}
	for _, tt := range tests {
		if got := worseSince(tt.ts, tt.majorWhen); got != tt.want {
			t.Errorf("%s: worseSince = %v, want %v", tt.name, got, tt.want)
		}
	}
}
