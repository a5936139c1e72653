package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"statusbridge/internal/cli"
)

// runHealthcheck GETs the local /health; the container image has no curl.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := cli.NewFlagSet("healthcheck", stderr)
	listen := fs.String("listen", ":5000", "the address statusbridge serves on")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for an answer")
	if err := cli.Parse(fs, args, getenv, cli.EnvFlags{"listen": "STATUSBRIDGE_LISTEN"}); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("%w: --listen %q: %w", cli.ErrUsage, *listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/health", nil)
	if err != nil {
		return fmt.Errorf("build health request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: %s", resp.Status)
	}
	return nil
}
