package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"statusbridge/internal/cachet"
)

// lock takes the lock that serialises writes to one Cachet object. It is
// a channel rather than a sync.Mutex so that a webhook whose deadline passes
// stops waiting for it. An entry lives only while someone holds or waits
// for it, so forgotten targets leave nothing behind.
func (b *Bridge) lock(ctx context.Context, key obj) (unlock func(), err error) {
	b.mu.Lock()
	l, ok := b.locks[key]
	if !ok {
		l = &keyLock{ch: make(chan struct{}, 1)}
		b.locks[key] = l
	}
	l.users++
	b.mu.Unlock()
	release := func() {
		b.mu.Lock()
		if l.users--; l.users == 0 {
			delete(b.locks, key)
		}
		b.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("wait for earlier writes to %s: %w", key, ctx.Err())
	}
}

// keyLock is one object's write lock and how many hold or wait for it.
type keyLock struct {
	ch    chan struct{}
	users int
}

// converge brings the given targets, then the visible components they feed,
// in line with the desired state. Failed keys are left for the background.
func (b *Bridge) converge(ctx context.Context, targetKeys []string) error {
	slices.Sort(targetKeys)
	svc := map[string]bool{}
	b.mu.Lock()
	for _, k := range targetKeys {
		if t, ok := b.targets[k]; ok {
			for _, c := range t.components {
				svc[c] = true
			}
		}
	}
	b.mu.Unlock()
	names := make([]string, 0, len(svc))
	for n := range svc {
		names = append(names, n)
	}
	slices.Sort(names)
	// What a visitor sees goes first (spec §14): visible components follow
	// the desired target state, not what the invisible writes achieved,
	// so they need not wait for them, and under Cachet's rate limit the
	// page is truthful before the bookkeeping is done.
	errS := b.visible(ctx, names)
	errT := b.bookkeeping(ctx, targetKeys)
	return errors.Join(errS, errT)
}

// visible converges visible components, counted as visible work in flight.
func (b *Bridge) visible(ctx context.Context, names []string) error {
	b.mu.Lock()
	if b.visibleBusy == 0 {
		b.quiet = make(chan struct{})
	}
	b.visibleBusy++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		if b.visibleBusy--; b.visibleBusy == 0 {
			close(b.quiet)
		}
		b.mu.Unlock()
	}()
	return b.each(ctx, names, b.convergeService)
}

// bookkeeping converges invisible components once no visible work is in
// flight, so that the writes a visitor sees never queue behind them for
// Cachet's rate limit (spec §14).
func (b *Bridge) bookkeeping(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	b.mu.Lock()
	busy, quiet := b.visibleBusy > 0, b.quiet
	b.mu.Unlock()
	if busy {
		select {
		case <-quiet:
		case <-ctx.Done():
			for _, k := range keys {
				b.failed(targetObj(k), ctx.Err())
			}
			return fmt.Errorf("invisible components wait for the visible ones: %w", ctx.Err())
		}
	}
	return b.each(cachet.WithPriority(ctx, cachet.Bookkeeping), keys, b.convergeTarget)
}

// each runs fn on every key with bounded parallelism.
func (b *Bridge) each(ctx context.Context, keys []string, fn func(context.Context, string) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, b.parallel)
	)
	for _, k := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, k); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
