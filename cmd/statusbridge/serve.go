package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/htpasswd"
	"statusbridge/internal/metrics"
	"statusbridge/internal/server"
	"statusbridge/internal/statuspage"
)

// shutdownTimeout bounds the drain of in-flight webhooks on SIGTERM.
const shutdownTimeout = 10 * time.Second

type serveFlags struct {
	commonFlags
	listen, basicAuth         string
	maxBody                   int64
	demoCachetListen          string
	resync                    time.Duration
	amURL, amUser, amSilenced string
	amInterval                time.Duration
}

func (f *serveFlags) register(fs *flag.FlagSet) envFlags {
	env := f.commonFlags.register(fs)
	fs.StringVar(&f.listen, "listen", ":5000", "address to serve on")
	fs.StringVar(&f.basicAuth, "basic-auth", "", "webhook users as user:htpasswd-hash, comma or newline separated")
	fs.Int64Var(&f.maxBody, "max-body", 1<<20, "largest webhook body accepted, in bytes")
	fs.DurationVar(&f.resync, "resync", 5*time.Minute, "how often to re-read Cachet and repair drift (0: never)")
	fs.StringVar(&f.amURL, "alertmanager-url", "", "Alertmanager to read current alerts from, e.g. http://alertmanager:9093 (optional)")
	fs.StringVar(&f.amUser, "alertmanager-username", "", "basic auth user for --alertmanager-url (password from ALERTMANAGER_PASSWORD_FILE)")
	fs.DurationVar(&f.amInterval, "alertmanager-interval", time.Minute, "how often to sync with --alertmanager-url")
	fs.StringVar(&f.amSilenced, "alertmanager-silenced", "resolved", "what a silenced alert means: resolved, or maintenance (Under Maintenance)")
	for name, variable := range map[string]string{
		"listen":                "STATUSBRIDGE_LISTEN",
		"basic-auth":            "WEBHOOK_BASIC_AUTH",
		"max-body":              "STATUSBRIDGE_MAX_BODY",
		"resync":                "STATUSBRIDGE_RESYNC",
		"alertmanager-url":      "ALERTMANAGER_URL",
		"alertmanager-username": "ALERTMANAGER_USERNAME",
		"alertmanager-interval": "ALERTMANAGER_SYNC_INTERVAL",
		"alertmanager-silenced": "ALERTMANAGER_SILENCED",
	} {
		env[name] = variable
	}
	return env
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, demo bool) error {
	name := "serve"
	if demo {
		name = "demo"
	}
	fs := newFlagSet(name, stderr)
	var f serveFlags
	env := f.register(fs)
	if demo {
		fs.StringVar(&f.demoCachetListen, "demo.cachet-listen", "127.0.0.1:5001", "where the demo's Cachet emulator serves its API")
		// The demo accepts admin:admin: keep it off the network.
		fs.Lookup("listen").DefValue, f.listen = "127.0.0.1:5000", "127.0.0.1:5000"
		// The demo runs from a fresh clone: use the shipped examples.
		fs.Lookup("config").DefValue, f.configPath = "config.json.example", "config.json.example"
		fs.Lookup("targets").DefValue, f.targetsPath = "prometheus.yml.example", "prometheus.yml.example"
	}
	if err := parse(fs, args, getenv, env); err != nil {
		return err
	}
	log, cfg, targets, err := f.load(stderr)
	if err != nil {
		return err
	}
	renderer, err := alertmanager.NewRenderer()
	if err != nil {
		return fmt.Errorf("build incident text renderer: %w", err)
	}
	if err := checkTexts(renderer, cfg); err != nil {
		return err
	}
	users, warnings, err := webhookUsers(f.basicAuth, log)
	if err != nil {
		return err
	}

	var emu *demoCachet
	if demo {
		if emu, err = startDemoCachet(ctx, f.demoCachetListen, cfg, targets, log); err != nil {
			return err
		}
		defer emu.Close()
		f.cachetURL, f.cachetToken = emu.url, demoToken
		fmt.Fprintf(stdout, "demo Cachet emulator API: %s\n", emu.url)
	} else if f.cachetToken, err = cachetToken(f.cachetToken, getenv); err != nil {
		return err
	}
	if f.cachetURL == "" {
		return fmt.Errorf("%w: no Cachet API URL; set --cachet-url or CACHET_API_URL (e.g. http://cachet/api), or try `statusbridge demo`", errUsage)
	}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, version)
	m.Reloaded(true, time.Now())
	client, err := cachet.New(cachet.Options{BaseURL: f.cachetURL, Token: f.cachetToken, PerPage: cfg.PerPage, Observe: m.CachetRequest})
	if err != nil {
		return err
	}
	br := bridge.New(bridge.Options{Cachet: client, Renderer: renderer, Logger: log, Config: cfg, Targets: targets, Resync: f.resync})
	metrics.Watch(reg, bridgeSource{br})

	am, err := alertmanagerClient(f, getenv)
	if err != nil {
		return err
	}
	var page http.Handler
	if demo {
		page = statuspage.Handler(client, "statusbridge demo", log)
	}
	if err := server.CheckDefaultCredentials(f.listen, strings.TrimSpace(f.basicAuth) != ""); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s (set --listen or STATUSBRIDGE_LISTEN): %w", f.listen, err)
	}
	handler := server.New(server.Options{
		Bridge:        br,
		Users:         users,
		Logger:        log,
		MaxBody:       f.maxBody,
		Warnings:      warnings,
		Metrics:       promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
		Observe:       m.Webhook,
		ObserveAlerts: m.Alerts,
		Page:          page,
		Ready: func() error {
			if !br.Loaded() {
				return errors.New("cachet index not loaded yet")
			}
			return nil
		},
	})
	srv := &http.Server{
		Handler: handler,
		// A client that stalls while sending is cut off in seconds, so idle
		// or hostile connections cannot pile up.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("statusbridge listening", "addr", ln.Addr().String(), "version", version, "cachet", redactedURL(f.cachetURL),
		"targets", len(targets), "components", len(cfg.Components()))
	fmt.Fprintf(stdout, "statusbridge listening on %s\n", ln.Addr())
	if demo {
		fmt.Fprintf(stdout, "status page: http://%s/\n", ln.Addr())
	}

	bctx, stopBridge := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { loadLoop(bctx, client, br, log) })
	wg.Go(func() { br.Run(bctx) })
	if am != nil {
		wg.Go(func() { syncLoop(bctx, am, br, f.amInterval, f.amSilenced == "maintenance", log) })
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	// SIGHUP reloads the configuration files, keeping the last good one.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
wait:
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down: draining in-flight webhooks", "timeout", shutdownTimeout)
			break wait
		case <-hup:
			reload(bctx, f, renderer, br, m, log)
		case err = <-serveErr:
			stopBridge()
			wg.Wait()
			return fmt.Errorf("serve http: %w", err)
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopBridge()
	wg.Wait()
	if pending := br.Pending(); pending > 0 {
		log.Warn("stopped with writes still pending; they are restored from Alertmanager's next notification", "pending", pending)
	}
	if err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}

// reload re-reads the configuration files. On any problem it keeps the
// configuration in force and says why.
func reload(ctx context.Context, f serveFlags, r *alertmanager.Renderer, br *bridge.Bridge, m *metrics.Metrics, log *slog.Logger) {
	cfg, targets, err := config.Load(f.configPath, f.targetsPath)
	if err == nil {
		err = checkTexts(r, cfg)
	}
	if err == nil {
		err = br.Reconfigure(ctx, cfg, targets)
	}
	if err != nil {
		m.Reloaded(false, time.Now())
		log.Error("configuration reload failed; keeping the previous configuration", "err", err)
		return
	}
	m.Reloaded(true, time.Now())
	log.Info("configuration reloaded", "targets", len(targets), "components", len(cfg.Components()))
}

// alertmanagerClient builds the client for --alertmanager-url, or nil.
func alertmanagerClient(f serveFlags, getenv func(string) string) (*alertmanager.APIClient, error) {
	if f.amURL == "" {
		return nil, nil
	}
	if f.amSilenced != "resolved" && f.amSilenced != "maintenance" {
		return nil, fmt.Errorf("%w: --alertmanager-silenced %q: use resolved or maintenance", errUsage, f.amSilenced)
	}
	if f.amInterval <= 0 {
		return nil, fmt.Errorf("%w: --alertmanager-interval must be positive", errUsage)
	}
	o := alertmanager.APIOptions{URL: f.amURL, Username: f.amUser}
	for _, s := range []struct {
		env string
		dst *string
	}{{"ALERTMANAGER_PASSWORD_FILE", &o.Password}, {"ALERTMANAGER_BEARER_TOKEN_FILE", &o.BearerToken}} {
		if file := getenv(s.env); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", s.env, err)
			}
			*s.dst = strings.TrimSpace(string(b))
		}
	}
	return alertmanager.NewAPIClient(o)
}

// syncLoop reads Alertmanager's current alerts every interval and makes
// the bridge agree, recovering notifications that never arrived.
func syncLoop(ctx context.Context, am *alertmanager.APIClient, br *bridge.Bridge, every time.Duration, maintenance bool, log *slog.Logger) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		if !br.Loaded() {
			continue
		}
		fetchedAt := time.Now()
		cur, err := am.Current(ctx)
		if err != nil {
			log.Warn("alertmanager sync: cannot read current alerts", "err", err)
			continue
		}
		res, err := br.Sync(ctx, cur, fetchedAt, maintenance)
		if err != nil {
			log.Warn("alertmanager sync: cachet not updated yet; retrying in the background", "err", err)
		}
		if res.Applied > 0 {
			log.Info("alertmanager sync changed the state", "applied", res.Applied, "active", len(cur.Active), "silenced", len(cur.Silenced))
		}
	}
}

// bridgeSource adapts the bridge to what the metrics read at scrape time.
type bridgeSource struct{ br *bridge.Bridge }

func (s bridgeSource) Pending() int { return s.br.Pending() }

func (s bridgeSource) Components() []metrics.Component {
	states := s.br.Components()
	out := make([]metrics.Component, len(states))
	for i, c := range states {
		out[i] = metrics.Component{Name: c.Name, Status: int(c.Status), IncidentOpen: c.IncidentOpen}
	}
	return out
}

// loadLoop loads the Cachet index, retrying with backoff until it works.
func loadLoop(ctx context.Context, client *cachet.Client, br *bridge.Bridge, log *slog.Logger) {
	delay := time.Second
	for {
		err := client.CheckToken(ctx)
		if err == nil {
			err = br.Load(ctx)
		}
		if err == nil {
			log.Info("cachet index loaded; ready")
			return
		}
		log.Error("cannot load the Cachet index; webhooks get 503 until it works", "retry_in", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(delay*2, 30*time.Second)
	}
}

func webhookUsers(spec string, log *slog.Logger) (*htpasswd.Users, []string, error) {
	if strings.TrimSpace(spec) == "" {
		const w = "WEBHOOK_BASIC_AUTH is unset: the webhook accepts the default admin:admin; set user:bcrypt-hash entries (htpasswd -nbB user PASSWORD)"
		log.Warn(w)
		return htpasswd.Default(), []string{w}, nil
	}
	users, err := htpasswd.Parse(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("WEBHOOK_BASIC_AUTH / --basic-auth: %w", err)
	}
	return users, nil, nil
}

// cachetToken returns the token from the flag/env or CACHET_API_TOKEN_FILE.
func cachetToken(token string, getenv func(string) string) (string, error) {
	file := getenv("CACHET_API_TOKEN_FILE")
	switch {
	case token != "" && file != "":
		return "", fmt.Errorf("%w: both CACHET_API_TOKEN (or --cachet-token) and CACHET_API_TOKEN_FILE are set; keep one", errUsage)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read CACHET_API_TOKEN_FILE: %w", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" {
			return "", fmt.Errorf("CACHET_API_TOKEN_FILE %s is empty; put the Cachet API token in it", file)
		}
	case token == "":
		return "", fmt.Errorf("%w: no Cachet API token; set CACHET_API_TOKEN_FILE (or CACHET_API_TOKEN / --cachet-token)", errUsage)
	}
	return token, nil
}

func checkTexts(r *alertmanager.Renderer, cfg *config.Config) error {
	var errs []error
	for _, t := range []struct{ key, text string }{
		{"new_incident_name", cfg.NewIncidentName},
		{"new_incident_message", cfg.NewIncidentMessage},
		{"resolved_incident_message", cfg.ResolvedIncidentMessage},
		{"recurring_alert_update_message", cfg.RecurringAlertUpdateMessage},
	} {
		if err := r.Check(t.text); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", cfg.File, t.key, err))
		}
	}
	return errors.Join(errs...)
}

func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparseable>"
	}
	return u.Redacted()
}
