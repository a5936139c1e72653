package alertmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/alertmanager/template"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func decodeFile(t *testing.T, name string) *Message {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Decode(f)
	if err != nil {
		t.Fatalf("Decode(%s) = %v", name, err)
	}
	return m
}

// ignoreAlert leaves the embedded original alert out of event comparisons;
// tests that care about it check it separately.
var ignoreAlert = cmpopts.IgnoreFields(Event{}, "Alert")

func TestDecodeFixtures(t *testing.T) {
	t.Parallel()
	start := mustTime(t, "2026-11-25T06:35:55.993Z")
	tests := []struct {
		name string
		file string
		want []Event
	}{
		{
			name: "firing_two_targets",
			file: "alertmanager-firing.json",
			want: []Event{
				{Fingerprint: "0f4732eecec15950", Instance: "127.0.0.1:19100", AlertName: "InstanceDown", ComponentsRaw: "Backend, API Services", Critical: true, Severity: "critical", Firing: true, StartsAt: start},
				{Fingerprint: "6be5195fe3b68b36", Instance: "127.0.0.1:19101", AlertName: "InstanceDown", ComponentsRaw: "Backend", Critical: false, Severity: "critical", Firing: true, StartsAt: start},
			},
		},
		{
			name: "mixed_one_firing_one_resolved",
			file: "alertmanager-mixed.json",
			want: []Event{
				{Fingerprint: "0f4732eecec15950", Instance: "127.0.0.1:19100", AlertName: "InstanceDown", ComponentsRaw: "Backend, API Services", Critical: true, Severity: "critical", Firing: true, StartsAt: start},
				{Fingerprint: "6be5195fe3b68b36", Instance: "127.0.0.1:19101", AlertName: "InstanceDown", ComponentsRaw: "Backend", Critical: false, Severity: "critical", Firing: false, StartsAt: start, EndsAt: mustTime(t, "2026-11-25T06:36:11.993Z")},
			},
		},
		{
			name: "resolved_in_resolved_payload",
			file: "alertmanager-resolved.json",
			want: []Event{
				{Fingerprint: "0f4732eecec15950", Instance: "127.0.0.1:19100", AlertName: "InstanceDown", ComponentsRaw: "Backend, API Services", Critical: true, Severity: "critical", Firing: false, StartsAt: start, EndsAt: mustTime(t, "2026-11-25T06:36:31.993Z")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := decodeFile(t, tt.file)
			if m.Version != "4" || m.GroupKey != `{}:{alertname="InstanceDown"}` || m.Receiver != "statusbridge" {
				t.Errorf("Decode(%s) header = %q %q %q, want 4, the group key and statusbridge", tt.file, m.Version, m.GroupKey, m.Receiver)
			}
			got, ignored := Events(m)
			if diff := cmp.Diff(tt.want, got, ignoreAlert); diff != "" {
				t.Errorf("Events(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
			if len(ignored) != 0 {
				t.Errorf("Events(%s) ignored %+v, want none", tt.file, ignored)
			}
			for i, e := range got {
				if diff := cmp.Diff(m.Alerts[i], e.Alert); diff != "" {
					t.Errorf("Events(%s)[%d].Alert is not the original (-want +got):\n%s", tt.file, i, diff)
				}
			}
		})
	}
}

// alertJSON is one valid alert, for building bodies in tests.
const alertJSON = `{"status":"firing","labels":{"alertname":"A","instance":"i:1","status_page_alert":"true","status_page_component":"C"},"startsAt":"2026-01-01T00:00:00Z"}`

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		wantPath   string
		wantLine   int // 0: no position expected
		wantCol    int // checked only when non-zero
		wantReason string
	}{
		{name: "empty", body: "", wantReason: "empty"},
		{name: "only_whitespace", body: " \n\t", wantReason: "empty"},
		{name: "not_json", body: "alerts=1", wantLine: 1, wantCol: 1, wantReason: "not valid JSON"},
		{name: "syntax_error_line_3", body: "{\n  \"alerts\": [\n    x\n  ]\n}", wantLine: 3, wantCol: 5, wantReason: "not valid JSON"},
		{name: "truncated", body: `{"alerts":[`, wantLine: 1, wantReason: "not valid JSON"},
		{name: "trailing_object", body: `{"alerts":[]} {}`, wantLine: 1, wantCol: 15, wantReason: "trailing data"},
		{name: "trailing_garbage", body: "{\"alerts\":[]}\nx", wantLine: 2, wantCol: 1, wantReason: "trailing data"},
		{name: "array", body: `[]`, wantReason: "got a JSON array, want an object"},
		{name: "null", body: ` null`, wantReason: "got a JSON null"},
		{name: "string", body: `"{}"`, wantReason: "got a JSON string"},
		{name: "number", body: `4`, wantReason: "got a JSON number"},
		{name: "invalid_array", body: `[1,`, wantLine: 1, wantReason: "not valid JSON"},
		{name: "version_3", body: `{"version":"3","alerts":[]}`, wantPath: "version", wantReason: `got "3", want "4"`},
		{name: "version_number", body: `{"version":4,"alerts":[]}`, wantPath: "version", wantLine: 1, wantReason: "want a string"},
		{name: "alerts_missing", body: `{"receiver":"x"}`, wantPath: "alerts", wantReason: "missing"},
		{name: "alerts_null", body: `{"alerts":null}`, wantPath: "alerts", wantReason: "missing"},
		{name: "alerts_object", body: `{"alerts":{}}`, wantPath: "alerts", wantLine: 1, wantReason: "want an array"},
		{name: "status_pending", body: `{"alerts":[` + alertJSON + `,{"status":"pending","startsAt":"2026-01-01T00:00:00Z"}]}`, wantPath: "alerts[1].status", wantReason: "want firing or resolved"},
		{name: "status_missing", body: `{"alerts":[{"startsAt":"2026-01-01T00:00:00Z"}]}`, wantPath: "alerts[0].status"},
		{name: "status_capitalised", body: `{"alerts":[{"status":"Firing","startsAt":"2026-01-01T00:00:00Z"}]}`, wantPath: "alerts[0].status"},
		{name: "starts_at_missing", body: `{"alerts":[{"status":"firing"}]}`, wantPath: "alerts[0].startsAt", wantReason: "missing or zero"},
		{name: "starts_at_zero", body: `{"alerts":[{"status":"firing","startsAt":"0001-01-01T00:00:00Z"}]}`, wantPath: "alerts[0].startsAt"},
		{name: "starts_at_garbage", body: `{"alerts":[` + alertJSON + `,{"status":"firing","startsAt":"yesterday"}]}`, wantPath: "alerts[1].startsAt", wantReason: "invalid value"},
		{name: "ends_at_garbage", body: `{"alerts":[{"status":"firing","startsAt":"2026-01-01T00:00:00Z","endsAt":"soon"}]}`, wantPath: "alerts[0].endsAt"},
		{name: "label_number", body: "{\"alerts\":[\n" + alertJSON + ",\n{\"labels\":{\"instance\":9100}}]}", wantPath: "alerts[1].labels", wantLine: 3, wantReason: "got a JSON number, want a string"},
		{name: "labels_array", body: `{"alerts":[{"labels":[]}]}`, wantPath: "alerts[0].labels", wantLine: 1, wantReason: "want an object"},
		{name: "truncated_alerts_negative", body: `{"alerts":[],"truncatedAlerts":-1}`, wantPath: "truncatedAlerts", wantLine: 1, wantReason: "non-negative integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Decode(strings.NewReader(tt.body))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%q) = %+v, %v; want a *DecodeError", tt.body, m, err)
			}
			if de.Path != tt.wantPath {
				t.Errorf("Decode(%q) path = %q, want %q (err: %v)", tt.body, de.Path, tt.wantPath, err)
			}
			if de.Line != tt.wantLine || (tt.wantCol != 0 && de.Column != tt.wantCol) {
				t.Errorf("Decode(%q) position = %d:%d, want %d:%d (err: %v)", tt.body, de.Line, de.Column, tt.wantLine, tt.wantCol, err)
			}
			// The message is what an operator sees in Alertmanager's log.
			if !strings.Contains(err.Error(), tt.wantReason) || (tt.wantPath != "" && !strings.Contains(err.Error(), tt.wantPath)) {
				t.Errorf("Decode(%q) error = %q, want it to contain %q and %q", tt.body, err, tt.wantReason, tt.wantPath)
			}
		})
	}
}

func TestDecodeReadError(t *testing.T) {
	t.Parallel()
	cause := errors.New("body too large")
	_, err := Decode(errReader{cause})
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("Decode(failing reader) = %v, want a *DecodeError", err)
	}
	if !errors.Is(err, cause) {
		t.Errorf("Decode(failing reader) = %v, want it to wrap %v", err, cause)
	}
}

func TestDecodeVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		field   string
		wantErr bool
	}{
		{name: "absent_is_accepted", field: ``},
		{name: "empty_is_accepted", field: `"version":"",`},
		{name: "four_is_accepted", field: `"version":"4",`},
		{name: "three_is_rejected", field: `"version":"3",`, wantErr: true},
		{name: "four_point_zero_is_rejected", field: `"version":"4.0",`, wantErr: true},
		{name: "five_is_rejected", field: `"version":"5",`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := `{` + tt.field + `"alerts":[` + alertJSON + `]}`
			_, err := Decode(strings.NewReader(body))
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("Decode(%s) = %v, want error %v", body, err, tt.wantErr)
			}
		})
	}
}

func TestDecodeUnknownFieldsAccepted(t *testing.T) {
	t.Parallel()
	body := `{"receiver":"r","status":"firing","notification_reason":"first notification","routeLabels":{"team":"x"},` +
		`"somethingFromTheFuture":[1,{"a":null}],"version":"4","groupKey":"g","truncatedAlerts":2,` +
		`"alerts":[{"status":"resolved","labels":{"alertname":"A","instance":"i:1","status_page_alert":"true","status_page_component":"C"},` +
		`"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:05:00Z","fingerprint":"abc","silencedBy":["s"],"extra":{}}]}`
	m, err := Decode(strings.NewReader(body))
	if err != nil {
		t.Fatalf("Decode(unknown fields) = %v", err)
	}
	if m.TruncatedAlerts != 2 || m.GroupKey != "g" {
		t.Errorf("Decode(unknown fields) = truncatedAlerts %d, groupKey %q; want 2, g", m.TruncatedAlerts, m.GroupKey)
	}
	got, _ := Events(m)
	want := []Event{{
		Fingerprint: "abc", Instance: "i:1", AlertName: "A", ComponentsRaw: "C", Firing: false,
		StartsAt: mustTime(t, "2026-01-01T00:00:00Z"), EndsAt: mustTime(t, "2026-01-01T00:05:00Z"),
	}}
	if diff := cmp.Diff(want, got, ignoreAlert); diff != "" {
		t.Errorf("Events(unknown fields) mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeEmptyAlertsYieldsNothing(t *testing.T) {
	t.Parallel()
	m, err := Decode(strings.NewReader(`{"version":"4","status":"resolved","alerts":[]}`))
	if err != nil {
		t.Fatalf("Decode(empty alerts) = %v", err)
	}
	if events, ignored := Events(m); events != nil || ignored != nil {
		t.Errorf("Events(empty alerts) = %v, %v; want nothing", events, ignored)
	}
}

// payload is a webhook body with n status-page alerts, half of them
// resolved, shaped like the captured fixtures.
func payload(tb testing.TB, n int) []byte {
	tb.Helper()
	start := time.Date(2026, 11, 25, 6, 35, 55, 993e6, time.UTC)
	m := Message{Data: &template.Data{Receiver: "statusbridge", Status: "firing"}, Version: "4", GroupKey: "{}:{}"}
	for i := range n {
		a := template.Alert{
			Status: statusFiring,
			Labels: template.KV{
				"alertname": "InstanceDown", "instance": fmt.Sprintf("10.0.%d.%d:9100", i/250, i%250),
				"job": "node", "severity": "critical", "status_page_alert": "true",
				"status_page_component": "Backend, API Services", "status_page_critical_target": "false",
			},
			Annotations:  template.KV{"summary": "Instance down", "description": "down for more than 0 seconds"},
			StartsAt:     start,
			GeneratorURL: "http://127.0.0.1:19090/graph?g0.expr=up%7Bjob%3D%22node%22%7D+%3D%3D+0",
			Fingerprint:  fmt.Sprintf("%016x", i),
		}
		if i%2 == 1 {
			a.Status, a.EndsAt = statusResolved, start.Add(time.Minute)
		}
		m.Alerts = append(m.Alerts, a)
	}
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkDecodeEvents50(b *testing.B) {
	body := payload(b, 50)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Decode(bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if events, _ := Events(m); len(events) != 50 {
			b.Fatalf("Events = %d events, want 50", len(events))
		}
	}
}
