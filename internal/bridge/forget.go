package bridge

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"statusbridge/internal/cachet"
)

// ForgetDeparted forgets the discovered targets on which no alert has fired
// for the discovered TTL, and deletes their invisible components (spec §10),
// so that service-discovery churn cannot grow memory or Cachet without
// bound. Only a component statusbridge manages is deleted: one in no group,
// disabled, of a target prometheus.yml does not list. It returns how many
// targets it forgot.
func (b *Bridge) ForgetDeparted(ctx context.Context) (int, error) {
	b.mu.Lock()
	if !b.loaded {
		b.mu.Unlock()
		return 0, nil
	}
	cutoff := b.now().Add(-b.ttl)
	var keys []string
	for k, t := range b.targets {
		if t.departed(cutoff) {
			keys = append(keys, k)
		}
	}
	b.mu.Unlock()
	if len(keys) == 0 {
		return 0, nil
	}
	slices.Sort(keys)
	forgotten := make(chan *target, len(keys))
	err := b.each(ctx, keys, func(ctx context.Context, key string) error {
		t, err := b.forget(ctx, key, cutoff)
		if t != nil {
			forgotten <- t
		}
		return err
	})
	close(forgotten)

	b.mu.Lock()
	defer b.mu.Unlock()
	n, touched := 0, map[string]bool{}
	for t := range forgotten {
		n++
		for _, c := range t.components {
			touched[c] = true
		}
	}
	for c := range touched {
		// A copy, not the slice DeleteFunc leaves, which keeps the churn's
		// peak capacity.
		b.feeds[c] = slices.Clone(slices.DeleteFunc(b.feeds[c], func(t *target) bool { return b.targets[t.key] != t }))
		if len(b.feeds[c]) == 0 {
			delete(b.feeds, c)
		}
	}
	if n > 0 {
		b.log.Info("forgot discovered targets on which nothing fired for the TTL", "targets", n, "ttl", b.ttl)
	}
	if n >= bigForget {
		// Maps keep their size after deletes: copy the target index so a
		// churn's peak does not stay allocated, and hand the memory back
		// now rather than over the runtime's next minutes.
		b.targets, b.feeds = compact(b.targets), compact(b.feeds)
		defer debug.FreeOSMemory()
	}
	return n, err
}

// bigForget is how many targets one sweep must forget before it compacts
// the state and returns memory to the system.
const bigForget = 1000

// compact copies m into a map sized for what it holds now. (maps.Clone
// would keep the old size.)
func compact[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// departed reports whether t is a discovered target quiet since cutoff.
func (t *target) departed(cutoff time.Time) bool {
	return !t.configured && !t.firing() && t.active.Before(cutoff)
}

// forget deletes one departed target's component and drops the target. It
// returns the target when it was dropped.
func (b *Bridge) forget(ctx context.Context, key string, cutoff time.Time) (*target, error) {
	unlock, err := b.lock(ctx, targetObj(key))
	if err != nil {
		return nil, err
	}
	defer unlock()
	b.mu.Lock()
	t := b.targets[key]
	if t == nil || !t.departed(cutoff) {
		b.mu.Unlock()
		return nil, nil
	}
	id, foreign, amb := t.id, t.foreign, t.ambiguous
	b.mu.Unlock()

	if id == 0 && amb {
		found, err := b.findComponent(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("look up invisible component %q before forgetting it: %w", key, err)
		}
		if found != nil {
			id, foreign = found.ID, found.Enabled || found.GroupID != 0
		}
	}
	if id != 0 && !foreign {
		if err := b.cachet.DeleteComponent(ctx, id); err != nil && !errors.Is(err, cachet.ErrNotFound) {
			return nil, fmt.Errorf("delete invisible component %q (id %d) of a departed target: %w", key, id, err)
		}
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if !t.departed(cutoff) {
		// An alert fired on it while its component was deleted: the write
		// waiting for this lock creates it again.
		t.id, t.known, t.ambiguous = 0, compState{}, false
		return nil, nil
	}
	delete(b.targets, key)
	delete(b.pending, targetObj(key))
	return t, nil
}
