package main

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
)

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

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, reload <-chan struct{}, demo bool) error {
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
	if err := app.CheckTexts(renderer, cfg); err != nil {
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
	am, err := alertmanagerClient(f, getenv)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s (set --listen or STATUSBRIDGE_LISTEN): %w", f.listen, err)
	}
	o := app.Options{
		Logger:               log,
		Registry:             prometheus.NewRegistry(),
		Version:              version,
		Config:               cfg,
		Targets:              targets,
		ConfigPath:           f.configPath,
		TargetsPath:          f.targetsPath,
		Renderer:             renderer,
		Cachet:               cachet.Options{BaseURL: f.cachetURL, Token: f.cachetToken},
		Resync:               f.resync,
		Listener:             ln,
		Users:                users,
		Warnings:             warnings,
		MaxBody:              f.maxBody,
		Alertmanager:         am,
		AlertmanagerInterval: f.amInterval,
		SilencedMaintenance:  f.amSilenced == "maintenance",
	}
	if demo {
		o.StatusPage = "statusbridge demo"
	}
	a, err := app.New(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "statusbridge listening on %s\n", ln.Addr())
	if demo {
		fmt.Fprintf(stdout, "status page: http://%s/\n", ln.Addr())
	}
	return a.Run(ctx, reload)
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
