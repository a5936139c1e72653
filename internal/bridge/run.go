package bridge

import (
	"context"
	"time"
)

// Run retries pending writes until ctx ends, so that nothing is lost when
// Cachet comes back even if Alertmanager never retries. Each object waits
// out its own backoff, from RetryMin doubling up to RetryMax; a permanent
// failure waits for the next resync. Every Resync interval Run re-reads
// Cachet to repair drift, every Probe interval it checks that Cachet
// answers and accepts the token, and a few times per discovered TTL it
// forgets the discovered targets that departed.
func (b *Bridge) Run(ctx context.Context) {
	var resync <-chan time.Time
	if b.resync > 0 {
		tk := time.NewTicker(b.resync)
		defer tk.Stop()
		resync = tk.C
	}
	sweep := time.NewTicker(min(max(b.ttl/4, time.Second), 10*time.Minute))
	defer sweep.Stop()
	probe := time.NewTicker(b.probe)
	defer probe.Stop()
	beat := time.NewTicker(b.heartbeatEvery())
	defer beat.Stop()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		retry := b.armRetry(timer)
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		case <-retry:
			b.retryTick(ctx)
		case <-sweep.C:
			if _, err := b.ForgetDeparted(ctx); err != nil {
				b.log.Warn("cannot forget every departed discovered target yet; trying again later", "err", err)
			}
		case <-probe.C:
			b.probeTick(ctx)
		case <-beat.C:
			b.checkHeartbeat()
		case <-resync:
			if err := b.Resync(ctx); err != nil {
				b.log.Warn("resync with cachet failed; retrying later", "err", err)
			}
		}
		timer.Stop()
	}
}

// armRetry sets timer to the earliest retry due and returns its channel,
// or nil when none is. Nothing is written before Load: without Cachet's ids
// a write would create duplicates; Load wakes the loop when it is done.
func (b *Bridge) armRetry(timer *time.Timer) <-chan time.Time {
	due, ok := b.nextRetry()
	if !ok || !b.Loaded() {
		return nil
	}
	timer.Reset(max(due.Sub(b.now()), 0))
	return timer.C
}

func (b *Bridge) retryTick(ctx context.Context) {
	n, err := b.retryDue(ctx)
	if err == nil {
		return
	}
	due, _ := b.nextRetry()
	b.log.Warn("cachet still disagrees; retrying later", "failing", n, "pending", b.Pending(),
		"next_retry", due.Sub(b.now()).Round(time.Millisecond), "err", err)
}

func (b *Bridge) probeTick(ctx context.Context) {
	if !b.Loaded() {
		return
	}
	if err := b.Probe(ctx); err != nil {
		b.log.Warn("cachet check failed; /-/ready answers 503 until it passes", "err", err)
	}
}
