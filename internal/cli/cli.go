// Package cli holds what the statusbridge commands share on the command
// line: flags with environment twins, the logger flags, exit codes, and
// serve's flags, which `statusbridge serve` and `statusbridge-demo` both
// parse. Libraries below it are configured through Go values only.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"statusbridge/internal/config"
)

// ErrUsage marks errors that exit with status 2.
var ErrUsage = errors.New("usage")

// ExitCode reports err on stderr as prog and returns the exit status: 0
// for nil or -h, 2 for a usage error, 1 otherwise.
func ExitCode(stderr io.Writer, prog string, err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
}

// NotifyReload turns SIGHUP into reloads for a command that serves. A
// reload already queued reads the files a second one would, so extra
// signals are dropped rather than queued.
func NotifyReload() <-chan struct{} {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	return reload
}

// NewFlagSet returns a flag set that reports errors instead of exiting.
func NewFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// CommonFlags are the configuration, Cachet and log flags that serve, the
// demo, setup and validate share, so one environment drives them all.
type CommonFlags struct {
	ConfigPath, TargetsPath string
	CachetURL, CachetToken  string
	LogFormat, LogLevel     string
}

// Register defines the flags on fs and returns their environment twins.
func (f *CommonFlags) Register(fs *flag.FlagSet) EnvFlags {
	fs.StringVar(&f.ConfigPath, "config", "config.json", "path of config.json")
	fs.StringVar(&f.TargetsPath, "targets", "prometheus.yml", "path of prometheus.yml")
	fs.StringVar(&f.TargetsPath, "file", "prometheus.yml", "alias of --targets (the older setup script's name)")
	fs.StringVar(&f.CachetURL, "cachet-url", "", "Cachet API base URL, e.g. http://cachet/api")
	fs.StringVar(&f.CachetToken, "cachet-token", "", "Cachet API token (prefer CACHET_API_TOKEN_FILE)")
	fs.StringVar(&f.LogFormat, "log.format", "text", "log format: text or json")
	fs.StringVar(&f.LogLevel, "log.level", "info", "log level: debug, info, warn or error")
	return EnvFlags{
		"config":       "STATUSBRIDGE_CONFIG",
		"targets":      "STATUSBRIDGE_TARGETS",
		"cachet-url":   "CACHET_API_URL",
		"cachet-token": "CACHET_API_TOKEN",
		"log.format":   "STATUSBRIDGE_LOG_FORMAT",
		"log.level":    "STATUSBRIDGE_LOG_LEVEL",
	}
}

// Load builds the logger and loads both configuration files, the start of
// every command that talks to Cachet.
func (f *CommonFlags) Load(stderr io.Writer) (*slog.Logger, *config.Config, []config.Target, error) {
	log, err := NewLogger(stderr, f.LogFormat, f.LogLevel)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, targets, err := config.Load(f.ConfigPath, f.TargetsPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load configuration (check it with: statusbridge validate --config %s --targets %s):\n%w", f.ConfigPath, f.TargetsPath, err)
	}
	return log, cfg, targets, nil
}

// CachetToken returns the token from the flag/env or CACHET_API_TOKEN_FILE.
func CachetToken(token string, getenv func(string) string) (string, error) {
	file := getenv("CACHET_API_TOKEN_FILE")
	switch {
	case token != "" && file != "":
		return "", fmt.Errorf("%w: both CACHET_API_TOKEN (or --cachet-token) and CACHET_API_TOKEN_FILE are set; keep one", ErrUsage)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read CACHET_API_TOKEN_FILE: %w", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" {
			return "", fmt.Errorf("CACHET_API_TOKEN_FILE %s is empty; put the Cachet API token in it", file)
		}
	case token == "":
		return "", fmt.Errorf("%w: no Cachet API token; set CACHET_API_TOKEN_FILE (or CACHET_API_TOKEN / --cachet-token)", ErrUsage)
	}
	return token, nil
}

// EnvFlags maps flag names to the environment variables that set them.
type EnvFlags map[string]string

// Parse parses args into fs after filling unset flags from the
// environment, so that flags win over the environment.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string, env EnvFlags) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
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
				return fmt.Errorf("%w: %s=%q: %w", ErrUsage, variable, v, err)
			}
		}
	}
	return nil
}

// NewLogger builds the process logger from --log.format and --log.level.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log.level %q: use debug, info, warn or error", ErrUsage, level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("%w: --log.format %q: use text or json", ErrUsage, format)
	}
}
