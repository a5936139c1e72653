// Package metrics defines statusbridge's Prometheus metrics. Collectors are
// registered on a registry the caller passes in, never the global one, and
// the rest of the program feeds them through plain function hooks, so no
// other package imports client_golang.
package metrics

import (
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Component is one visible component's state at scrape time.
type Component struct {
	Name         string
	Status       int
	IncidentOpen bool
}

// Source reports the bridge's state at scrape time.
type Source interface {
	Components() []Component
	Pending() int
	Health() Health
}

// Health is the bridge's view of Cachet, one field per failure class an
// operator alerts on (spec §11).
type Health struct {
	// Holds counts the components whose person's status is left alone.
	Holds int
	// HeartbeatLastSeen is when the heartbeat alert last fired; zero
	// when it never did (or no --heartbeat-alert is set).
	HeartbeatLastSeen         time.Time
	Reachable, Authorised     bool
	Permanent                 int
	PermanentTotal, LostTotal uint64
}

// Build identifies the binary for statusbridge_build_info. Empty fields
// are reported as empty labels: a build without git knows no revision.
type Build struct {
	Version, Revision, Branch string
}

// WebhookCodes are the status codes /webhook answers with (200 accepted,
// 400 not a payload, 401 Basic Auth refused, 405 not a POST, 413 body too
// large, 503 retry later); each has a series from the start.
var WebhookCodes = []int{200, 400, 401, 405, 413, 503}

// AlertOutcomes are the outcomes of statusbridge_alerts_total.
var AlertOutcomes = []string{"applied", "duplicate", "stale", "ignored_not_status_page", "ignored_missing_labels"}

// Metrics holds every collector.
type Metrics struct {
	webhooks       *prometheus.CounterVec
	alerts         *prometheus.CounterVec
	cachetRequests *prometheus.CounterVec
	cachetLatency  *prometheus.HistogramVec
	reloadOK       prometheus.Gauge
	reloadTime     prometheus.Gauge
	authRejected   *prometheus.CounterVec
	truncated      prometheus.Counter
}

// New registers statusbridge's metrics on reg; the bridge's own state is
// added by Watch once it exists.
func New(reg prometheus.Registerer, build Build) *Metrics {
	m := &Metrics{
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusbridge_webhook_requests_total",
			Help: "Webhook requests answered, by HTTP status code.",
		}, []string{"code"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusbridge_alerts_total",
			Help: "Alerts received, by outcome: applied, duplicate, stale (older than the state applied), ignored_not_status_page, ignored_missing_labels.",
		}, []string{"outcome"}),
		cachetRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusbridge_cachet_requests_total",
			Help: "Cachet API requests, by method, route template and HTTP status code (0: no answer).",
		}, []string{"method", "route", "code"}),
		cachetLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "statusbridge_cachet_request_duration_seconds",
			Help:    "Cachet API request latency, by method and route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "statusbridge_config_last_reload_successful",
			Help: "Whether the last configuration (re)load succeeded.",
		}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "statusbridge_config_last_reload_success_timestamp_seconds",
			Help: "When the configuration was last loaded successfully.",
		}),
		authRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusbridge_webhook_auth_rejections_total",
			Help: "Webhook requests refused by Basic Auth, by reason: missing (no credentials, 401), wrong (401), overloaded (too many unchecked credentials at once, 503).",
		}, []string{"reason"}),
	}
	m.truncated = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "statusbridge_alerts_truncated_total",
		Help: "Alerts Alertmanager left out of webhook payloads (truncatedAlerts, cut by the receiver's max_alerts).",
	})
	// Every label value known up front exists from the start, so rate()
	// and alerts see a zero instead of no series until the first event.
	for _, code := range WebhookCodes {
		m.webhooks.WithLabelValues(strconv.Itoa(code))
	}
	for _, outcome := range AlertOutcomes {
		m.alerts.WithLabelValues(outcome)
	}
	for _, reason := range []string{"missing", "wrong", "overloaded"} {
		m.authRejected.WithLabelValues(reason)
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "statusbridge_build_info",
		Help: "A metric with a constant '1' value labeled by version, revision, branch, goversion, goos and goarch from which statusbridge was built.",
		ConstLabels: prometheus.Labels{
			"version": build.Version, "revision": build.Revision, "branch": build.Branch,
			"goversion": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH,
		},
	})
	info.Set(1)
	reg.MustRegister(m.webhooks, m.alerts, m.cachetRequests, m.cachetLatency, m.reloadOK, m.reloadTime, m.authRejected, m.truncated, info,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Watch registers the collectors that read src at scrape time.
func Watch(reg prometheus.Registerer, src Source) {
	reg.MustRegister(&sourceCollector{src: src})
}

// Webhook counts one webhook answer.
func (m *Metrics) Webhook(code int) { m.webhooks.WithLabelValues(strconv.Itoa(code)).Inc() }

// Truncated counts alerts Alertmanager left out of a payload.
func (m *Metrics) Truncated(n int) {
	if n > 0 {
		m.truncated.Add(float64(n))
	}
}

// AuthRejected counts one webhook request refused by Basic Auth, by reason
// (server.AuthMissing, AuthWrong, AuthOverloaded).
func (m *Metrics) AuthRejected(reason string) { m.authRejected.WithLabelValues(reason).Inc() }

// Alerts counts n alerts with one outcome.
func (m *Metrics) Alerts(outcome string, n int) {
	if n > 0 {
		m.alerts.WithLabelValues(outcome).Add(float64(n))
	}
}

// CachetRequest records one Cachet API attempt.
func (m *Metrics) CachetRequest(method, route string, code int, d time.Duration) {
	m.cachetRequests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.cachetLatency.WithLabelValues(method, route).Observe(d.Seconds())
}

// Reloaded records the outcome of a configuration (re)load.
func (m *Metrics) Reloaded(ok bool, at time.Time) {
	if !ok {
		m.reloadOK.Set(0)
		return
	}
	m.reloadOK.Set(1)
	m.reloadTime.Set(float64(at.Unix()))
}

var (
	componentDesc = prometheus.NewDesc("statusbridge_component_status",
		"Status statusbridge last wrote to Cachet for a visible component: 1 operational, 3 partial outage, 4 major outage.",
		[]string{"component"}, nil)
	incidentsDesc = prometheus.NewDesc("statusbridge_open_incidents",
		"Incidents statusbridge holds open.", nil, nil)
	pendingDesc = prometheus.NewDesc("statusbridge_pending_writes",
		"Cachet objects whose desired state is not written yet and are being retried.", nil, nil)
	reachableDesc = prometheus.NewDesc("statusbridge_cachet_reachable",
		"1 while Cachet answers, 0 while it does not (no answer, timeout, failing checks).", nil, nil)
	authorisedDesc = prometheus.NewDesc("statusbridge_cachet_authorized",
		"1 while Cachet accepts statusbridge's token, 0 after a 401 or 403 (token revoked, ability missing).", nil, nil)
	permanentDesc = prometheus.NewDesc("statusbridge_cachet_permanent_failures",
		"Cachet objects whose writes Cachet refuses for good (4xx other than 401, 403, 404, 429); retried at resync.", nil, nil)
	permanentTotalDesc = prometheus.NewDesc("statusbridge_cachet_permanent_failures_total",
		"Writes Cachet refused for good, counted once per object and cause.", nil, nil)
	holdsDesc = prometheus.NewDesc("statusbridge_manual_holds",
		"Visible components whose status a person set and statusbridge leaves alone (manual_hold).", nil, nil)
	heartbeatDesc = prometheus.NewDesc("statusbridge_heartbeat_last_seen_timestamp_seconds",
		"When a notification last carried the firing --heartbeat-alert (e.g. Watchdog); 0 when none has since the start.", nil, nil)
	lostTotalDesc = prometheus.NewDesc("statusbridge_cachet_lost_objects_total",
		"Cachet objects found deleted (404 on a known id) and looked up again.", nil, nil)
)

// sourceCollector reads the bridge when scraped, so the hot path pays
// nothing for these gauges.
type sourceCollector struct{ src Source }

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- componentDesc
	ch <- incidentsDesc
	ch <- pendingDesc
	ch <- reachableDesc
	ch <- authorisedDesc
	ch <- permanentDesc
	ch <- permanentTotalDesc
	ch <- lostTotalDesc
	ch <- heartbeatDesc
	ch <- holdsDesc
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	open := 0
	for _, comp := range c.src.Components() {
		if comp.IncidentOpen {
			open++
		}
		if comp.Status != 0 {
			ch <- prometheus.MustNewConstMetric(componentDesc, prometheus.GaugeValue, float64(comp.Status), comp.Name)
		}
	}
	ch <- prometheus.MustNewConstMetric(incidentsDesc, prometheus.GaugeValue, float64(open))
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(c.src.Pending()))
	h := c.src.Health()
	ch <- prometheus.MustNewConstMetric(reachableDesc, prometheus.GaugeValue, boolValue(h.Reachable))
	ch <- prometheus.MustNewConstMetric(authorisedDesc, prometheus.GaugeValue, boolValue(h.Authorised))
	ch <- prometheus.MustNewConstMetric(permanentDesc, prometheus.GaugeValue, float64(h.Permanent))
	ch <- prometheus.MustNewConstMetric(permanentTotalDesc, prometheus.CounterValue, float64(h.PermanentTotal))
	ch <- prometheus.MustNewConstMetric(lostTotalDesc, prometheus.CounterValue, float64(h.LostTotal))
	seen := 0.0
	if !h.HeartbeatLastSeen.IsZero() {
		seen = float64(h.HeartbeatLastSeen.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(heartbeatDesc, prometheus.GaugeValue, seen)
	ch <- prometheus.MustNewConstMetric(holdsDesc, prometheus.GaugeValue, float64(h.Holds))
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
