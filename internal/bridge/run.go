package bridge

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// Run retries pending writes until ctx ends, so that nothing is lost when
// Cachet comes back even if Alertmanager never retries. Between failed
// rounds it waits twice as long, from RetryMin up to RetryMax.
func (b *Bridge) Run(ctx context.Context) {
	delay := b.retryMin
	for {
		if b.Pending() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-b.kick:
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := b.retryPending(ctx); err != nil {
			delay = min(delay*2, b.retryMax)
			b.log.Warn("cachet still disagrees; retrying later", "pending", b.Pending(), "retry_in", delay, "err", err)
			continue
		}
		delay = b.retryMin
	}
}

// retryPending converges every object marked dirty.
func (b *Bridge) retryPending(ctx context.Context) error {
	b.mu.Lock()
	var targets, services []string
	for k := range b.dirty {
		if name, ok := strings.CutPrefix(k, servicePrefix); ok {
			services = append(services, name)
		} else {
			targets = append(targets, k)
		}
	}
	b.mu.Unlock()
	slices.Sort(targets)
	slices.Sort(services)
	return errors.Join(
		b.each(ctx, targets, b.convergeTarget),
		b.each(ctx, services, b.convergeService),
	)
}
