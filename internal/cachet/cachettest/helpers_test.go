package cachettest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// epoch is the fixed "now" of most tests.
var epoch = time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// start runs an emulator with a fixed clock unless opts sets one.
func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return epoch }
	}
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

// caller sends raw HTTP requests to an emulator, as one API user.
type caller struct {
	t     *testing.T
	srv   *Server
	token string // "" = guest
	// noAccept omits the Accept header (BASE redirect behaviour).
	noAccept bool
}

func admin(t *testing.T, s *Server) caller { return caller{t: t, srv: s, token: DefaultToken} }
func guest(t *testing.T, s *Server) caller { return caller{t: t, srv: s} }

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (c caller) do(method, path string, body any) reply {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				c.t.Fatalf("encode body: %v", err)
			}
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.srv.APIURL()+path, rd)
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	if !c.noAccept {
		req.Header.Set("Accept", "application/json")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	client := c.srv.Client()
	if c.noAccept {
		client = &http.Client{Transport: client.Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read %s %s: %v", method, path, err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return r
}

// want fails unless the reply has the given status.
func (r reply) want(t *testing.T, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.raw)
	}
	return r
}

// get walks decoded JSON by object keys and array indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// has reports whether an object holds key.
func has(v any, key string) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, ok = m[key]
	return ok
}

// ids lists attributes.id of the resources in data, as ints.
func ids(body map[string]any) []int {
	out := []int{}
	for _, r := range asList(body["data"]) {
		out = append(out, int(get(r, "attributes", "id").(float64)))
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// num reads a JSON number as an int; -1 when it is not a number.
func num(v any) int {
	f, ok := v.(float64)
	if !ok {
		return -1
	}
	return int(f)
}

// createComponent posts a component and returns its id.
func (c caller) createComponent(body map[string]any) int {
	c.t.Helper()
	r := c.do("POST", "/components", body).want(c.t, http.StatusCreated)
	return num(get(r.body, "data", "attributes", "id"))
}

// createIncident posts an incident and returns its id.
func (c caller) createIncident(body map[string]any) int {
	c.t.Helper()
	r := c.do("POST", "/incidents", body).want(c.t, http.StatusCreated)
	return num(get(r.body, "data", "attributes", "id"))
}

func itoa(n int) string { return strconv.Itoa(n) }
