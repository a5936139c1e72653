package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/htpasswd"
	"statusbridge/internal/server"
	"statusbridge/internal/status"
)

const (
	password = "hunter2"
	apr1     = "$apr1$s4ltS4lt$WqSRSiuEvAv7Y9YmJUhP31" // openssl passwd -apr1 -salt s4ltS4lt hunter2
	sha      = "{SHA}87u9ZqY9S/F0eUBXjsPQEDUw4h0="     // base64(sha1("hunter2"))
)

// env is a running statusbridge HTTP server over a seeded Cachet emulator.
type env struct {
	emu  *cachettest.Server
	url  string
	logs *syncBuffer
	// observed holds what Options.Observe and ObserveTruncated were told.
	observed *observed
}

type observed struct {
	mu        sync.Mutex
	codes     []int
	truncated []int
}

func (o *observed) code(c int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes = append(o.codes, c)
}

func (o *observed) truncate(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.truncated = append(o.truncated, n)
}

// take returns and forgets what was observed so far.
func (o *observed) take() (codes, truncated []int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	codes, truncated = o.codes, o.truncated
	o.codes, o.truncated = nil, nil
	return codes, truncated
}

func newEnv(t *testing.T, maxBody int64) *env {
	t.Helper()
	emu := cachettest.NewServer(cachettest.Options{})
	t.Cleanup(emu.Close)
	cfg := &config.Config{
		NewIncidentName: "%s is down", NewIncidentMessage: "Investigating", ResolvedIncidentMessage: "Resolved", PerPage: 50,
		Groups: []config.Group{{Name: "Services", Components: []string{"Backend", "API Services"}}},
	}
	// The targets of the captured payloads.
	targets := []config.Target{
		{Instance: "127.0.0.1:19100", ComponentsRaw: "Backend, API Services", Components: []string{"Backend", "API Services"}, Critical: true},
		{Instance: "127.0.0.1:19101", ComponentsRaw: "Backend", Components: []string{"Backend"}},
	}
	gid := emu.AddGroup(cachettest.Group{Name: "Services", Visible: 1})
	for _, c := range cfg.Groups[0].Components {
		emu.AddComponent(cachettest.Component{Name: c, Status: 1, Enabled: true, GroupID: gid})
	}
	for _, tg := range targets {
		emu.AddComponent(cachettest.Component{Name: tg.InvisibleName(), Status: 1, Description: status.Description(tg.Critical, nil)})
	}
	client, err := cachet.New(cachet.Options{BaseURL: emu.APIURL(), Token: cachettest.DefaultToken, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := alertmanager.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	br := bridge.New(bridge.Options{Cachet: client, Renderer: r, Config: cfg, Targets: targets, Logger: log})
	if err := br.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	bc, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users, err := htpasswd.Parse(fmt.Sprintf("bc:%s,apr:%s\nsha:%s", bc, apr1, sha))
	if err != nil {
		t.Fatal(err)
	}
	obs := &observed{}
	ts := httptest.NewServer(server.New(server.Options{
		Bridge: br, Users: users, Logger: log, MaxBody: maxBody,
		Warnings:         []string{"default credentials"},
		Ready:            func() error { return nil },
		Observe:          obs.code,
		ObserveTruncated: obs.truncate,
	}))
	t.Cleanup(ts.Close)
	return &env{emu: emu, url: ts.URL, logs: logs, observed: obs}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) post(t *testing.T, user, pass string, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url+"/webhook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (e *env) status(t *testing.T, name string) int {
	t.Helper()
	for _, c := range e.emu.Components() {
		if c.Name == name {
			return c.Status
		}
	}
	t.Fatalf("no component %q", name)
	return 0
}

func TestWebhookAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	body := fixture(t, "alertmanager-resolved.json")
	tests := []struct {
		name, user, pass string
		want             int
	}{
		{"bcrypt_user", "bc", password, 200},
		{"apr1_user", "apr", password, 200},
		{"sha_user", "sha", password, 200},
		{"missing_credentials", "", "", 401},
		{"wrong_password", "bc", "hunter3", 401},
		{"unknown_user", "mallory", password, 401},
		{"empty_password", "bc", "", 401},
		{"user_name_case_matters", "BC", password, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := e.post(t, tt.user, tt.pass, body)
			if resp.StatusCode != tt.want {
				t.Fatalf("POST /webhook as %q = %d, want %d", tt.user, resp.StatusCode, tt.want)
			}
			if tt.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("401 without a Basic WWW-Authenticate header: %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestWrongCredentialsWriteNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	e.emu.ResetStats()
	resp, _ := e.post(t, "bc", "nope", fixture(t, "alertmanager-firing.json"))
	if resp.StatusCode != 401 {
		t.Fatalf("status = %d, want 401", resp.StatusCode)
	}
	if s := e.emu.Stats(); s.Writes+s.Reads != 0 {
		t.Errorf("Cachet saw %d reads and %d writes for a rejected webhook, want none", s.Reads, s.Writes)
	}
}

func TestWebhookFixturesDriveCachet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	steps := []struct {
		file                string
		backend, api, inv19 int
	}{
		// 19100 is critical and feeds both; 19101 feeds Backend only.
		{"alertmanager-firing.json", 4, 4, 4},
		{"alertmanager-mixed.json", 4, 4, 4},
		{"alertmanager-resolved.json", 1, 1, 1},
	}
	for _, st := range steps {
		resp, body := e.post(t, "bc", password, fixture(t, st.file))
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d body %s", st.file, resp.StatusCode, body)
		}
		if got := e.status(t, "Backend"); got != st.backend {
			t.Errorf("%s: Backend = %d, want %d", st.file, got, st.backend)
		}
		if got := e.status(t, "API Services"); got != st.api {
			t.Errorf("%s: API Services = %d, want %d", st.file, got, st.api)
		}
		if got := e.status(t, "127.0.0.1:19100 | Backend, API Services"); got != st.inv19 {
			t.Errorf("%s: invisible 19100 = %d, want %d", st.file, got, st.inv19)
		}
	}
	if got := e.status(t, "127.0.0.1:19101 | Backend"); got != 1 {
		t.Errorf("invisible 19101 = %d, want 1 after the mixed payload resolved it", got)
	}
}

func TestWebhookRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2048)
	tests := []struct {
		name string
		body string
		want int
	}{
		{"not_json", "hello", 400},
		{"truncated_json", `{"alerts":[`, 400},
		{"wrong_shape", `{"alerts":"nope"}`, 400},
		{"over_the_limit", `{"alerts":[],"x":"` + strings.Repeat("a", 4096) + `"}`, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.post(t, "bc", password, []byte(tt.body))
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d (%s), want %d", resp.StatusCode, body, tt.want)
			}
		})
	}
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequestWithContext(t.Context(), method, e.url+"/webhook", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /webhook = %d, want 405", method, resp.StatusCode)
		}
	}
}

func TestCachetFailureAnswers503(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	e.emu.Inject(func(*http.Request) *cachettest.Fault { return &cachettest.Fault{Status: 500} })
	resp, _ := e.post(t, "bc", password, fixture(t, "alertmanager-firing.json"))
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status with Cachet answering 500 = %d, want 503 so Alertmanager retries", resp.StatusCode)
	}
	e.emu.Inject(nil)
	resp, _ = e.post(t, "bc", password, fixture(t, "alertmanager-firing.json"))
	if resp.StatusCode != 200 {
		t.Errorf("status after Cachet recovered = %d, want 200", resp.StatusCode)
	}
	if got := e.status(t, "Backend"); got != 4 {
		t.Errorf("Backend = %d, want 4", got)
	}
}

func TestLogsRedactCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	e.post(t, "bc", password, fixture(t, "alertmanager-firing.json"))
	e.post(t, "bc", "wrong-"+password, []byte("{}"))
	logs := e.logs.String()
	if !strings.Contains(logs, "msg=[WEBHOOK_REQUEST]") || !strings.Contains(logs, "alerts=2") {
		t.Errorf("logs lack the [WEBHOOK_REQUEST] line with alerts=2:\n%s", logs)
	}
	if !strings.Contains(logs, "Authorization: <redacted>") {
		t.Errorf("logs do not show the redacted Authorization header:\n%s", logs)
	}
	for _, secret := range []string{password, "Basic YmM6"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain a credential %q:\n%s", secret, logs)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	const healthy, ready = `{"status":"healthy","warnings":["default credentials"]}`, `{"status":"ready"}`
	// The Prometheus-style paths and their older aliases answer alike.
	for path, want := range map[string]string{
		"/-/healthy": healthy,
		"/health":    healthy,
		"/-/ready":   ready,
		"/readyz":    ready,
	} {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != want {
			t.Errorf("GET %s = %d %s, want 200 %s", path, resp.StatusCode, b, want)
		}
	}
}

func TestNotReadyAnswers503(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(server.New(server.Options{Ready: func() error { return fmt.Errorf("cachet index not loaded yet") }}))
	defer ts.Close()
	for _, path := range []string{"/-/ready", "/readyz"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Errorf("GET %s before load = %d, want 503", path, resp.StatusCode)
		}
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

var _ = time.Second

// TestEveryWebhookAnswerIsObserved: the codes counted in
// statusbridge_webhook_requests_total include Basic Auth's and a wrong
// method's, which the webhook handler itself never sees.
func TestEveryWebhookAnswerIsObserved(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 4096)
	firing := fixture(t, "alertmanager-firing.json")
	tests := []struct {
		name       string
		method     string
		user, pass string
		body       string
		want       int
	}{
		{"ok", http.MethodPost, "bc", password, string(firing), 200},
		{"not_a_payload", http.MethodPost, "bc", password, `{"alerts":`, 400},
		{"no_credentials", http.MethodPost, "", "", string(firing), 401},
		{"wrong_password", http.MethodPost, "bc", "nope", string(firing), 401},
		{"get", http.MethodGet, "bc", password, "", 405},
		{"too_large", http.MethodPost, "bc", password, `{"alerts":[],"x":"` + strings.Repeat("a", 4096) + `"}`, 413},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), tt.method, e.url+"/webhook", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes, _ := e.observed.take()
		if resp.StatusCode != tt.want || len(codes) != 1 || codes[0] != tt.want {
			t.Errorf("%s: answered %d, observed %v; want %d observed once", tt.name, resp.StatusCode, codes, tt.want)
		}
	}
}

// TestTruncatedAlertsAreReported: alerts Alertmanager cut (max_alerts) are
// logged with a hint and counted; a whole payload is neither.
func TestTruncatedAlertsAreReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	var payload map[string]any
	if err := json.Unmarshal(fixture(t, "alertmanager-firing.json"), &payload); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 5} {
		payload["truncatedAlerts"] = n
		body, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		if resp, b := e.post(t, "bc", password, body); resp.StatusCode != 200 {
			t.Fatalf("truncatedAlerts %d: %d %s, want 200 (the alerts that came are applied)", n, resp.StatusCode, b)
		}
	}
	if _, truncated := e.observed.take(); len(truncated) != 1 || truncated[0] != 5 {
		t.Errorf("ObserveTruncated got %v, want [5]", truncated)
	}
	var warned []string
	for line := range strings.Lines(e.logs.String()) {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "max_alerts") {
			warned = append(warned, line)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "truncated_alerts=5") {
		t.Errorf("want one WARN line with truncated_alerts=5 and the max_alerts hint, got %q", warned)
	}
}
