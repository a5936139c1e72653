package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"statusbridge/internal/cachet/cachettest"
)

func postBody(t *testing.T, url, user, pass string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestFailureClassesOverLoopback drives spec §11 through the real daemon
// and an emulator over loopback: a 422 is answered 200 with the refusal
// in the body, on /health and in /metrics, and not retried in a loop; a
// revoked token makes /readyz answer 503 with the reason.
func TestFailureClassesOverLoopback(t *testing.T) {
	emu := servicesCachet(t, "Backend", "API Services")
	env := serveEnv(t, emu)
	p := start(t, []string{"serve", "--listen", "127.0.0.1:0"}, env)
	base := "http://" + p.addr(t, `listening on (\S+)`)
	waitReady(t, base)
	body, err := os.ReadFile("../../internal/server/testdata/alertmanager-firing.json")
	if err != nil {
		t.Fatal(err)
	}

	// Cachet refuses the hidden components' creates for good.
	emu.Inject(func(r *http.Request) *cachettest.Fault {
		if r.Method == http.MethodPost && r.URL.Path == "/api/components" {
			return &cachettest.Fault{Status: 422}
		}
		return nil
	})
	code, answer := postBody(t, base+"/webhook", "admin", "admin", body)
	if code != 200 || !strings.Contains(answer, `"permanent_failures"`) || !strings.Contains(answer, `"status":"partial"`) {
		t.Errorf("webhook with a 422 from Cachet: %d %s; want 200, status partial and the refusals listed", code, answer)
	}
	if _, health := getBody(t, base+"/health"); !strings.Contains(health, "cachet refuses writes to invisible component 127.0.0.1:19100") {
		t.Errorf("/health does not list the refusal: %s", health)
	}
	metrics := scrape(t, base)
	if !regexp.MustCompile(`(?m)^statusbridge_cachet_permanent_failures [1-9]`).MatchString(metrics) ||
		!regexp.MustCompile(`(?m)^statusbridge_cachet_permanent_failures_total [1-9]`).MatchString(metrics) {
		t.Errorf("/metrics does not count the refusals:\n%s", grepLines(metrics, "permanent"))
	}
	for _, want := range []string{"Backend", "API Services"} {
		if s := componentStatus(emu, want); s != 4 {
			t.Errorf("%s = %d, want 4: the visible components follow the alerts despite the refused hidden ones", want, s)
		}
	}

	// The token is revoked: every request is a 401.
	emu.Inject(func(*http.Request) *cachettest.Fault { return &cachettest.Fault{Status: 401} })
	resolved, err := os.ReadFile("../../internal/server/testdata/alertmanager-resolved.json")
	if err != nil {
		t.Fatal(err)
	}
	if code := post(t, base+"/webhook", "admin", "admin", resolved); code != 503 {
		t.Errorf("webhook with the token revoked: %d, want 503 so Alertmanager retries", code)
	}
	code, ready := getBody(t, base+"/readyz")
	if code != 503 || !strings.Contains(ready, "token") {
		t.Errorf("/readyz with the token revoked: %d %s; want 503 naming the token", code, ready)
	}
	if !strings.Contains(scrape(t, base), "statusbridge_cachet_authorized 0") {
		t.Error("/metrics: statusbridge_cachet_authorized is not 0 with the token revoked")
	}
}

func componentStatus(emu *cachettest.Server, name string) int {
	for _, c := range emu.Components() {
		if c.Name == name {
			return c.Status
		}
	}
	return 0
}

func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
