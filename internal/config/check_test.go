package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	c := &Config{File: "c.json", Groups: withLines(exampleGroups, 3, 4)}
	tests := []struct {
		name    string
		config  *Config
		targets []Target
		want    Problems
	}{
		{
			name:    "all_listed",
			config:  c,
			targets: []Target{target("p.yml", 3, "node", "a:1", "Web Server, Database", false)},
		},
		{
			name:   "unlisted_reported_once_at_first_use",
			config: c,
			targets: []Target{
				target("p.yml", 3, "node", "a:1", "Web Server", false),
				target("p.yml", 5, "node", "b:1", "Mail Server, Web Server", false),
				target("p.yml", 7, "node", "c:1", "Mail Server", false),
			},
			want: Problems{{
				File: "p.yml", Line: 5, Field: "status_page_component",
				Msg:  `component "Mail Server" (target "b:1" and 1 more) is not in any group of c.json`,
				Hint: "add it to a group's status_page_components in c.json",
			}},
		},
		{
			name:    "wrong_case_suggests_the_listed_name",
			config:  c,
			targets: []Target{target("p.yml", 9, "node", "a:1", "web server", false)},
			want: Problems{{
				File: "p.yml", Line: 9, Field: "status_page_component",
				Msg:  `component "web server" (target "a:1") is not in any group of c.json`,
				Hint: `did you mean "Web Server"? names are case-sensitive`,
			}},
		},
		{
			name:    "typo_suggests_the_listed_name",
			config:  c,
			targets: []Target{target("p.yml", 9, "node", "a:1", "Databse", false)},
			want: Problems{{
				File: "p.yml", Line: 9, Field: "status_page_component",
				Msg:  `component "Databse" (target "a:1") is not in any group of c.json`,
				Hint: `did you mean "Database"?`,
			}},
		},
		{
			name:    "no_config_adds_nothing",
			targets: []Target{target("p.yml", 9, "node", "a:1", "Web", false)},
		},
		{
			name:    "no_groups_adds_nothing",
			config:  &Config{File: "c.json"},
			targets: []Target{target("p.yml", 9, "node", "a:1", "Web", false)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.config, tt.targets)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	c := &Config{File: "c.json", NewIncidentName: "Outage", Groups: withLines(exampleGroups, 3, 4)}
	ts := []Target{target("p.yml", 3, "node", "a:1", "Web Server, Website, Backend, API Services", false)}
	want := Problems{
		{File: "c.json", Field: "new_incident_name", Msg: "has no %s, so every incident gets the same name",
			Hint: "add %s where the component name belongs"},
		{File: "c.json", Line: 4, Field: "groups_configuration[1].status_page_components[2]",
			Msg:  `no target feeds component "Database"; its status will be left as it is`,
			Hint: `label a target with status_page_component: "Database" and status_page_alert: true, unless it is managed by hand`},
	}
	if diff := cmp.Diff(want, Warnings(c, ts)); diff != "" {
		t.Errorf("Warnings() mismatch (-want +got):\n%s", diff)
	}
	c.NewIncidentName = "{{ .Name }} is down"
	ts = append(ts, target("p.yml", 5, "node", "b:1", "Database", false))
	if got := Warnings(c, ts); got != nil {
		t.Errorf("Warnings() with every component fed and a template name = %v, want none", got)
	}
}
