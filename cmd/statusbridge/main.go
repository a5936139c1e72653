// Command statusbridge turns Alertmanager notifications into an honest
// Cachet status page. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"statusbridge/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	// SIGHUP reloads a serving daemon; other commands keep its default,
	// ending with their terminal.
	var reload <-chan struct{}
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		reload = cli.NotifyReload()
	}
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, reload)
	stop()
	os.Exit(code)
}
