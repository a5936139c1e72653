// Package app is the running statusbridge daemon: the Cachet client, the
// bridge, the metrics, the HTTP server and the loops that load Cachet,
// follow Alertmanager and reload the configuration. It touches no signals
// and no flags: main turns SIGINT/SIGTERM into the context of Run and
// SIGHUP into its reload channel, so tests run whole instances in-process
// and reload them by sending on a channel.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"

	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/maintenance"
	"statusbridge/internal/metrics"
	"statusbridge/internal/server"
	"statusbridge/internal/statuspage"
)

// defaultShutdownTimeout bounds the drain of in-flight webhooks.
const defaultShutdownTimeout = 10 * time.Second

// App is one daemon, built by New and run once by Run.
type App struct {
	o       Options
	log     *slog.Logger
	metrics *metrics.Metrics
	client  *cachet.Client
	br      *bridge.Bridge
	srv     *http.Server
	// cfg is the configuration in force, replaced by each good reload.
	cfg atomic.Pointer[config.Config]
}

// New builds the daemon from o. It does no I/O: Cachet is first read by
// Run, which also starts serving on o.Listener.
func New(o Options) (*App, error) {
	if err := o.check(); err != nil {
		if o.Listener != nil {
			_ = o.Listener.Close()
		}
		return nil, err
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = defaultShutdownTimeout
	}
	m := metrics.New(o.Registry, o.Build)
	m.Reloaded(true, time.Now())
	co := o.Cachet
	co.PerPage, co.Observe = o.Config.PerPage, m.CachetRequest
	client, err := cachet.New(co)
	if err != nil {
		_ = o.Listener.Close()
		return nil, err
	}
	br := bridge.New(bridge.Options{Cachet: client, Renderer: o.Renderer, Logger: o.Logger, Config: o.Config, Targets: o.Targets,
		Resync: o.Resync, DiscoveredTTL: o.DiscoveredTTL, HeartbeatTimeout: o.heartbeatTimeout()})
	metrics.Watch(o.Registry, bridgeSource{br})
	var page http.Handler
	if o.StatusPage != "" {
		page = statuspage.Handler(client, o.StatusPage, o.Logger)
	}
	handler := server.New(server.Options{
		Bridge:           br,
		Users:            o.Users,
		ListenerAuth:     o.WebConfig.Users,
		Logger:           o.Logger,
		MaxBody:          o.MaxBody,
		Warnings:         o.Warnings,
		Metrics:          promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry}),
		Observe:          m.Webhook,
		ObserveAlerts:    m.Alerts,
		ObserveAuth:      m.AuthRejected,
		HeartbeatAlert:   o.HeartbeatAlert,
		Heartbeat:        br.Beat,
		ObserveTruncated: m.Truncated,
		Page:             page,
		Ready:            br.Ready,
		Health:           func() []string { return failureWarnings(br.Failures()) },
	})
	srv := &http.Server{
		Handler: handler,
		// A client that stalls while sending is cut off in seconds, so idle
		// or hostile connections cannot pile up.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// Alertmanager sends a few hundred bytes of headers; a 700 KB
		// user name is refused (431) before authentication reads it.
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
	a := &App{o: o, log: o.Logger, metrics: m, client: client, br: br, srv: srv}
	a.cfg.Store(o.Config)
	return a, nil
}

func (o Options) check() error {
	var missing []string
	for _, f := range []struct {
		name string
		nil  bool
	}{
		{"Logger", o.Logger == nil},
		{"Registry", o.Registry == nil},
		{"Config", o.Config == nil},
		{"Renderer", o.Renderer == nil},
		{"Users", o.Users == nil && !o.WebConfig.Users},
		{"Listener", o.Listener == nil},
	} {
		if f.nil {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("app: options lack %v", missing)
	}
	return nil
}

// Run serves until ctx ends, then drains in-flight webhooks for at most
// ShutdownTimeout and stops the background loops. Each value on reload
// re-reads the configuration files; a bad one is logged and the last good
// configuration stays. Run returns nil after a clean shutdown.
func (a *App) Run(ctx context.Context, reload <-chan struct{}) error {
	a.log.Info("statusbridge listening", "addr", a.o.Listener.Addr().String(), "version", a.o.Build.Version, "cachet", cachet.RedactURL(a.o.Cachet.BaseURL),
		"targets", len(a.o.Targets), "components", len(a.o.Config.Components()))
	// The loops outlive ctx until the HTTP server has drained, so that
	// webhooks still in flight can finish their Cachet writes.
	bctx, stopBridge := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { loadLoop(bctx, a.client, a.br, a.log) })
	wg.Go(func() { a.br.Run(bctx) })
	if a.o.Alertmanager != nil {
		s := syncer{am: a.o.Alertmanager, br: a.br, maintenance: a.o.SilencedMaintenance, log: a.log,
			visible: func() []string { return a.cfg.Load().Components() }}
		if a.o.SilencedSchedule {
			s.windows = maintenance.New(a.client, a.log, nil)
		}
		wg.Go(func() { syncLoop(bctx, s, a.o.AlertmanagerInterval) })
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.serve() }()
	for {
		select {
		case <-ctx.Done():
			a.log.Info("shutting down: draining in-flight webhooks", "timeout", a.o.ShutdownTimeout)
			return a.shutdown(ctx, stopBridge, &wg)
		case <-reload:
			a.reload(bctx)
		case err := <-serveErr:
			stopBridge()
			wg.Wait()
			return fmt.Errorf("serve http: %w", err)
		}
	}
}

// serve serves HTTP on the listener, through exporter-toolkit when a web
// config file is given. exporter-toolkit re-reads that file for each new
// TLS connection and each login, so a renewed certificate or a changed user
// takes effect without a reload.
func (a *App) serve() error {
	if a.o.WebConfig.Path == "" {
		return a.srv.Serve(a.o.Listener)
	}
	return web.Serve(a.o.Listener, a.srv, &web.FlagConfig{WebConfigFile: &a.o.WebConfig.Path}, a.log)
}

func (a *App) shutdown(ctx context.Context, stopBridge context.CancelFunc, wg *sync.WaitGroup) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.o.ShutdownTimeout)
	defer cancel()
	err := a.srv.Shutdown(sctx)
	stopBridge()
	wg.Wait()
	if pending := a.br.Pending(); pending > 0 {
		a.log.Warn("stopped with writes still pending; they are restored from Alertmanager's next notification", "pending", pending)
	}
	if err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}

// reload re-reads the configuration files. On any problem it keeps the
// configuration in force and says why.
func (a *App) reload(ctx context.Context) {
	cfg, targets, err := config.Load(a.o.ConfigPath, a.o.TargetsPath)
	if err == nil {
		err = cfg.CheckTexts(a.o.Renderer.Check)
	}
	if err == nil {
		err = a.br.Reconfigure(ctx, cfg, targets)
	}
	if err != nil {
		a.metrics.Reloaded(false, time.Now())
		a.log.Error("configuration reload failed; keeping the previous configuration", "err", err)
		return
	}
	a.cfg.Store(cfg)
	a.metrics.Reloaded(true, time.Now())
	a.log.Info("configuration reloaded", "targets", len(targets), "components", len(cfg.Components()))
}
