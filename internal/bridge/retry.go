package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"statusbridge/internal/cachet"
)

// obj names one Cachet object the bridge writes: a target's invisible
// component or a visible component (with its incident).
type obj struct {
	service bool
	name    string
}

func targetObj(key string) obj   { return obj{name: key} }
func serviceObj(name string) obj { return obj{service: true, name: name} }

func (o obj) String() string {
	if o.service {
		return "component " + o.name
	}
	return "invisible component " + o.name
}

// failure is one object's retry state (spec §11): each object backs off on
// its own, so one that keeps failing never delays another.
type failure struct {
	class    cachet.Class
	err      error
	attempts int
	// next is when to try again; zero for a permanent failure, which is
	// tried again only at the next resync.
	next time.Time
	// logged is the permanent cause already logged for this object.
	logged string
}

// permanent reports whether f is a write Cachet refused for good (not a
// write merely waiting for its first try).
func (f *failure) permanent() bool { return f.class == cachet.ClassPermanent && f.attempts > 0 }

// pend marks targets, and the visible components they feed, for the
// background loop to converge as soon as it can. b.mu must be held.
func (b *Bridge) pend(targetKeys []string) {
	now := b.now()
	for _, k := range targetKeys {
		b.pendOne(targetObj(k), now)
		if t, ok := b.targets[k]; ok {
			for _, c := range t.components {
				b.pendOne(serviceObj(c), now)
			}
		}
	}
	b.wake()
}

func (b *Bridge) pendOne(o obj, now time.Time) {
	if _, ok := b.pending[o]; !ok {
		b.pending[o] = &failure{next: now}
	}
}

// wake tells Run that the retry schedule changed.
func (b *Bridge) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// failed records a failed write to o and schedules its retry by class.
func (b *Bridge) failed(o obj, err error) {
	class := cachet.Classify(err)
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.pending[o]
	if f == nil {
		f = &failure{}
		b.pending[o] = f
	}
	f.attempts++
	f.class, f.err = class, err
	now := b.now()
	switch class {
	case cachet.ClassPermanent:
		f.next = time.Time{}
		if cause := err.Error(); f.logged != cause {
			f.logged = cause
			b.permanentTotal++
			b.log.Error("cachet refused a write; not retrying it until the next resync (fix the cause below, or the config)",
				"object", o.String(), "err", err)
		}
	case cachet.ClassUnauthorised:
		// The token may come back (an admin restores an ability); trying
		// often would only fill Cachet's log.
		f.next = now.Add(b.retryMax)
		b.authErr = err
	default:
		f.next = now.Add(b.backoff.Delay(f.attempts))
		var te *cachet.TransportError
		if errors.As(err, &te) {
			b.unreachable = err
		}
	}
	b.wake()
}

// succeeded records that o agrees with the desired state. Cachet took a
// write, or had nothing to take: either way the objects waiting out their
// own backoff for want of Cachet are tried at once, not when their
// backoff ends. A permanent failure waits for the resync all the same.
func (b *Bridge) succeeded(o obj) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.pending, o)
	now, woke := b.now(), false
	for _, g := range b.pending {
		if g.attempts > 0 && !g.next.IsZero() && g.next.After(now) {
			g.next, woke = now, true
		}
	}
	if woke {
		b.wake()
	}
}

// Pending returns how many Cachet objects are waiting for a retry,
// permanent failures included.
func (b *Bridge) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// waitUntil has Run look at a visible component again at t, when a
// damped status change is due. b.mu must be held.
func (b *Bridge) waitUntil(name string, t time.Time) {
	if w, ok := b.waits[name]; !ok || t.Before(w) {
		b.waits[name] = t
		b.wake()
	}
}

// nextRetry is when the earliest scheduled retry or damped change is due.
func (b *Bridge) nextRetry() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var first time.Time
	for _, f := range b.pending {
		if !f.next.IsZero() && (first.IsZero() || f.next.Before(first)) {
			first = f.next
		}
	}
	for _, w := range b.waits {
		if first.IsZero() || w.Before(first) {
			first = w
		}
	}
	return first, !first.IsZero()
}

// retryDue converges every object whose retry is due. It returns how many
// still fail and the first error.
func (b *Bridge) retryDue(ctx context.Context) (int, error) {
	b.mu.Lock()
	now := b.now()
	var targets, services []string
	for o, f := range b.pending {
		if f.next.IsZero() || f.next.After(now) {
			continue
		}
		if o.service {
			services = append(services, o.name)
		} else {
			targets = append(targets, o.name)
		}
	}
	for name, w := range b.waits {
		if !w.After(now) {
			delete(b.waits, name) // the view sets it again if still waiting
			if _, failing := b.pending[serviceObj(name)]; !failing {
				services = append(services, name)
			}
		}
	}
	b.mu.Unlock()
	slices.Sort(targets)
	slices.Sort(services)
	errs := leaves(errors.Join(
		b.visible(ctx, services),
		b.bookkeeping(ctx, targets),
	))
	if len(errs) == 0 {
		return 0, nil
	}
	return len(errs), errs[0]
}

// leaves flattens joined errors into the errors of single objects.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, leaves(e)...)
	}
	return out
}

// Failure is a write Cachet refused for good, until the cause is fixed.
type Failure struct {
	Object string
	Err    string
}

// Failures lists the permanent failures, sorted by object.
func (b *Bridge) Failures() []Failure {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Failure
	for o, f := range b.pending {
		if f.permanent() {
			out = append(out, Failure{Object: o.String(), Err: f.err.Error()})
		}
	}
	slices.SortFunc(out, func(a, b Failure) int { return strings.Compare(a.Object, b.Object) })
	return out
}

// Health is what an operator alerts on, read at scrape time.
type Health struct {
	// Reachable is false while Cachet does not answer.
	Reachable bool
	// Authorised is false while Cachet refuses the token (401/403).
	Authorised bool
	// Permanent counts the objects whose writes Cachet refuses for good.
	Permanent int
	// PermanentTotal and LostTotal count, since start, permanent failures
	// (once per object and cause) and objects found deleted in Cachet.
	PermanentTotal, LostTotal uint64
}

// Health reports the bridge's view of Cachet.
func (b *Bridge) Health() Health {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := Health{Reachable: b.unreachable == nil, Authorised: b.authErr == nil,
		PermanentTotal: b.permanentTotal, LostTotal: b.lostTotal}
	for _, f := range b.pending {
		if f.permanent() {
			h.Permanent++
		}
	}
	return h
}

// Ready reports nil once the bridge can apply webhooks: Cachet's index is
// loaded, Cachet answers and accepts the token. Otherwise it says why.
func (b *Bridge) Ready() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.loaded:
		return errors.New("cachet index not loaded yet")
	case b.authErr != nil:
		return fmt.Errorf("cachet refuses statusbridge's token; check CACHET_API_TOKEN and its abilities: %w", b.authErr)
	case b.unreachable != nil:
		return fmt.Errorf("cachet does not answer: %w", b.unreachable)
	}
	return nil
}

// probeTimeout bounds one Probe.
const probeTimeout = 10 * time.Second

// Probe checks that Cachet answers and accepts the token, without writing
// anything, and records the outcome for Ready.
func (b *Bridge) Probe(ctx context.Context) error {
	// A Cachet that hangs is as unready as one that refuses.
	ctx, cancel := context.WithTimeout(ctx, min(b.probe, probeTimeout))
	defer cancel()
	err := b.cachet.CheckToken(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.authErr, b.unreachable = nil, nil
	switch {
	case err == nil:
	case cachet.Classify(err) == cachet.ClassUnauthorised:
		b.authErr = err
	default:
		b.unreachable = err
	}
	return err
}
