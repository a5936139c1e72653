package main

import (
	"context"
	"fmt"
	"io"

	"statusbridge/internal/cli"
)

// version, revision and branch are set at build time with -ldflags
// "-X main.version=… -X main.revision=… -X main.branch=…" (make build).
var version, revision, branch = "dev", "", ""

const usage = `statusbridge turns Alertmanager notifications into a Cachet status page.

Usage:
  statusbridge serve        run the webhook daemon
  statusbridge setup        create/adopt groups and components in Cachet from the config files
  statusbridge validate     check config.json and prometheus.yml; exit 1 on any problem
  statusbridge healthcheck  GET the local /-/healthy (for container health checks)
  statusbridge version      print the version

Run "statusbridge <command> --help" for the flags of a command.
`

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
		err = runServe(ctx, rest, getenv, stdout, stderr, reload)
	case "demo":
		// The demo's Cachet emulator stays out of the production binary.
		fmt.Fprintln(stderr, "statusbridge: the demo is its own command now: make run (go run ./cmd/statusbridge-demo)")
		return 2
	case "setup":
		err = runSetup(ctx, rest, getenv, stdout, stderr)
	case "validate":
		err = runValidate(rest, getenv, stdout, stderr)
	case "healthcheck":
		err = runHealthcheck(ctx, rest, getenv, stdout)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "statusbridge %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "statusbridge: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	return cli.ExitCode(stderr, "statusbridge", err)
}
