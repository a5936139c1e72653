package alertmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/alertmanager/template"

	"statusbridge/internal/status"
)

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"alerts":[]}`, `{"alerts":[]} x`,
		`{"alerts":[` + alertJSON + `]}`,
		`{"alerts":[{"status":"firing","startsAt":"2026-01-01T00:00:00+01:00","labels":{"status_page_alert":"TRUE","status_page_component":", ,"}}]}`,
		`{"alerts":[{"status":"resolved","startsAt":"2026-01-01T00:00:00Z","labels":{"status_page_alert":"true","instance":"\u00e9","alertname":"x","status_page_component":"a,b"}}]}`,
		`{"version":"3","alerts":[]}`, `{"alerts":[{"labels":{"a":1}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := Decode(bytes.NewReader(body))
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%q) = %v, want a *DecodeError", body, err)
			}
			return
		}
		events, ignored := Events(m)
		if got, want := len(events)+len(ignored), len(m.Alerts); got != want {
			t.Fatalf("Events(%q) = %d results, want one per alert (%d)", body, got, want)
		}
		for _, e := range events {
			if e.Fingerprint == "" || strings.TrimSpace(e.Instance) == "" || strings.TrimSpace(e.AlertName) == "" ||
				len(status.SplitComponents(e.ComponentsRaw)) == 0 || e.StartsAt.IsZero() {
				t.Fatalf("Events(%q) produced an incomplete event %+v", body, e)
			}
		}

		// What Decode accepted must survive a re-encoding unchanged.
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("json.Marshal(Decode(%q)) = %v", body, err)
		}
		m2, err := Decode(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("Decode(json.Marshal(Decode(%q))) = %v", body, err)
		}
		events2, ignored2 := Events(m2)
		if diff := cmp.Diff(events, events2); diff != "" {
			t.Fatalf("events changed by a round trip of %q (-first +second):\n%s", body, diff)
		}
		if diff := cmp.Diff(ignored, ignored2); diff != "" {
			t.Fatalf("ignored changed by a round trip of %q (-first +second):\n%s", body, diff)
		}
	})
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"", "plain", "%s", "%s and %s", "100%%s", "%d", "50% of %s", "{{ .Component }}",
		"{{ .Component | toUpper }} {{ len .Alerts }}", `{{ reReplaceAll "(" "" .Component }}`,
		"{{ range .Alerts }}{{ .Labels.instance }}{{ end }}", "{{ .Nope }}", "{{", "}}{{",
		`{{ define "x" }}%s{{ end }}{{ template "x" }}`,
	} {
		f.Add(s, "Database")
	}
	r, err := NewRenderer()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, component string) {
		data := sampleIncident()
		data.Component = component
		out, renderErr := r.Render(text, data)
		if r.Check(text) != nil {
			return
		}
		// Whatever Check accepts renders cleanly: no fmt error markers, and
		// no template failure on data shaped like the sample.
		if renderErr != nil {
			t.Fatalf("Check(%q) = nil, but Render = %v", text, renderErr)
		}
		if !strings.Contains(text, "{{") && strings.Contains(out, "%!") && !strings.Contains(component, "%!") && !strings.Contains(text, "%!") {
			t.Fatalf("Check(%q) = nil, but Render = %q", text, out)
		}
	})
}

// Keeps the sample data honest: it must look like what Events feeds the
// bridge, or Check would accept templates that fail on real alerts.
func TestSampleIncidentIsAnEvent(t *testing.T) {
	t.Parallel()
	events, ignored := Events(&Message{Data: &template.Data{Alerts: sampleIncident().Alerts}})
	if len(events) != 1 || len(ignored) != 0 {
		t.Errorf("Events(sample alerts) = %+v, %+v; want one event", events, ignored)
	}
}

func FuzzDecodeSilences(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "api-v2-silences.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, s := range []string{``, `[]`, `null`, `{}`, `[{}]`, `[{"id":"a","status":{"state":"active"}}]`,
		`[{"id":"a","status":{"state":"active"},"startsAt":"2026-01-01T00:00:00+01:00","endsAt":"x"}]`, `[] 1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeSilences(bytes.NewReader(body))
		if err != nil {
			if got != nil {
				t.Fatalf("DecodeSilences(%q) = %v and %v, want no silences with an error", body, got, err)
			}
			return
		}
		for _, s := range got {
			if strings.TrimSpace(s.ID) == "" {
				t.Fatalf("DecodeSilences(%q) kept a silence without an id: %+v", body, s)
			}
		}
		if n := bytes.Count(body, []byte("{")); len(got) > n {
			t.Fatalf("DecodeSilences(%q) = %d silences from %d objects at most", body, len(got), n)
		}
	})
}
