package cachet

import (
	"context"
	"sync"
	"time"
)

// Priority orders requests while Cachet's rate limit holds them back
// (spec §14): what a visitor sees goes before bookkeeping.
type Priority int

const (
	// Visible is the default: visible component statuses, incidents.
	Visible Priority = iota
	// Bookkeeping is the writes nobody sees: the per-target components.
	Bookkeeping
)

type priorityKey struct{}

// WithPriority marks the requests made with ctx.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

func priorityOf(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}

// bookkeepingLag is how long bookkeeping waits after a rate-limit pause
// ends, so that the visible writes held by the same pause go first.
const bookkeepingLag = 500 * time.Millisecond

// pace holds every request back while Cachet's rate limit is spent: after
// a 429 the client waits out its Retry-After once, for all requests,
// instead of each request spending one more 429 to learn it.
type pace struct {
	mu    sync.Mutex
	until time.Time
}

// pause holds requests back for d from now.
func (p *pace) pause(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u := time.Now().Add(d); u.After(p.until) {
		p.until = u
	}
}

// wait returns once a request of priority pr may go, or ctx ends.
func (p *pace) wait(ctx context.Context, pr Priority) error {
	for {
		p.mu.Lock()
		until := p.until
		p.mu.Unlock()
		if until.IsZero() {
			return nil
		}
		if pr == Bookkeeping {
			until = until.Add(bookkeepingLag)
		}
		d := time.Until(until)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
