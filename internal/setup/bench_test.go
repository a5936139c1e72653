package setup

import (
	"testing"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
)

// BenchmarkSetup2000 is a first setup of 2,000 targets feeding 250
// services, through the real client against the emulator on loopback,
// followed by a second run that must write nothing.
func BenchmarkSetup2000(b *testing.B) {
	d := topology(250, 2000)
	var requests, writes, actions, rerunReads int
	for b.Loop() {
		srv, c := newCachet(b, cachettest.Options{})
		acts, res := converge(b, c, d, Converge)
		if len(res.Failures) != 0 {
			b.Fatalf("failures: %v", res.Failures[0])
		}
		st := srv.Stats()
		requests, writes, actions = st.Reads+st.Writes, st.Writes, len(acts)

		b.StopTimer()
		srv.ResetStats()
		again, _ := converge(b, c, d, Prune)
		st = srv.Stats()
		if st.Writes != 0 || len(again) != 0 {
			b.Fatalf("rerun planned %d actions and wrote %d times, want 0", len(again), st.Writes)
		}
		rerunReads = st.Reads
		srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(actions), "actions/op")
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(writes), "writes/op")
	b.ReportMetric(float64(rerunReads), "rerun-reads/op")
	b.ReportMetric(0, "rerun-writes/op")
}

// BenchmarkPlan10000 plans 10,000 targets feeding 1,000 services against a
// Cachet that holds all of them, a tenth drifted: the planner alone.
func BenchmarkPlan10000(b *testing.B) {
	d := topology(1000, 10000)
	snap := snapshotOf(d)
	for i := range snap.Components {
		if i%10 == 0 {
			snap.Components[i].Enabled = !snap.Components[i].Enabled
		}
	}
	var n int
	for b.Loop() {
		n = len(Plan(d, snap))
	}
	b.ReportMetric(float64(n), "actions/op")
}

// snapshotOf is what Cachet holds after a complete setup of d.
func snapshotOf(d Desired) cachet.Snapshot {
	var s cachet.Snapshot
	for i, g := range d.Groups {
		s.Groups = append(s.Groups, cachet.Group{ID: i + 1, Name: g.Name, Visible: 1})
		for _, name := range g.Components {
			s.Components = append(s.Components, cachet.Component{ID: len(s.Components) + 1, Name: name, Enabled: true, GroupID: i + 1, Status: 1})
		}
	}
	for _, t := range d.Targets {
		s.Components = append(s.Components, cachet.Component{ID: len(s.Components) + 1, Name: t.Name, Status: 1,
			Description: descriptionFor(t.Critical)})
	}
	return s
}

func descriptionFor(critical bool) string {
	if critical {
		return "critical: yes\nno alerts"
	}
	return "critical: no\nno alerts"
}
