package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func target(file string, line int, job, instance, raw string, critical bool) Target {
	var comps []string
	for _, c := range strings.Split(raw, ",") {
		comps = append(comps, strings.TrimSpace(c))
	}
	return Target{Instance: instance, Job: job, ComponentsRaw: raw, Components: comps, Critical: critical, File: file, Line: line}
}

func TestParseTargetsGood(t *testing.T) {
	const (
		ansible = "testdata/good-ansible.yml"
		scrape  = "testdata/good-scrape.yml"
		bools   = "testdata/good-bools.yml"
		anchors = "testdata/good-anchors.yml"
	)
	tests := []struct {
		name string
		file string
		want []Target
	}{
		{
			name: "ansible_vars_shape",
			file: ansible,
			want: []Target{
				target(ansible, 5, "node", "192.168.1.10:9100", "Web Server", false),
				target(ansible, 5, "node", "192.168.1.11:9100", "Web Server", false),
				target(ansible, 7, "node", "192.168.1.30:9100", "Backend, API Services", false),
				target(ansible, 13, "postgres", "192.168.1.50:9187", "Database", true),
				target(ansible, 19, "blackbox", "https://www.example.com", "Website", false),
			},
		},
		{
			name: "prometheus_scrape_configs_shape",
			file: scrape,
			want: []Target{
				target(scrape, 8, "node", "192.168.1.10:9100", "Web Server", false),
				target(scrape, 8, "node", "192.168.1.11:9100", "Web Server", false),
				target(scrape, 12, "node", "192.168.1.30:9100", "Backend,API Services", true),
			},
		},
		{
			name: "boolean_forms",
			file: bools,
			want: []Target{
				target(bools, 3, "node", "10.0.0.1:9100", "Web Server", true),
				target(bools, 5, "node", "10.0.0.2:9100", "Web Server", false),
				target(bools, 7, "node", "10.0.0.3:9100", "Web Server", true),
				target(bools, 9, "node", "10.0.0.4:9100", "Web Server", false),
			},
		},
		{
			name: "anchors_and_merge_keys",
			file: anchors,
			want: []Target{
				target(anchors, 9, "node", "10.0.1.1:9100", "Web Server", false),
				target(anchors, 9, "node", "10.0.1.2:9100", "Web Server", false),
				target(anchors, 13, "node", "10.0.2.1:9100", "Database", true),
				target(anchors, 9, "web_again", "10.0.1.1:9100", "Website", false),
				target(anchors, 9, "web_again", "10.0.1.2:9100", "Website", false),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ps := ParseTargets(tt.file, mustRead(t, tt.file))
			if ps != nil {
				t.Fatalf("ParseTargets(%s) problems:\n%v", tt.file, ps)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseTargets(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParseTargetsBooleans(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    bool
		wantBad bool
	}{
		{name: "yaml_true", value: "true", want: true},
		{name: "yaml_title_true", value: "True", want: true},
		{name: "yaml_upper_true", value: "TRUE", want: true},
		{name: "string_true", value: `"true"`, want: true},
		{name: "string_mixed_case_true", value: `"tRuE"`, want: true},
		{name: "yaml_false", value: "false"},
		{name: "string_false", value: `'False'`},
		{name: "yes_rejected", value: "yes", wantBad: true},
		{name: "quoted_yes_rejected", value: `"yes"`, wantBad: true},
		{name: "on_rejected", value: "on", wantBad: true},
		{name: "one_rejected", value: "1", wantBad: true},
		{name: "zero_rejected", value: "0", wantBad: true},
		{name: "empty_rejected", value: "", wantBad: true},
		{name: "list_rejected", value: "[true]", wantBad: true},
		{name: "padded_string_rejected", value: `" true"`, wantBad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The value is tried as status_page_critical_target, so a
			// rejected one still leaves a target to look at.
			data := "prometheus_targets:\n  node:\n    - targets: [a:1]\n      labels:\n" +
				"        status_page_alert: true\n        status_page_component: Web\n" +
				"        status_page_critical_target: " + tt.value + "\n"
			ts, ps := ParseTargets("p.yml", []byte(data))
			if tt.wantBad {
				want := "p.yml:7: prometheus_targets.node[0].labels.status_page_critical_target: "
				if len(ps) != 1 || !strings.HasPrefix(ps.Error(), want) || !strings.Contains(ps.Error(), "write true or false") {
					t.Errorf("ParseTargets(critical: %s) problems:\n%v\nwant one starting %q", tt.value, ps, want)
				}
				return
			}
			if ps != nil || len(ts) != 1 {
				t.Fatalf("ParseTargets(critical: %s) = %v, problems:\n%v", tt.value, ts, ps)
			}
			if ts[0].Critical != tt.want {
				t.Errorf("ParseTargets(critical: %s).Critical = %v, want %v", tt.value, ts[0].Critical, tt.want)
			}
		})
	}
}

func TestParseTargetsValidatesNonAlertTargets(t *testing.T) {
	data := "prometheus_targets:\n  node:\n    - targets: [a:1, '']\n" +
		"      labels: {status_page_alert: false, status_page_critical_target: maybe, status_page_component: ' , '}\n"
	ts, ps := ParseTargets("p.yml", []byte(data))
	if len(ts) != 0 {
		t.Errorf("ParseTargets returned %v, want no targets", ts)
	}
	want := []string{
		`p.yml:3: prometheus_targets.node[0].targets[1]: target is empty`,
		`p.yml:4: prometheus_targets.node[0].labels.status_page_critical_target: "maybe" is not a boolean`,
		`p.yml:4: prometheus_targets.node[0].labels.status_page_component: is empty`,
	}
	if len(ps) != len(want) {
		t.Fatalf("ParseTargets problems:\n%v\nwant %d", ps, len(want))
	}
	for i, p := range ps {
		if !strings.HasPrefix(p.Error(), want[i]) {
			t.Errorf("problem %d = %q, want prefix %q", i, p.Error(), want[i])
		}
	}
}

func TestParseTargetsBothShapes(t *testing.T) {
	data := `prometheus_targets:
  node:
    - targets: [a:1]
      labels: {status_page_alert: true, status_page_component: Web}
scrape_configs:
  - job_name: probe
    static_configs:
      - targets: [b:2]
        labels: {status_page_alert: true, status_page_component: Web}
`
	ts, ps := ParseTargets("p.yml", []byte(data))
	if ps != nil {
		t.Fatalf("ParseTargets problems:\n%v", ps)
	}
	want := []Target{target("p.yml", 3, "node", "a:1", "Web", false), target("p.yml", 8, "probe", "b:2", "Web", false)}
	if diff := cmp.Diff(want, ts); diff != "" {
		t.Errorf("ParseTargets mismatch (-want +got):\n%s", diff)
	}
}

func TestParseTargetsAliasBomb(t *testing.T) {
	// A short file that names one group of ten targets 10,001 times.
	data := "g: &g {targets: [a:1, a:2, a:3, a:4, a:5, a:6, a:7, a:8, a:9, a:10], " +
		"labels: {status_page_alert: true, status_page_component: Web}}\n" +
		"prometheus_targets: {node: [*g" + strings.Repeat(", *g", maxTargets/10) + "]}\n"
	ts, ps := ParseTargets("p.yml", []byte(data))
	if len(ts) > maxTargets {
		t.Errorf("ParseTargets(alias bomb) returned %d targets, want at most %d", len(ts), maxTargets)
	}
	if !strings.Contains(ps.Error(), "more than 100000 targets") {
		t.Errorf("ParseTargets(alias bomb) problems:\n%.500v\nwant a size problem", ps)
	}
	if len(ps) > maxProblems+1 {
		t.Errorf("ParseTargets(alias bomb) gave %d problems, want at most %d", len(ps), maxProblems+1)
	}
}

func TestInvisibleName(t *testing.T) {
	tg := Target{Instance: "10.0.2.1:9100", ComponentsRaw: "Backend, API Services"}
	if got, want := tg.InvisibleName(), "10.0.2.1:9100 | Backend, API Services"; got != want {
		t.Errorf("InvisibleName() = %q, want %q", got, want)
	}
}

func TestParseTargetsDocuments(t *testing.T) {
	const group = "prometheus_targets:\n  node:\n    - targets: [a:1]\n      labels: {status_page_alert: true, status_page_component: Web}\n"
	tests := []struct {
		name, data, problem string
	}{
		{name: "leading_marker", data: "---\n" + group},
		{name: "trailing_marker", data: group + "---\n"},
		{name: "end_marker", data: group + "...\n"},
		{name: "second_document", data: group + "---\nfoo: bar\n", problem: "p.yml:5: more than one YAML document"},
		{name: "bad_second_document", data: group + "---\nfoo: [\n", problem: "p.yml:6: invalid YAML"},
		{name: "only_comments", data: "# nothing\n", problem: "p.yml: neither prometheus_targets nor scrape_configs found"},
		{name: "only_marker", data: "---\n", problem: "p.yml: neither prometheus_targets nor scrape_configs found"},
		{name: "scalar_document", data: "hello\n", problem: `p.yml:1: want a mapping, got "hello"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := ParseTargets("p.yml", []byte(tt.data))
			switch {
			case tt.problem == "" && ps != nil:
				t.Errorf("ParseTargets(%q) problems:\n%v\nwant none", tt.data, ps)
			case tt.problem != "" && (len(ps) != 1 || !strings.HasPrefix(ps.Error(), tt.problem)):
				t.Errorf("ParseTargets(%q) problems:\n%v\nwant one starting %q", tt.data, ps, tt.problem)
			}
		})
	}
}

func TestParseTargetsShapeProblems(t *testing.T) {
	const labels = "{status_page_alert: true, status_page_component: Web}"
	tests := []struct {
		name, data, problem string
	}{
		{name: "targets_key_is_list", data: "prometheus_targets: [a]\n", problem: "p.yml:1: prometheus_targets: want a mapping, got a list"},
		{name: "targets_key_is_empty", data: "prometheus_targets:\n", problem: "p.yml:1: prometheus_targets: is empty"},
		{name: "job_is_mapping", data: "prometheus_targets:\n  node: {targets: [a:1]}\n", problem: "p.yml:2: prometheus_targets.node: want a list, got a mapping"},
		{name: "job_name_empty", data: "prometheus_targets:\n  '': [{targets: [a:1]}]\n", problem: "p.yml:2: prometheus_targets.: job name is empty"},
		{name: "group_is_string", data: "prometheus_targets:\n  node: [a:1]\n", problem: `p.yml:2: prometheus_targets.node[0]: want a mapping, got "a:1"`},
		{name: "labels_is_list", data: "prometheus_targets:\n  node:\n    - targets: [a:1]\n      labels: [x]\n", problem: "p.yml:4: prometheus_targets.node[0].labels: want a mapping, got a list"},
		{name: "target_is_list", data: "prometheus_targets:\n  node:\n    - targets: [[a:1]]\n", problem: "p.yml:3: prometheus_targets.node[0].targets[0]: want a string, got a list"},
		{name: "targets_empty", data: "prometheus_targets:\n  node:\n    - targets: []\n", problem: "p.yml:3: prometheus_targets.node[0].targets: is empty"},
		{name: "key_is_list", data: "prometheus_targets:\n  [a]: []\n", problem: "p.yml:2: prometheus_targets: want a name as key, got a list"},
		{name: "merge_of_scalar", data: "prometheus_targets:\n  node:\n    - targets: [a:1]\n      labels: {<<: x}\n", problem: `p.yml:4: prometheus_targets.node[0].labels: merge (<<) of "x"`},
		{name: "component_spaces", data: "prometheus_targets:\n  node:\n    - targets: [a:1]\n      labels: {status_page_alert: true, status_page_component: ' Web'}\n", problem: `p.yml:4: prometheus_targets.node[0].labels.status_page_component: " Web" has spaces around it; write "Web"`},
		{name: "component_twice", data: "prometheus_targets:\n  node:\n    - targets: [a:1]\n      labels: {status_page_alert: true, status_page_component: 'Web, Web'}\n", problem: `p.yml:4: prometheus_targets.node[0].labels.status_page_component: "Web, Web" lists "Web" twice`},
		{name: "scrape_configs_mapping", data: "scrape_configs: {a: b}\n", problem: "p.yml:1: scrape_configs: want a list, got a mapping"},
		{name: "scrape_configs_empty", data: "scrape_configs:\n", problem: "p.yml:1: scrape_configs: is empty"},
		{name: "scrape_config_scalar", data: "scrape_configs: [node]\n", problem: `p.yml:1: scrape_configs[0]: want a mapping, got "node"`},
		{name: "scrape_job_name_empty", data: "scrape_configs:\n  - job_name: ''\n", problem: "p.yml:2: scrape_configs[0].job_name: job_name is empty"},
		{name: "static_configs_mapping", data: "scrape_configs:\n  - job_name: a\n    static_configs: {targets: [a:1]}\n", problem: "p.yml:3: scrape_configs[0].static_configs: want a list, got a mapping"},
		{name: "static_labels_checked", data: "scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [a:1]\n        labels: {status_page_alert: on, status_page_component: Web}\n", problem: `p.yml:5: scrape_configs[0].static_configs[0].labels.status_page_alert: "on" is not a boolean`},
		{name: "duplicate_label", data: "prometheus_targets:\n  node:\n    - targets: [a:1]\n      labels:\n        status_page_component: Web\n        status_page_component: Db\n", problem: "p.yml:6: prometheus_targets.node[0].labels.status_page_component: key appears twice (also line 5)"},
		{name: "merge_overridden_is_fine", data: "l: &l " + labels + "\nprometheus_targets:\n  node:\n    - targets: [a:1]\n      labels: {<<: *l, status_page_component: Db}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := ParseTargets("p.yml", []byte(tt.data))
			switch {
			case tt.problem == "" && ps != nil:
				t.Errorf("ParseTargets(%q) problems:\n%v\nwant none", tt.data, ps)
			case tt.problem != "" && (len(ps) != 1 || !strings.HasPrefix(ps.Error(), tt.problem)):
				t.Errorf("ParseTargets(%q) problems:\n%v\nwant one starting %q", tt.data, ps, tt.problem)
			}
		})
	}
}
