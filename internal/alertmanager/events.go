package alertmanager

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/template"

	"statusbridge/internal/status"
)

// Labels statusbridge reads from an alert.
const (
	labelAlert          = "status_page_alert"
	labelComponent      = "status_page_component"
	labelCriticalTarget = "status_page_critical_target"
	labelSeverity       = "severity"
	labelInstance       = "instance"
	labelAlertName      = "alertname"
)

// Reasons an alert produced no event, as reported in Ignored.Reason; they
// are meant as metric label values.
const (
	ReasonNotStatusPage = "not_status_page"
	ReasonMissingLabels = "missing_labels"
)

// Event is one status-page alert, ready for the bridge.
type Event struct {
	// Fingerprint is Alertmanager's fingerprint, or when the payload has
	// none, the same FNV-64a hash of the sorted label set that Alertmanager
	// would have computed.
	Fingerprint string
	Instance    string
	AlertName   string
	// ComponentsRaw is status_page_component exactly as sent; split it with
	// status.SplitComponents.
	ComponentsRaw string
	// Critical is whether status_page_critical_target is "true" (any case,
	// surrounding space ignored).
	Critical bool
	// Severity is the alert's severity label ("" without one); a component
	// may count some severities as degraded, not down (spec §12).
	Severity string
	// Firing is the alert's own status, not the payload's.
	Firing           bool
	StartsAt, EndsAt time.Time
	// Alert is the original alert, for incident templates.
	Alert template.Alert
	// SilencedBy are the ids of the silences that mute the alert, as
	// Alertmanager's API reports them (Current.Silenced only; webhooks
	// never carry them).
	SilencedBy []string
}

// Ignored explains why an alert produced no event.
type Ignored struct {
	// Index is the alert's position in Message.Alerts.
	Index                            int
	Fingerprint, AlertName, Instance string
	// Reason is ReasonNotStatusPage or ReasonMissingLabels.
	Reason string
	// Detail is a human-readable explanation, such as which labels are
	// missing.
	Detail string
}

// Events extracts the status-page events from m, in payload order, and
// explains every alert it skipped. A nil m yields nothing.
func Events(m *Message) (events []Event, ignored []Ignored) {
	if m == nil || m.Data == nil {
		return nil, nil
	}
	for i, a := range m.Alerts {
		fp := a.Fingerprint
		if fp == "" {
			fp = fingerprint(a.Labels)
		}
		instance, name := a.Labels[labelInstance], a.Labels[labelAlertName]
		if !labelTrue(a.Labels[labelAlert]) {
			ignored = append(ignored, Ignored{
				Index: i, Fingerprint: fp, AlertName: name, Instance: instance,
				Reason: ReasonNotStatusPage,
				Detail: fmt.Sprintf("label %s is %q, not \"true\"", labelAlert, a.Labels[labelAlert]),
			})
			continue
		}
		if detail := missingLabels(a.Labels); detail != "" {
			ignored = append(ignored, Ignored{
				Index: i, Fingerprint: fp, AlertName: name, Instance: instance,
				Reason: ReasonMissingLabels, Detail: detail,
			})
			continue
		}
		events = append(events, Event{
			Fingerprint:   fp,
			Instance:      instance,
			AlertName:     name,
			ComponentsRaw: a.Labels[labelComponent],
			Critical:      labelTrue(a.Labels[labelCriticalTarget]),
			Severity:      a.Labels[labelSeverity],
			Firing:        a.Status == statusFiring,
			StartsAt:      a.StartsAt,
			EndsAt:        a.EndsAt,
			Alert:         a,
		})
	}
	return events, ignored
}

// labelTrue reads a label as a boolean. Label values are always strings, so
// only "true" (in any case, surrounding space ignored) counts; "yes" and
// "1" do not, as in the older middleware.
func labelTrue(v string) bool {
	return strings.EqualFold(strings.TrimSpace(v), "true")
}

// missingLabels describes the required labels a status-page alert lacks, or
// returns "".
func missingLabels(ls template.KV) string {
	var missing []string
	for _, name := range []string{labelInstance, labelAlertName} {
		if strings.TrimSpace(ls[name]) == "" {
			missing = append(missing, name)
		}
	}
	switch raw := ls[labelComponent]; {
	case strings.TrimSpace(raw) == "":
		missing = append(missing, labelComponent)
	case len(status.SplitComponents(raw)) == 0:
		missing = append(missing, fmt.Sprintf("%s (%q names no component)", labelComponent, raw))
	}
	if len(missing) == 0 {
		return ""
	}
	return "missing labels: " + strings.Join(missing, ", ")
}

// fingerprint is the key of an alert that arrives without one. It is
// Alertmanager's own algorithm (FNV-64a over the sorted names and values, each
// followed by 0xff, printed as 16 hex digits), so that the same alert gets
// the same key whether or not the payload carries it.
func fingerprint(labels template.KV) string {
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	slices.Sort(names)
	h := fnv.New64a()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0xff})
		h.Write([]byte(labels[n]))
		h.Write([]byte{0xff})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// Fires reports whether msg carries a firing alert named name, whatever its
// other labels: the heartbeat (spec §13), Alertmanager's always-firing
// Watchdog routed to statusbridge, is no status-page alert.
func Fires(msg *Message, name string) bool {
	if msg == nil || msg.Data == nil || name == "" {
		return false
	}
	for _, a := range msg.Alerts {
		if a.Labels[labelAlertName] == name && a.Status == statusFiring {
			return true
		}
	}
	return false
}
