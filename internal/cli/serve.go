package cli

import (
	"context"
	"flag"
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
	"statusbridge/internal/server"
)

// ServeFlags are the flags of a command that runs the daemon.
type ServeFlags struct {
	CommonFlags
	Listen, BasicAuth         string
	MaxBody                   int64
	Resync, DiscoveredTTL     time.Duration
	AMURL, AMUser, AMSilenced string
	AMInterval                time.Duration
}

// Register defines the flags on fs and returns their environment twins.
func (f *ServeFlags) Register(fs *flag.FlagSet) EnvFlags {
	env := f.CommonFlags.Register(fs)
	fs.StringVar(&f.Listen, "listen", ":5000", "address to serve on")
	fs.StringVar(&f.BasicAuth, "basic-auth", "", "webhook users as user:htpasswd-hash, comma or newline separated")
	fs.Int64Var(&f.MaxBody, "max-body", 1<<20, "largest webhook body accepted, in bytes")
	fs.DurationVar(&f.Resync, "resync", 5*time.Minute, "how often to re-read Cachet and repair drift (0: never)")
	fs.DurationVar(&f.DiscoveredTTL, "discovered-ttl", 24*time.Hour, "how long a target seen only in alerts is remembered after its last firing alert")
	fs.StringVar(&f.AMURL, "alertmanager-url", "", "Alertmanager to read current alerts from, e.g. http://alertmanager:9093 (optional)")
	fs.StringVar(&f.AMUser, "alertmanager-username", "", "basic auth user for --alertmanager-url (password from ALERTMANAGER_PASSWORD_FILE)")
	fs.DurationVar(&f.AMInterval, "alertmanager-interval", time.Minute, "how often to sync with --alertmanager-url")
	fs.StringVar(&f.AMSilenced, "alertmanager-silenced", "resolved", "what a silenced alert means: resolved, or maintenance (Under Maintenance)")
	for name, variable := range map[string]string{
		"listen":                "STATUSBRIDGE_LISTEN",
		"basic-auth":            "WEBHOOK_BASIC_AUTH",
		"max-body":              "STATUSBRIDGE_MAX_BODY",
		"resync":                "STATUSBRIDGE_RESYNC",
		"discovered-ttl":        "STATUSBRIDGE_DISCOVERED_TTL",
		"alertmanager-url":      "ALERTMANAGER_URL",
		"alertmanager-username": "ALERTMANAGER_USERNAME",
		"alertmanager-interval": "ALERTMANAGER_SYNC_INTERVAL",
		"alertmanager-silenced": "ALERTMANAGER_SILENCED",
	} {
		env[name] = variable
	}
	return env
}

// Options loads and checks what the flags name: the logger, both
// configuration files, their incident texts and the webhook users. The
// Cachet credentials are the flags' as given; the caller settles them.
func (f *ServeFlags) Options(stderr io.Writer, version string) (app.Options, error) {
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
	users, warnings, err := webhookUsers(f.BasicAuth, log)
	if err != nil {
		return app.Options{}, err
	}
	return app.Options{
		Logger:               log,
		Registry:             prometheus.NewRegistry(),
		Version:              version,
		Config:               cfg,
		Targets:              targets,
		ConfigPath:           f.ConfigPath,
		TargetsPath:          f.TargetsPath,
		Renderer:             renderer,
		Cachet:               cachet.Options{BaseURL: f.CachetURL, Token: f.CachetToken},
		Resync:               f.Resync,
		DiscoveredTTL:        f.DiscoveredTTL,
		Users:                users,
		Warnings:             warnings,
		MaxBody:              f.MaxBody,
		AlertmanagerInterval: f.AMInterval,
		SilencedMaintenance:  f.AMSilenced == "maintenance",
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
	if err := server.CheckDefaultCredentials(f.Listen, strings.TrimSpace(f.BasicAuth) != ""); err != nil {
		return err
	}
	if o.Listener, err = net.Listen("tcp", f.Listen); err != nil {
		return fmt.Errorf("listen on %s (set --listen or STATUSBRIDGE_LISTEN): %w", f.Listen, err)
	}
	a, err := app.New(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "statusbridge listening on %s\n", o.Listener.Addr())
	if o.StatusPage != "" {
		fmt.Fprintf(stdout, "status page: http://%s/\n", o.Listener.Addr())
	}
	return a.Run(ctx, reload)
}

// alertmanagerClient builds the client for --alertmanager-url, or nil.
func (f *ServeFlags) alertmanagerClient(getenv func(string) string) (*alertmanager.APIClient, error) {
	if f.AMURL == "" {
		return nil, nil
	}
	if f.AMSilenced != "resolved" && f.AMSilenced != "maintenance" {
		return nil, fmt.Errorf("%w: --alertmanager-silenced %q: use resolved or maintenance", ErrUsage, f.AMSilenced)
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
