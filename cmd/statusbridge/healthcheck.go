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

// runHealthcheck GETs the local /-/healthy; the container image has no curl.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fl := cli.NewFlags("statusbridge healthcheck", stdout)
	var listen string
	var timeout time.Duration
	fl.Group("Web")
	fl.String(&listen, "web.listen-address", ":5000", "the address statusbridge serves on")
	fl.Alias("listen", "web.listen-address")
	fl.Env("web.listen-address", "STATUSBRIDGE_LISTEN")
	fl.Duration(&timeout, "timeout", 3*time.Second, "how long to wait for an answer")
	if err := fl.Parse(args, getenv); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("%w: --web.listen-address %q: %w", cli.ErrUsage, listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/-/healthy", nil)
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
