package bridge

import (
	"context"
	"fmt"
	"time"

	"statusbridge/internal/status"
)

// A person's status (spec §13, manual_hold): a status set in the dashboard
// on a visible component is left alone for the component's manual_hold, or
// until statusbridge computes that status itself, whichever comes first.
// statusbridge notices the change before its own next write to the
// component (one read, only for components with a hold), not only at the
// next resync.

// holdDecision is what decideHold says about one status write.
type holdDecision int

const (
	holdWrite   holdDecision = iota // no hold: write the published status
	holdKeep                        // a person's status stands: write nothing
	holdRelease                     // the hold ends: forget it, then write
)

// decideHold decides a status write to a component whose person's status
// (0: none) is held until until. published is what statusbridge would show.
func decideHold(held status.Status, until time.Time, published status.Status, now time.Time) holdDecision {
	switch {
	case held == 0:
		return holdWrite
	case held == published || !now.Before(until):
		return holdRelease
	default:
		return holdKeep
	}
}

// noticePerson reads the component right before statusbridge writes it
// and, when its status is not what statusbridge last wrote or read, takes
// it as a person's and holds it.
func (b *Bridge) noticePerson(ctx context.Context, s *service, hold time.Duration) error {
	c, err := b.cachet.Component(ctx, s.id)
	if err != nil {
		return fmt.Errorf("read component %q before writing it (manual_hold): %w", s.name, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.Status != s.known && s.known != 0 && s.held == 0 {
		b.startHoldLocked(s, c.Status, hold)
	}
	return nil
}

// startHoldLocked holds a person's status. b.mu must be held.
func (b *Bridge) startHoldLocked(s *service, st status.Status, hold time.Duration) {
	s.held, s.heldUntil, s.known = st, b.now().Add(hold), st
	b.waitUntil(s.name, s.heldUntil)
	b.log.Info("a person set the component's status; leaving it alone for manual_hold, or until statusbridge computes the same",
		"component", s.name, "status", st, "until", s.heldUntil)
}

// Holds counts the visible components whose person's status statusbridge
// is leaving alone now.
func (b *Bridge) Holds() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, s := range b.services {
		if s.held != 0 {
			n++
		}
	}
	return n
}
