package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// proc is one run of the program in a goroutine, as main would run it.
type proc struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
	// reload is what SIGHUP feeds in main.
	reload chan struct{}
}

func start(t *testing.T, args []string, env map[string]string) *proc {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1), reload: make(chan struct{})}
	getenv := func(k string) string { return env[k] }
	go func() { p.done <- run(ctx, args, getenv, p.stdout, p.stderr, p.reload) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			t.Errorf("run did not return after cancel")
		}
	})
	return p
}

// addr waits for the "listening on" line and returns the base URL.
func (p *proc) addr(t *testing.T, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-p.done:
			t.Fatalf("run exited with %d before listening; stderr:\n%s", code, p.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("no %q in stdout:\n%s\nstderr:\n%s", pattern, p.stdout, p.stderr)
	return ""
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s/-/ready never answered 200", base)
}

func post(t *testing.T, url, user, pass string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const testConfigJSON = `{
  "new_incident_name": "%s is experiencing issues",
  "new_incident_message": "Investigating.",
  "resolved_incident_message": "Resolved.",
  "cachet_per_page_param": 50,
  "groups_configuration": [
    {"status_page_group": "Services", "status_page_components": ["Backend", "API Services"]}
  ]
}`

const testTargetsYAML = `prometheus_targets:
  node:
    - targets: ["127.0.0.1:19100"]
      labels:
        status_page_component: "Backend, API Services"
        status_page_alert: true
        status_page_critical_target: true
    - targets: ["127.0.0.1:19101"]
      labels:
        status_page_component: "Backend"
        status_page_alert: "true"
`

// servicesCachet starts an emulator holding a public "Services" group with
// these visible components, as setup leaves it for testConfigJSON.
func servicesCachet(t *testing.T, components ...string) *cachettest.Server {
	t.Helper()
	emu := cachettest.NewServer(cachettest.Options{})
	t.Cleanup(emu.Close)
	gid := emu.AddGroup(cachettest.Group{Name: "Services", Visible: 1})
	for _, c := range components {
		emu.AddComponent(cachettest.Component{Name: c, Status: 1, Enabled: true, GroupID: gid})
	}
	return emu
}

// serveEnv is the environment of a serve against emu with the test
// configuration written to files.
func serveEnv(t *testing.T, emu *cachettest.Server) map[string]string {
	t.Helper()
	dir := t.TempDir()
	return map[string]string{
		"STATUSBRIDGE_CONFIG":  writeFile(t, dir, "config.json", testConfigJSON),
		"STATUSBRIDGE_TARGETS": writeFile(t, dir, "prometheus.yml", testTargetsYAML),
		"CACHET_API_URL":       emu.APIURL(),
		"CACHET_API_TOKEN":     cachettest.DefaultToken,
	}
}

// TestServeEndToEnd runs `statusbridge serve` against a Cachet emulator,
// configured through the environment as a container would be.
func TestServeEndToEnd(t *testing.T) {
	emu := servicesCachet(t, "Backend", "API Services")
	emu.AddComponent(cachettest.Component{Name: "127.0.0.1:19100 | Backend, API Services", Status: 1, Description: status.Description(true, nil)})
	emu.AddComponent(cachettest.Component{Name: "127.0.0.1:19101 | Backend", Status: 1, Description: status.Description(false, nil)})

	dir := t.TempDir()
	tokenFile := writeFile(t, dir, "token", cachettest.DefaultToken+"\n")
	env := map[string]string{
		"STATUSBRIDGE_LISTEN":   "127.0.0.1:0",
		"STATUSBRIDGE_CONFIG":   writeFile(t, dir, "config.json", testConfigJSON),
		"STATUSBRIDGE_TARGETS":  writeFile(t, dir, "prometheus.yml", testTargetsYAML),
		"CACHET_API_URL":        emu.APIURL(),
		"CACHET_API_TOKEN_FILE": tokenFile,
		// alice:hunter2, $apr1$ form.
		"WEBHOOK_BASIC_AUTH": "alice:$apr1$s4ltS4lt$WqSRSiuEvAv7Y9YmJUhP31",
	}
	p := start(t, []string{"serve"}, env)
	base := "http://" + p.addr(t, `listening on (\S+)`)
	waitReady(t, base)

	body, err := os.ReadFile("../../internal/server/testdata/alertmanager-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	if code := post(t, base+"/webhook", "alice", "wrong", body); code != 401 {
		t.Errorf("wrong password: %d, want 401", code)
	}
	if code := post(t, base+"/webhook", "alice", "hunter2", body); code != 200 {
		t.Fatalf("webhook: %d, want 200; stderr:\n%s", code, p.stderr)
	}
	for _, c := range emu.Components() {
		if c.Name == "Backend" && c.Status != 4 {
			t.Errorf("Backend = %d, want 4", c.Status)
		}
	}
	if n := len(emu.Incidents()); n != 2 {
		t.Errorf("incidents = %d, want 2 (Backend and API Services)", n)
	}
	if code := runHealthcheckOn(t, strings.TrimPrefix(base, "http://")); code != 0 {
		t.Errorf("healthcheck = %d, want 0", code)
	}

	p.cancel()
	if code := <-p.done; code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
	}
	p.done <- 0 // for the cleanup
	logs := p.stderr.String()
	for _, want := range []string{"[WEBHOOK_REQUEST]", "[COMPONENT_STATUS_CHANGE]", "shutting down"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q", want)
		}
	}
	if strings.Contains(logs, "statusbridge-test-token") || strings.Contains(logs, "hunter2") {
		t.Errorf("logs leak a secret:\n%s", logs)
	}
}

func runHealthcheckOn(t *testing.T, addr string) int {
	t.Helper()
	var out, errb bytes.Buffer
	return run(t.Context(), []string{"healthcheck", "--listen", addr}, func(string) string { return "" }, &out, &errb, nil)
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := []string{"--config", writeFile(t, dir, "c.json", testConfigJSON), "--targets", writeFile(t, dir, "p.yml", testTargetsYAML)}
	bad := []string{"--config", writeFile(t, dir, "bad.json", `{"groups_configuration": 3}`), "--targets", writeFile(t, dir, "p2.yml", testTargetsYAML)}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"no_command", nil, nil, 2},
		{"unknown_command", []string{"frobnicate"}, nil, 2},
		{"version", []string{"version"}, nil, 0},
		{"validate_good", append([]string{"validate"}, good...), nil, 0},
		{"validate_bad", append([]string{"validate"}, bad...), nil, 1},
		{"serve_without_cachet_url", append([]string{"serve"}, good...), map[string]string{"CACHET_API_TOKEN": "x"}, 2},
		{"serve_without_token", append([]string{"serve"}, good...), map[string]string{"CACHET_API_URL": "http://cachet/api"}, 2},
		{"serve_two_tokens", append([]string{"serve"}, good...), map[string]string{"CACHET_API_URL": "http://c/api", "CACHET_API_TOKEN": "x", "CACHET_API_TOKEN_FILE": "/x"}, 2},
		{"serve_bad_basic_auth", append([]string{"serve", "--basic-auth", "bob:s3cr3tpass"}, good...), map[string]string{"CACHET_API_URL": "http://c/api", "CACHET_API_TOKEN": "x"}, 1},
		{"serve_bad_flag", []string{"serve", "--nope"}, nil, 2},
		{"serve_zero_discovered_ttl", append([]string{"serve", "--discovered-ttl", "0"}, good...), map[string]string{"CACHET_API_URL": "http://c/api", "CACHET_API_TOKEN": "x"}, 2},
		{"serve_default_credentials_off_loopback", append([]string{"serve", "--listen", "0.0.0.0:0"}, good...), map[string]string{"CACHET_API_URL": "http://c/api", "CACHET_API_TOKEN": "x"}, 1},
		{"demo_is_its_own_command", []string{"demo"}, nil, 2},
		{"healthcheck_nothing_listening", []string{"healthcheck", "--listen", "127.0.0.1:1"}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			got := run(t.Context(), tt.args, func(k string) string { return tt.env[k] }, &out, &errb, nil)
			if got != tt.want {
				t.Errorf("run(%q) = %d, want %d\nstdout: %s\nstderr: %s", tt.args, got, tt.want, &out, &errb)
			}
			if strings.Contains(errb.String(), "s3cr3tpass") {
				t.Errorf("stderr echoes the bad basic-auth secret: %s", &errb)
			}
		})
	}
}

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

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestMetricsAndReload checks /metrics through a Cachet failure, and
// reloads (SIGHUP in main) that keep the last good configuration.
func TestMetricsAndReload(t *testing.T) {
	emu := servicesCachet(t, "Backend", "API Services", "Search")
	env := serveEnv(t, emu)
	configPath := env["STATUSBRIDGE_CONFIG"]
	p := start(t, []string{"serve", "--listen", "127.0.0.1:0"}, env)
	base := "http://" + p.addr(t, `listening on (\S+)`)
	waitReady(t, base)

	emu.Inject(func(*http.Request) *cachettest.Fault { return &cachettest.Fault{Status: 500} })
	body, err := os.ReadFile("../../internal/server/testdata/alertmanager-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	if code := post(t, base+"/webhook", "admin", "admin", body); code != 503 {
		t.Fatalf("webhook while Cachet fails: %d, want 503", code)
	}
	got := scrape(t, base)
	for _, want := range []string{
		`statusbridge_webhook_requests_total{code="503"} 1`,
		// A configured target missing at load is looked up before its create.
		`statusbridge_cachet_requests_total{code="500",method="GET",route="/components"}`,
		`statusbridge_alerts_total{outcome="applied"} 2`,
		// Built by go test: no ldflags, so branch and revision are empty.
		`statusbridge_build_info{branch="",goarch="` + runtime.GOARCH + `",goos="` + runtime.GOOS + `",goversion="` + runtime.Version() + `",revision=`,
		`statusbridge_config_last_reload_successful 1`,
		// Counters known up front are there before their first event.
		`statusbridge_webhook_requests_total{code="401"} 0`,
		`statusbridge_alerts_total{outcome="stale"} 0`,
		`statusbridge_alerts_truncated_total 0`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(got, "statusbridge_pending_writes 0") {
		t.Errorf("/metrics shows no pending writes after a failed webhook")
	}
	emu.Inject(nil)

	// A good reload adds "Search" to the groups; a bad one keeps it.
	good := strings.Replace(testConfigJSON, `"API Services"]`, `"API Services", "Search"]`, 1)
	if err := os.WriteFile(configPath, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	reloadAndWait(t, p, "configuration reloaded")
	if err := os.WriteFile(configPath, []byte(`{"groups_configuration": 3}`), 0o600); err != nil {
		t.Fatal(err)
	}
	reloadAndWait(t, p, "configuration reload failed")
	if got := scrape(t, base); !strings.Contains(got, "statusbridge_config_last_reload_successful 0") {
		t.Errorf("/metrics does not show the failed reload")
	}
	if code := post(t, base+"/webhook", "admin", "admin", body); code != 200 {
		t.Errorf("webhook after a failed reload: %d, want 200 (the last good config stays)", code)
	}
}

func reloadAndWait(t *testing.T, p *proc, line string) {
	t.Helper()
	before := strings.Count(p.stderr.String(), line)
	select {
	case p.reload <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatalf("serve does not take the reload; stderr:\n%s", p.stderr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(p.stderr.String(), line) == before {
		if time.Now().After(deadline) {
			t.Fatalf("no %q after the reload; stderr:\n%s", line, p.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAlertmanagerSync: with --alertmanager-url, alerts Alertmanager holds
// reach Cachet with no webhook at all (a lost notification), and a
// silenced one is shown as maintenance when asked.
func TestAlertmanagerSync(t *testing.T) {
	body, err := os.ReadFile("../../internal/alertmanager/testdata/api-v2-alerts.json")
	if err != nil {
		t.Fatal(err)
	}
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "sb" || p != "am-secret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(am.Close)
	emu := servicesCachet(t, "Backend", "API Services")
	env := serveEnv(t, emu)
	env["ALERTMANAGER_URL"] = am.URL
	env["ALERTMANAGER_USERNAME"] = "sb"
	env["ALERTMANAGER_PASSWORD_FILE"] = writeFile(t, t.TempDir(), "am-password", "am-secret\n")
	env["ALERTMANAGER_SILENCED"] = "maintenance"
	p := start(t, []string{"serve", "--listen", "127.0.0.1:0", "--alertmanager-interval", "20ms"}, env)
	waitReady(t, "http://"+p.addr(t, `listening on (\S+)`))
	want := map[string]int{
		"API Services": 4, // its only target, 19100, is critical and fires
		"Backend":      4,
		"127.0.0.1:19100 | Backend, API Services": 4,
		"127.0.0.1:19101 | Backend":               6, // silenced: maintenance
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := map[string]int{}
		for _, c := range emu.Components() {
			if _, ok := want[c.Name]; ok {
				got[c.Name] = c.Status
			}
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("components = %v, want %v; stderr:\n%s", got, want, p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(p.stderr.String(), "am-secret") {
		t.Errorf("logs leak the Alertmanager password")
	}
}

// TestStalledClientIsCutOff: a client that stops half-way through its
// headers is disconnected after the read-header timeout, so idle or
// hostile connections cannot pile up.
func TestStalledClientIsCutOff(t *testing.T) {
	p := start(t, []string{"serve", "--listen", "127.0.0.1:0"}, serveEnv(t, servicesCachet(t)))
	addr := p.addr(t, `listening on (\S+)`)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /webhook HTTP/1.1\r\nHost: statusbridge\r\nContent-Type: appl")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = io.ReadAll(conn)
	if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after 30 s of stalled headers")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stalled connection closed after %v, want within the 5 s read-header timeout", d.Round(time.Second))
	}
}
