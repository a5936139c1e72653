package metrics_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"statusbridge/internal/metrics"
)

type source struct{}

func (source) Components() []metrics.Component {
	return []metrics.Component{{Name: "Web", Status: 4, IncidentOpen: true}, {Name: "DB", Status: 1}, {Name: "Missing"}}
}

func (source) Pending() int { return 3 }

func (source) Health() metrics.Health {
	return metrics.Health{Reachable: true, Authorised: false, Permanent: 2, PermanentTotal: 5, LostTotal: 1}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, metrics.Build{Version: "v1.2.3", Revision: "abc123", Branch: "main"})
	metrics.Watch(reg, source{})
	m.Webhook(200)
	m.Webhook(503)
	m.Webhook(503)
	m.Alerts("applied", 2)
	m.Alerts("stale", 0)
	m.CachetRequest("PATCH", "/components/{id}", 500, 30*time.Millisecond)
	m.CachetRequest("PATCH", "/components/{id}", 200, 10*time.Millisecond)
	m.Reloaded(true, time.Unix(1700000000, 0))
	m.Reloaded(false, time.Unix(1700000100, 0))
	m.AuthRejected("wrong")
	m.AuthRejected("overloaded")
	m.AuthRejected("overloaded")
	m.Truncated(0)
	m.Truncated(7)

	want := `
# HELP statusbridge_webhook_requests_total Webhook requests answered, by HTTP status code.
# TYPE statusbridge_webhook_requests_total counter
statusbridge_webhook_requests_total{code="200"} 1
statusbridge_webhook_requests_total{code="400"} 0
statusbridge_webhook_requests_total{code="401"} 0
statusbridge_webhook_requests_total{code="405"} 0
statusbridge_webhook_requests_total{code="413"} 0
statusbridge_webhook_requests_total{code="503"} 2
# HELP statusbridge_alerts_total Alerts received, by outcome: applied, duplicate, stale (older than the state applied), ignored_not_status_page, ignored_missing_labels.
# TYPE statusbridge_alerts_total counter
statusbridge_alerts_total{outcome="applied"} 2
statusbridge_alerts_total{outcome="duplicate"} 0
statusbridge_alerts_total{outcome="ignored_missing_labels"} 0
statusbridge_alerts_total{outcome="ignored_not_status_page"} 0
statusbridge_alerts_total{outcome="stale"} 0
# HELP statusbridge_cachet_requests_total Cachet API requests, by method, route template and HTTP status code (0: no answer).
# TYPE statusbridge_cachet_requests_total counter
statusbridge_cachet_requests_total{code="200",method="PATCH",route="/components/{id}"} 1
statusbridge_cachet_requests_total{code="500",method="PATCH",route="/components/{id}"} 1
# HELP statusbridge_component_status Status statusbridge last wrote to Cachet for a visible component: 1 operational, 3 partial outage, 4 major outage.
# TYPE statusbridge_component_status gauge
statusbridge_component_status{component="DB"} 1
statusbridge_component_status{component="Web"} 4
# HELP statusbridge_open_incidents Incidents statusbridge holds open.
# TYPE statusbridge_open_incidents gauge
statusbridge_open_incidents 1
# HELP statusbridge_pending_writes Cachet objects whose desired state is not written yet and are being retried.
# TYPE statusbridge_pending_writes gauge
statusbridge_pending_writes 3
# HELP statusbridge_cachet_reachable 1 while Cachet answers, 0 while it does not (no answer, timeout, failing checks).
# TYPE statusbridge_cachet_reachable gauge
statusbridge_cachet_reachable 1
# HELP statusbridge_cachet_authorized 1 while Cachet accepts statusbridge's token, 0 after a 401 or 403 (token revoked, ability missing).
# TYPE statusbridge_cachet_authorized gauge
statusbridge_cachet_authorized 0
# HELP statusbridge_cachet_permanent_failures Cachet objects whose writes Cachet refuses for good (4xx other than 401, 403, 404, 429); retried at resync.
# TYPE statusbridge_cachet_permanent_failures gauge
statusbridge_cachet_permanent_failures 2
# HELP statusbridge_cachet_permanent_failures_total Writes Cachet refused for good, counted once per object and cause.
# TYPE statusbridge_cachet_permanent_failures_total counter
statusbridge_cachet_permanent_failures_total 5
# HELP statusbridge_cachet_lost_objects_total Cachet objects found deleted (404 on a known id) and looked up again.
# TYPE statusbridge_cachet_lost_objects_total counter
statusbridge_cachet_lost_objects_total 1
# HELP statusbridge_config_last_reload_successful Whether the last configuration (re)load succeeded.
# TYPE statusbridge_config_last_reload_successful gauge
statusbridge_config_last_reload_successful 0
# HELP statusbridge_config_last_reload_success_timestamp_seconds When the configuration was last loaded successfully.
# TYPE statusbridge_config_last_reload_success_timestamp_seconds gauge
statusbridge_config_last_reload_success_timestamp_seconds 1.7e+09
# HELP statusbridge_webhook_auth_rejections_total Webhook requests refused by Basic Auth, by reason: missing (no credentials, 401), wrong (401), overloaded (too many unchecked credentials at once, 503).
# TYPE statusbridge_webhook_auth_rejections_total counter
statusbridge_webhook_auth_rejections_total{reason="missing"} 0
statusbridge_webhook_auth_rejections_total{reason="overloaded"} 2
statusbridge_webhook_auth_rejections_total{reason="wrong"} 1
# HELP statusbridge_alerts_truncated_total Alerts Alertmanager left out of webhook payloads (truncatedAlerts, cut by the receiver's max_alerts).
# TYPE statusbridge_alerts_truncated_total counter
statusbridge_alerts_truncated_total 7
# HELP statusbridge_build_info A metric with a constant '1' value labeled by version, revision, branch, goversion, goos and goarch from which statusbridge was built.
# TYPE statusbridge_build_info gauge
statusbridge_build_info{branch="main",goarch="` + runtime.GOARCH + `",goos="` + runtime.GOOS + `",goversion="` + runtime.Version() + `",revision="abc123",version="v1.2.3"} 1
`
	names := []string{
		"statusbridge_webhook_requests_total", "statusbridge_alerts_total", "statusbridge_cachet_requests_total",
		"statusbridge_component_status", "statusbridge_open_incidents", "statusbridge_pending_writes",
		"statusbridge_cachet_reachable", "statusbridge_cachet_authorized", "statusbridge_cachet_permanent_failures",
		"statusbridge_cachet_permanent_failures_total", "statusbridge_cachet_lost_objects_total",
		"statusbridge_config_last_reload_successful", "statusbridge_config_last_reload_success_timestamp_seconds",
		"statusbridge_webhook_auth_rejections_total", "statusbridge_alerts_truncated_total", "statusbridge_build_info",
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "statusbridge_cachet_request_duration_seconds"); n != 1 {
		t.Errorf("latency series = %d, want 1 (method and route, not code)", n)
	}
}
