package backoff

import (
	"math"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	t.Parallel()
	const s = time.Second
	tests := []struct {
		name   string
		policy Policy
		n      int
		want   time.Duration
	}{
		{"first", Policy{Min: s, Max: 30 * s}, 1, s},
		{"second_doubles", Policy{Min: s, Max: 30 * s}, 2, 2 * s},
		{"fifth", Policy{Min: s, Max: 30 * s}, 5, 16 * s},
		{"capped", Policy{Min: s, Max: 30 * s}, 6, 30 * s},
		{"stays_capped", Policy{Min: s, Max: 30 * s}, 1000, 30 * s},
		{"no_overflow", Policy{Min: s, Max: math.MaxInt64}, 200, math.MaxInt64},
		{"zero_n_is_first", Policy{Min: s, Max: 30 * s}, 0, s},
		{"min_above_max", Policy{Min: time.Hour, Max: s}, 1, s},
		{"millis", Policy{Min: 100 * time.Millisecond, Max: 2 * s}, 3, 400 * time.Millisecond},
		{"zero_policy", Policy{}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.policy.Delay(tt.n); got != tt.want {
				t.Errorf("%+v.Delay(%d) = %v, want %v", tt.policy, tt.n, got, tt.want)
			}
		})
	}
}

func TestDelayJitter(t *testing.T) {
	t.Parallel()
	p := Policy{Min: 100 * time.Millisecond, Max: 2 * time.Second, Jitter: true}
	tests := []struct {
		name string
		n    int
		draw time.Duration // what the random source returns
		want time.Duration
	}{
		{"lowest", 1, 0, 50 * time.Millisecond},
		{"highest", 1, 50 * time.Millisecond, 100 * time.Millisecond},
		{"doubled_lowest", 3, 0, 200 * time.Millisecond},
		{"capped_highest", 9, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var half time.Duration
			got := p.delay(tt.n, func(h time.Duration) time.Duration { half = h; return tt.draw })
			if got != tt.want {
				t.Errorf("delay(%d) with draw %v = %v, want %v", tt.n, tt.draw, got, tt.want)
			}
			if full := p.delay(tt.n, func(time.Duration) time.Duration { return 0 }) * 2; half*2 != full {
				t.Errorf("delay(%d) drew from [0, %v], want [0, %v]", tt.n, half, full/2)
			}
		})
	}
	// The real source stays within [d/2, d].
	for range 1000 {
		if d := p.Delay(4); d < 400*time.Millisecond || d > 800*time.Millisecond {
			t.Fatalf("Delay(4) = %v, want within [400ms, 800ms]", d)
		}
	}
}
