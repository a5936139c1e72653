// Command cachet-emulator serves the in-memory Cachet API emulator
// (internal/cachet/cachettest) as a real process, so that load tests and
// end-to-end runs can drive statusbridge over real sockets and measure the
// requests it makes.
//
// Besides the Cachet API under /api it serves three routes of its own,
// outside the API so they never count as Cachet requests:
//
//	GET  /_stats        the request counters (cachettest.Stats) as JSON
//	POST /_stats/reset  zero the counters
//	GET  /_state        every component (with latest_status) and incident
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "cachet-emulator: %v\n", err)
		os.Exit(1)
	}
}

// run parses args, seeds the emulator and serves it until ctx ends. The
// first line written to stdout is "listening on <base URL>", so a parent
// process that passed port 0 can learn the address.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cachet-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve on (port 0 picks a free port)")
	dialect := fs.String("dialect", "head", "cachethq/core revision to emulate: head or base")
	token := fs.String("token", cachettest.DefaultToken, "the only API token accepted")
	rateLimit := fs.Int("rate-limit", 0, "API requests per minute per token, as Cachet's throttle; 0 disables")
	configPath := fs.String("config", "", "config.json to seed groups and visible components from (optional, with --targets)")
	targetsPath := fs.String("targets", "", "prometheus.yml to seed invisible components from (optional, with --config)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	opts := cachettest.Options{Token: *token, RateLimit: *rateLimit}
	switch strings.ToLower(*dialect) {
	case "head":
		opts.Dialect = cachettest.Head
	case "base":
		opts.Dialect = cachettest.Base
	default:
		return fmt.Errorf("--dialect %q: use head or base", *dialect)
	}
	emu := cachettest.New(opts)
	if (*configPath == "") != (*targetsPath == "") {
		return errors.New("--config and --targets seed together; give both or neither")
	}
	if *configPath != "" {
		cfg, targets, err := config.Load(*configPath, *targetsPath)
		if err != nil {
			return fmt.Errorf("load seed configuration: %w", err)
		}
		seed(emu, cfg, targets)
		log.Info("seeded", "groups", len(cfg.Groups), "components", len(cfg.Components()), "targets", len(targets))
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	srv := &http.Server{
		Handler:           handler(emu),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "listening on http://%s/api\n", ln.Addr())
	log.Info("cachet emulator listening", "addr", ln.Addr().String(), "dialect", opts.Dialect, "rate_limit", opts.RateLimit)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// seed fills the emulator as `statusbridge setup` would: public groups with
// their visible components enabled and Operational, and one disabled,
// Operational invisible component per target.
func seed(emu *cachettest.Emulator, cfg *config.Config, targets []config.Target) {
	for _, g := range cfg.Groups {
		gid := emu.AddGroup(cachettest.Group{Name: g.Name, Visible: 1})
		for _, c := range g.Components {
			emu.AddComponent(cachettest.Component{Name: c, Status: int(status.Operational), Enabled: true, GroupID: gid})
		}
	}
	for _, t := range targets {
		emu.AddComponent(cachettest.Component{
			Name:        t.InvisibleName(),
			Description: status.Description(t.Critical, nil),
			Status:      int(status.Operational),
		})
	}
}

// State is what GET /_state answers.
type State struct {
	Components []StateComponent `json:"components"`
	Incidents  []StateIncident  `json:"incidents"`
}

// StateComponent is one component with the status a visitor sees.
type StateComponent struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Status       int    `json:"status"`
	LatestStatus int    `json:"latest_status"`
	Enabled      bool   `json:"enabled"`
	GroupID      int    `json:"group_id"`
}

// StateIncident is one incident with its impacts and update statuses.
type StateIncident struct {
	ID            int      `json:"id"`
	Name          string   `json:"name"`
	Status        int      `json:"status"`
	ComponentIDs  []int    `json:"component_ids"`
	UpdateStatus  []int    `json:"update_statuses"`
	UpdateMessage []string `json:"update_messages"`
}

// handler serves the emulator's API plus the /_stats and /_state routes.
func handler(emu *cachettest.Emulator) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", emu)
	mux.HandleFunc("GET /_stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, emu.Stats())
	})
	mux.HandleFunc("POST /_stats/reset", func(w http.ResponseWriter, _ *http.Request) {
		emu.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_state", func(w http.ResponseWriter, _ *http.Request) {
		var st State
		for _, c := range emu.Components() {
			st.Components = append(st.Components, StateComponent{
				ID: c.ID, Name: c.Name, Description: c.Description, Status: c.Status,
				LatestStatus: emu.LatestStatus(c.ID), Enabled: c.Enabled, GroupID: c.GroupID,
			})
		}
		for _, in := range emu.Incidents() {
			si := StateIncident{ID: in.ID, Name: in.Name, Status: in.Status}
			for _, im := range in.Impacts {
				si.ComponentIDs = append(si.ComponentIDs, im.ComponentID)
			}
			for _, u := range in.Updates {
				si.UpdateStatus = append(si.UpdateStatus, u.Status)
				si.UpdateMessage = append(si.UpdateMessage, u.Message)
			}
			st.Incidents = append(st.Incidents, si)
		}
		writeJSON(w, st)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	// An encode error means the client went away; there is no one to tell.
	_ = json.NewEncoder(w).Encode(v)
}
