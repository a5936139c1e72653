// Package cachettest is an in-memory emulator of the Cachet 3 REST API
// (cachethq/core), following the Cachet API contract (spec/cachet-api.md,
// section 5 in particular). Tests run the
// real Cachet client against it, and the demo subcommand embeds it, so this
// package must never import "testing".
//
// It reproduces the JSON:API envelope, simple pagination, spatie query-builder
// filters, Laravel validation and error ordering, abilities, visibility
// scoping, the derived component status and maintenance schedules of two
// cachethq/core revisions (see Dialect), and it can inject faults: errors,
// delays, resets and lost responses. Like PostgreSQL, it returns the components, groups and
// schedules indexes in heap order when no sort is asked for: not the id
// order, and moving as rows are written (see heap).
package cachettest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Dialect selects which cachethq/core revision the emulator behaves like.
type Dialect int

const (
	// Head is cachethq/core 9183688b (2026-08-22): visibility scoping, the
	// enabled=true default filter, metadata, canonical incident status and
	// derived component status.
	Head Dialect = iota
	// Base is cachethq/core 40da1478 (2025-12-02): no scoping, component
	// status may be null, PUT without enabled re-enables a component.
	Base
)

// String names the dialect as the spec does.
func (d Dialect) String() string {
	if d == Base {
		return "BASE"
	}
	return "HEAD"
}

// DefaultToken is the bearer token accepted for writes when Options.Token is
// empty.
const DefaultToken = "1|statusbridge-test-token"

// Options configure an Emulator. The zero value emulates HEAD with
// DefaultToken holding every ability and no rate limit.
type Options struct {
	// Dialect selects the emulated core revision.
	Dialect Dialect
	// Token is the only bearer token accepted; DefaultToken when empty.
	Token string
	// Abilities are the Sanctum abilities of Token; {"*"} when nil.
	Abilities []string
	// RateLimit is the number of API requests per minute allowed per token
	// (or per client IP without a valid token); 0 disables the limit.
	RateLimit int
	// Now is the clock used for timestamps and the rate limiter; time.Now
	// when nil.
	Now func() time.Time
}

// Fault describes what to do with one request instead of (or besides)
// handling it normally. Fields combine: Delay runs first, then Reset, then
// Status; LoseResponse applies the request and drops the answer.
type Fault struct {
	// Status answers this HTTP status with a JSON {"message": ...} body
	// without applying the request.
	Status int
	// RetryAfter is sent as a Retry-After header in whole seconds (at least
	// 1) when non-zero.
	RetryAfter time.Duration
	// Delay waits this long before handling; the wait ends early, with no
	// answer, when the request's context ends.
	Delay time.Duration
	// Reset closes the connection without answering; nothing is applied.
	Reset bool
	// LoseResponse applies the request, then closes the connection without
	// answering, like a response lost on the way back.
	LoseResponse bool
}

// Stats counts the API requests the emulator has seen since the last
// ResetStats.
type Stats struct {
	// Reads counts GET (and HEAD) requests that reached the API handler.
	Reads int
	// Writes counts POST, PUT, PATCH and DELETE requests that reached the API
	// handler, whatever their outcome (201, 401, 422, ...).
	Writes int
	// ByRoute counts handled requests by method and route template, e.g.
	// "GET /components" or "PATCH /components/{id}".
	ByRoute map[string]int
	// Faulted counts requests answered by an injected Fault (Status or
	// Reset, SetDown included); they are not in Reads, Writes or ByRoute.
	Faulted int
	// RateLimited counts requests refused with 429 by Options.RateLimit;
	// they are not in Reads, Writes or ByRoute either.
	RateLimited int
	// Lost counts requests applied under Fault.LoseResponse; they are also
	// counted in Reads or Writes.
	Lost int
}

// Emulator is an in-memory Cachet 3 API. It is an http.Handler serving the API
// under /api and is safe for concurrent use.
type Emulator struct {
	opts Options

	mu         sync.Mutex
	seq        map[string]int
	components map[int]*component
	groups     map[int]*group
	incidents  map[int]*incident
	updates    map[int]*update
	schedules  map[int]*schedule
	// scheduleUpdates share the updates id sequence with incident updates.
	scheduleUpdates map[int]*scheduleUpdate
	// componentRows and groupRows are the tables' physical row order,
	// which their indexes return when no sort is asked for.
	componentRows *heap
	groupRows     *heap
	scheduleRows  *heap

	statsMu sync.Mutex
	stats   Stats

	faultMu sync.Mutex
	faultFn func(*http.Request) *Fault
	down    bool

	limitMu sync.Mutex
	windows map[string]*window
}

// New returns an empty emulator configured by opts.
func New(opts Options) *Emulator {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Abilities == nil {
		opts.Abilities = []string{"*"}
	} else {
		opts.Abilities = append([]string(nil), opts.Abilities...)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Emulator{
		opts:            opts,
		seq:             map[string]int{},
		components:      map[int]*component{},
		groups:          map[int]*group{},
		incidents:       map[int]*incident{},
		updates:         map[int]*update{},
		schedules:       map[int]*schedule{},
		scheduleUpdates: map[int]*scheduleUpdate{},
		componentRows:   newHeap(1),
		groupRows:       newHeap(2),
		scheduleRows:    newHeap(3),
		stats:           Stats{ByRoute: map[string]int{}},
		windows:         map[string]*window{},
	}
}

// Server is an Emulator listening on a loopback httptest.Server.
type Server struct {
	*httptest.Server
	*Emulator
}

// NewServer starts New(opts) on 127.0.0.1; the caller must Close it.
func NewServer(opts Options) *Server {
	e := New(opts)
	return &Server{Server: httptest.NewServer(e), Emulator: e}
}

// APIURL is the Cachet base URL a client should be configured with: the
// server URL plus "/api".
func (s *Server) APIURL() string { return s.URL + "/api" }

// Dialect reports the emulated core revision.
func (e *Emulator) Dialect() Dialect { return e.opts.Dialect }

// Inject installs fn, consulted for every /api request; a nil result means
// "handle normally". A nil fn removes fault injection.
func (e *Emulator) Inject(fn func(r *http.Request) *Fault) {
	e.faultMu.Lock()
	e.faultFn = fn
	e.faultMu.Unlock()
}

// SetDown makes every /api request end in a connection reset while down is
// true, whatever Inject installed.
func (e *Emulator) SetDown(down bool) {
	e.faultMu.Lock()
	e.down = down
	e.faultMu.Unlock()
}

func (e *Emulator) faultFor(r *http.Request) *Fault {
	e.faultMu.Lock()
	fn, down := e.faultFn, e.down
	e.faultMu.Unlock()
	if down {
		return &Fault{Reset: true}
	}
	if fn == nil {
		return nil
	}
	return fn(r)
}

// Stats returns a copy of the request counters.
func (e *Emulator) Stats() Stats {
	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	s := e.stats
	s.ByRoute = make(map[string]int, len(e.stats.ByRoute))
	for k, v := range e.stats.ByRoute {
		s.ByRoute[k] = v
	}
	return s
}

// ResetStats zeroes the request counters.
func (e *Emulator) ResetStats() {
	e.statsMu.Lock()
	e.stats = Stats{ByRoute: map[string]int{}}
	e.statsMu.Unlock()
}

func (e *Emulator) count(fn func(s *Stats)) {
	e.statsMu.Lock()
	fn(&e.stats)
	e.statsMu.Unlock()
}

// ServeHTTP serves the API under /api. Outside /api it answers like the
// status page host would: a small HTML page for "/" and "/login" (where a
// BASE redirect lands) and 404 for anything else.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, "/api/") {
		e.serveSite(w, r)
		return
	}

	// Reading the body up front lets the fault function look at it, and lets
	// net/http notice a client that hangs up during a Delay (it only watches
	// the connection once the body has been consumed).
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	}
	rewind := func() { r.Body = io.NopCloser(bytes.NewReader(body)) }
	rewind()
	f := e.faultFor(r)
	rewind()
	if f != nil && f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f != nil && f.Reset {
		e.count(func(s *Stats) { s.Faulted++ })
		abort(w)
		return
	}
	if f != nil && f.Status != 0 {
		e.count(func(s *Stats) { s.Faulted++ })
		resp := jsonResp(f.Status, obj{{"message", faultMessage(f.Status)}})
		setRetryAfter(resp.header, f.RetryAfter)
		resp.write(w)
		return
	}

	resp := e.handle(r)
	if f != nil && f.RetryAfter > 0 {
		setRetryAfter(resp.header, f.RetryAfter)
	}
	if f != nil && f.LoseResponse {
		e.count(func(s *Stats) { s.Lost++ })
		abort(w)
		return
	}
	resp.write(w)
}

func setRetryAfter(h http.Header, d time.Duration) {
	if d <= 0 {
		return
	}
	secs := int((d + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.Itoa(max(secs, 1)))
}

func faultMessage(status int) string {
	switch status {
	case http.StatusInternalServerError:
		return "Server Error"
	case http.StatusTooManyRequests:
		return "Too Many Attempts."
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}

// abort closes the client connection without writing a response. With a
// hijackable connection it sends a TCP reset; otherwise it falls back to
// http.ErrAbortHandler, which net/http turns into a dropped connection.
func abort(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func (e *Emulator) serveSite(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/", "/login":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = io.WriteString(w, "<!DOCTYPE html><html><head><title>Cachet</title></head><body>Cachet status page</body></html>\n")
	default:
		htmlResp(http.StatusNotFound, "Not Found").write(w)
	}
}

// response is a fully built answer, so that LoseResponse can apply a request
// and still drop what it would have said.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (resp response) write(w http.ResponseWriter) {
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only programming errors get here: every value is built by this
		// package from JSON-safe types.
		panic(fmt.Sprintf("cachettest: encode response: %v", err))
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func jsonResp(status int, v any) response {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return response{status: status, header: h, body: marshal(v)}
}

func apiResp(status int, v any) response {
	h := http.Header{}
	h.Set("Content-Type", "application/vnd.api+json")
	return response{status: status, header: h, body: marshal(v)}
}

func htmlResp(status int, title string) response {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=UTF-8")
	body := fmt.Sprintf("<!DOCTYPE html><html><head><title>%s</title></head><body>%d | %s</body></html>\n", title, status, title)
	return response{status: status, header: h, body: []byte(body)}
}

func noContent() response {
	return response{status: http.StatusNoContent, header: http.Header{}}
}

// window is one fixed rate-limit window, as Laravel's RateLimiter keeps it.
type window struct {
	start time.Time
	hits  int
}

// limit applies Options.RateLimit to key. It returns ok=false and the
// response to send when the key is over its limit; otherwise it returns the
// X-RateLimit headers to add.
func (e *Emulator) limit(key string) (http.Header, bool) {
	n := e.opts.RateLimit
	if n <= 0 {
		return nil, true
	}
	now := e.opts.Now()
	e.limitMu.Lock()
	defer e.limitMu.Unlock()
	wd := e.windows[key]
	if wd == nil || !now.Before(wd.start.Add(time.Minute)) {
		wd = &window{start: now}
		e.windows[key] = wd
	}
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(n))
	if wd.hits >= n {
		reset := wd.start.Add(time.Minute)
		secs := int((reset.Sub(now) + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.Itoa(max(secs, 1)))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		return h, false
	}
	wd.hits++
	h.Set("X-RateLimit-Remaining", strconv.Itoa(n-wd.hits))
	return h, true
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
