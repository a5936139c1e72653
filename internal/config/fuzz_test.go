package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"

	"statusbridge/internal/status"
)

func addSeeds(f *testing.F, patterns ...string) {
	f.Helper()
	for _, p := range patterns {
		files, err := filepath.Glob(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// FuzzParseConfig checks that ParseConfig never panics, that every problem
// names the file, and that a clean config survives a round trip through
// JSON unchanged and still clean.
func FuzzParseConfig(f *testing.F) {
	addSeeds(f, "testdata/*.json", "../../config.json.example")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, ps := ParseConfig("c.json", data)
		for _, p := range ps {
			if p.File != "c.json" || p.Line < 0 || p.Msg == "" {
				t.Fatalf("malformed problem %#v", p)
			}
		}
		if ps != nil {
			return
		}
		if c == nil {
			t.Fatal("ParseConfig returned neither a config nor problems")
		}
		if c.PerPage < 1 || c.PerPage > maxPerPage || len(c.Groups) == 0 {
			t.Fatalf("clean config has PerPage %d and %d groups", c.PerPage, len(c.Groups))
		}
		for _, comp := range c.Components() {
			if _, ok := c.GroupOf(comp); !ok || comp == "" || utf8.RuneCountInString(comp) > maxName {
				t.Fatalf("clean config has component %q (GroupOf ok=%v)", comp, ok)
			}
		}
		again, ps := ParseConfig("c.json", marshalConfig(t, c))
		if ps != nil {
			t.Fatalf("re-encoded config has problems:\n%v", ps)
		}
		if diff := cmp.Diff(c, again, cmpopts.IgnoreFields(Group{}, "Line"), cmpopts.IgnoreFields(Config{}, "NameLine")); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
	})
}

func marshalConfig(t *testing.T, c *Config) []byte {
	t.Helper()
	type group struct {
		Name       string   `json:"status_page_group"`
		Components []string `json:"status_page_components"`
	}
	out := struct {
		Name      string  `json:"new_incident_name"`
		Message   string  `json:"new_incident_message"`
		Resolved  string  `json:"resolved_incident_message"`
		Recurring string  `json:"recurring_alert_update_message"`
		PerPage   int     `json:"cachet_per_page_param"`
		Groups    []group `json:"groups_configuration"`
	}{c.NewIncidentName, c.NewIncidentMessage, c.ResolvedIncidentMessage, c.RecurringAlertUpdateMessage, c.PerPage, nil}
	for _, g := range c.Groups {
		out.Groups = append(out.Groups, group{g.Name, g.Components})
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// FuzzParseTargets checks that ParseTargets never panics, that every
// problem names the file, and that clean targets, written back out as a
// Prometheus config, parse to the same targets and check clean against a
// config that lists their components.
func FuzzParseTargets(f *testing.F) {
	addSeeds(f, "testdata/*.yml", "../../prometheus.yml.example")
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, ps := ParseTargets("p.yml", data)
		for _, p := range ps {
			if p.File != "p.yml" || p.Line < 0 || p.Msg == "" {
				t.Fatalf("malformed problem %#v", p)
			}
		}
		if ps != nil {
			return
		}
		g := Group{Name: "G"}
		for _, tg := range ts {
			if tg.Instance == "" || len(tg.Components) == 0 || tg.Line < 1 ||
				!slices.Equal(tg.Components, status.SplitComponents(tg.ComponentsRaw)) ||
				utf8.RuneCountInString(tg.InvisibleName()) > maxName {
				t.Fatalf("clean file gave target %#v", tg)
			}
			for _, comp := range tg.Components {
				if !slices.Contains(g.Components, comp) {
					g.Components = append(g.Components, comp)
				}
			}
		}
		again, ps := ParseTargets("p.yml", marshalTargets(t, ts))
		if ps != nil {
			t.Fatalf("re-encoded targets have problems:\n%v", ps)
		}
		if diff := cmp.Diff(ts, again, cmpopts.IgnoreFields(Target{}, "Line"), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
		if len(g.Components) > 0 {
			if ps := Check(&Config{File: "c.json", Groups: []Group{g}}, ts); ps != nil {
				t.Fatalf("Check against a config listing every component:\n%v", ps)
			}
		}
	})
}

// marshalTargets writes targets as a Prometheus config, one static config
// each, which keeps their order.
func marshalTargets(t *testing.T, ts []Target) []byte {
	t.Helper()
	type static struct {
		Targets []string       `yaml:"targets"`
		Labels  map[string]any `yaml:"labels"`
	}
	type scrape struct {
		Job     string   `yaml:"job_name"`
		Statics []static `yaml:"static_configs"`
	}
	var out struct {
		Scrape []scrape `yaml:"scrape_configs"`
	}
	out.Scrape = []scrape{}
	for _, tg := range ts {
		out.Scrape = append(out.Scrape, scrape{tg.Job, []static{{
			Targets: []string{tg.Instance},
			Labels: map[string]any{
				labelAlert:     true,
				labelComponent: tg.ComponentsRaw,
				labelCritical:  tg.Critical,
			},
		}}})
	}
	data, err := yaml.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
