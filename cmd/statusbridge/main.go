// Command statusbridge turns Alertmanager notifications into an honest
// Cachet status page. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, reloadOnHUP(os.Args[1:]))
	stop()
	os.Exit(code)
}

// reloadOnHUP turns SIGHUP into reloads for the commands that serve. Other
// commands keep SIGHUP's default, ending the process with its terminal.
func reloadOnHUP(args []string) <-chan struct{} {
	if len(args) == 0 || (args[0] != "serve" && args[0] != "demo") {
		return nil
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			// A reload already queued reads the files this one would.
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	return reload
}
