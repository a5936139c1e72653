// Command statusbridge-demo runs the statusbridge daemon against an
// in-process Cachet emulator, filled by a real setup run, with a small
// status page at /: `make run`. It is a command of its own so that the
// emulator stays out of the production binary.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"statusbridge/internal/cli"
)

// version, revision and branch are set at build time with -ldflags
// "-X main.version=… -X main.revision=… -X main.branch=…" (make build).
var version, revision, branch = "dev", "", ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, cli.NotifyReload())
	stop()
	os.Exit(code)
}

// run is the whole program; main only supplies the process's environment
// and turns SIGHUP into reload.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, reload <-chan struct{}) int {
	return cli.ExitCode(stderr, "statusbridge-demo", runDemo(ctx, args, getenv, stdout, stderr, reload))
}

// runDemo takes serve's flags with defaults for a fresh clone, starts the
// emulator and runs the daemon against it.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, reload <-chan struct{}) error {
	fl := cli.NewFlags("statusbridge-demo", stdout)
	var f cli.ServeFlags
	f.Register(fl)
	var cachetListen string
	fl.Group("Demo")
	fl.String(&cachetListen, "demo.cachet-listen", "127.0.0.1:5001", "where the demo's Cachet emulator serves its API")
	// The demo accepts admin:admin: keep it off the network.
	fl.SetDefault("web.listen-address", "127.0.0.1:5000")
	// The demo runs from a fresh clone: use the shipped examples.
	fl.SetDefault("config.file", "config.json.example")
	fl.SetDefault("targets", "prometheus.yml.example")
	if err := fl.Parse(args, getenv); err != nil {
		return err
	}
	o, err := f.Options(stderr, cli.BuildInfo(version, revision, branch))
	if err != nil {
		return err
	}
	emu, err := startDemoCachet(ctx, cachetListen, o.Config, o.Targets, o.Logger)
	if err != nil {
		return err
	}
	defer emu.Close()
	o.Cachet.BaseURL, o.Cachet.Token = emu.url, demoToken
	fmt.Fprintf(stdout, "demo Cachet emulator API: %s\n", emu.url)
	o.StatusPage = "statusbridge demo"
	return f.Run(ctx, o, getenv, stdout, reload)
}
