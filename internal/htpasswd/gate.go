package htpasswd

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// gate admits bcrypt compares: at most a few at once, each caller waiting a
// bounded time for its turn. Turns go round-robin by source (the client's
// address), first come first served within a source, so a client flooding
// from one address queues its guesses behind the other clients' requests
// instead of ahead of them.
type gate struct {
	mu     sync.Mutex
	free   int                // slots not held
	queues map[string][]*turn // waiting callers by source, oldest first
	order  []string           // sources with waiting callers, next first
}

// turn is one waiting caller; admitted is closed when it gets a slot.
type turn struct{ admitted chan struct{} }

func newGate(slots int) *gate {
	return &gate{free: max(slots, 1), queues: make(map[string][]*turn)}
}

// enter takes a slot, waiting at most wait for one. It returns ErrBusy when
// the wait ran out, or ctx's cause when ctx ended first. A nil error means
// the caller holds a slot and must call leave.
func (g *gate) enter(ctx context.Context, source string, wait time.Duration) error {
	g.mu.Lock()
	if g.free > 0 {
		g.free--
		g.mu.Unlock()
		return nil
	}
	t := &turn{admitted: make(chan struct{})}
	if len(g.queues[source]) == 0 {
		g.order = append(g.order, source)
	}
	g.queues[source] = append(g.queues[source], t)
	g.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	var err error
	select {
	case <-t.admitted:
		return nil
	case <-timer.C:
		err = ErrBusy
	case <-ctx.Done():
		err = fmt.Errorf("wait for a password check: %w", context.Cause(ctx))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.withdraw(source, t) {
		// Admitted after all, between giving up and the lock: pass the
		// slot on rather than leak it.
		g.handOver()
	}
	return err
}

// leave gives back a slot taken by enter.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.handOver()
}

// handOver gives a freed slot to the oldest caller of the next source in
// turn, which then goes to the back of the order. g.mu must be held.
func (g *gate) handOver() {
	if len(g.order) == 0 {
		g.free++
		return
	}
	source := g.order[0]
	g.order = g.order[1:]
	q := g.queues[source]
	next := q[0]
	if len(q) == 1 {
		delete(g.queues, source)
	} else {
		g.queues[source] = q[1:]
		g.order = append(g.order, source)
	}
	close(next.admitted)
}

// withdraw removes t from source's queue and reports whether it was still
// waiting there. g.mu must be held.
func (g *gate) withdraw(source string, t *turn) bool {
	q := g.queues[source]
	i := slices.Index(q, t)
	if i < 0 {
		return false
	}
	q = slices.Delete(q, i, i+1)
	if len(q) > 0 {
		g.queues[source] = q
		return true
	}
	delete(g.queues, source)
	g.order = slices.DeleteFunc(g.order, func(s string) bool { return s == source })
	return true
}
