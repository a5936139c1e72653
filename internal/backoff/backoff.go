// Package backoff computes the wait before a retry: doubling from a
// minimum up to a cap, optionally jittered.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Policy doubles the delay after each failed attempt, from Min up to Max.
type Policy struct {
	Min, Max time.Duration
	// Jitter draws the delay from [d/2, d] instead of d, so that clients
	// retrying at once do not arrive in lockstep.
	Jitter bool
}

// Delay is the wait after the n-th failed attempt (n ≥ 1): Min, 2·Min,
// 4·Min, … but never more than Max. It does not overflow, whatever n.
func (p Policy) Delay(n int) time.Duration {
	return p.delay(n, func(half time.Duration) time.Duration { return rand.N(half + 1) })
}

// delay is Delay with the random draw in [0, half] passed in, for tests.
func (p Policy) delay(n int, draw func(half time.Duration) time.Duration) time.Duration {
	d := max(p.Min, 0)
	for i := 1; i < n && 0 < d && d < p.Max; i++ {
		if d > p.Max/2 {
			d = p.Max
			break
		}
		d *= 2
	}
	d = min(d, p.Max)
	if !p.Jitter || d <= 0 {
		return d
	}
	return d/2 + draw(d/2)
}
