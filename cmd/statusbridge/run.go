package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"statusbridge/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `statusbridge turns Alertmanager notifications into a Cachet status page.

Usage:
  statusbridge serve        run the webhook daemon
  statusbridge demo         run the daemon against an in-process Cachet emulator
  statusbridge setup        create/adopt groups and components in Cachet from the config files
  statusbridge validate     check config.json and prometheus.yml; exit 1 on any problem
  statusbridge healthcheck  GET the local /health (for container health checks)
  statusbridge version      print the version

Run "statusbridge <command> -h" for the flags of a command.
`

// errUsage marks errors that exit with status 2.
var errUsage = errors.New("usage")

// run is the whole program; main only supplies the process's environment
// and turns SIGHUP into reload.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, reload <-chan struct{}) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = runServe(ctx, rest, getenv, stdout, stderr, reload, false)
	case "demo":
		err = runServe(ctx, rest, getenv, stdout, stderr, reload, true)
	case "setup":
		err = runSetup(ctx, rest, getenv, stdout, stderr)
	case "validate":
		err = runValidate(rest, getenv, stdout, stderr)
	case "healthcheck":
		err = runHealthcheck(ctx, rest, getenv, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "statusbridge %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "statusbridge: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "statusbridge: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "statusbridge: %v\n", err)
		return 1
	}
}

func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// commonFlags are the configuration, Cachet and log flags that serve, demo,
// setup and validate share, so one environment drives them all.
type commonFlags struct {
	configPath, targetsPath string
	cachetURL, cachetToken  string
	logFormat, logLevel     string
}

func (f *commonFlags) register(fs *flag.FlagSet) envFlags {
	fs.StringVar(&f.configPath, "config", "config.json", "path of config.json")
	fs.StringVar(&f.targetsPath, "targets", "prometheus.yml", "path of prometheus.yml")
	fs.StringVar(&f.targetsPath, "file", "prometheus.yml", "alias of --targets (the older setup script's name)")
	fs.StringVar(&f.cachetURL, "cachet-url", "", "Cachet API base URL, e.g. http://cachet/api")
	fs.StringVar(&f.cachetToken, "cachet-token", "", "Cachet API token (prefer CACHET_API_TOKEN_FILE)")
	fs.StringVar(&f.logFormat, "log.format", "text", "log format: text or json")
	fs.StringVar(&f.logLevel, "log.level", "info", "log level: debug, info, warn or error")
	return envFlags{
		"config":       "STATUSBRIDGE_CONFIG",
		"targets":      "STATUSBRIDGE_TARGETS",
		"cachet-url":   "CACHET_API_URL",
		"cachet-token": "CACHET_API_TOKEN",
		"log.format":   "STATUSBRIDGE_LOG_FORMAT",
		"log.level":    "STATUSBRIDGE_LOG_LEVEL",
	}
}

// load builds the logger and loads both configuration files, the start of
// every command that talks to Cachet.
func (f *commonFlags) load(stderr io.Writer) (*slog.Logger, *config.Config, []config.Target, error) {
	log, err := newLogger(stderr, f.logFormat, f.logLevel)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, targets, err := config.Load(f.configPath, f.targetsPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load configuration (check it with: statusbridge validate --config %s --targets %s):\n%w", f.configPath, f.targetsPath, err)
	}
	return log, cfg, targets, nil
}

// envFlags maps flag names to the environment variables that set them.
type envFlags map[string]string

// parse parses args into fs after filling unset flags from the
// environment, so that flags win over the environment.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string, env envFlags) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// --file is the older setup script's name for --targets.
	if set["file"] {
		set["targets"] = true
	}
	for name, variable := range env {
		if set[name] {
			continue
		}
		if v := getenv(variable); v != "" {
			if err := fs.Set(name, v); err != nil {
				return fmt.Errorf("%w: %s=%q: %w", errUsage, variable, v, err)
			}
		}
	}
	return nil
}

// newLogger builds the process logger from --log.format and --log.level.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log.level %q: use debug, info, warn or error", errUsage, level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("%w: --log.format %q: use text or json", errUsage, format)
	}
}
