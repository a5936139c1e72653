package setup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

// Client is the part of *cachet.Client that Apply uses.
type Client interface {
	ListGroups(ctx context.Context) ([]cachet.Group, error)
	CreateGroup(ctx context.Context, f cachet.GroupFields) (cachet.Group, error)
	UpdateGroup(ctx context.Context, id int, f cachet.GroupFields) (cachet.Group, error)
	ComponentsNamed(ctx context.Context, name string) ([]cachet.Component, error)
	CreateComponent(ctx context.Context, f cachet.ComponentFields) (cachet.Component, error)
	UpdateComponent(ctx context.Context, id int, f cachet.ComponentFields) (cachet.Component, error)
	DeleteComponent(ctx context.Context, id int) error
}

var _ Client = (*cachet.Client)(nil)

// Options configure Apply.
type Options struct {
	// Logger receives a debug line per action and a warning per failure;
	// nil discards them.
	Logger *slog.Logger
	// Concurrency bounds the requests in flight; default 8.
	Concurrency int
	// CreateAttempts is how often a create is tried when Cachet's answer is
	// lost and a re-read shows it did not happen; default 3.
	CreateAttempts int
	// Progress, if set, is called after every ProgressEvery finished
	// actions (default 100), one call at a time.
	Progress      func(done, total int)
	ProgressEvery int
	// RateLimitRounds bounds how often an action refused with 429 is tried
	// again after waiting as Cachet asks; default 30. Cachet allows 300
	// requests a minute by default, which a large first setup exceeds.
	RateLimitRounds int

	// wait replaces the real timer in tests.
	wait func(ctx context.Context, d time.Duration) error
}

// Failure is an action that did not succeed.
type Failure struct {
	Action Action
	Err    error
}

// Result is what Apply did.
type Result struct {
	// Total is the number of actions given; Done + len(Failures) == Total.
	Total, Done int
	// Adopted counts creates whose answer was lost but that a re-read
	// found applied, so they were not repeated.
	Adopted  int
	Failures []Failure
	Duration time.Duration
}

// errGroupMissing marks a component action skipped because the group it
// belongs in could not be created.
var errGroupMissing = errors.New("the group was not created (see its own failure)")

// Apply performs the actions against Cachet: group actions first, since a
// component can only be put in a group that exists, then component creates
// and fixes, then deletes. Within each phase up to Options.Concurrency
// requests run at once. The client retries what is safe to retry; a create
// whose outcome is unknown is looked up by name before it is tried again,
// so a lost answer never makes a duplicate. Apply goes on past failures and
// reports each one.
func Apply(ctx context.Context, c Client, actions []Action, o Options) Result {
	start := time.Now()
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.CreateAttempts <= 0 {
		o.CreateAttempts = 3
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 100
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.RateLimitRounds <= 0 {
		o.RateLimitRounds = 30
	}
	if o.wait == nil {
		o.wait = sleep
	}
	ap := &applier{c: c, o: o, total: len(actions), groupIDs: map[string]int{}}
	var phases [3][]Action
	for _, a := range actions {
		switch a.Kind {
		case CreateGroup, PublishGroup:
			phases[0] = append(phases[0], a)
		case DeleteComponent:
			phases[2] = append(phases[2], a)
		default:
			phases[1] = append(phases[1], a)
		}
	}
	for _, p := range phases {
		ap.run(ctx, p)
	}
	return Result{Total: len(actions), Done: ap.done, Adopted: ap.adopted, Failures: ap.failures, Duration: time.Since(start)}
}

type applier struct {
	c     Client
	o     Options
	total int

	mu       sync.Mutex
	groupIDs map[string]int // groups created in this run
	done     int
	finished int
	adopted  int
	failures []Failure

	progressMu sync.Mutex
}

// run performs one phase with a bounded pool of workers.
func (ap *applier) run(ctx context.Context, actions []Action) {
	next := make(chan Action)
	var wg sync.WaitGroup
	for range min(ap.o.Concurrency, len(actions)) {
		wg.Go(func() {
			for a := range next {
				ap.finish(a, ap.patient(ctx, a))
			}
		})
	}
	for _, a := range actions {
		next <- a
	}
	close(next)
	wg.Wait()
}

func (ap *applier) finish(a Action, err error) {
	ap.mu.Lock()
	ap.finished++
	if err != nil {
		ap.failures = append(ap.failures, Failure{Action: a, Err: err})
	} else {
		ap.done++
	}
	n := ap.finished
	ap.mu.Unlock()
	if err != nil {
		ap.o.Logger.Warn("setup action failed", "action", a.String(), "err", err)
	} else {
		ap.o.Logger.Debug("setup action done", "action", a.String())
	}
	if ap.o.Progress != nil && (n%ap.o.ProgressEvery == 0) {
		ap.progressMu.Lock()
		ap.o.Progress(n, ap.total)
		ap.progressMu.Unlock()
	}
}

// patient runs a, and runs it again after a 429 once Cachet's Retry-After
// has passed: a rate limit says nothing about the action itself.
func (ap *applier) patient(ctx context.Context, a Action) error {
	err := ap.one(ctx, a)
	for round := 1; round <= ap.o.RateLimitRounds && errors.Is(err, cachet.ErrRateLimited); round++ {
		d := min(time.Second<<min(round-1, 6), time.Minute)
		if ae, ok := errors.AsType[*cachet.APIError](err); ok && ae.RetryAfter > 0 {
			d = ae.RetryAfter
		}
		ap.o.Logger.Debug("cachet rate limit; waiting", "action", a.String(), "duration", d)
		if werr := ap.o.wait(ctx, d); werr != nil {
			return fmt.Errorf("%w; gave up waiting: %w", err, werr)
		}
		err = ap.one(ctx, a)
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (ap *applier) one(ctx context.Context, a Action) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("not run: %w", err)
	}
	switch a.Kind {
	case CreateGroup:
		return ap.createGroup(ctx, a)
	case PublishGroup:
		_, err := ap.c.UpdateGroup(ctx, a.ID, cachet.GroupFields{Visible: cachet.Ptr(true)})
		return err
	case CreateComponent:
		return ap.createComponent(ctx, a)
	case FixComponent:
		return ap.fixComponent(ctx, a)
	case DeleteComponent:
		err := ap.c.DeleteComponent(ctx, a.ID)
		if errors.Is(err, cachet.ErrNotFound) {
			// Gone already, e.g. the first attempt's answer was lost.
			return nil
		}
		return err
	}
	return fmt.Errorf("unknown action kind %d", a.Kind)
}

// groupID resolves the group a visible component belongs in.
func (ap *applier) groupID(a Action) (int, error) {
	if a.GroupID != 0 {
		return a.GroupID, nil
	}
	ap.mu.Lock()
	defer ap.mu.Unlock()
	if id, ok := ap.groupIDs[a.Group]; ok {
		return id, nil
	}
	return 0, fmt.Errorf("put it in group %q: %w", a.Group, errGroupMissing)
}

func (ap *applier) createGroup(ctx context.Context, a Action) error {
	id, err := create(ctx, ap, a, func() (int, error) {
		g, err := ap.c.CreateGroup(ctx, cachet.GroupFields{Name: cachet.Ptr(a.Name), Visible: cachet.Ptr(true)})
		return g.ID, err
	}, func() (int, error) {
		gs, err := ap.c.ListGroups(ctx)
		for _, g := range gs {
			if g.Name == a.Name {
				return g.ID, err
			}
		}
		return 0, err
	})
	if err != nil {
		return err
	}
	ap.mu.Lock()
	ap.groupIDs[a.Name] = id
	ap.mu.Unlock()
	return nil
}

func (ap *applier) createComponent(ctx context.Context, a Action) error {
	f := cachet.ComponentFields{Name: cachet.Ptr(a.Name), Status: cachet.Ptr(status.Operational), Enabled: cachet.Ptr(!a.Hidden)}
	if a.Hidden {
		f.Description = cachet.Ptr(a.Description)
	} else {
		gid, err := ap.groupID(a)
		if err != nil {
			return err
		}
		f.GroupID = &gid
	}
	_, err := create(ctx, ap, a, func() (int, error) {
		c, err := ap.c.CreateComponent(ctx, f)
		return c.ID, err
	}, func() (int, error) {
		cs, err := ap.c.ComponentsNamed(ctx, a.Name)
		if len(cs) > 0 {
			return cs[0].ID, err
		}
		return 0, err
	})
	return err
}

// create runs do; when its outcome is unknown it asks find whether the
// object exists before trying again, and adopts it if it does.
func create(ctx context.Context, ap *applier, a Action, do, find func() (int, error)) (int, error) {
	for attempt := 1; ; attempt++ {
		id, err := do()
		if err == nil {
			return id, nil
		}
		if !cachet.Ambiguous(err) || attempt >= ap.o.CreateAttempts || ctx.Err() != nil {
			if attempt > 1 {
				return 0, fmt.Errorf("after %d attempts: %w", attempt, err)
			}
			return 0, err
		}
		id, ferr := find()
		if ferr != nil {
			return 0, fmt.Errorf("%w; then looking up %q to see whether it was applied: %w", err, a.Name, ferr)
		}
		if id != 0 {
			ap.mu.Lock()
			ap.adopted++
			ap.mu.Unlock()
			ap.o.Logger.Info("create applied although its answer was lost; adopted", "action", a.String(), "id", id)
			return id, nil
		}
	}
}

func (ap *applier) fixComponent(ctx context.Context, a Action) error {
	// Enabled goes with every update: Cachet before 2026-07 re-enables a
	// component when an update omits it.
	f := cachet.ComponentFields{Enabled: cachet.Ptr(!a.Hidden)}
	if a.Has(Move) {
		gid, err := ap.groupID(a)
		if err != nil {
			return err
		}
		f.GroupID = &gid
	}
	if a.Has(Critical) {
		f.Description = cachet.Ptr(a.Description)
	}
	_, err := ap.c.UpdateComponent(ctx, a.ID, f)
	return err
}
