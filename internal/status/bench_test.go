package status_test

import (
	"testing"

	"statusbridge/internal/status"
)

// BenchmarkAggregate10000 applies the status rules to one visible component
// fed by 10,000 targets, the worst case of a flat topology. Every target is
// non-critical and every other one is down, so no early return helps.
func BenchmarkAggregate10000(b *testing.B) {
	ts := make([]status.Target, 10000)
	for i := range ts {
		ts[i].Down = i%2 == 0
	}
	b.ReportAllocs()
	for b.Loop() {
		if s, _ := status.Aggregate(ts); s != status.PartialOutage {
			b.Fatalf("Aggregate = %v, want %v", s, status.PartialOutage)
		}
	}
}
