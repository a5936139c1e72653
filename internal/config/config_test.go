package config

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// exampleGroups are the groups of the good-*.json files.
var exampleGroups = []Group{
	{Name: "Web Services", Components: []string{"Web Server", "Website"}},
	{Name: "Backend Services", Components: []string{"Backend", "API Services", "Database"}},
}

func withLines(gs []Group, lines ...int) []Group {
	out := make([]Group, len(gs))
	for i, g := range gs {
		g.Line = lines[i]
		out[i] = g
	}
	return out
}

func TestParseConfigGood(t *testing.T) {
	tests := []struct {
		name string
		file string
		want *Config
	}{
		{
			name: "every_key_set",
			file: "testdata/good-full.json",
			want: &Config{
				NewIncidentName:             "%s is experiencing issues",
				NewIncidentMessage:          "We are investigating reports of problems with this service.",
				ResolvedIncidentMessage:     "The service is working normally again.",
				RecurringAlertUpdateMessage: "The situation has changed; we are still working on it.",
				PerPage:                     100,
				Groups:                      withLines(exampleGroups, 8, 12),
				NameLine:                    2,
				Defaults:                    DefaultRules(),
			},
		},
		{
			name: "missing_keys_get_defaults",
			file: "testdata/good-minimal.json",
			want: &Config{
				NewIncidentName:         "%s is experiencing issues",
				NewIncidentMessage:      "We are currently investigating this issue.",
				ResolvedIncidentMessage: "The issue has been resolved.",
				PerPage:                 50,
				Groups:                  withLines(exampleGroups, 2, 3),
				Defaults:                DefaultRules(),
			},
		},
		{
			name: "template_name_bom_and_empty_optional_message",
			file: "testdata/good-template.json",
			want: &Config{
				NewIncidentName:         "{{ .Component }} is down (100% of probes failing)",
				NewIncidentMessage:      "We are currently investigating this issue.",
				ResolvedIncidentMessage: "The issue has been resolved.",
				PerPage:                 1,
				Groups:                  withLines(exampleGroups, 6, 7),
				NameLine:                2,
				Defaults:                DefaultRules(),
			},
		},
		{
			name: "rules_blocks_before_groups",
			file: "testdata/good-rules.json",
			want: &Config{
				NewIncidentName:         "%s is experiencing issues",
				NewIncidentMessage:      "We are currently investigating this issue.",
				ResolvedIncidentMessage: "The issue has been resolved.",
				PerPage:                 50,
				Groups:                  withLines(exampleGroups, 17, 18),
				Defaults:                goodRulesDefaults,
				Rules: map[string]Rules{
					"Web Server": {MajorWhenDown: Threshold{Percent: 50}, DegradedSeverities: []string{"warning", "info"},
						OpenIncidentAt: "major", OutageAfter: 2 * time.Minute, RecoveryAfter: 5 * time.Minute},
					"Database": {MajorWhenDown: Threshold{Count: 2}, OpenIncidentAt: "partial",
						RecoveryAfter: 30 * time.Second, ManualHold: 90 * time.Minute},
					"Website": {MajorWhenDown: Threshold{Count: 2}, DegradedSeverities: []string{"warning", "info"},
						OpenIncidentAt: "never", OutageAfter: 24 * time.Hour, RecoveryAfter: 30 * time.Second},
				},
				RuleLines: map[string]int{
					`components["Web Server"].major_when_down`:   3,
					`components["Web Server"].outage_after`:      3,
					`components["Web Server"].recovery_after`:    3,
					`components["Database"].degraded_severities`: 5,
					`components["Database"].open_incident_at`:    6,
					`components["Database"].manual_hold`:         7,
					`components["Website"].open_incident_at`:     9,
					`components["Website"].outage_after`:         9,
					"defaults.major_when_down":                   12,
					"defaults.degraded_severities":               13,
					"defaults.recovery_after":                    14,
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ps := ParseConfig(tt.file, mustRead(t, tt.file))
			if ps != nil {
				t.Fatalf("ParseConfig(%s) problems:\n%v", tt.file, ps)
			}
			tt.want.File = tt.file
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseConfig(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

// goodRulesDefaults are the resolved defaults of testdata/good-rules.json.
var goodRulesDefaults = Rules{MajorWhenDown: Threshold{Count: 2}, DegradedSeverities: []string{"warning", "info"},
	OpenIncidentAt: "major", RecoveryAfter: 30 * time.Second}

// groupsJSON is a valid groups_configuration member for inline cases.
const groupsJSON = `"groups_configuration": [{"status_page_group": "G", "status_page_components": ["A", "B"]}]`

func TestParseConfigInline(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		perPage int
		problem string // substring of the only problem; empty for none
	}{
		{name: "per_page_min", json: `"cachet_per_page_param": 1`, perPage: 1},
		{name: "per_page_max", json: `"cachet_per_page_param": 100`, perPage: 100},
		{name: "per_page_zero", json: `"cachet_per_page_param": 0`, perPage: 50, problem: "0 is out of range"},
		{name: "per_page_over", json: `"cachet_per_page_param": 101`, perPage: 50, problem: "101 is out of range"},
		{name: "per_page_negative", json: `"cachet_per_page_param": -5`, perPage: 50, problem: "-5 is out of range"},
		{name: "per_page_exponent", json: `"cachet_per_page_param": 1e2`, perPage: 50, problem: "1e2 is not a whole number"},
		{name: "per_page_null", json: `"cachet_per_page_param": null`, perPage: 50, problem: "want a number, got null"},
		{name: "name_percent_literal", json: `"new_incident_name": "%s at 100%%"`, perPage: 50},
		{name: "name_without_verb", json: `"new_incident_name": "Outage"`, perPage: 50},
		{name: "name_trailing_percent", json: `"new_incident_name": "%s at 100%"`, perPage: 50, problem: `has the verb "%"`},
		{name: "name_width_flag", json: `"new_incident_name": "%10s is down"`, perPage: 50, problem: `has the verb "%1"`},
		{name: "name_template_skips_printf", json: `"new_incident_name": "{{ .Name }} %d"`, perPage: 50},
		{name: "message_blank", json: `"new_incident_message": "  "`, perPage: 50, problem: "new_incident_message: is empty"},
		{name: "message_number", json: `"resolved_incident_message": 3`, perPage: 50, problem: "want a string, got a number"},
		{name: "recurring_empty_is_off", json: `"recurring_alert_update_message": ""`, perPage: 50},
		{name: "recurring_null", json: `"recurring_alert_update_message": null`, perPage: 50, problem: "want a string, got null"},
		{name: "unknown_key_typo", json: `"cachet_per_page": 5`, perPage: 50, problem: `did you mean "cachet_per_page_param"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "{" + tt.json + ",\n" + groupsJSON + "}"
			c, ps := ParseConfig("c.json", []byte(data))
			if c == nil {
				t.Fatalf("ParseConfig(%s) = nil config, problems:\n%v", data, ps)
			}
			if c.PerPage != tt.perPage {
				t.Errorf("ParseConfig(%s).PerPage = %d, want %d", data, c.PerPage, tt.perPage)
			}
			switch {
			case tt.problem == "" && ps != nil:
				t.Errorf("ParseConfig(%s) problems:\n%v\nwant none", data, ps)
			case tt.problem != "" && (len(ps) != 1 || !strings.Contains(ps.Error(), tt.problem) || ps[0].Line != 1):
				t.Errorf("ParseConfig(%s) problems:\n%v\nwant one on line 1 containing %q", data, ps, tt.problem)
			}
		})
	}
}

func TestScanVerbs(t *testing.T) {
	tests := []struct {
		name, in  string
		wantCount int
		wantBad   string
	}{
		{name: "plain", in: "Outage", wantCount: 0},
		{name: "one", in: "%s is down", wantCount: 1},
		{name: "two", in: "%s and %s", wantCount: 2},
		{name: "escaped", in: "100%% %s", wantCount: 1},
		{name: "escaped_before_s", in: "%%s", wantCount: 0},
		{name: "other_verb", in: "%s %v", wantCount: 1, wantBad: "%v"},
		{name: "trailing", in: "%s %", wantCount: 1, wantBad: "%"},
		{name: "multibyte_verb", in: "%é", wantBad: "%é"},
		{name: "flagged_verb", in: "%s: %-10s down", wantCount: 1, wantBad: "%-10s"},
		{name: "bare_percent", in: "50% of %s", wantBad: "% o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ScanVerbs(tt.in)
			if count, bad := v.Count, v.Bad; count != tt.wantCount || bad != tt.wantBad {
				t.Errorf("ScanVerbs(%q) = %d, %q, want %d, %q", tt.in, count, bad, tt.wantCount, tt.wantBad)
			}
		})
	}
}

func TestGroupOf(t *testing.T) {
	c := &Config{Groups: exampleGroups}
	tests := []struct {
		name, component, wantGroup string
		wantOK                     bool
	}{
		{name: "first_group", component: "Website", wantGroup: "Web Services", wantOK: true},
		{name: "second_group", component: "Database", wantGroup: "Backend Services", wantOK: true},
		{name: "unknown", component: "Mail Server"},
		{name: "case_sensitive", component: "database"},
		{name: "group_name_is_not_a_component", component: "Web Services"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			group, ok := c.GroupOf(tt.component)
			if group != tt.wantGroup || ok != tt.wantOK {
				t.Errorf("GroupOf(%q) = %q, %v, want %q, %v", tt.component, group, ok, tt.wantGroup, tt.wantOK)
			}
		})
	}
}

func TestComponents(t *testing.T) {
	c := &Config{Groups: exampleGroups}
	want := []string{"Web Server", "Website", "Backend", "API Services", "Database"}
	if diff := cmp.Diff(want, c.Components()); diff != "" {
		t.Errorf("Components() mismatch (-want +got):\n%s", diff)
	}
	if got := (&Config{}).Components(); len(got) != 0 {
		t.Errorf("Components() of no groups = %q, want none", got)
	}
}

func TestParseConfigUnusable(t *testing.T) {
	tests := []struct {
		name, data, problem string
	}{
		{name: "empty", data: "", problem: "c.json: the file is empty; start from config.json.example"},
		{name: "blank_with_bom", data: "\xef\xbb\xbf \n", problem: "c.json: the file is empty"},
		{name: "null", data: "null", problem: "c.json:1: want a JSON object {...}, got null"},
		{name: "string", data: "\n\"groups\"", problem: "c.json:2: want a JSON object {...}, got a string"},
		{name: "trailing_value", data: "{" + groupsJSON + "}\n\n{}", problem: "c.json:3: invalid JSON: unexpected text after the closing }"},
		{name: "deep_nesting", data: `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}", problem: "c.json:1: invalid JSON: nested too deeply"},
		{name: "single_quotes", data: "{\n'groups_configuration': []}", problem: "c.json:2: invalid JSON: invalid character '\\''; JSON strings use double quotes"},
		{name: "missing_comma", data: "{\n\"a\": 1\n\"b\": 2}", problem: "c.json:3: invalid JSON: invalid character '\"' after object key:value pair; check for a missing comma"},
		{name: "bad_scalar", data: "{\n\"a\": 1,\n\"b\": x}", problem: "c.json:3: invalid JSON: invalid character 'x' looking for beginning of value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := ParseConfig("c.json", []byte(tt.data))
			if c != nil {
				t.Errorf("ParseConfig(%q) returned a config", tt.data)
			}
			if len(ps) != 1 || !strings.HasPrefix(ps.Error(), tt.problem) {
				t.Errorf("ParseConfig(%q) problems:\n%v\nwant one starting %q", tt.data, ps, tt.problem)
			}
		})
	}
}

func TestParseConfigGroupProblems(t *testing.T) {
	tests := []struct {
		name, groups, problem string
	}{
		{name: "groups_not_list", groups: `{"a": 1}`, problem: "c.json:2: groups_configuration: want a list, got an object"},
		{name: "group_name_number", groups: `[{"status_page_group": 1, "status_page_components": ["A"]}]`, problem: "c.json:2: groups_configuration[0].status_page_group: want a string, got a number"},
		{name: "group_name_missing", groups: `[{"status_page_components": ["A"]}]`, problem: "c.json:2: groups_configuration[0].status_page_group: missing"},
		{name: "components_missing", groups: `[{"status_page_group": "G"}]`, problem: "c.json:2: groups_configuration[0].status_page_components: missing"},
		{name: "components_string", groups: `[{"status_page_group": "G", "status_page_components": "A, B"}]`, problem: "c.json:2: groups_configuration[0].status_page_components: want a list, got a string"},
		{name: "component_number", groups: `[{"status_page_group": "G", "status_page_components": ["A", 2]}]`, problem: "c.json:2: groups_configuration[0].status_page_components[1]: want a string, got a number"},
		{name: "group_name_spaces", groups: `[{"status_page_group": "G ", "status_page_components": ["A"]}]`, problem: `c.json:2: groups_configuration[0].status_page_group: group name "G " has spaces around it; write "G"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "{\n\"groups_configuration\": " + tt.groups + "}"
			_, ps := ParseConfig("c.json", []byte(data))
			if len(ps) != 1 || !strings.HasPrefix(ps.Error(), tt.problem) {
				t.Errorf("ParseConfig(%s) problems:\n%v\nwant one starting %q", data, ps, tt.problem)
			}
		})
	}
}
