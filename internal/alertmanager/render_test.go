package alertmanager

import (
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/alertmanager/template"
)

func newRenderer(tb testing.TB) *Renderer {
	tb.Helper()
	r, err := NewRenderer()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func twoAlerts() template.Alerts {
	return template.Alerts{
		{Status: "firing", Labels: template.KV{"alertname": "InstanceDown", "instance": "10.0.0.1:9100"}},
		{Status: "firing", Labels: template.KV{"alertname": "HighLoad", "instance": "10.0.0.2:9100"}},
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	data := IncidentData{Component: "Database", Group: "Backend", Status: "Major Outage", Alerts: twoAlerts()}
	tests := []struct {
		name string
		text string
		data IncidentData
		want string
	}{
		{name: "printf_component", text: "%s is down", data: data, want: "Database is down"},
		{name: "printf_percent_escape", text: "%s at 100%%", data: data, want: "Database at 100%"},
		{name: "plain_text_as_is", text: "We are investigating", data: data, want: "We are investigating"},
		{name: "plain_text_keeps_percent", text: "CPU at 100%% or %d", data: data, want: "CPU at 100%% or %d"},
		{name: "empty_text", text: "", data: data, want: ""},
		{name: "template_to_upper", text: "{{ .Component | toUpper }} outage", data: data, want: "DATABASE outage"},
		{name: "template_len_alerts", text: "{{ len .Alerts }} alerts on {{ .Group }}", data: data, want: "2 alerts on Backend"},
		{name: "template_len_no_alerts", text: "{{ len .Alerts }} alerts", data: IncidentData{Component: "Database"}, want: "0 alerts"},
		{name: "template_status_title", text: "{{ .Status | toLower | title }}", data: data, want: "Major Outage"},
		{name: "template_join_instances", text: `{{ range .Alerts }}{{ .Labels.instance }} {{ end }}`, data: data, want: "10.0.0.1:9100 10.0.0.2:9100 "},
		{name: "template_printf_inside_action", text: `{{ printf "%s is %s" .Component .Status }}`, data: data, want: "Database is Major Outage"},
		{name: "template_missing_label_is_empty", text: `[{{ (index .Alerts 0).Labels.nothere }}]`, data: data, want: "[]"},
		{name: "template_re_replace_all", text: `{{ reReplaceAll ":[0-9]+$" "" (index .Alerts 0).Labels.instance }}`, data: data, want: "10.0.0.1"},
		{name: "template_firing_subset", text: `{{ len .Alerts.Firing }}`, data: data, want: "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := r.Render(tt.text, tt.data)
			if err != nil {
				t.Fatalf("Render(%q) = %v", tt.text, err)
			}
			if got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	tests := []struct {
		name string
		text string
	}{
		{name: "unknown_field", text: "{{ .Nope }}"},
		{name: "lowercase_field", text: "{{ .component }}"},
		{name: "index_past_end", text: "{{ (index .Alerts 0).Labels.instance }}"},
		{name: "unclosed_action", text: "{{ .Component "},
		{name: "bad_regexp_does_not_panic", text: `{{ reReplaceAll "(" "" .Component }}`},
		{name: "undefined_function", text: "{{ .Component | shout }}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := r.Render(tt.text, IncidentData{Component: "Database"})
			if err == nil {
				t.Errorf("Render(%q) = %q, want an error", tt.text, got)
			}
		})
	}
}

func TestRenderConcurrent(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				data := IncidentData{Component: strings.Repeat("x", i), Alerts: twoAlerts()}
				got, err := r.Render("{{ .Component }}:{{ len .Alerts }}", data)
				if want := strings.Repeat("x", i) + ":2"; err != nil || got != want {
					t.Errorf("Render concurrently = %q, %v; want %q", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestCheck(t *testing.T) {
	t.Parallel()
	r := newRenderer(t)
	tests := []struct {
		name    string
		text    string
		wantErr []string // substrings of the error; nil: no error
	}{
		{name: "printf_one_verb", text: "Outage on %s"},
		{name: "printf_percent_escape", text: "%s at 100%%"},
		{name: "plain_text", text: "We are investigating"},
		{name: "plain_text_with_percent", text: "50% of servers, CPU %d"},
		{name: "empty", text: ""},
		{name: "template", text: "{{ .Component }} is {{ .Status }} ({{ .Group }})"},
		{name: "template_range_alerts", text: "{{ range .Alerts }}{{ .Labels.instance }},{{ end }}"},
		{name: "template_printf_inside_action", text: `{{ printf "%s down" .Component }}`},
		{name: "template_index_first_alert", text: `{{ (index .Alerts 0).Labels.alertname }} on {{ .Component }}`},
		{name: "printf_two_verbs", text: "%s and %s", wantErr: []string{"2 %s", "{{ .Component }}"}},
		{name: "printf_other_verb", text: "%s down %d times", wantErr: []string{`"%d"`, "%%"}},
		{name: "printf_flagged_verb", text: "%s: %-10s down", wantErr: []string{`"%-10s"`}},
		{name: "printf_bare_percent", text: "50% of %s", wantErr: []string{`"% o"`, "%%"}},
		{name: "printf_trailing_percent", text: "%s at 100%", wantErr: []string{`"%"`}},
		{name: "printf_escaped_s_only", text: "100%%s", wantErr: []string{"literal %s"}},
		{name: "template_unclosed", text: "{{ .Component ", wantErr: []string{"invalid Go template", "{{ }}"}},
		{name: "template_unknown_function", text: "{{ .Component | shout }}", wantErr: []string{"invalid Go template", "shout"}},
		{name: "template_misspelt_field", text: "{{ .component }}", wantErr: []string{"sample incident", ".Component", "component"}},
		{name: "template_mixed_with_printf", text: "{{ .Status }}: %s", wantErr: []string{"%s", "{{ .Component }}"}},
		{name: "template_printf_in_branch", text: "{{ if .Alerts }}%s{{ end }}", wantErr: []string{"{{ .Component }}"}},
		{name: "template_printf_in_define", text: `{{ define "x" }}%s{{ end }}{{ .Component }}`, wantErr: []string{"{{ .Component }}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := r.Check(tt.text)
			if tt.wantErr == nil {
				if err != nil {
					t.Errorf("Check(%q) = %v, want nil", tt.text, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check(%q) = nil, want an error", tt.text)
			}
			// Operator-facing: it must name the problem and the fix.
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Check(%q) = %q, want it to contain %q", tt.text, err, s)
				}
			}
		})
	}
}
