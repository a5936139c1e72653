// Package cachet is a typed client for the Cachet 3 REST API as described in
// spec/cachet-api.md: JSON:API envelopes, string ids, {human,value} statuses,
// simple pagination that the client rebuilds itself, Laravel's 422 field
// errors, and retries that never repeat a create blindly.
package cachet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"statusbridge/internal/backoff"
)

// Options configure a Client. BaseURL and Token are required.
type Options struct {
	// BaseURL is the API root, e.g. "http://cachet/api".
	BaseURL string
	// Token is a Sanctum personal access token ("<id>|<secret>").
	Token string
	// HTTPClient defaults to a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt; default 10 s.
	Timeout time.Duration
	// PerPage is the page size for lists, clamped to 1..100; default 50.
	PerPage int
	// Attempts is how many times a retryable request is tried; default 3.
	Attempts int
	// MinBackoff and MaxBackoff bound the wait between attempts when Cachet
	// gives no Retry-After; defaults 100 ms and 2 s.
	MinBackoff, MaxBackoff time.Duration
	// MaxBodyBytes caps the size of one answer body; default 8 MiB. A
	// larger answer is a *LimitError, never retried.
	MaxBodyBytes int64
	// MaxPages caps the pages one list walks; default 1000 (50,000
	// objects at the default PerPage). A list that goes on is a
	// *LimitError, never retried.
	MaxPages int
	// Observe, if set, is called after every attempt with the route template
	// (never the raw path), the HTTP status (0 for a transport error) and
	// the attempt's duration. It feeds metrics.
	Observe func(method, route string, code int, d time.Duration)
}

// Client talks to one Cachet instance. It is safe for concurrent use.
type Client struct {
	base                   *url.URL
	token                  string
	hc                     *http.Client
	perPage                int
	attempts               int
	maxBody                int64
	maxPages               int
	minBackoff, maxBackoff time.Duration
	observe                func(method, route string, code int, d time.Duration)
	// noMeta is set once Cachet rejected include=meta (BASE).
	noMeta atomic.Bool
	// answered is set by the first 2xx: from then on the base URL is
	// known to reach the API, and a 404 is about the object asked for.
	answered atomic.Bool
	pace     pace
}

// New checks o and returns a Client.
func New(o Options) (*Client, error) {
	u, err := baseURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	if o.Token == "" {
		return nil, errors.New("cachet: API token is empty; set CACHET_API_TOKEN or CACHET_API_TOKEN_FILE")
	}
	c := &Client{
		base:       u,
		token:      o.Token,
		hc:         o.HTTPClient,
		perPage:    pageSize(o.PerPage),
		attempts:   tryCount(o.Attempts),
		maxBody:    positiveOr(o.MaxBodyBytes, 8<<20),
		maxPages:   positiveOr(o.MaxPages, 1000),
		minBackoff: positiveOr(o.MinBackoff, 100*time.Millisecond),
		maxBackoff: positiveOr(o.MaxBackoff, 2*time.Second),
		observe:    o.Observe,
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient(positiveOr(o.Timeout, 10*time.Second))
	}
	return c, nil
}

// baseURL checks the API root and drops its trailing slash, since request
// paths start with one.
func baseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("cachet: base URL is empty; set --cachet-url or CACHET_API_URL, e.g. http://cachet/api")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("cachet: base URL %q is not an http(s) URL; use e.g. http://cachet/api", RedactURL(raw))
	}
	if u.User != nil {
		return nil, errors.New("cachet: base URL must not carry credentials; pass the API token with --cachet-token or CACHET_API_TOKEN")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// pageSize is the page size for Options.PerPage: 0 means the default, and
// anything else is clamped to the 1..100 that Cachet serves.
func pageSize(n int) int {
	if n == 0 {
		return 50
	}
	return min(max(n, 1), 100)
}

// tryCount is the try count for Options.Attempts: 0 means the default, and
// a negative count still tries once.
func tryCount(n int) int {
	if n == 0 {
		return 3
	}
	return max(n, 1)
}

// positiveOr returns v, or def when v is zero or negative: for limits and
// durations, where neither would make sense.
func positiveOr[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// defaultHTTPClient is the client used when Options gives none.
func defaultHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// The default keeps 2 idle connections per host: parallel writers
	// in a storm would open and close connections all the time.
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Timeout: timeout, Transport: t}
}

// request describes one API call. route is the path template used in
// errors and metrics ("/components/{id}"); path is the concrete path.
type request struct {
	method, route, path string
	query               url.Values
	body                any
	// create marks a POST that makes a new object: after an attempt whose
	// outcome is unknown it is not retried, since Cachet may have applied it.
	create bool
}

// do runs r with retries and decodes a 2xx body into out (nil to discard).
func (c *Client) do(ctx context.Context, r request, out any) error {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("cachet: encode %s %s: %w", r.method, r.route, err)
		}
	}
	var err error
	for attempt := 1; ; attempt++ {
		if werr := c.pace.wait(ctx, priorityOf(ctx)); werr != nil {
			if err == nil {
				return fmt.Errorf("cachet: %s %s: waiting out the rate limit: %w", r.method, r.route, werr)
			}
			return errors.Join(err, werr)
		}
		var wait time.Duration
		wait, err = c.once(ctx, r, body, out)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrRateLimited) {
			// Every request would meet the same limit: all wait it out.
			c.pace.pause(max(wait, c.minBackoff))
			wait = 0
		}
		if attempt >= c.attempts || !c.retryable(r, err) {
			return err
		}
		if wait <= 0 && !errors.Is(err, ErrRateLimited) {
			wait = c.backoff(attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// retryable decides whether err may be retried for r. Reads and updates are
// idempotent. A create is retried only when Cachet surely did not apply it:
// rate limited (429), or the connection was never made.
func (c *Client) retryable(r request, err error) bool {
	if !Temporary(err) {
		return false
	}
	if !r.create {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == http.StatusTooManyRequests
	}
	var te *TransportError
	return errors.As(err, &te) && te.notSent
}

func (c *Client) backoff(attempt int) time.Duration {
	// Jitter keeps parallel retries from arriving in lockstep.
	return backoff.Policy{Min: c.minBackoff, Max: c.maxBackoff, Jitter: true}.Delay(attempt)
}

// once performs a single attempt. It returns Cachet's Retry-After, if any.
func (c *Client) once(ctx context.Context, r request, body []byte, out any) (time.Duration, error) {
	u := *c.base
	u.Path += r.path
	u.RawQuery = r.query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), rd)
	if err != nil {
		return 0, fmt.Errorf("cachet: build %s %s: %w", r.method, r.route, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.note(r, 0, start)
		return 0, newTransportError(r, err)
	}
	defer func() {
		// Drain so the connection is reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}()
	c.note(r, resp.StatusCode, start)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := checkResponse(r, resp)
		if resp.StatusCode == http.StatusNotFound {
			err.Hint = c.apiHint()
		}
		return retryAfter(resp.Header), err
	}
	c.answered.Store(true)
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return 0, nil
	}
	// One byte over the cap tells "exactly at the cap" from "larger".
	lr := &io.LimitedReader{R: resp.Body, N: c.maxBody + 1}
	err = json.NewDecoder(lr).Decode(out)
	if lr.N == 0 {
		return 0, &LimitError{Method: r.method, URL: c.endpoint(r.path), Err: fmt.Errorf("answer body is larger than %d bytes", c.maxBody),
			Hint: "check that CACHET_API_URL points at Cachet's API and not at a proxy or another service"}
	}
	if err != nil {
		return 0, &TransportError{Method: r.method, Path: r.path, Err: fmt.Errorf("decode response: %w", err)}
	}
	return 0, nil
}

// apiHint suggests the /api root when a 404 comes before Cachet ever
// answered and the base URL does not end in /api: the usual mistake is
// the status page's address (http://cachet) instead of its API's.
func (c *Client) apiHint() string {
	if c.answered.Load() || strings.HasSuffix(c.base.Path, "/api") {
		return ""
	}
	u := url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: c.base.Path + "/api"}
	return fmt.Sprintf("did you mean %s? --cachet-url (CACHET_API_URL) is Cachet's API root, which ends in /api", u.String())
}

// endpoint is the absolute URL of path, without query (where list filters
// or anything secret could sit).
func (c *Client) endpoint(path string) string {
	u := url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: c.base.Path + path}
	return u.String()
}

func (c *Client) note(r request, code int, start time.Time) {
	if c.observe != nil {
		c.observe(r.method, r.route, code, time.Since(start))
	}
}

func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// RedactURL returns s with any password replaced, for logs and errors.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparseable URL>"
	}
	return u.Redacted()
}
