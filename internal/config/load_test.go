package config

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

const (
	goodConfig  = "testdata/good-full.json"
	goodTargets = "testdata/good-ansible.yml"
)

func TestLoadGood(t *testing.T) {
	configs, _ := filepath.Glob("testdata/good-*.json")
	targets, _ := filepath.Glob("testdata/good-*.yml")
	if len(configs) == 0 || len(targets) == 0 {
		t.Fatal("no testdata/good-* files")
	}
	for _, cf := range configs {
		for _, tf := range targets {
			t.Run(filepath.Base(cf)+"+"+filepath.Base(tf), func(t *testing.T) {
				c, ts, err := Load(cf, tf)
				if err != nil {
					t.Fatalf("Load(%s, %s):\n%v", cf, tf, err)
				}
				if c == nil || len(ts) == 0 {
					t.Errorf("Load(%s, %s) = %v, %d targets, want a config and targets", cf, tf, c, len(ts))
				}
			})
		}
	}
}

// badFiles pairs each testdata/bad-* file with a pattern its problems must
// match, line number included. A .json file is loaded with goodTargets and
// a .yml file with goodConfig.
var badFiles = map[string]string{
	"bad-component-comma.json":          `:4: groups_configuration\[1\]\.status_page_components\[3\]: "Cache, Queue" contains a comma`,
	"bad-component-long-name.json":      `:5: groups_configuration\[1\]\.status_page_components\[3\]: component name is 256 characters long; shorten it`,
	"bad-component-pipe.json":           `:3: groups_configuration\[0\]\.status_page_components\[2\]: "CDN \| Edge" contains "\|"`,
	"bad-component-spaces.json":         `:3: .*component name "Website " has spaces around it; write "Website"`,
	"bad-component-twice-in-group.json": `:5: .*component "Backend" is listed twice in group "Backend Services" \(also line 4\)`,
	"bad-component-two-groups.json":     `:12: .*component "Database" is in group "Backend Services" and also in group "Web Services" \(line 5\)`,
	"bad-duplicate-key.json":            `:3: new_incident_message: key appears twice \(also line 2\)`,
	"bad-empty-component.json":          `:3: groups_configuration\[0\]\.status_page_components\[2\]: component name is empty`,
	"bad-empty-group-name.json":         `:4: groups_configuration\[1\]\.status_page_group: group name is empty`,
	"bad-empty-group.json":              `:5: groups_configuration\[2\]\.status_page_components: is empty; list at least one component`,
	"bad-empty-message.json":            `:2: resolved_incident_message: is empty; write a text, or remove the key`,
	"bad-group-long-name.json":          `:4: groups_configuration\[1\]\.status_page_group: group name is 256 characters long`,
	"bad-group-not-object.json":         `:5: groups_configuration\[2\]: want an object, got a string`,
	"bad-group-twice.json":              `:5: .*group "Web Services" is listed twice \(also line 3\); merge`,
	"bad-group-unknown-key.json":        `:4: groups_configuration\[1\]\.status_page_component: unknown key; did you mean "status_page_components"\?`,
	"bad-groups-empty.json":             `:2: groups_configuration: is empty; add at least one group`,
	"bad-message-type.json":             `:2: new_incident_message: want a string, got a list`,
	"bad-missing-groups.json":           `:1: groups_configuration: missing`,
	"bad-name-long.json":                `:2: new_incident_name: is 263 characters long with the component "API Services"`,
	"bad-name-two-verbs.json":           `:2: new_incident_name: has 2 %s verbs; at most one is allowed`,
	"bad-name-verb.json":                `:2: new_incident_name: has the verb "%d"; only %s is allowed`,
	"bad-not-object.json":               `:1: want a JSON object \{\.\.\.\}, got a list`,
	"bad-per-page-fraction.json":        `:2: cachet_per_page_param: 2\.5 is not a whole number`,
	"bad-per-page-range.json":           `:2: cachet_per_page_param: 500 is out of range; write a whole number from 1 to 100`,
	"bad-per-page-string.json":          `:2: cachet_per_page_param: want a number, got a string`,
	"bad-rules-count-zero.json":         `:4: defaults\.major_when_down: 0 is below 1; write a count like 3 or a share like "50%"`,
	"bad-rules-duration.json":           `:3: defaults\.recovery_after: "5 minutes" is not a duration; use a duration like "30s", "2m" or "1h"`,
	"bad-rules-incident-at.json":        `:3: components\["API Services"\]\.open_incident_at: "partail" is not a status to open an incident at; did you mean "partial"\?`,
	"bad-rules-negative-duration.json":  `:4: components\["Web Server"\]\.outage_after: "-2m" is negative; use a duration like "30s"`,
	"bad-rules-not-object.json":         `:2: components: want an object, got a list`,
	"bad-rules-severity-number.json":    `:6: components\["Database"\]\.degraded_severities\[1\]: want a string, got a number`,
	"bad-rules-share-no-percent.json":   `:2: defaults\.major_when_down: "50" has no % sign; write 50 without quotes for a count, or "50%" for a share`,
	"bad-rules-share-range.json":        `:3: components\["Backend"\]\.major_when_down: "150%" is out of range; write a share from "1%" to "100%"`,
	"bad-rules-unknown-component.json":  `:4: components\["website"\]: component "website" is not in any group of groups_configuration; did you mean "Website"\? names are case-sensitive`,
	"bad-rules-unknown-key.json":        `:3: components\["Website"\]\.outage_afer: unknown key; did you mean "outage_after"\?`,
	"bad-syntax-comment.json":           `:2: invalid JSON: .*; JSON has no comments`,
	"bad-syntax-trailing-comma.json":    `:7: invalid JSON: .*; remove the comma after the last entry`,
	"bad-syntax-truncated.json":         `:5: invalid JSON: unexpected end of file; a closing \} or \] or a quote is missing`,
	"bad-unknown-key-far.json":          `:6: cachet_url: unknown key; remove it; known keys are new_incident_name, `,
	"bad-unknown-key.json":              `:2: new_incident_nmae: unknown key; did you mean "new_incident_name"\?`,

	"bad-bool-empty.yml":            `:6: prometheus_targets\.node\[0\]\.labels\.status_page_alert: an empty value is not a boolean; write true or false`,
	"bad-bool-number.yml":           `:7: .*status_page_critical_target: "1" is not a boolean`,
	"bad-bool-yes.yml":              `:6: .*status_page_alert: "yes" is not a boolean; write true or false \(yes, no, on, off and numbers are not accepted\)`,
	"bad-component-case.yml":        `:3: status_page_component: component "web server" .*; did you mean "Web Server"\? names are case-sensitive`,
	"bad-component-extra-comma.yml": `:4: .*status_page_component: "Backend,,API Services" has an empty name between commas`,
	"bad-component-label-list.yml":  `:5: .*status_page_component: want a string, got a list; write one string, comma-separated`,
	"bad-duplicate-job.yml":         `:5: prometheus_targets\.node: key appears twice \(also line 2\)`,
	"bad-duplicate-target.yml":      `:8: targets: target "10\.0\.0\.1:9100" for "API Services,Backend" is listed twice: line 3 \(job "node"\) and line 8 \(job "node_again"\)`,
	"bad-empty-component-label.yml": `:4: .*status_page_component: is empty; name at least one component`,
	"bad-empty-target.yml":          `:3: prometheus_targets\.node\[0\]\.targets\[1\]: target is empty`,
	"bad-empty.yml":                 `: neither prometheus_targets nor scrape_configs found`,
	"bad-group-extra-key.yml":       `:5: prometheus_targets\.node\[0\]\.scrape_interval: unknown key; a target group has only targets: and labels:`,
	"bad-group-key.yml":             `:4: prometheus_targets\.node\[0\]\.label: unknown key; did you mean "labels"\?`,
	"bad-job-empty-list.yml":        `:2: prometheus_targets\.node: job "node" has no targets`,
	"bad-job-no-targets.yml":        `:5: prometheus_targets\.mysql: job "mysql" has no targets`,
	"bad-label-typo.yml":            `:7: .*status_page_critical: unknown status page label; did you mean "status_page_critical_target"\?`,
	"bad-long-component-label.yml":  `:4: .*status_page_component: component name is 256 characters long`,
	"bad-merge-self.yml":            `:4: prometheus_targets\.node\[0\]\.labels: merge \(<<\) refers to itself`,
	"bad-missing-component.yml":     `:6: prometheus_targets\.node\[1\]\.labels: status_page_alert is true but status_page_component is missing`,
	"bad-multi-doc.yml":             `:5: more than one YAML document`,
	"bad-no-targets-key.yml":        `:1: neither prometheus_targets nor scrape_configs found`,
	"bad-not-mapping.yml":           `:1: want a mapping, got a list`,
	"bad-scrape-no-job-name.yml":    `:2: scrape_configs\[0\]\.job_name: missing`,
	"bad-scrape-no-targets.yml":     `:3: scrape_configs\[0\]\.static_configs: job "node" has no targets`,
	"bad-scrape-static-key.yml":     `:6: scrape_configs\[0\]\.static_configs\[0\]\.lables: unknown key; did you mean "labels"\?`,
	"bad-target-space.yml":          `:3: prometheus_targets\.node\[0\]\.targets\[0\]: target "10\.0\.0\.1:9100 " contains whitespace`,
	"bad-targets-missing.yml":       `:3: prometheus_targets\.node\[0\]\.targets: missing`,
	"bad-targets-not-list.yml":      `:3: prometheus_targets\.node\[0\]\.targets: want a list, got "10\.0\.0\.1:9100"`,
	"bad-unlisted-component.yml":    `:5: status_page_component: component "Mail Server" \(target "10\.0\.0\.2:9100" and 1 more\) is not in any group of testdata/good-full\.json`,
	"bad-yaml-syntax.yml":           `:3: invalid YAML: did not find expected ',' or '\}'`,
	"bad-yaml-tabs.yml":             `:2: invalid YAML: found character that cannot start any token`,
}

func TestLoadBad(t *testing.T) {
	for name, pattern := range badFiles {
		t.Run(strings.TrimPrefix(name, "bad-"), func(t *testing.T) {
			path := filepath.Join("testdata", name)
			cf, tf := path, goodTargets
			if filepath.Ext(name) == ".yml" {
				cf, tf = goodConfig, path
			}
			c, ts, err := Load(cf, tf)
			if err == nil {
				t.Fatalf("Load(%s, %s) = nil error, want problems", cf, tf)
			}
			if c != nil || ts != nil {
				t.Errorf("Load(%s, %s) returned a config or targets along with problems", cf, tf)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Load(%s, %s) error %T is not Problems: %v", cf, tf, err, err)
			}
			re := regexp.MustCompile(regexp.QuoteMeta(path) + pattern)
			if !re.MatchString(err.Error()) {
				t.Errorf("Load(%s, %s) problems:\n%v\nwant a match for %s", cf, tf, err, re)
			}
		})
	}
}

// TestBadFilesAllListed keeps testdata and the table in step, so no bad
// file goes unchecked.
func TestBadFilesAllListed(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad-*")
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasPrefix(name, "bad-many.") {
			continue // golden
		}
		if _, ok := badFiles[name]; !ok {
			t.Errorf("%s is not in badFiles", f)
		}
	}
	for name := range badFiles {
		if _, err := os.Stat(filepath.Join("testdata", name)); err != nil {
			t.Errorf("badFiles lists %s: %v", name, err)
		}
	}
}

// TestLoadGolden pins the full text validate prints for a pair of files
// with many problems. Regenerate with: go test ./internal/config -update
func TestLoadGolden(t *testing.T) {
	_, _, err := Load("testdata/bad-many.json", "testdata/bad-many.yml")
	if err == nil {
		t.Fatal("Load(bad-many) = nil error, want problems")
	}
	got := err.Error() + "\n"
	golden := "testdata/bad-many.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := string(mustRead(t, golden))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load(bad-many) mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadExamples(t *testing.T) {
	cf, tf := "../../config.json.example", "../../prometheus.yml.example"
	c, ts, err := Load(cf, tf)
	if err != nil {
		t.Fatalf("Load(examples):\n%v", err)
	}
	if w := Warnings(c, ts); w != nil {
		t.Errorf("Warnings(examples):\n%v\nwant none", w)
	}
	var critical, multi bool
	for _, tg := range ts {
		critical = critical || tg.Critical
		multi = multi || len(tg.Components) > 1
	}
	if !critical || !multi {
		t.Errorf("examples have a critical target: %v, a multi-component target: %v; want both", critical, multi)
	}
}

func TestLoadUnreadable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	tests := []struct {
		name             string
		config, targets  string
		want, wantAbsent string
	}{
		{name: "config_missing", config: missing, targets: goodTargets, want: "--config", wantAbsent: "--targets"},
		{name: "targets_missing", config: goodConfig, targets: missing, want: "--targets", wantAbsent: "--config"},
		{name: "both_missing", config: missing, targets: missing, want: "STATUSBRIDGE_TARGETS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(tt.config, tt.targets)
			if !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("Load() error = %v, want fs.ErrNotExist", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, missing) ||
				(tt.wantAbsent != "" && strings.Contains(msg, tt.wantAbsent)) {
				t.Errorf("Load() error = %q, want it to name %s and %q but not %q", msg, missing, tt.want, tt.wantAbsent)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{name: "everything", p: Problem{File: "c.json", Line: 3, Field: "k", Msg: "is bad", Hint: "fix it"}, want: "c.json:3: k: is bad; fix it"},
		{name: "no_line", p: Problem{File: "c.json", Field: "k", Msg: "is bad"}, want: "c.json: k: is bad"},
		{name: "no_field", p: Problem{File: "p.yml", Line: 1, Msg: "is bad", Hint: "fix it"}, want: "p.yml:1: is bad; fix it"},
		{name: "message_only", p: Problem{Msg: "is bad"}, want: "is bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
	ps := Problems{{File: "b", Line: 2, Msg: "x"}, {File: "a", Line: 9, Msg: "y"}, {File: "b", Line: 1, Msg: "z"}, {File: "a", Line: 9, Msg: "w"}}
	if got, want := ps.Error(), "a:9: y\na:9: w\nb:1: z\nb:2: x"; got != want {
		t.Errorf("Problems.Error() = %q, want %q", got, want)
	}
}
