package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cli"
	"statusbridge/internal/setup"
)

type setupFlags struct {
	cli.CommonFlags
	dryRun, prune          bool
	justDelete, justCreate bool
	concurrency            int
}

// register defines setup's flags. The config, target and Cachet flags and
// their environment twins are serve's, so one environment drives both.
func (f *setupFlags) register(fl *cli.Flags) {
	fl.Group("Setup")
	fl.Bool(&f.dryRun, "dry-run", false, "print the plan and write nothing")
	fl.Bool(&f.prune, "prune", false, "also delete hidden per-target components of targets no longer configured")
	fl.Bool(&f.justDelete, "just-delete", false, "only delete, as --prune would; create and fix nothing")
	fl.Bool(&f.justCreate, "just-create", false, "only create what is missing; fix and delete nothing")
	fl.Int(&f.concurrency, "concurrency", 8, "Cachet requests in flight at once")
	f.CommonFlags.Register(fl)
}

func (f *setupFlags) mode() (setup.Mode, error) {
	switch {
	case f.justDelete && f.justCreate:
		return 0, fmt.Errorf("%w: --just-delete and --just-create exclude each other; give one", cli.ErrUsage)
	case f.justCreate && f.prune:
		return 0, fmt.Errorf("%w: --just-create deletes nothing, so --prune does not go with it", cli.ErrUsage)
	case f.justDelete:
		return setup.JustDelete, nil
	case f.justCreate:
		return setup.JustCreate, nil
	case f.prune:
		return setup.Prune, nil
	}
	return setup.Converge, nil
}

// errSetupFailed is returned when some actions failed (each already printed).
var errSetupFailed = errors.New("setup failed")

// runSetup makes Cachet hold the groups and components of the configuration.
func runSetup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := cli.NewFlags("statusbridge setup", stdout)
	var f setupFlags
	f.register(fl)
	if err := fl.Parse(args, getenv); err != nil {
		return err
	}
	mode, err := f.mode()
	if err != nil {
		return err
	}
	if f.concurrency < 1 {
		return fmt.Errorf("%w: --concurrency %d: use 1 or more", cli.ErrUsage, f.concurrency)
	}
	log, cfg, targets, err := f.Load(stderr)
	if err != nil {
		return err
	}
	if f.CachetToken, err = cli.CachetToken(f.CachetToken, getenv); err != nil {
		return err
	}
	if f.CachetURL == "" {
		return fmt.Errorf("%w: no Cachet API URL; set --cachet-url or CACHET_API_URL (e.g. http://cachet/api)", cli.ErrUsage)
	}
	var requests atomic.Int64
	client, err := cachet.New(cachet.Options{
		BaseURL: f.CachetURL, Token: f.CachetToken, PerPage: cfg.PerPage,
		Observe: func(string, string, int, time.Duration) { requests.Add(1) },
	})
	if err != nil {
		return err
	}
	r := setupRun{client: client, mode: mode, dryRun: f.dryRun, concurrency: f.concurrency, stdout: stdout, stderr: stderr, log: log,
		requests: requests.Load}
	return r.run(ctx, setup.FromConfig(cfg, targets))
}

// setupRun is one plan-and-apply, shared by `setup` and the demo.
type setupRun struct {
	client         *cachet.Client
	mode           setup.Mode
	dryRun         bool
	concurrency    int
	stdout, stderr io.Writer
	log            *slog.Logger
	// requests reports the Cachet requests made so far, for the summary.
	requests func() int64
}

func (r setupRun) run(ctx context.Context, d setup.Desired) error {
	start := time.Now()
	snap, err := r.client.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("read what Cachet holds: %w", err)
	}
	all := setup.Plan(d, snap)
	actions := setup.Select(all, r.mode)
	if r.dryRun {
		if err := setup.Format(r.stdout, actions); err != nil {
			return fmt.Errorf("print the plan: %w", err)
		}
		r.notePrunable(all)
		return nil
	}
	fmt.Fprintf(r.stdout, "plan: %s: %s\n", plural(len(actions), "action"), setup.Count(actions))
	for _, a := range actions {
		// Deletes are listed before they happen, as the older script did.
		if a.Kind == setup.DeleteComponent {
			fmt.Fprintln(r.stdout, a)
		}
	}
	res := setup.Apply(ctx, r.client, actions, setup.Options{
		Logger:      r.log,
		Concurrency: r.concurrency,
		Progress: func(done, total int) {
			fmt.Fprintf(r.stdout, "progress: %d/%d actions, %s\n", done, total, time.Since(start).Round(time.Millisecond))
		},
	})
	for _, fl := range res.Failures {
		fmt.Fprintf(r.stderr, "failed: %s: %v\n", fl.Action, fl.Err)
	}
	fmt.Fprintf(r.stdout, "setup: %d actions in %s: %d done, %d failed, %d adopted after a lost answer; %d Cachet requests\n",
		res.Total, time.Since(start).Round(time.Millisecond), res.Done, len(res.Failures), res.Adopted, r.requests())
	r.notePrunable(all)
	if len(res.Failures) > 0 {
		return fmt.Errorf("%w: %d of %d actions failed (listed above); run setup again once the cause is fixed", errSetupFailed, len(res.Failures), res.Total)
	}
	return nil
}

// notePrunable points at --prune when the plan left deletes out.
func (r setupRun) notePrunable(all []setup.Action) {
	if r.mode != setup.Converge {
		return
	}
	if n := setup.Count(all).DeleteComponents; n > 0 {
		fmt.Fprintf(r.stdout, "note: %s without a configured target; --prune deletes them\n", plural(n, "hidden component"))
	}
}
