package config

import (
	"errors"
	"strings"
	"testing"
)

func TestFormOf(t *testing.T) {
	tests := []struct {
		name, text string
		want       TextForm
	}{
		{"plain", "We are investigating", PlainText},
		{"plain_with_other_verbs", "50% of servers, CPU %d", PlainText},
		{"empty", "", PlainText},
		{"printf", "%s is down", PrintfText},
		{"printf_escaped_only", "100%%s", PrintfText},
		{"template", "{{ .Component }} is down", TemplateText},
		{"template_wins_over_printf", "{{ .Status }}: %s", TemplateText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormOf(tt.text); got != tt.want {
				t.Errorf("FormOf(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestCheckTexts(t *testing.T) {
	c := &Config{File: "c.json", NewIncidentName: "bad name", NewIncidentMessage: "ok",
		ResolvedIncidentMessage: "ok", RecurringAlertUpdateMessage: "bad update"}
	var seen []string
	err := c.CheckTexts(func(text string) error {
		seen = append(seen, text)
		if strings.HasPrefix(text, "bad") {
			return errors.New("nope")
		}
		return nil
	})
	if got, want := strings.Join(seen, "|"), "bad name|ok|ok|bad update"; got != want {
		t.Errorf("checked %q, want %q", got, want)
	}
	want := "c.json: new_incident_name: nope\nc.json: recurring_alert_update_message: nope"
	if err == nil || err.Error() != want {
		t.Errorf("CheckTexts = %v, want %q", err, want)
	}
	if err := (&Config{}).CheckTexts(func(string) error { return nil }); err != nil {
		t.Errorf("CheckTexts with nothing to report = %v, want nil", err)
	}
}

func TestNameLengthWarning(t *testing.T) {
	c := &Config{File: "config.json", NameLine: 3, Groups: []Group{{Name: "G", Components: []string{"Web", "Database Cluster"}}}}
	if got := c.LongestComponent(); got != "Database Cluster" {
		t.Errorf("LongestComponent() = %q", got)
	}
	if _, ok := c.NameLengthWarning(255); ok {
		t.Error("a name of exactly 255 characters warned")
	}
	p, ok := c.NameLengthWarning(960)
	if !ok || p.Line != 3 || p.Field != "new_incident_name" || !strings.Contains(p.Error(), "960 characters") {
		t.Errorf("NameLengthWarning(960) = %v, %v; want a warning at config.json:3 naming 960 characters", p.Error(), ok)
	}
}
