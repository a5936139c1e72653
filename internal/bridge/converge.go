package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// lock takes the lock that serialises writes to one Cachet object. It is
// a channel rather than a sync.Mutex so that a webhook whose deadline passes
// stops waiting for it.
func (b *Bridge) lock(ctx context.Context, key string) (unlock func(), err error) {
	b.mu.Lock()
	l, ok := b.locks[key]
	if !ok {
		l = make(chan struct{}, 1)
		b.locks[key] = l
	}
	b.mu.Unlock()
	select {
	case l <- struct{}{}:
		return func() { <-l }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for earlier writes to %q: %w", key, ctx.Err())
	}
}

const servicePrefix = "service:"

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
	errT := b.each(ctx, targetKeys, b.convergeTarget)
	// Visible components follow the desired target state, not what the
	// invisible writes achieved: the page must tell the truth even if a
	// hidden component could not be written.
	errS := b.each(ctx, names, b.convergeService)
	return errors.Join(errT, errS)
}

// each runs fn on every key with bounded parallelism, marking failures dirty.
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

func (b *Bridge) markDirty(key string) {
	b.mu.Lock()
	b.dirty[key] = true
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *Bridge) clean(key string) {
	b.mu.Lock()
	delete(b.dirty, key)
	b.mu.Unlock()
}

// Pending returns how many Cachet objects are waiting for a retry.
func (b *Bridge) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.dirty)
}
