// Command statusbench is statusbridge's load benchmark. It builds and starts
// the Cachet emulator (cmd/cachet-emulator) and statusbridge as real
// processes on loopback, seeds N targets as setup would, fires alert storms
// the way Alertmanager delivers them (batches of up to 50 alerts per
// notification, several notifications in flight), resolves them, checks the
// final Cachet state and reports what it cost:
//
//	go run ./cmd/statusbench                  # scenarios a and b
//	go run ./cmd/statusbench -scenarios a,b,c # c runs under Cachet's rate limit and takes minutes
//	go run ./cmd/statusbench -scenarios d     # service-discovery churn and --discovered-ttl
//	go run ./cmd/statusbench -scenarios e     # 306 targets down at once under Cachet's rate limit
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// scenario is one load shape.
type scenario struct {
	key         string
	title       string
	targets     int
	services    int
	groups      int
	rateLimit   int // Cachet requests per minute; 0 for none
	convergeMax time.Duration
}

var scenarios = map[string]scenario{
	// The older middleware's recorded storm: 86 targets, 25 services, 172
	// events (every target fires, then resolves) in batches of 50.
	"a": {key: "a", title: "older middleware's storm", targets: 86, services: 25, groups: 5, convergeMax: 30 * time.Second},
	// 10,000 targets, every one firing then resolving.
	"b": {key: "b", title: "10,000 targets", targets: 10000, services: 100, groups: 10, convergeMax: 2 * time.Minute},
	// Cachet's rate limit: 300 requests a minute for ~600 events.
	"c": {key: "c", title: "rate limited (300/min)", targets: 300, services: 30, groups: 5, rateLimit: 300, convergeMax: 15 * time.Minute},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "statusbench: %v\n", err)
		os.Exit(1)
	}
}

// options are statusbench's flags.
type options struct {
	scenarios   []string
	batch       int
	parallel    int
	statusbin   string
	emulatorBin string
	keep        bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("statusbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	list := fs.String("scenarios", "a,b", "comma-separated scenarios: a (older middleware's storm), b (10,000 targets), c (rate limited; minutes), d (service-discovery churn; a minute), e (a large outage under the rate limit; three minutes)")
	fs.IntVar(&o.batch, "batch", 50, "alerts per webhook notification (Alertmanager's max_alerts-free default grouping)")
	fs.IntVar(&o.parallel, "parallel", 8, "notifications in flight at once")
	fs.StringVar(&o.statusbin, "statusbridge", "", "statusbridge binary to test (default: go build ./cmd/statusbridge)")
	fs.StringVar(&o.emulatorBin, "emulator", "", "cachet-emulator binary (default: go build ./cmd/cachet-emulator)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (configs and process logs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, k := range strings.Split(*list, ",") {
		k = strings.TrimSpace(k)
		if _, ok := scenarios[k]; !ok && k != "d" && k != "e" {
			return fmt.Errorf("-scenarios: unknown scenario %q; use a, b, c, d or e", k)
		}
		o.scenarios = append(o.scenarios, k)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	work, err := os.MkdirTemp("", "statusbench-")
	if err != nil {
		return fmt.Errorf("create work dir: %w", err)
	}
	if o.keep {
		log.Info("work directory kept", "dir", work)
	} else {
		defer os.RemoveAll(work)
	}
	if o.statusbin == "" || o.emulatorBin == "" {
		log.Info("building statusbridge and cachet-emulator")
		if o.statusbin == "" {
			if o.statusbin, err = goBuild(ctx, work, "statusbridge"); err != nil {
				return err
			}
		}
		if o.emulatorBin == "" {
			if o.emulatorBin, err = goBuild(ctx, work, "cachet-emulator"); err != nil {
				return err
			}
		}
	}

	var results []result
	var failed []string
	for _, k := range o.scenarios {
		if k == "e" {
			res, err := runOutage(ctx, log, o, work)
			if err != nil {
				log.Error("scenario failed", "scenario", k, "err", err)
				failed = append(failed, fmt.Sprintf("%s: %v", k, err))
			}
			printOutage(stdout, res)
			continue
		}
		if k == "d" {
			res, err := runChurn(ctx, log, o, work)
			if err != nil {
				log.Error("scenario failed", "scenario", k, "err", err)
				failed = append(failed, fmt.Sprintf("%s: %v", k, err))
			}
			printChurn(stdout, res)
			continue
		}
		sc := scenarios[k]
		log.Info("scenario starting", "scenario", k, "title", sc.title, "targets", sc.targets, "services", sc.services)
		res, err := runScenario(ctx, log, o, sc, work)
		if err != nil {
			log.Error("scenario failed", "scenario", k, "err", err)
			failed = append(failed, fmt.Sprintf("%s: %v", k, err))
		}
		results = append(results, res)
		printDetail(stdout, res)
	}
	if len(results) > 0 {
		printTable(stdout, results)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d scenario(s) failed:\n%s", len(failed), strings.Join(failed, "\n"))
	}
	return nil
}
