package cachet_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"statusbridge/internal/cachet"
)

const hostileToken = "9|hostile-secret"

// hostile starts a loopback server that answers every request with h and
// counts the requests, and a client with default limits pointed at it.
func hostile(t *testing.T, o cachet.Options, h func(w http.ResponseWriter, r *http.Request)) (*cachet.Client, *atomic.Int64, string) {
	t.Helper()
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(ts.Close)
	o.BaseURL, o.Token = ts.URL+"/api", hostileToken
	c, err := cachet.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, &n, ts.URL
}

// checkLimitError wants a permanent *LimitError that names method and URL
// and leaks neither the token nor the query.
func checkLimitError(t *testing.T, err error, method, url string) {
	t.Helper()
	var le *cachet.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v (%T), want a *cachet.LimitError", err, err)
	}
	if cachet.Temporary(err) {
		t.Errorf("Temporary(%v) = true, want a permanent error", err)
	}
	msg := err.Error()
	if want := method + " " + url; !strings.Contains(msg, want) {
		t.Errorf("error %q does not name %q", msg, want)
	}
	for _, leak := range []string{"hostile-secret", "filter", "per_page", "?"} {
		if strings.Contains(msg, leak) {
			t.Errorf("error %q leaks %q", msg, leak)
		}
	}
	if !strings.Contains(msg, "CACHET_API_URL") {
		t.Errorf("error %q does not say what to check", msg)
	}
}

// A Cachet (or whatever answers at its URL) sending a 200 MB body: the
// client stops after its cap, holds no more than about the cap in memory
// and does not retry. Not parallel: it measures the process's allocations.
func TestAnswerBodyIsBounded(t *testing.T) {
	const total = 200 << 20
	var written atomic.Int64
	c, n, base := hostile(t, cachet.Options{}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		chunk := []byte(strings.Repeat(`{"id":"1","type":"components","attributes":{"id":1,"name":"x"}},`, 1024))
		if _, err := io.WriteString(w, `{"data":[`); err != nil {
			return
		}
		for written.Load() < total {
			k, err := w.Write(chunk)
			written.Add(int64(k))
			if err != nil {
				return
			}
		}
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.ListComponents(t.Context())
	runtime.ReadMemStats(&after)
	checkLimitError(t, err, "GET", base+"/api/components")
	if !strings.Contains(err.Error(), "larger than 8388608 bytes") {
		t.Errorf("error %q does not give the default 8 MiB cap", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("server saw %d requests, want 1 (a limit error is not retried)", got)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("server wrote %d MB before the client hung up; the client allocated %d MB", written.Load()>>20, alloc>>20)
	if alloc > 64<<20 {
		t.Errorf("reading the answer allocated %d MB, want under 64 MB for an 8 MiB cap", alloc>>20)
	}
	if w := written.Load(); w > 64<<20 {
		t.Errorf("server wrote %d MB before the client stopped reading, want well under the 200 MB body", w>>20)
	}
}

// A body at the cap is read; one byte more is refused.
func TestAnswerBodyCapIsExact(t *testing.T) {
	t.Parallel()
	body := `{"data":{"id":"7","type":"components","attributes":{"id":7,"name":"x","enabled":true}}}`
	for _, tt := range []struct {
		name    string
		max     int64
		wantErr bool
	}{
		{"at_the_cap", int64(len(body)), false},
		{"one_byte_over", int64(len(body)) - 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, base := hostile(t, cachet.Options{MaxBodyBytes: tt.max}, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, body)
			})
			_, err := c.Component(t.Context(), 7)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Component: %v", err)
				}
				return
			}
			checkLimitError(t, err, "GET", base+"/api/components/7")
		})
	}
}

// A links.next that never ends stops at MaxPages with an error naming the
// URL, after exactly MaxPages requests.
func TestPagesAreBounded(t *testing.T) {
	t.Parallel()
	c, n, base := hostile(t, cachet.Options{MaxPages: 25}, func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		w.Header().Set("Content-Type", "application/vnd.api+json")
		fmt.Fprintf(w, `{"data":[{"id":"%s","type":"componentGroups","attributes":{"id":1,"name":"g"}}],"links":{"next":"http://x/api/component-groups?page=%s0"}}`, page, page)
	})
	_, err := c.ListGroups(t.Context())
	checkLimitError(t, err, "GET", base+"/api/component-groups")
	if !strings.Contains(err.Error(), "after 25 pages") {
		t.Errorf("error %q does not give the page cap", err)
	}
	if got := n.Load(); got != 25 {
		t.Errorf("server saw %d requests, want 25", got)
	}
}

// A create whose 2xx answer is too large got there: the error is
// permanent, so the create is not repeated, and ambiguous, so the caller
// looks the object up before trying again.
func TestTooLargeWriteAnswerIsAmbiguous(t *testing.T) {
	t.Parallel()
	c, n, base := hostile(t, cachet.Options{MaxBodyBytes: 1 << 10}, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"data":{"id":"1","type":"components","attributes":{"name":"`+strings.Repeat("x", 4<<10)+`"}}}`)
	})
	_, err := c.CreateComponent(t.Context(), cachet.ComponentFields{Name: cachet.Ptr("x")})
	checkLimitError(t, err, "POST", base+"/api/components")
	if !cachet.Ambiguous(err) {
		t.Errorf("Ambiguous(%v) = false, want true: the create was applied", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("server saw %d requests, want 1", got)
	}
}
