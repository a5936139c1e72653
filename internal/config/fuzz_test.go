package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/common/model"
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
		for _, comp := range append(c.Components(), "not a component") {
			r := c.RulesFor(comp)
			th := r.MajorWhenDown
			if (th.Count > 0) == (th.Percent > 0) || th.Count < 0 || th.Percent < 0 || th.Percent > 100 ||
				!slices.Contains(incidentAtValues, r.OpenIncidentAt) || r.OutageAfter < 0 || r.RecoveryAfter < 0 || r.ManualHold < 0 {
				t.Fatalf("clean config has rules %+v for %q", r, comp)
			}
		}
		again, ps := ParseConfig("c.json", marshalConfig(t, c))
		if ps != nil {
			t.Fatalf("re-encoded config has problems:\n%v", ps)
		}
		if diff := cmp.Diff(c, again, cmpopts.IgnoreFields(Group{}, "Line"), cmpopts.IgnoreFields(Config{}, "NameLine", "RuleLines")); diff != "" {
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
		Name       string           `json:"new_incident_name"`
		Message    string           `json:"new_incident_message"`
		Resolved   string           `json:"resolved_incident_message"`
		Recurring  string           `json:"recurring_alert_update_message"`
		PerPage    int              `json:"cachet_per_page_param"`
		Groups     []group          `json:"groups_configuration"`
		Defaults   rules            `json:"defaults"`
		Components map[string]rules `json:"components,omitempty"`
	}{c.NewIncidentName, c.NewIncidentMessage, c.ResolvedIncidentMessage, c.RecurringAlertUpdateMessage, c.PerPage, nil,
		marshalRules(c.Defaults), nil}
	for _, g := range c.Groups {
		out.Groups = append(out.Groups, group{g.Name, g.Components})
	}
	for name, r := range c.Rules {
		if out.Components == nil {
			out.Components = map[string]rules{}
		}
		out.Components[name] = marshalRules(r)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rules is a rules block with every key written out.
type rules struct {
	MajorWhenDown      any      `json:"major_when_down"`
	DegradedSeverities []string `json:"degraded_severities"`
	OpenIncidentAt     string   `json:"open_incident_at"`
	OutageAfter        string   `json:"outage_after"`
	RecoveryAfter      string   `json:"recovery_after"`
	ManualHold         string   `json:"manual_hold"`
}

func marshalRules(r Rules) rules {
	var th any = r.MajorWhenDown.Count
	if r.MajorWhenDown.Count == 0 {
		th = fmt.Sprintf("%d%%", r.MajorWhenDown.Percent)
	}
	return rules{
		MajorWhenDown:      th,
		DegradedSeverities: append([]string{}, r.DegradedSeverities...),
		OpenIncidentAt:     r.OpenIncidentAt,
		OutageAfter:        model.Duration(r.OutageAfter).String(),
		RecoveryAfter:      model.Duration(r.RecoveryAfter).String(),
		ManualHold:         model.Duration(r.ManualHold).String(),
	}
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
