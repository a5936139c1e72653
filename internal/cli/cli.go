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
	"runtime/debug"
	"strings"
	"syscall"

	"statusbridge/internal/config"
	"statusbridge/internal/metrics"
)

// ErrUsage marks errors that exit with status 2.
var ErrUsage = errors.New("usage")

// ExitCode reports err on stderr as prog and returns the exit status: 0
// for nil or -h, 2 for a usage error, 1 otherwise. A mistake in a flag is
// printed first, then where to read the flags.
func ExitCode(stderr io.Writer, prog string, err error) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for the flags.\n", ue.Cmd, ue.Err, ue.Cmd)
		return 2
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
}

// BuildInfo completes what -ldflags -X set at build time: without a
// revision (a plain go build or go install) it takes the one the Go
// toolchain stamped from version control, if any.
func BuildInfo(version, revision, branch string) metrics.Build {
	if revision == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					revision = s.Value
				}
			}
		}
	}
	return metrics.Build{Version: version, Revision: revision, Branch: branch}
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

// FileFlags name the two configuration files.
type FileFlags struct {
	ConfigPath, TargetsPath string
}

// Register defines the file flags in the Files group.
func (f *FileFlags) Register(fl *Flags) {
	fl.Group("Files")
	fl.String(&f.ConfigPath, "config.file", "config.json", "path of config.json (groups, components, incident texts)")
	fl.Alias("config", "config.file")
	fl.Env("config.file", "STATUSBRIDGE_CONFIG")
	fl.String(&f.TargetsPath, "targets", "prometheus.yml", "path of prometheus.yml (targets and their components)")
	// --file is the older setup script's name.
	fl.Alias("file", "targets")
	fl.Env("targets", "STATUSBRIDGE_TARGETS")
}

// CommonFlags are the configuration, Cachet and log flags that serve, the
// demo and setup share, so one environment drives them all.
type CommonFlags struct {
	FileFlags
	CachetURL, CachetToken string
	LogFormat, LogLevel    string
}

// Register defines the flags in the Files, Cachet and Logging groups.
func (f *CommonFlags) Register(fl *Flags) {
	f.FileFlags.Register(fl)
	f.registerCachet(fl)
	f.registerLog(fl)
}

func (f *CommonFlags) registerCachet(fl *Flags) {
	fl.Group("Cachet")
	fl.String(&f.CachetURL, "cachet-url", "", "Cachet API base URL, ending in /api, e.g. http://cachet/api")
	fl.Env("cachet-url", "CACHET_API_URL")
	fl.String(&f.CachetToken, "cachet-token", "", "Cachet API token (prefer the file CACHET_API_TOKEN_FILE names)")
	fl.Env("cachet-token", "CACHET_API_TOKEN")
}

func (f *CommonFlags) registerLog(fl *Flags) {
	fl.Group("Logging")
	fl.String(&f.LogFormat, "log.format", "text", "log format: text or json")
	fl.Env("log.format", "STATUSBRIDGE_LOG_FORMAT")
	fl.String(&f.LogLevel, "log.level", "info", "log level: debug, info, warn or error")
	fl.Env("log.level", "STATUSBRIDGE_LOG_LEVEL")
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
		return nil, nil, nil, fmt.Errorf("load configuration (check it with: statusbridge validate --config.file %s --targets %s):\n%w", f.ConfigPath, f.TargetsPath, err)
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
