package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestThresholdReached(t *testing.T) {
	tests := []struct {
		name          string
		t             Threshold
		down, members int
		want          bool
	}{
		{name: "count_below", t: Threshold{Count: 3}, down: 2, members: 10},
		{name: "count_met", t: Threshold{Count: 3}, down: 3, members: 10, want: true},
		{name: "count_above", t: Threshold{Count: 3}, down: 4, members: 10, want: true},
		{name: "count_over_members_never", t: Threshold{Count: 3}, down: 2, members: 2},
		{name: "share_rounds_up_below", t: Threshold{Percent: 50}, down: 1, members: 3},
		{name: "share_rounds_up_met", t: Threshold{Percent: 50}, down: 2, members: 3, want: true},
		{name: "share_exact", t: Threshold{Percent: 50}, down: 2, members: 4, want: true},
		{name: "share_small_rounds_to_one", t: Threshold{Percent: 1}, down: 1, members: 50, want: true},
		{name: "all_needs_every_member", t: Threshold{Percent: 100}, down: 2, members: 3},
		{name: "all_met", t: Threshold{Percent: 100}, down: 3, members: 3, want: true},
		{name: "share_nothing_down", t: Threshold{Percent: 1}, down: 0, members: 3},
		{name: "share_no_members", t: Threshold{Percent: 50}, down: 0, members: 0},
		{name: "count_no_members", t: Threshold{Count: 1}, down: 0, members: 0},
		{name: "zero_threshold_is_all", t: Threshold{}, down: 1, members: 2},
		{name: "zero_threshold_all_down", t: Threshold{}, down: 2, members: 2, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.Reached(tt.down, tt.members); got != tt.want {
				t.Errorf("%+v.Reached(%d, %d) = %v, want %v", tt.t, tt.down, tt.members, got, tt.want)
			}
		})
	}
}

func TestRulesFor(t *testing.T) {
	c, ps := ParseConfig(goodRulesFile, mustRead(t, goodRulesFile))
	if ps != nil {
		t.Fatalf("ParseConfig(%s) problems:\n%v", goodRulesFile, ps)
	}
	tests := []struct {
		name, component string
		config          *Config
		want            Rules
	}{
		{name: "own_block", config: c, component: "Database", want: Rules{MajorWhenDown: Threshold{Count: 2},
			OpenIncidentAt: "partial", RecoveryAfter: 30 * time.Second, ManualHold: 90 * time.Minute}},
		{name: "no_block_gets_defaults", config: c, component: "Backend", want: goodRulesDefaults},
		{name: "unknown_gets_defaults", config: c, component: "Mail", want: goodRulesDefaults},
		{name: "file_without_rules", config: &Config{Defaults: DefaultRules()}, component: "Backend", want: DefaultRules()},
		{name: "built_by_hand", config: &Config{Groups: exampleGroups}, component: "Backend", want: DefaultRules()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.config.RulesFor(tt.component)); diff != "" {
				t.Errorf("RulesFor(%q) mismatch (-want +got):\n%s", tt.component, diff)
			}
		})
	}
}

const goodRulesFile = "testdata/good-rules.json"

// TestParseRulesInline covers the values of each rules key; every bad one
// is a single problem on its own line.
func TestParseRulesInline(t *testing.T) {
	tests := []struct {
		name    string
		json    string // members of config.json besides groups_configuration
		want    Rules  // RulesFor("A")
		problem string // the only problem; empty for none
	}{
		{name: "none", json: `"cachet_per_page_param": 5`, want: DefaultRules()},
		{name: "count", json: `"defaults": {"major_when_down": 3}`,
			want: Rules{MajorWhenDown: Threshold{Count: 3}, OpenIncidentAt: "major"}},
		{name: "share", json: `"defaults": {"major_when_down": "1%"}`,
			want: Rules{MajorWhenDown: Threshold{Percent: 1}, OpenIncidentAt: "major"}},
		{name: "component_overrides_defaults", json: `"defaults": {"major_when_down": 3, "outage_after": "1m"},
"components": {"A": {"major_when_down": "100%"}}`,
			want: Rules{MajorWhenDown: Threshold{Percent: 100}, OpenIncidentAt: "major", OutageAfter: time.Minute}},
		{name: "empty_severities_clear_defaults", json: `"defaults": {"degraded_severities": ["warning"]},
"components": {"A": {"degraded_severities": []}}`,
			want: DefaultRules()},
		{name: "durations", json: `"defaults": {"outage_after": "1h30m", "recovery_after": "0", "manual_hold": "500ms"}`,
			want: Rules{MajorWhenDown: Threshold{Percent: 100}, OpenIncidentAt: "major", OutageAfter: 90 * time.Minute, ManualHold: 500 * time.Millisecond}},
		{name: "never", json: `"components": {"A": {"open_incident_at": "never"}}`,
			want: Rules{MajorWhenDown: Threshold{Percent: 100}, OpenIncidentAt: "never"}},
		{name: "empty_blocks", json: `"defaults": {}, "components": {"A": {}}`, want: DefaultRules()},

		{name: "defaults_not_object", json: `"defaults": []`, want: DefaultRules(),
			problem: `c.json:2: defaults: want an object, got a list`},
		{name: "block_not_object", json: `"components": {"A": "50%"}`, want: DefaultRules(),
			problem: `c.json:2: components["A"]: want an object, got a string`},
		{name: "component_twice", json: `"components": {"A": {}, "A": {}}`, want: DefaultRules(),
			problem: `c.json:2: components["A"]: component appears twice (also line 2); merge the two blocks into one`},
		{name: "component_typo", json: `"components": {"Mail Server": {}}`, want: DefaultRules(),
			problem: `c.json:2: components["Mail Server"]: component "Mail Server" is not in any group of groups_configuration; name a component listed`},
		{name: "count_fraction", json: `"defaults": {"major_when_down": 1.5}`, want: DefaultRules(),
			problem: `c.json:2: defaults.major_when_down: 1.5 is not a whole number; write a count like 3 or a share like "50%"`},
		{name: "count_negative", json: `"defaults": {"major_when_down": -2}`, want: DefaultRules(),
			problem: `c.json:2: defaults.major_when_down: -2 is below 1`},
		{name: "share_zero", json: `"defaults": {"major_when_down": "0%"}`, want: DefaultRules(),
			problem: `c.json:2: defaults.major_when_down: "0%" is out of range`},
		{name: "share_signed", json: `"defaults": {"major_when_down": "+50%"}`, want: DefaultRules(),
			problem: `c.json:2: defaults.major_when_down: "+50%" is neither a count nor a share; write a count like 3`},
		{name: "share_fraction", json: `"defaults": {"major_when_down": "50.5%"}`, want: DefaultRules(),
			problem: `c.json:2: defaults.major_when_down: "50.5%" is neither a count nor a share`},
		{name: "share_bare_sign", json: `"defaults": {"major_when_down": "%"}`, want: DefaultRules(),
			problem: `c.json:2: defaults.major_when_down: "%" is neither a count nor a share`},
		{name: "threshold_bool", json: `"defaults": {"major_when_down": true}`, want: DefaultRules(),
			problem: `c.json:2: defaults.major_when_down: want a number or a string, got a boolean`},
		{name: "severities_string", json: `"defaults": {"degraded_severities": "warning"}`, want: DefaultRules(),
			problem: `c.json:2: defaults.degraded_severities: want a list, got a string; write a list of severity label values, e.g. ["warning"]`},
		{name: "severity_empty", json: `"defaults": {"degraded_severities": ["warning", " "]}`, want: DefaultRules(),
			problem: `c.json:2: defaults.degraded_severities[1]: is empty`},
		{name: "severity_twice", json: `"defaults": {"degraded_severities": ["warning", "warning"]}`,
			want:    Rules{MajorWhenDown: Threshold{Percent: 100}, DegradedSeverities: []string{"warning"}, OpenIncidentAt: "major"},
			problem: `c.json:2: defaults.degraded_severities[1]: "warning" is listed twice; remove one of them`},
		{name: "incident_at_unknown", json: `"defaults": {"open_incident_at": "always"}`, want: DefaultRules(),
			problem: `c.json:2: defaults.open_incident_at: "always" is not a status to open an incident at; write one of "major", "partial", "never"`},
		{name: "incident_at_number", json: `"defaults": {"open_incident_at": 4}`, want: DefaultRules(),
			problem: `c.json:2: defaults.open_incident_at: want a string, got a number`},
		{name: "duration_number", json: `"defaults": {"manual_hold": 30}`, want: DefaultRules(),
			problem: `c.json:2: defaults.manual_hold: want a string, got a number; use a duration like "30s", "2m" or "1h"`},
		{name: "duration_go_style", json: `"defaults": {"outage_after": "1.5m"}`, want: DefaultRules(),
			problem: `c.json:2: defaults.outage_after: "1.5m" is not a duration`},
		{name: "duration_empty", json: `"defaults": {"recovery_after": ""}`, want: DefaultRules(),
			problem: `c.json:2: defaults.recovery_after: "" is not a duration`},
		{name: "rule_key_twice", json: `"defaults": {"outage_after": "1m", "outage_after": "2m"}`,
			want:    Rules{MajorWhenDown: Threshold{Percent: 100}, OpenIncidentAt: "major", OutageAfter: time.Minute},
			problem: `c.json:2: defaults.outage_after: key appears twice (also line 2)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "{\n" + tt.json + ",\n" + groupsJSON + "}"
			c, ps := ParseConfig("c.json", []byte(data))
			if c == nil {
				t.Fatalf("ParseConfig(%s) = nil config, problems:\n%v", data, ps)
			}
			if diff := cmp.Diff(tt.want, c.RulesFor("A")); diff != "" {
				t.Errorf("ParseConfig(%s).RulesFor(A) mismatch (-want +got):\n%s", data, diff)
			}
			switch {
			case tt.problem == "" && ps != nil:
				t.Errorf("ParseConfig(%s) problems:\n%v\nwant none", data, ps)
			case tt.problem != "" && (len(ps) != 1 || !strings.HasPrefix(ps.Error(), tt.problem)):
				t.Errorf("ParseConfig(%s) problems:\n%v\nwant one starting %q", data, ps, tt.problem)
			}
		})
	}
}

func TestRuleWarnings(t *testing.T) {
	c, ps := ParseConfig(goodRulesFile, mustRead(t, goodRulesFile))
	if ps != nil {
		t.Fatalf("ParseConfig(%s) problems:\n%v", goodRulesFile, ps)
	}
	c.Rules["Backend"] = Rules{MajorWhenDown: Threshold{Count: 4}, OpenIncidentAt: "major"}
	c.RuleLines[`components["Backend"].major_when_down`] = 40
	ts := []Target{
		target("p.yml", 3, "node", "a:1", "Web Server, Website, Backend, API Services, Database", false),
		target("p.yml", 4, "node", "b:1", "Web Server, Backend, API Services", false),
		target("p.yml", 5, "node", "c:1", "Backend", false),
	}
	want := Problems{
		{File: goodRulesFile, Line: 12, Field: "defaults.major_when_down",
			Msg:  `component "Website" has 1 target, fewer than 2, so down targets never make it a Major Outage`,
			Hint: `give components["Website"] its own major_when_down, or lower this one to at most 1`},
		{File: goodRulesFile, Line: 12, Field: "defaults.major_when_down",
			Msg:  `component "Database" has 1 target, fewer than 2, so down targets never make it a Major Outage`,
			Hint: `give components["Database"] its own major_when_down, or lower this one to at most 1`},
		{File: goodRulesFile, Line: 40, Field: `components["Backend"].major_when_down`,
			Msg:  `component "Backend" has 3 targets, fewer than 4, so down targets never make it a Major Outage`,
			Hint: `lower it to at most 3, or use a share like "100%"`},
	}
	// Web Server has a share, and API Services two targets for its count of 2.
	if diff := cmp.Diff(want, Warnings(c, ts)); diff != "" {
		t.Errorf("Warnings() mismatch (-want +got):\n%s", diff)
	}
}

// A component no target feeds is warned about for that alone.
func TestRuleWarningsUnfed(t *testing.T) {
	c, ps := ParseConfig(goodRulesFile, mustRead(t, goodRulesFile))
	if ps != nil {
		t.Fatalf("ParseConfig(%s) problems:\n%v", goodRulesFile, ps)
	}
	ts := []Target{target("p.yml", 3, "node", "a:1", "Web Server, Website, Backend, API Services", false)}
	for _, w := range Warnings(c, ts) {
		if strings.Contains(w.Msg, `"Database"`) && !strings.Contains(w.Msg, "no target feeds") {
			t.Errorf("Warnings() for unfed Database: %v", w)
		}
	}
}
