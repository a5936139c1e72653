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
// rounds it waits twice as long, from RetryMin up to RetryMax. Every
// Resync interval it also re-reads Cachet to repair drift.
func (b *Bridge) Run(ctx context.Context) {
	delay := b.retryMin
	var resync <-chan time.Time
	if b.resync > 0 {
		tk := time.NewTicker(b.resync)
		defer tk.Stop()
		resync = tk.C
	}
	// Departed discovered targets are looked for a few times per TTL.
	sweep := time.NewTicker(min(max(b.ttl/4, time.Second), 10*time.Minute))
	defer sweep.Stop()
	var timer *time.Timer
	var retry <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		// One timer at a time: new failures while it runs must not push
		// the retry further away.
		// Nothing is written before Load: without Cachet's ids a write
		// would create duplicates. Load kicks the loop when it is done.
		if retry == nil && b.Pending() > 0 && b.Loaded() {
			timer = time.NewTimer(delay)
			retry = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		case <-retry:
			retry = nil
			if err := b.retryPending(ctx); err != nil {
				delay = min(delay*2, b.retryMax)
				b.log.Warn("cachet still disagrees; retrying later", "pending", b.Pending(), "retry_in", delay, "err", err)
				continue
			}
			delay = b.retryMin
		case <-sweep.C:
			if _, err := b.ForgetDeparted(ctx); err != nil {
				b.log.Warn("cannot forget every departed discovered target yet; trying again later", "err", err)
			}
		case <-resync:
			if err := b.Resync(ctx); err != nil {
				b.log.Warn("resync with cachet failed; retrying later", "err", err)
			}
		}
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
