package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/setup"
)

// demoToken is the emulator's API token; it guards nothing real.
const demoToken = "1|statusbridge-demo-token"

// demoCachet is the in-process Cachet emulator the demo runs against,
// filled by a real setup run as an operator would fill Cachet.
type demoCachet struct {
	emu *cachettest.Emulator
	srv *http.Server
	url string
}

// startDemoCachet serves an empty emulator on addr and runs setup (Plan and
// Apply through the Cachet client) against it, so the demo exercises setup.
func startDemoCachet(ctx context.Context, addr string, cfg *config.Config, targets []config.Target, log *slog.Logger) (*demoCachet, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for the demo Cachet on %s (set --demo.cachet-listen): %w", addr, err)
	}
	emu := cachettest.New(cachettest.Options{Token: demoToken})
	d := &demoCachet{
		emu: emu,
		srv: &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second},
		url: "http://" + ln.Addr().String() + "/api",
	}
	// Serve only fails once Close is called; there is nothing to report.
	go func() { _ = d.srv.Serve(ln) }()

	client, err := cachet.New(cachet.Options{BaseURL: d.url, Token: demoToken, PerPage: cfg.PerPage})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("build a client for the demo Cachet: %w", err)
	}
	snap, err := client.Snapshot(ctx)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("read the demo Cachet: %w", err)
	}
	res := setup.Apply(ctx, client, setup.Plan(setup.FromConfig(cfg, targets), snap), setup.Options{Logger: log})
	if len(res.Failures) > 0 {
		d.Close()
		errs := make([]error, 0, len(res.Failures))
		for _, f := range res.Failures {
			errs = append(errs, fmt.Errorf("%s: %w", f.Action, f.Err))
		}
		return nil, fmt.Errorf("set up the demo Cachet: %w", errors.Join(errs...))
	}
	log.Info("demo Cachet set up by statusbridge setup", "actions", res.Done, "duration", res.Duration)
	return d, nil
}

func (d *demoCachet) Close() { _ = d.srv.Close() }
