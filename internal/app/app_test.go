package app

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/htpasswd"
	"statusbridge/internal/metrics"
)

const configJSON = `{
  "groups_configuration": [
    {"status_page_group": "Services", "status_page_components": ["Backend"]}
  ]
}`

const targetsYAML = `prometheus_targets:
  node:
    - targets: ["127.0.0.1:19100"]
      labels:
        status_page_component: "Backend"
        status_page_alert: true
`

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testOptions are the options of a daemon on 127.0.0.1:0 against a fresh
// emulator, configured from files in a temporary directory.
func testOptions(t *testing.T, logs *syncBuffer) Options {
	t.Helper()
	emu := cachettest.NewServer(cachettest.Options{})
	t.Cleanup(emu.Close)
	dir := t.TempDir()
	o := Options{
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
		Registry:    prometheus.NewRegistry(),
		Build:       metrics.Build{Version: "test"},
		ConfigPath:  filepath.Join(dir, "config.json"),
		TargetsPath: filepath.Join(dir, "prometheus.yml"),
		Cachet:      cachet.Options{BaseURL: emu.APIURL(), Token: cachettest.DefaultToken},
		Users:       htpasswd.Default(),
	}
	for path, content := range map[string]string{o.ConfigPath: configJSON, o.TargetsPath: targetsYAML} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if o.Config, o.Targets, err = config.Load(o.ConfigPath, o.TargetsPath); err != nil {
		t.Fatal(err)
	}
	if o.Renderer, err = alertmanager.NewRenderer(); err != nil {
		t.Fatal(err)
	}
	if o.Listener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestRunReloadAndShutdown runs a daemon in-process: it gets ready, a
// reload of a broken file keeps the configuration and says so, a good one
// is taken, and ending the context shuts it down cleanly.
func TestRunReloadAndShutdown(t *testing.T) {
	var logs syncBuffer
	o := testOptions(t, &logs)
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reload := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, reload) }()

	base := "http://" + o.Listener.Addr().String()
	waitFor(t, &logs, func() bool {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	lastReload := func() float64 {
		return gauge(t, o.Registry, "statusbridge_config_last_reload_successful")
	}
	if got := lastReload(); got != 1 {
		t.Fatalf("last reload successful = %v at start, want 1", got)
	}

	if err := os.WriteFile(o.ConfigPath, []byte(`{"groups_configuration": 3}`), 0o600); err != nil {
		t.Fatal(err)
	}
	reload <- struct{}{}
	waitFor(t, &logs, func() bool { return strings.Contains(logs.String(), "configuration reload failed") })
	if got := lastReload(); got != 0 {
		t.Errorf("last reload successful = %v after a broken file, want 0", got)
	}

	if err := os.WriteFile(o.ConfigPath, []byte(configJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	reload <- struct{}{}
	waitFor(t, &logs, func() bool { return strings.Contains(logs.String(), "configuration reloaded") })
	if got := lastReload(); got != 1 {
		t.Errorf("last reload successful = %v after a good file, want 1", got)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("logs lack the shutdown line:\n%s", logs.String())
	}
	if _, err := net.Dial("tcp", o.Listener.Addr().String()); err == nil {
		t.Errorf("still listening after Run returned")
	}
}

// TestNewRequiredOptions: a missing dependency is an error naming it, and
// the listener is closed rather than leaked.
func TestNewRequiredOptions(t *testing.T) {
	var logs syncBuffer
	o := testOptions(t, &logs)
	o.Renderer, o.Registry = nil, nil
	if _, err := New(o); err == nil || !strings.Contains(err.Error(), "Registry") || !strings.Contains(err.Error(), "Renderer") {
		t.Errorf("New without Registry and Renderer = %v, want an error naming both", err)
	}
	if _, err := net.Dial("tcp", o.Listener.Addr().String()); err == nil {
		t.Errorf("New left the listener open after failing")
	}
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t *testing.T, logs *syncBuffer, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition never held; logs:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gauge reads the value of an unlabelled gauge from reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}
