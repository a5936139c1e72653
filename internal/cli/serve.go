package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/app"
	"statusbridge/internal/cachet"
	"statusbridge/internal/htpasswd"
	"statusbridge/internal/metrics"
	"statusbridge/internal/server"
)

// ServeFlags are the flags of a command that runs the daemon.
type ServeFlags struct {
	CommonFlags
	Listen, WebConfig         string
	BasicAuth                 string
	MaxBody                   int64
	Resync, DiscoveredTTL     time.Duration
	AMURL, AMUser, AMSilenced string
	AMInterval                time.Duration
	HeartbeatAlert            string
	HeartbeatTimeout          time.Duration
}

// Register defines serve's flags, grouped as --help lists them. The
// Prometheus-style names (--web.listen-address, --config.file) are the
// documented ones; the older ones stay as aliases.
func (f *ServeFlags) Register(fl *Flags) {
	fl.Group("Web")
	fl.String(&f.Listen, "web.listen-address", ":5000", "address to serve the webhook, /metrics, /-/healthy and /-/ready on")
	fl.Alias("listen", "web.listen-address")
	fl.Env("web.listen-address", "STATUSBRIDGE_LISTEN")
	fl.String(&f.WebConfig, "web.config.file", "", "Prometheus web config file: TLS and basic_auth_users for every route (see docs/configuration.md)")
	fl.Env("web.config.file", "STATUSBRIDGE_WEB_CONFIG_FILE")
	fl.String(&f.BasicAuth, "basic-auth", "", "webhook users as user:htpasswd-hash, comma or newline separated")
	fl.Env("basic-auth", "WEBHOOK_BASIC_AUTH")
	fl.Int64(&f.MaxBody, "max-body", 1<<20, "largest webhook body accepted, in bytes")
	fl.Env("max-body", "STATUSBRIDGE_MAX_BODY")
	f.FileFlags.Register(fl)
	f.registerCachet(fl)
	fl.Duration(&f.Resync, "resync", 5*time.Minute, "how often to re-read Cachet and repair drift (0: never)")
	fl.Env("resync", "STATUSBRIDGE_RESYNC")
	fl.Group("Alertmanager")
	fl.String(&f.AMURL, "alertmanager-url", "", "Alertmanager to read current alerts from, e.g. http://alertmanager:9093 (optional)")
	fl.Env("alertmanager-url", "ALERTMANAGER_URL")
	fl.String(&f.AMUser, "alertmanager-username", "", "basic auth user for --alertmanager-url (password from ALERTMANAGER_PASSWORD_FILE)")
	fl.Env("alertmanager-username", "ALERTMANAGER_USERNAME")
	fl.Duration(&f.AMInterval, "alertmanager-interval", time.Minute, "how often to sync with --alertmanager-url")
	fl.Env("alertmanager-interval", "ALERTMANAGER_SYNC_INTERVAL")
	fl.String(&f.AMSilenced, "alertmanager-silenced", "resolved", "what a silenced alert means: resolved; maintenance (Under Maintenance); or schedule (resolved, and the silence shown as a Cachet maintenance window)")
	fl.Env("alertmanager-silenced", "ALERTMANAGER_SILENCED")
	fl.Duration(&f.DiscoveredTTL, "discovered-ttl", 24*time.Hour, "how long a target seen only in alerts is remembered after its last firing alert")
	fl.Env("discovered-ttl", "STATUSBRIDGE_DISCOVERED_TTL")
	fl.Group("Heartbeat")
	fl.String(&f.HeartbeatAlert, "heartbeat-alert", "", "alert whose notifications are the pipeline's heartbeat, e.g. Watchdog (empty: off)")
	fl.Env("heartbeat-alert", "STATUSBRIDGE_HEARTBEAT_ALERT")
	fl.Duration(&f.HeartbeatTimeout, "heartbeat-timeout", 10*time.Minute, "without a heartbeat for this long, every visible component shows Unknown")
	fl.Env("heartbeat-timeout", "STATUSBRIDGE_HEARTBEAT_TIMEOUT")
	f.registerLog(fl)
}

// Options loads and checks what the flags name: the logger, both
// configuration files, their incident texts and the webhook users. The
// Cachet credentials are the flags' as given; the caller settles them.
func (f *ServeFlags) Options(stderr io.Writer, build metrics.Build) (app.Options, error) {
	if f.HeartbeatAlert != "" && f.HeartbeatTimeout <= 0 {
		return app.Options{}, fmt.Errorf("%w: --heartbeat-timeout %v: it must be positive, e.g. 10m (the default); the heartbeat alert should fire more often than that", ErrUsage, f.HeartbeatTimeout)
	}
	if f.DiscoveredTTL <= 0 {
		return app.Options{}, fmt.Errorf("%w: --discovered-ttl %v: it must be positive, e.g. 24h (the default) or 1h (set --discovered-ttl or STATUSBRIDGE_DISCOVERED_TTL)", ErrUsage, f.DiscoveredTTL)
	}
	log, cfg, targets, err := f.Load(stderr)
	if err != nil {
		return app.Options{}, err
	}
	renderer, err := alertmanager.NewRenderer()
	if err != nil {
		return app.Options{}, fmt.Errorf("build incident text renderer: %w", err)
	}
	if err := cfg.CheckTexts(renderer.Check); err != nil {
		return app.Options{}, err
	}
	wc, err := ReadWebConfig(f.WebConfig)
	if err != nil {
		return app.Options{}, err
	}
	// Users stays a nil interface when the web config's users guard all.
	var users server.Verifier
	var warnings []string
	switch {
	case wc.Users && strings.TrimSpace(f.BasicAuth) != "":
		// exporter-toolkit checks its users on every route; the webhook
		// would need a second login in the same header.
		return app.Options{}, fmt.Errorf("%w: --web.config.file %s sets basic_auth_users and WEBHOOK_BASIC_AUTH (or --basic-auth) is set too: "+
			"the web config's users guard every route, the webhook included; move the webhook users into basic_auth_users and unset WEBHOOK_BASIC_AUTH", ErrUsage, wc.Path)
	case !wc.Users:
		u, w, err := webhookUsers(f.BasicAuth, log)
		if err != nil {
			return app.Options{}, err
		}
		users, warnings = u, w
	}
	return app.Options{
		Logger:               log,
		Registry:             prometheus.NewRegistry(),
		Build:                build,
		Config:               cfg,
		Targets:              targets,
		ConfigPath:           f.ConfigPath,
		TargetsPath:          f.TargetsPath,
		Renderer:             renderer,
		Cachet:               cachet.Options{BaseURL: f.CachetURL, Token: f.CachetToken},
		Resync:               f.Resync,
		DiscoveredTTL:        f.DiscoveredTTL,
		HeartbeatAlert:       f.HeartbeatAlert,
		HeartbeatTimeout:     f.HeartbeatTimeout,
		Users:                users,
		WebConfig:            wc,
		Warnings:             warnings,
		MaxBody:              f.MaxBody,
		AlertmanagerInterval: f.AMInterval,
		SilencedMaintenance:  f.AMSilenced == "maintenance",
		SilencedSchedule:     f.AMSilenced == "schedule",
	}, nil
}

// Run completes o with the Alertmanager client and the listener, prints
// where it serves on stdout and runs the daemon until ctx ends.
func (f *ServeFlags) Run(ctx context.Context, o app.Options, getenv func(string) string, stdout io.Writer, reload <-chan struct{}) error {
	if o.Cachet.BaseURL == "" {
		return fmt.Errorf("%w: no Cachet API URL; set --cachet-url or CACHET_API_URL (e.g. http://cachet/api), or try the demo: make run", ErrUsage)
	}
	var err error
	if o.Alertmanager, err = f.alertmanagerClient(getenv); err != nil {
		return err
	}
	if err := server.CheckDefaultCredentials(f.Listen, f.usersConfigured(o)); err != nil {
		return err
	}
	if o.Listener, err = net.Listen("tcp", f.Listen); err != nil {
		return fmt.Errorf("listen on %s (set --web.listen-address or STATUSBRIDGE_LISTEN): %w", f.Listen, err)
	}
	a, err := app.New(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "statusbridge listening on %s\n", o.Listener.Addr())
	if o.StatusPage != "" {
		scheme := "http"
		if o.WebConfig.TLS {
			scheme = "https"
		}
		fmt.Fprintf(stdout, "status page: %s://%s/\n", scheme, o.Listener.Addr())
	}
	return a.Run(ctx, reload)
}

// usersConfigured is whether users other than the default admin:admin
// guard the webhook: WEBHOOK_BASIC_AUTH's, or the web config's, which
// guard every route.
func (f *ServeFlags) usersConfigured(o app.Options) bool {
	return strings.TrimSpace(f.BasicAuth) != "" || o.WebConfig.Users
}

// alertmanagerClient builds the client for --alertmanager-url, or nil.
func (f *ServeFlags) alertmanagerClient(getenv func(string) string) (*alertmanager.APIClient, error) {
	if f.AMURL == "" {
		if f.AMSilenced == "schedule" {
			return nil, fmt.Errorf("%w: --alertmanager-silenced schedule reads the silences from Alertmanager; set --alertmanager-url too", ErrUsage)
		}
		return nil, nil
	}
	if f.AMSilenced != "resolved" && f.AMSilenced != "maintenance" && f.AMSilenced != "schedule" {
		return nil, fmt.Errorf("%w: --alertmanager-silenced %q: use resolved, maintenance or schedule", ErrUsage, f.AMSilenced)
	}
	if f.AMInterval <= 0 {
		return nil, fmt.Errorf("%w: --alertmanager-interval must be positive", ErrUsage)
	}
	o := alertmanager.APIOptions{URL: f.AMURL, Username: f.AMUser}
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
