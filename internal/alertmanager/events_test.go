package alertmanager

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/alertmanager/template"
)

// labels returns a complete status-page label set with the given changes;
// an empty value deletes the label.
func labels(changes ...string) template.KV {
	kv := template.KV{
		"alertname":             "InstanceDown",
		"instance":              "10.0.0.1:9100",
		"status_page_alert":     "true",
		"status_page_component": "Database",
	}
	for i := 0; i+1 < len(changes); i += 2 {
		if changes[i+1] == "" {
			delete(kv, changes[i])
			continue
		}
		kv[changes[i]] = changes[i+1]
	}
	return kv
}

func TestEventsLabels(t *testing.T) {
	t.Parallel()
	type outcome struct {
		event      bool
		critical   bool
		components string
		reason     string   // for ignored alerts
		detail     []string // substrings of Ignored.Detail
	}
	tests := []struct {
		name   string
		labels template.KV
		want   outcome
	}{
		{name: "true_counts", labels: labels(), want: outcome{event: true, components: "Database"}},
		{name: "upper_true_counts", labels: labels("status_page_alert", "TRUE"), want: outcome{event: true, components: "Database"}},
		{name: "padded_true_counts", labels: labels("status_page_alert", " True "), want: outcome{event: true, components: "Database"}},
		{name: "false_does_not_count", labels: labels("status_page_alert", "false"), want: outcome{reason: ReasonNotStatusPage}},
		{name: "zero_does_not_count", labels: labels("status_page_alert", "0"), want: outcome{reason: ReasonNotStatusPage}},
		{name: "one_does_not_count", labels: labels("status_page_alert", "1"), want: outcome{reason: ReasonNotStatusPage}},
		{name: "yes_does_not_count", labels: labels("status_page_alert", "yes"), want: outcome{reason: ReasonNotStatusPage}},
		{name: "blank_does_not_count", labels: labels("status_page_alert", " "), want: outcome{reason: ReasonNotStatusPage}},
		{name: "missing_does_not_count", labels: labels("status_page_alert", ""), want: outcome{reason: ReasonNotStatusPage}},
		{name: "truthy_prefix_does_not_count", labels: labels("status_page_alert", "truee"), want: outcome{reason: ReasonNotStatusPage}},
		{name: "critical_true", labels: labels("status_page_critical_target", "true"), want: outcome{event: true, critical: true, components: "Database"}},
		{name: "critical_upper_padded", labels: labels("status_page_critical_target", " TRUE"), want: outcome{event: true, critical: true, components: "Database"}},
		{name: "critical_false", labels: labels("status_page_critical_target", "false"), want: outcome{event: true, components: "Database"}},
		{name: "critical_yes_is_false", labels: labels("status_page_critical_target", "yes"), want: outcome{event: true, components: "Database"}},
		{name: "components_kept_as_sent", labels: labels("status_page_component", " Backend ,, API Services"), want: outcome{event: true, components: " Backend ,, API Services"}},
		{name: "missing_instance", labels: labels("instance", ""), want: outcome{reason: ReasonMissingLabels, detail: []string{"instance"}}},
		{name: "blank_instance", labels: labels("instance", "  "), want: outcome{reason: ReasonMissingLabels, detail: []string{"instance"}}},
		{name: "missing_alertname", labels: labels("alertname", ""), want: outcome{reason: ReasonMissingLabels, detail: []string{"alertname"}}},
		{name: "missing_component", labels: labels("status_page_component", ""), want: outcome{reason: ReasonMissingLabels, detail: []string{"status_page_component"}}},
		{name: "empty_component_list", labels: labels("status_page_component", ", ,"), want: outcome{reason: ReasonMissingLabels, detail: []string{"status_page_component", `", ,"`}}},
		{name: "missing_all_three", labels: template.KV{"status_page_alert": "true"}, want: outcome{reason: ReasonMissingLabels, detail: []string{"instance", "alertname", "status_page_component"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := &Message{Data: &template.Data{Alerts: template.Alerts{{Status: "firing", Labels: tt.labels, Fingerprint: "fp"}}}}
			events, ignored := Events(m)
			if got := len(events) + len(ignored); got != 1 {
				t.Fatalf("Events(%v) = %d events, %d ignored; want exactly one result", tt.labels, len(events), len(ignored))
			}
			if !tt.want.event {
				if len(ignored) != 1 {
					t.Fatalf("Events(%v) = %+v, want it ignored (%s)", tt.labels, events, tt.want.reason)
				}
				ig := ignored[0]
				want := Ignored{Index: 0, Fingerprint: "fp", AlertName: tt.labels["alertname"], Instance: tt.labels["instance"], Reason: tt.want.reason}
				if diff := cmp.Diff(want, ig, cmpopts.IgnoreFields(Ignored{}, "Detail")); diff != "" {
					t.Errorf("Events(%v) ignored mismatch (-want +got):\n%s", tt.labels, diff)
				}
				for _, d := range tt.want.detail {
					if !strings.Contains(ig.Detail, d) {
						t.Errorf("Events(%v) detail = %q, want it to name %s", tt.labels, ig.Detail, d)
					}
				}
				return
			}
			if len(events) != 1 {
				t.Fatalf("Events(%v) ignored it: %+v", tt.labels, ignored)
			}
			e := events[0]
			if e.Critical != tt.want.critical || e.ComponentsRaw != tt.want.components || !e.Firing {
				t.Errorf("Events(%v) = critical %v, components %q, firing %v; want %v, %q, true",
					tt.labels, e.Critical, e.ComponentsRaw, e.Firing, tt.want.critical, tt.want.components)
			}
		})
	}
}

func TestEventsOwnStatusDecides(t *testing.T) {
	t.Parallel()
	// The payload says firing, but one alert in it has resolved.
	m := &Message{Data: &template.Data{Status: "firing", Alerts: template.Alerts{
		{Status: "firing", Labels: labels(), Fingerprint: "a"},
		{Status: "resolved", Labels: labels("instance", "10.0.0.2:9100"), Fingerprint: "b"},
		{Status: "firing", Labels: labels("status_page_alert", "false"), Fingerprint: "c"},
	}}}
	events, ignored := Events(m)
	got := map[string]bool{}
	for _, e := range events {
		got[e.Fingerprint] = e.Firing
	}
	if diff := cmp.Diff(map[string]bool{"a": true, "b": false}, got); diff != "" {
		t.Errorf("Events firing by fingerprint mismatch (-want +got):\n%s", diff)
	}
	if len(ignored) != 1 || ignored[0].Index != 2 {
		t.Errorf("Events ignored = %+v, want alert 2 only", ignored)
	}
}

func TestEventsNilMessage(t *testing.T) {
	t.Parallel()
	for _, m := range []*Message{nil, {}} {
		if events, ignored := Events(m); events != nil || ignored != nil {
			t.Errorf("Events(%+v) = %v, %v; want nothing", m, events, ignored)
		}
	}
}

func TestFingerprintFallback(t *testing.T) {
	t.Parallel()
	t.Run("matches_alertmanager", func(t *testing.T) {
		t.Parallel()
		// The fixtures were captured from a real Alertmanager, which sets
		// the fingerprint from the same labels.
		for _, file := range []string{"alertmanager-firing.json", "alertmanager-mixed.json"} {
			for i, a := range decodeFile(t, file).Alerts {
				if got := fingerprint(a.Labels); got != a.Fingerprint {
					t.Errorf("fingerprint(%s alerts[%d].labels) = %s, want Alertmanager's %s", file, i, got, a.Fingerprint)
				}
			}
		}
	})
	t.Run("stable_under_label_order", func(t *testing.T) {
		t.Parallel()
		bodies := []string{
			`{"alerts":[{"status":"firing","startsAt":"2026-01-01T00:00:00Z","labels":{"alertname":"A","instance":"i:1","status_page_alert":"true","status_page_component":"C"}}]}`,
			`{"alerts":[{"status":"firing","startsAt":"2026-01-01T00:00:00Z","labels":{"status_page_component":"C","status_page_alert":"true","instance":"i:1","alertname":"A"}}]}`,
			`{"alerts":[{"labels":{"instance":"i:1","status_page_component":"C","alertname":"A","status_page_alert":"true"},"fingerprint":"","startsAt":"2026-01-01T00:00:00Z","status":"firing"}]}`,
		}
		var fps []string
		for _, b := range bodies {
			m, err := Decode(strings.NewReader(b))
			if err != nil {
				t.Fatalf("Decode(%s) = %v", b, err)
			}
			events, _ := Events(m)
			if len(events) != 1 {
				t.Fatalf("Events(%s) = %d events, want 1", b, len(events))
			}
			fps = append(fps, events[0].Fingerprint)
		}
		for i, fp := range fps {
			if fp != fps[0] || fp == "" {
				t.Errorf("fallback fingerprint of body %d = %q, want %q like body 0", i, fp, fps[0])
			}
		}
	})
	t.Run("distinguishes_label_sets", func(t *testing.T) {
		t.Parallel()
		sets := []template.KV{
			{},
			{"a": "b"},
			{"a": "b", "c": "d"},
			{"a": "bc", "d": ""},
			{"ab": "c"},
			{"a": "b", "c": "e"},
		}
		seen := map[string]int{}
		for i, ls := range sets {
			fp := fingerprint(ls)
			if j, dup := seen[fp]; dup {
				t.Errorf("fingerprint(%v) = fingerprint(%v) = %s", ls, sets[j], fp)
			}
			seen[fp] = i
		}
		// Alertmanager's value for an alert without labels.
		if got, want := fingerprint(nil), "cbf29ce484222325"; got != want {
			t.Errorf("fingerprint(nil) = %s, want %s", got, want)
		}
	})
	t.Run("used_for_ignored_alerts_too", func(t *testing.T) {
		t.Parallel()
		ls := labels("status_page_alert", "false")
		_, ignored := Events(&Message{Data: &template.Data{Alerts: template.Alerts{{Status: "firing", Labels: ls}}}})
		if len(ignored) != 1 || ignored[0].Fingerprint != fingerprint(ls) {
			t.Errorf("Events ignored = %+v, want fingerprint %s", ignored, fingerprint(ls))
		}
	})
}
