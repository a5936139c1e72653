package main

import (
	"context"
	"crypto/tls"
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
	var listen, webConfig string
	var timeout time.Duration
	fl.Group("Web")
	fl.String(&listen, "web.listen-address", ":5000", "the address statusbridge serves on")
	fl.Alias("listen", "web.listen-address")
	fl.Env("web.listen-address", "STATUSBRIDGE_LISTEN")
	fl.String(&webConfig, "web.config.file", "", "serve's web config file: with TLS the check uses HTTPS")
	fl.Env("web.config.file", "STATUSBRIDGE_WEB_CONFIG_FILE")
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
	wc, err := cli.ReadWebConfig(webConfig)
	if err != nil {
		return err
	}
	scheme, client := "http", http.DefaultClient
	if wc.TLS {
		// The check asks whether this host's daemon answers, not who it
		// is: the certificate names the public host, not 127.0.0.1.
		scheme = "https"
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // liveness on loopback
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+net.JoinHostPort(host, port)+"/-/healthy", nil)
	if err != nil {
		return fmt.Errorf("build health request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusUnauthorized && wc.Users:
		// basic_auth_users guard every route and the check holds no
		// password: an answer from the login is an answer from the daemon.
		return nil
	}
	return fmt.Errorf("health check: %s", resp.Status)
}
