package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/htpasswd"
	"statusbridge/internal/server"
)

const (
	floodUser     = "alertmanager"
	floodPassword = "correct horse battery staple"
	emptyWebhook  = `{"version":"4","status":"firing","receiver":"statusbridge","alerts":[]}`
)

// okBridge applies everything at once, so these tests time authentication
// and nothing else.
type okBridge struct{}

func (okBridge) Apply(context.Context, []alertmanager.Event) (bridge.Result, error) {
	return bridge.Result{}, nil
}

// reasons counts the Options.ObserveAuth calls.
type reasons struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *reasons) observe(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int{}
	}
	r.n[reason]++
}

func (r *reasons) get(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[reason]
}

// newAuthServer serves the real router with one user whose bcrypt hash has
// the given cost; unknown users are checked against a dummy of that cost.
func newAuthServer(tb testing.TB, cost int, logs io.Writer, observe func(string)) string {
	tb.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(floodPassword), cost)
	if err != nil {
		tb.Fatal(err)
	}
	users, err := htpasswd.Parse(floodUser + ":" + string(hash))
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(server.New(server.Options{
		Bridge: okBridge{}, Users: users, Logger: slog.New(slog.NewTextHandler(logs, nil)), ObserveAuth: observe,
	}))
	tb.Cleanup(ts.Close)
	return ts.URL
}

type answer struct {
	code       int
	retryAfter string
	took       time.Duration
}

func postWebhook(ctx context.Context, c *http.Client, url, user, password string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/webhook", strings.NewReader(emptyWebhook))
	if err != nil {
		return answer{}, err
	}
	req.SetBasicAuth(user, password)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return answer{code: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), took: time.Since(start)}, err
}

// flood is workers goroutines posting to /webhook with distinct wrong
// credentials (unknown users, every password new) until stopped or until
// each has sent perWorker requests.
type flood struct {
	stop    chan struct{}
	refused chan struct{} // closed at the first 503
	wg      sync.WaitGroup
	sent    atomic.Int64
	ended   sync.Once

	mu        sync.Mutex
	codes     map[int]int
	slow503   time.Duration // the slowest 503
	no503Hint int           // 503s without Retry-After
	errs      []error
}

func startFlood(ctx context.Context, url string, workers, perWorker int) *flood {
	f := &flood{stop: make(chan struct{}), refused: make(chan struct{}), codes: map[int]int{}}
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var once sync.Once
	for w := range workers {
		f.wg.Go(func() {
			for i := range perWorker {
				select {
				case <-f.stop:
					return
				default:
				}
				a, err := postWebhook(ctx, c, url, fmt.Sprintf("mallory%d", w), fmt.Sprintf("guess-%d-%d", w, i))
				f.sent.Add(1)
				f.mu.Lock()
				if err != nil {
					f.errs = append(f.errs, err)
				} else {
					f.codes[a.code]++
				}
				if a.code == http.StatusServiceUnavailable {
					f.slow503 = max(f.slow503, a.took)
					if a.retryAfter == "" {
						f.no503Hint++
					}
				}
				f.mu.Unlock()
				if a.code == http.StatusServiceUnavailable {
					once.Do(func() { close(f.refused) })
				}
			}
		})
	}
	return f
}

// end stops the flood and waits for its requests; calling it again is a no-op.
func (f *flood) end() {
	f.ended.Do(func() { close(f.stop) })
	f.wg.Wait()
}

// TestAuthFloodKeepsVerifiedSenderFast is issue 10's starvation probe as a
// bounded test: 50 connections sending distinct wrong credentials at bcrypt
// cost 10 (floodCost; more distinct guesses than the old 256-entry cache) while the
// real sender, verified once before, keeps posting. Every real webhook must
// succeed within 500 ms, and the guesses beyond the compare slots must be
// refused fast with 503 and Retry-After.
func TestAuthFloodKeepsVerifiedSenderFast(t *testing.T) {
	const (
		workers, perWorker = 50, 100
		legitPosts         = 20
		minGuesses         = 300 // more than the old cache's 256 entries
		legitBound         = 500 * time.Millisecond
		refuseBound        = 2 * time.Second // the wait for a slot is 3 compares, at least 250 ms
	)
	var seen reasons
	url := newAuthServer(t, floodCost, io.Discard, seen.observe)
	legit := &http.Client{Transport: &http.Transport{}}
	if a, err := postWebhook(t.Context(), legit, url, floodUser, floodPassword); err != nil || a.code != http.StatusOK {
		t.Fatalf("first webhook, before the flood = %+v, %v; want 200", a, err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	f := startFlood(ctx, url, workers, perWorker)
	defer f.end()
	select {
	case <-f.refused:
	case <-time.After(20 * time.Second):
		f.end()
		t.Fatalf("no 503 after 20 s of flood; answers so far: %v", f.codes)
	}
	var slowest time.Duration
	for i := range legitPosts {
		a, err := postWebhook(ctx, legit, url, floodUser, floodPassword)
		if err != nil {
			t.Fatalf("real webhook %d during the flood: %v", i, err)
		}
		slowest = max(slowest, a.took)
		if a.code != http.StatusOK || a.took > legitBound {
			t.Errorf("real webhook %d during the flood = %d in %v, want 200 within %v", i, a.code, a.took, legitBound)
		}
	}
	for f.sent.Load() < minGuesses && ctx.Err() == nil && f.sent.Load() < workers*perWorker {
		a, err := postWebhook(ctx, legit, url, floodUser, floodPassword)
		slowest = max(slowest, a.took)
		if err != nil || a.code != http.StatusOK || a.took > legitBound {
			t.Errorf("real webhook while waiting for %d guesses = %+v, %v; want 200 within %v", minGuesses, a, err, legitBound)
		}
	}
	f.end()

	f.mu.Lock()
	defer f.mu.Unlock()
	t.Logf("flood: %d requests, answers %v, slowest 503 %v; slowest real webhook %v", f.sent.Load(), f.codes, f.slow503, slowest)
	if len(f.errs) > 0 {
		t.Errorf("%d flood requests failed without an answer, first: %v", len(f.errs), f.errs[0])
	}
	if got := f.sent.Load(); got < minGuesses {
		t.Errorf("flood sent %d guesses, want at least %d", got, minGuesses)
	}
	for code := range f.codes {
		if code != http.StatusUnauthorized && code != http.StatusServiceUnavailable {
			t.Errorf("flood got %d %d answers, want only 401 and 503", f.codes[code], code)
		}
	}
	if f.no503Hint > 0 {
		t.Errorf("%d of %d 503s lack Retry-After", f.no503Hint, f.codes[http.StatusServiceUnavailable])
	}
	if f.slow503 > refuseBound {
		t.Errorf("slowest 503 took %v, want within %v", f.slow503, refuseBound)
	}
	if got, want := seen.get(server.AuthOverloaded), f.codes[http.StatusServiceUnavailable]; got != want {
		t.Errorf("ObserveAuth(%q) called %d times, want %d (the 503s)", server.AuthOverloaded, got, want)
	}
	if got, want := seen.get(server.AuthWrong), f.codes[http.StatusUnauthorized]; got != want {
		t.Errorf("ObserveAuth(%q) called %d times, want %d (the 401s)", server.AuthWrong, got, want)
	}
}

// TestAuthFloodAdmitsNewSenderInTurn is the probe "right after a restart":
// a sender whose credential was never verified, from another address than
// the flood's, must get its compare within a few retries, since compare
// slots go to addresses in turn. (From the flood's own address it queues
// behind the flood, and Alertmanager's retries carry it through later.)
func TestAuthFloodAdmitsNewSenderInTurn(t *testing.T) {
	const maxAttempts = 5
	url := newAuthServer(t, floodCost, io.Discard, nil)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	f := startFlood(ctx, url, 50, 1000)
	defer f.end()
	select {
	case <-f.refused:
	case <-time.After(20 * time.Second):
		t.Fatal("no 503 after 20 s of flood")
	}
	// 127.0.0.2 is loopback too, and a different source address.
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	sender := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		a, err := postWebhook(ctx, sender, url, floodUser, floodPassword)
		if err != nil {
			t.Fatalf("new sender, attempt %d: %v", attempt, err)
		}
		if a.code == http.StatusOK {
			t.Logf("new sender verified at attempt %d, %v after the first", attempt, time.Since(start))
			break
		}
		if a.code != http.StatusServiceUnavailable || a.retryAfter == "" {
			t.Fatalf("new sender, attempt %d = %d (Retry-After %q), want 200, or 503 with Retry-After", attempt, a.code, a.retryAfter)
		}
		if attempt == maxAttempts {
			t.Fatalf("new sender still refused after %d attempts (%v) during the flood", attempt, time.Since(start))
		}
	}
}

// BenchmarkWebhookUnderAuthFlood reports the latency of a verified sender's
// webhook while 50 connections send wrong credentials at bcrypt cost 10
// (floodCost).
func BenchmarkWebhookUnderAuthFlood(b *testing.B) {
	url := newAuthServer(b, floodCost, io.Discard, nil)
	legit := &http.Client{Transport: &http.Transport{}}
	if a, err := postWebhook(b.Context(), legit, url, floodUser, floodPassword); err != nil || a.code != http.StatusOK {
		b.Fatalf("first webhook = %+v, %v; want 200", a, err)
	}
	f := startFlood(b.Context(), url, 50, 1<<30)
	<-f.refused
	var took []time.Duration
	for b.Loop() {
		a, err := postWebhook(b.Context(), legit, url, floodUser, floodPassword)
		if err != nil || a.code != http.StatusOK {
			b.Fatalf("webhook under flood = %+v, %v; want 200", a, err)
		}
		took = append(took, a.took)
	}
	f.end()
	slices.Sort(took)
	ms := func(q float64) float64 {
		return float64(took[int(q*float64(len(took)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.5), "p50_ms")
	b.ReportMetric(ms(0.99), "p99_ms")
	b.ReportMetric(float64(f.sent.Load())/b.Elapsed().Seconds(), "guesses/s")
}

// TestHugeUserNameLogIsBounded is issue 10's log probe: 100 requests with a
// 700 KB user name once wrote 70 MB of log (here 50, as each takes tens of
// milliseconds to parse). The name is logged cut to 64 characters, and at
// most one rejection a second is logged.
func TestHugeUserNameLogIsBounded(t *testing.T) {
	const requests = 50
	logs := &syncBuffer{}
	var seen reasons
	url := newAuthServer(t, bcrypt.MinCost, logs, seen.observe)
	huge := strings.Repeat("x", 700<<10)
	c := &http.Client{}
	start := time.Now()
	for i := range requests {
		a, err := postWebhook(t.Context(), c, url, huge, "hunter2-secret")
		if err != nil || a.code != http.StatusUnauthorized {
			t.Fatalf("request %d with a 700 KB user name = %+v, %v; want 401", i, a, err)
		}
	}
	elapsed := time.Since(start)
	out := logs.String()
	lines := strings.Count(out, "\n")
	// One line a second, plus the first: the bound follows the time taken.
	if limit := 1 + int(elapsed/time.Second) + 1; lines < 1 || lines > limit {
		t.Errorf("%d requests in %v logged %d lines, want 1 to %d", requests, elapsed, lines, limit)
	}
	if bound := lines * 512; len(out) > bound {
		t.Errorf("%d log lines are %d bytes, want at most %d", lines, len(out), bound)
	}
	if strings.Contains(out, strings.Repeat("x", 65)) {
		t.Errorf("log has more than 64 characters of the user name:\n%.300s", out)
	}
	if !strings.Contains(out, "user="+strings.Repeat("x", 64)+"…") {
		t.Errorf("log lacks the user name cut to 64 characters:\n%.300s", out)
	}
	for _, secret := range []string{"hunter2-secret", "Basic "} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%.300s", secret, out)
		}
	}
	if got := seen.get(server.AuthWrong); got != requests {
		t.Errorf("ObserveAuth(%q) called %d times, want %d: suppressed lines must still count", server.AuthWrong, got, requests)
	}
	t.Logf("%d requests in %v: %d log lines, %d bytes", requests, elapsed, lines, len(out))
}

func TestAuthReasons(t *testing.T) {
	var seen reasons
	url := newAuthServer(t, bcrypt.MinCost, io.Discard, seen.observe)
	tests := []struct {
		name, user, password string
		code                 int
		reason               string
	}{
		{name: "no_credentials", code: http.StatusUnauthorized, reason: server.AuthMissing},
		{name: "wrong_password", user: floodUser, password: "nope", code: http.StatusUnauthorized, reason: server.AuthWrong},
		{name: "unknown_user", user: "mallory", password: floodPassword, code: http.StatusUnauthorized, reason: server.AuthWrong},
		{name: "right_password", user: floodUser, password: floodPassword, code: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/webhook", strings.NewReader(emptyWebhook))
			if err != nil {
				t.Fatal(err)
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.password)
			}
			before := seen.get(tt.reason)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Errorf("POST /webhook = %d, want %d", resp.StatusCode, tt.code)
			}
			if tt.reason != "" && seen.get(tt.reason) != before+1 {
				t.Errorf("ObserveAuth(%q) not called once", tt.reason)
			}
		})
	}
}

func TestCheckDefaultCredentials(t *testing.T) {
	tests := []struct {
		name    string
		listen  string
		users   bool
		refused bool
	}{
		{name: "all_interfaces_refused", listen: ":5000", refused: true},
		{name: "ipv4_wildcard_refused", listen: "0.0.0.0:5000", refused: true},
		{name: "ipv6_wildcard_refused", listen: "[::]:5000", refused: true},
		{name: "lan_address_refused", listen: "192.168.1.10:5000", refused: true},
		{name: "host_name_refused", listen: "statusbridge.example.com:5000", refused: true},
		{name: "no_port_refused", listen: "127.0.0.1", refused: true},
		{name: "ipv4_loopback_allowed", listen: "127.0.0.1:5000"},
		{name: "other_127_allowed", listen: "127.0.0.2:5000"},
		{name: "ipv6_loopback_allowed", listen: "[::1]:5000"},
		{name: "mapped_loopback_allowed", listen: "[::ffff:127.0.0.1]:5000"},
		{name: "localhost_allowed", listen: "localhost:5000"},
		{name: "localhost_any_case_allowed", listen: "LocalHost:0"},
		{name: "users_set_all_interfaces_allowed", listen: ":5000", users: true},
		{name: "users_set_lan_allowed", listen: "192.168.1.10:5000", users: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := server.CheckDefaultCredentials(tt.listen, tt.users)
			if (err != nil) != tt.refused {
				t.Fatalf("CheckDefaultCredentials(%q, %v) = %v, want refused %v", tt.listen, tt.users, err, tt.refused)
			}
			if err == nil {
				return
			}
			// The message is the operator's fix: how to set users, or where to listen.
			for _, want := range []string{tt.listen, "WEBHOOK_BASIC_AUTH='user:$2y$", "htpasswd -nbB", "127.0.0.1"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("CheckDefaultCredentials(%q) = %q, want it to mention %q", tt.listen, err, want)
				}
			}
		})
	}
}
