package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"statusbridge/internal/alertmanager"
)

// maxLoggedBody caps the body shown in the [WEBHOOK_REQUEST] line.
const maxLoggedBody = 2048

func handleWebhook(o Options) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		code, body := serveWebhook(o, w, r)
		writeJSON(w, code, body)
	}
}

// serveWebhook returns the status code and body of the answer. The code is
// the delivery contract with Alertmanager, which retries 5xx and nothing
// else: 4xx for a request that can never succeed, 503 when Cachet could
// not be written and a retry may help.
func serveWebhook(o Options, w http.ResponseWriter, r *http.Request) (int, map[string]any) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, o.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			o.Logger.Warn("webhook body over the limit", "source_ip", sourceIP(r), "limit_bytes", o.MaxBody)
			return http.StatusRequestEntityTooLarge, errBody(fmt.Sprintf("body larger than %d bytes", o.MaxBody))
		}
		return http.StatusBadRequest, errBody("could not read body")
	}
	msg, err := alertmanager.Decode(bytes.NewReader(data))
	if err != nil {
		o.Logger.Warn("[WEBHOOK_REQUEST]", "source_ip", sourceIP(r), "headers", redactHeaders(r.Header),
			"alerts", 0, "body", capBody(data), "err", err)
		return http.StatusBadRequest, errBody(err.Error())
	}
	events, ignored := alertmanager.Events(msg)
	o.Logger.Info("[WEBHOOK_REQUEST]", "source_ip", sourceIP(r), "headers", redactHeaders(r.Header),
		"alerts", len(msg.Alerts), "body", capBody(data))
	if o.Heartbeat != nil && alertmanager.Fires(msg, o.HeartbeatAlert) {
		o.Heartbeat()
	}
	if msg.TruncatedAlerts > 0 {
		// The alerts left out are not seen now; they reach statusbridge
		// when the group is notified again with room for them, or through
		// --alertmanager-url.
		o.Logger.Warn("alertmanager left alerts out of this notification (truncatedAlerts): raise max_alerts in the webhook receiver's config, or set it to 0 (no limit)",
			"truncated_alerts", msg.TruncatedAlerts, "alerts", len(msg.Alerts), "group_key", msg.GroupKey)
		if o.ObserveTruncated != nil {
			o.ObserveTruncated(int(min(msg.TruncatedAlerts, uint64(math.MaxInt))))
		}
	}
	for _, ig := range ignored {
		if ig.Reason != alertmanager.ReasonNotStatusPage {
			o.Logger.Warn("alert ignored", "reason", ig.Reason, "detail", ig.Detail,
				"fingerprint", ig.Fingerprint, "alertname", ig.AlertName, "instance", ig.Instance)
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), o.ApplyTimeout)
	defer cancel()
	start := time.Now()
	res, err := o.Bridge.Apply(ctx, events)
	if o.ObserveAlerts != nil {
		o.ObserveAlerts("applied", res.Applied)
		o.ObserveAlerts("duplicate", res.Duplicate)
		o.ObserveAlerts("stale", res.Stale)
		for _, ig := range ignored {
			o.ObserveAlerts("ignored_"+ig.Reason, 1)
		}
	}
	if err != nil {
		o.Logger.Error("cachet not updated; answering 503 so Alertmanager retries (the change is kept and retried in the background)",
			"alerts", len(events), "duration", time.Since(start), "err", err)
		return http.StatusServiceUnavailable, errBody("cachet could not be updated; retry later")
	}
	body := map[string]any{
		"status":    "ok",
		"applied":   res.Applied,
		"duplicate": res.Duplicate,
		"stale":     res.Stale,
		"ignored":   len(ignored),
	}
	if len(res.Permanent) > 0 {
		// 2xx all the same: Alertmanager's retry cannot fix what Cachet
		// refuses for good (spec §11); the rest of the batch is applied.
		body["status"] = "partial"
		body["permanent_failures"] = res.Permanent
	}
	return http.StatusOK, body
}

func errBody(msg string) map[string]any { return map[string]any{"error": msg} }

// sensitive headers are never logged, whatever their case.
var sensitive = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Cachet-Token"}

// redactHeaders renders headers for the log with secrets replaced.
func redactHeaders(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := strings.Join(h[k], ",")
		if slices.ContainsFunc(sensitive, func(s string) bool { return strings.EqualFold(s, k) }) {
			v = "<redacted>"
		}
		parts = append(parts, k+": "+v)
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

func capBody(b []byte) string {
	if len(b) <= maxLoggedBody {
		return string(b)
	}
	return fmt.Sprintf("%s…(%d bytes more)", b[:maxLoggedBody], len(b)-maxLoggedBody)
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
