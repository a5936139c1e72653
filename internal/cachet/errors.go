package cachet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Sentinel errors that an *APIError matches with errors.Is.
var (
	ErrUnauthorized = errors.New("cachet: unauthenticated (check the API token)")
	ErrForbidden    = errors.New("cachet: token lacks an ability")
	ErrNotFound     = errors.New("cachet: not found")
	ErrValidation   = errors.New("cachet: validation failed")
	ErrRateLimited  = errors.New("cachet: rate limited")
)

// APIError is a non-2xx answer from Cachet.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	// Message is Cachet's "message" field.
	Message string
	// Fields holds Laravel's 422 field errors, keyed by snake_case input
	// name (dotted for array items).
	Fields map[string][]string
	// RetryAfter is Cachet's Retry-After, if it sent one.
	RetryAfter time.Duration
	// Hint, if set, says what to check, e.g. a base URL without /api.
	Hint string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cachet: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "; %s: %s", k, strings.Join(e.Fields[k], " "))
		}
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// Is matches the sentinel errors by status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrValidation:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// TransportError is a failure to get any HTTP answer (refused, reset,
// timeout) or to read one. It never carries the URL's query or the token.
type TransportError struct {
	Method string
	Path   string
	Err    error
	// notSent is true when the connection could not be made, so Cachet
	// cannot have seen the request.
	notSent bool
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("cachet: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

func newTransportError(r request, err error) *TransportError {
	// *url.Error embeds the full URL; keep only the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	te := &TransportError{Method: r.method, Path: r.path, Err: err}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		te.notSent = true
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		te.notSent = true
	}
	return te
}

// LimitError is an answer the client refuses to read to the end: a body
// over Options.MaxBodyBytes, or a list still going after Options.MaxPages
// pages. Trying again gets the same answer, so it is permanent: Temporary
// is false and the client never retries it.
type LimitError struct {
	Method string
	// URL is the endpoint without its query; it never carries the token.
	URL string
	Err error
	// Hint says what an operator can do about it.
	Hint string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("cachet: %s %s: %v; %s", e.Method, e.URL, e.Err, e.Hint)
}

func (e *LimitError) Unwrap() error { return e.Err }

// Temporary reports whether err may succeed if tried again later: a 5xx,
// a 429, a timeout or a transport failure. 4xx answers other than 429 are
// permanent: the request itself is wrong.
func Temporary(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests
	}
	var te *TransportError
	return errors.As(err, &te)
}

// Ambiguous reports whether a write that failed with err may nevertheless
// have been applied by Cachet (its answer was lost, or Cachet failed after
// writing). A create that failed this way must be looked up before it is
// tried again.
func Ambiguous(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500
	}
	// An answer too large to read was a 2xx: a write got there.
	var le *LimitError
	if errors.As(err, &le) {
		return le.Method != http.MethodGet
	}
	var te *TransportError
	return errors.As(err, &te) && !te.notSent
}

func checkResponse(r request, resp *http.Response) *APIError {
	e := &APIError{Method: r.method, Path: r.path, StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header)}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Message string              `json:"message"`
		Errors  map[string][]string `json:"errors"`
	}
	if json.Unmarshal(data, &body) == nil {
		e.Message, e.Fields = body.Message, body.Errors
	}
	return e
}
