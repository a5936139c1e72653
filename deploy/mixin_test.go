package deploy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

const (
	mixinAlerts    = root + "/deploy/mixin/alerts.yml"
	mixinTests     = root + "/deploy/mixin/tests.yml"
	mixinDashboard = root + "/deploy/mixin/dashboard.json"
)

// definedMetrics returns every statusbridge_ name written as a string
// literal in internal/metrics, where all of statusbridge's metrics are
// defined, plus Prometheus's own "up".
func definedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(root + "/internal/metrics/*.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{"up": true}
	re := regexp.MustCompile(`"(statusbridge_[a-z0-9_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			names[string(m[1])] = true
		}
	}
	if len(names) < 5 {
		t.Fatalf("found only %d metric names in internal/metrics; has the way they are defined changed?", len(names))
	}
	return names
}

var (
	promqlStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promqlBraces    = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promqlGrouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promqlNumbers   = regexp.MustCompile(`\b[0-9][0-9a-zA-Z_.]*`)
	promqlIdent     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promqlKeywords  = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true}
	histogramSuffix = regexp.MustCompile(`_(bucket|sum|count)$`)
)

// metricNames returns the metric names a PromQL expression selects. It is
// no parser: it removes strings, label matchers, ranges and grouping
// clauses, numbers and durations, then takes every identifier that is not a function call or a
// keyword, which is enough for the expressions of a mixin.
func metricNames(expr string) []string {
	expr = promqlStrings.ReplaceAllString(expr, `""`)
	expr = promqlBraces.ReplaceAllString(expr, " ")
	expr = promqlGrouping.ReplaceAllString(expr, " ")
	expr = promqlNumbers.ReplaceAllString(expr, " ")
	var names []string
	for _, m := range promqlIdent.FindAllStringSubmatch(expr, -1) {
		if m[1] != "" || promqlKeywords[strings.ToLower(m[0])] {
			continue
		}
		if !slices.Contains(names, m[0]) {
			names = append(names, m[0])
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		want       []string
	}{
		{"bare", `up`, []string{"up"}},
		{"matchers_and_range", `rate(statusbridge_x_total{code=~"5..", job="a,b"}[5m])`, []string{"statusbridge_x_total"}},
		{"grouping_is_not_a_metric", `sum by (job, instance) (rate(a_total[5m])) / sum without (code) (b)`, []string{"a_total", "b"}},
		{"set_operators", `a > 0 unless on (instance) b == 0 and bool c`, []string{"a", "b", "c"}},
		{"functions_and_numbers", `time() - last_seen > 15 * 60`, []string{"last_seen"}},
		{"histogram", `histogram_quantile(0.99, sum by (le) (rate(d_seconds_bucket[$__rate_interval])))`, []string{"d_seconds_bucket"}},
		{"grafana_variables", `x{job=~"$job"} offset 5m`, []string{"x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := metricNames(tc.expr); !slices.Equal(got, tc.want) {
				t.Errorf("metricNames(%q) = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

// checkNames reports each metric in expr that is not in known; a
// histogram's _bucket, _sum and _count series count as the histogram.
func checkNames(t *testing.T, where, expr string, known map[string]bool) {
	t.Helper()
	names := metricNames(expr)
	if len(names) == 0 {
		t.Errorf("%s: %q selects no metric", where, expr)
	}
	for _, n := range names {
		if !known[n] && !known[histogramSuffix.ReplaceAllString(n, "")] {
			t.Errorf("%s: %q uses %s, which internal/metrics does not define", where, expr, n)
		}
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestMixinAlerts checks what promtool does not: that the rules query
// metrics statusbridge exports, and that every alert tells its reader what
// to do. promtool (make mixin) checks the syntax and runs tests.yml.
func TestMixinAlerts(t *testing.T) {
	known := definedMetrics(t)
	var rf ruleFile
	readYAML(t, mixinAlerts, &rf)
	var groups []string
	seen := map[string]bool{}
	for _, g := range rf.Groups {
		groups = append(groups, g.Name)
		names := known
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: a rule without an alert name (recording rules belong elsewhere)", g.Name)
				continue
			}
			if seen[r.Alert] {
				t.Errorf("alert %s is defined twice", r.Alert)
			}
			seen[r.Alert] = true
			checkNames(t, r.Alert, r.Expr, names)
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, s)
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary annotation", r.Alert)
			}
			if !strings.Contains(r.Annotations["description"], "Runbook: ") {
				t.Errorf("%s: description %q has no \"Runbook: \" sentence", r.Alert, r.Annotations["description"])
			}
		}
	}
	if diff := cmp.Diff([]string{"statusbridge"}, groups); diff != "" {
		t.Errorf("rule groups (-want +got):\n%s", diff)
	}
	for _, a := range []string{"StatusbridgeDown", "StatusbridgeCachetUnreachable", "StatusbridgeCachetUnauthorized",
		"StatusbridgeCachetPermanentFailures", "StatusbridgeWebhooksFailing", "StatusbridgePendingWritesStuck",
		"StatusbridgeConfigReloadFailed", "StatusbridgeHeartbeatMissing"} {
		if !seen[a] {
			t.Errorf("no alert %s", a)
		}
	}
}

// TestMixinTestsCoverEveryAlert requires, for every alert, a promtool test
// case that expects it firing and one that expects it silent.
func TestMixinTestsCoverEveryAlert(t *testing.T) {
	var rf ruleFile
	readYAML(t, mixinAlerts, &rf)
	var tf struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, mixinTests, &tf)
	if !slices.Equal(tf.RuleFiles, []string{"alerts.yml"}) {
		t.Errorf("tests.yml rule_files = %q, want [alerts.yml]", tf.RuleFiles)
	}
	firing, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range tf.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				firing[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if !firing[r.Alert] {
				t.Errorf("tests.yml never expects %s to fire", r.Alert)
			}
			if !silent[r.Alert] {
				t.Errorf("tests.yml never expects %s to stay silent", r.Alert)
			}
		}
	}
}

type grafanaPanel struct {
	ID      int            `json:"id"`
	Type    string         `json:"type"`
	Title   string         `json:"title"`
	Panels  []grafanaPanel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// TestMixinDashboard checks that dashboard.json is a dashboard whose every
// panel and variable queries metrics statusbridge exports today.
func TestMixinDashboard(t *testing.T) {
	b, err := os.ReadFile(mixinDashboard)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID        string         `json:"uid"`
		Title      string         `json:"title"`
		Panels     []grafanaPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", mixinDashboard, err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard uid %q, title %q: both are needed to import it", d.UID, d.Title)
	}
	known := definedMetrics(t)
	ids := map[int]bool{}
	var titles []string
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel %q: id %d is used twice", p.Title, p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			titles = append(titles, p.Title)
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				checkNames(t, "panel "+p.Title, tg.Expr, known)
			}
		}
	}
	walk(d.Panels)
	labelValues := regexp.MustCompile(`^label_values\(([^,]+),\s*\w+\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		s, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("variable %s: query %v, want label_values(metric, label)", v.Name, v.Query)
			continue
		}
		checkNames(t, "variable "+v.Name, m[1], known)
	}
	// The areas an operator looks at first; each needs a panel.
	for _, want := range []string{"Webhook", "Cachet reachable", "Cachet token", "Cachet requests", "Cachet latency", "Pending writes", "Component status", "Config reload"} {
		if !slices.ContainsFunc(titles, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no panel titled %q…; panels: %q", want, titles)
		}
	}
}

// TestDocsNameOnlyDefinedAlerts checks that every alert the README and
// docs name is one alerts.yml defines.
func TestDocsNameOnlyDefinedAlerts(t *testing.T) {
	var rf ruleFile
	readYAML(t, mixinAlerts, &rf)
	defined := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			defined[r.Alert] = true
		}
	}
	docs, err := filepath.Glob(root + "/docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\bStatusbridge[A-Z][A-Za-z]+\b`)
	for _, f := range append([]string{root + "/README.md"}, docs...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range re.FindAllString(string(b), -1) {
			if !defined[name] {
				t.Errorf("%s names alert %s, which deploy/mixin/alerts.yml does not define", f, name)
			}
		}
	}
}
