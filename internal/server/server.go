// Package server is statusbridge's HTTP face: the Alertmanager webhook
// behind Basic Auth, health (/-/healthy) and readiness (/-/ready), and
// metrics. Handlers decode,
// call the bridge synchronously and map its outcome to a status code; the
// rules live elsewhere.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
)

// Applier applies decoded alert events; *bridge.Bridge is one.
type Applier interface {
	Apply(ctx context.Context, events []alertmanager.Event) (bridge.Result, error)
}

// Verifier checks Basic Auth credentials; *htpasswd.Users is one. source
// is the client's address, for fairness between clients. An error means the
// credential could not be checked now (too many checks at once, or ctx
// ended) and the client should retry.
type Verifier interface {
	Verify(ctx context.Context, source, user, password string) (bool, error)
}

// Options are the server's dependencies.
type Options struct {
	Bridge Applier
	Users  Verifier
	// ListenerAuth says every request was authenticated before it reached
	// the router (a web config's basic_auth_users): the webhook then asks
	// for no login of its own and Users is not used.
	ListenerAuth bool
	Logger       *slog.Logger
	// MaxBody is the largest webhook body accepted; default 1 MiB.
	MaxBody int64
	// ApplyTimeout bounds how long one webhook waits for Cachet; default
	// 10 s. Past it the answer is 503 and the background loop goes on, so
	// it should stay below Alertmanager's own webhook timeout.
	ApplyTimeout time.Duration
	// Warnings are shown on /-/healthy (e.g. default credentials in use).
	Warnings []string
	// Ready reports nil once the bridge can serve (Cachet index loaded,
	// Cachet answering and accepting the token), or why not: /-/ready.
	Ready func() error
	// HeartbeatAlert names the alert whose firing notifications are
	// statusbridge's heartbeat (spec §13); Heartbeat is told of each.
	HeartbeatAlert string
	Heartbeat      func()
	// Health, if set, adds warnings known only at run time (writes Cachet
	// refuses for good) to /-/healthy.
	Health func() []string
	// Metrics serves /metrics; nil leaves the route out.
	Metrics http.Handler
	// Page serves GET / (the demo's status page); nil leaves it out.
	Page http.Handler
	// Observe, if set, is told the status code of every answer on
	// /webhook, those of Basic Auth and of a wrong method included.
	Observe func(code int)
	// ObserveTruncated, if set, is told how many alerts Alertmanager left
	// out of a payload (its truncatedAlerts), when there are any.
	ObserveTruncated func(n int)
	// ObserveAlerts, if set, is told how many alerts had each outcome:
	// applied, stale, ignored_not_status_page, ignored_missing_labels.
	ObserveAlerts func(outcome string, n int)
	// ObserveAuth, if set, is told the reason of every webhook request
	// refused by Basic Auth: AuthMissing, AuthWrong or AuthOverloaded.
	ObserveAuth func(reason string)
}

// New returns the router with every route of statusbridge.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.ApplyTimeout <= 0 {
		o.ApplyTimeout = 10 * time.Second
	}
	r := chi.NewRouter()
	var webhook http.Handler = handleWebhook(o)
	if !o.ListenerAuth {
		webhook = basicAuth(o.Users, o.Logger, o.ObserveAuth)(webhook)
	}
	r.Handle("/webhook", observeCode(o.Observe, postOnly(webhook)))
	// /-/healthy and /-/ready are the Prometheus ecosystem's names; /health
	// and /readyz stay for deployments that probe them.
	health, ready := handleHealth(o.Warnings, o.Health), handleReady(o.Ready)
	r.Get("/-/healthy", health)
	r.Get("/health", health)
	r.Get("/-/ready", ready)
	r.Get("/readyz", ready)
	if o.Metrics != nil {
		r.Method(http.MethodGet, "/metrics", o.Metrics)
	}
	if o.Page != nil {
		r.Method(http.MethodGet, "/", o.Page)
	}
	return r
}

// postOnly answers 405 to anything but POST, as JSON like every other
// answer of /webhook.
func postOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, errBody("method not allowed: Alertmanager POSTs its webhook payload here"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// observeCode tells observe the status code next answers with.
func observeCode(observe func(code int), next http.Handler) http.Handler {
	if observe == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		observe(rec.code)
	})
}

// codeRecorder remembers the status code written through it.
type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (c *codeRecorder) WriteHeader(code int) {
	c.code = code
	c.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *codeRecorder) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func handleHealth(warnings []string, health func() []string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		body := map[string]any{"status": "healthy"}
		all := warnings
		if health != nil {
			all = append(slices.Clip(all), health()...)
		}
		if len(all) > 0 {
			body["warnings"] = all
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func handleReady(ready func() error) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
