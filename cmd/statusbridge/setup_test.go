package main

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet/cachettest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

type setupEnv struct {
	emu  *cachettest.Server
	dir  string
	args []string
	env  map[string]string
}

// newSetupEnv starts an emulator and writes the test configuration; the
// Cachet settings come from the environment, as in a container.
func newSetupEnv(t *testing.T) *setupEnv {
	t.Helper()
	emu := cachettest.NewServer(cachettest.Options{})
	t.Cleanup(emu.Close)
	dir := t.TempDir()
	return &setupEnv{
		emu: emu,
		dir: dir,
		args: []string{"--config", writeFile(t, dir, "config.json", testConfigJSON),
			"--file", writeFile(t, dir, "prometheus.yml", testTargetsYAML)},
		env: map[string]string{
			"CACHET_API_URL":        emu.APIURL(),
			"CACHET_API_TOKEN_FILE": writeFile(t, dir, "token", cachettest.DefaultToken+"\n"),
		},
	}
}

func (e *setupEnv) run(t *testing.T, flags ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append(append([]string{"setup"}, flags...), e.args...)
	code = run(t.Context(), args, func(k string) string { return e.env[k] }, &out, &errb, nil)
	return code, out.String(), errb.String()
}

// seedDrift leaves Cachet as a hand-edited older deployment might: a
// private group, a disabled visible component, a hidden component with the
// wrong flag, one no target has any more, and one a person made.
func (e *setupEnv) seedDrift() {
	gid := e.emu.AddGroup(cachettest.Group{Name: "Services", Visible: 0})
	e.emu.AddComponent(cachettest.Component{Name: "Backend", Status: 4, Enabled: false, GroupID: gid})
	e.emu.AddComponent(cachettest.Component{Name: "127.0.0.1:19101 | Backend", Status: 1, Description: "critical: yes\nInstanceDown,"})
	e.emu.AddComponent(cachettest.Component{Name: "127.0.0.1:19999 | Backend", Status: 1, Description: "critical: no\nno alerts"})
	e.emu.AddComponent(cachettest.Component{Name: "Hand Made", Status: 1})
}

func TestSetupDryRun(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
	}{
		{"setup-dry-run", nil},
		{"setup-dry-run-prune", []string{"--prune"}},
		{"setup-dry-run-just-create", []string{"--just-create"}},
		{"setup-dry-run-just-delete", []string{"--just-delete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSetupEnv(t)
			e.seedDrift()
			code, out, errs := e.run(t, append([]string{"--dry-run"}, tt.flags...)...)
			if code != 0 {
				t.Fatalf("setup --dry-run = %d, want 0; stderr:\n%s", code, errs)
			}
			if w := e.emu.Stats().Writes; w != 0 {
				t.Errorf("--dry-run made %d writes, want 0", w)
			}
			golden(t, tt.name+".golden", out)
		})
	}
}

func TestSetupThenRerunWritesNothing(t *testing.T) {
	e := newSetupEnv(t)
	e.seedDrift()
	code, out, errs := e.run(t)
	if code != 0 {
		t.Fatalf("setup = %d, want 0; stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if !regexp.MustCompile(`(?m)^setup: 5 actions in \S+: 5 done, 0 failed, 0 adopted after a lost answer; \d+ Cachet requests$`).MatchString(out) {
		t.Errorf("no summary line in:\n%s", out)
	}
	if !strings.Contains(out, "note: 1 hidden component without a configured target; --prune deletes them") {
		t.Errorf("no --prune note in:\n%s", out)
	}
	e.emu.ResetStats()
	code, out, errs = e.run(t)
	if code != 0 || !strings.HasPrefix(out, "plan: 0 actions") {
		t.Errorf("second setup = %d, stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if w := e.emu.Stats().Writes; w != 0 {
		t.Errorf("second setup made %d writes, want 0", w)
	}
	names := map[string]bool{}
	for _, c := range e.emu.Components() {
		names[c.Name] = true
	}
	if !names["127.0.0.1:19999 | Backend"] || !names["Hand Made"] {
		t.Errorf("setup without --prune deleted something: %v", names)
	}
}

func TestSetupJustDeleteOnlyPrunes(t *testing.T) {
	e := newSetupEnv(t)
	e.seedDrift()
	before := len(e.emu.Components())
	code, out, errs := e.run(t, "--just-delete")
	if code != 0 {
		t.Fatalf("setup --just-delete = %d; stderr:\n%s", code, errs)
	}
	if !strings.Contains(out, `delete hidden component "127.0.0.1:19999 | Backend" (id 3): no target has this name`) {
		t.Errorf("--just-delete did not list its delete:\n%s", out)
	}
	st := e.emu.Stats()
	if got := st.ByRoute["DELETE /components/{id}"]; got != 1 || st.Writes != 1 {
		t.Errorf("writes = %d (deletes %d), want the one delete only", st.Writes, got)
	}
	if n := len(e.emu.Components()); n != before-1 {
		t.Errorf("%d components left, want %d", n, before-1)
	}
}

func TestSetupFailureExitsNonZero(t *testing.T) {
	e := newSetupEnv(t)
	e.emu.Inject(func(r *http.Request) *cachettest.Fault {
		if r.Method == http.MethodPost && r.URL.Path == "/api/components" && bodyHas(r, `"name":"API Services"`) {
			return &cachettest.Fault{Status: http.StatusUnprocessableEntity}
		}
		return nil
	})
	code, out, errs := e.run(t)
	if code != 1 {
		t.Fatalf("setup = %d, want 1; stdout:\n%s", code, out)
	}
	want := `failed: create component "API Services" in group "Services" (enabled, Operational): cachet: POST /components: 422 Unprocessable Entity`
	if !strings.Contains(errs, want) || !strings.Contains(errs, "1 of 5 actions failed") {
		t.Errorf("stderr lacks the failure %q or its count:\n%s", want, errs)
	}
	if !strings.Contains(out, "4 done, 1 failed") {
		t.Errorf("summary lacks the counts:\n%s", out)
	}
}

func bodyHas(r *http.Request, s string) bool {
	var b bytes.Buffer
	_, _ = b.ReadFrom(r.Body)
	return strings.Contains(b.String(), s)
}

func TestSetupUsage(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		env   map[string]string
		want  int
	}{
		{"delete_and_create_exclusive", []string{"--just-delete", "--just-create"}, nil, 2},
		{"prune_with_just_create", []string{"--prune", "--just-create"}, nil, 2},
		{"no_cachet_url", nil, map[string]string{"CACHET_API_URL": ""}, 2},
		{"two_tokens", nil, map[string]string{"CACHET_API_TOKEN": "x"}, 2},
		{"bad_concurrency", []string{"--concurrency", "0"}, nil, 2},
		{"cachet_unreachable", nil, map[string]string{"CACHET_API_URL": "http://127.0.0.1:1/api"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSetupEnv(t)
			for k, v := range tt.env {
				e.env[k] = v
			}
			if code, out, errs := e.run(t, tt.flags...); code != tt.want {
				t.Errorf("setup %v = %d, want %d\nstdout: %s\nstderr: %s", tt.flags, code, tt.want, out, errs)
			}
			if w := e.emu.Stats().Writes; w != 0 {
				t.Errorf("made %d writes, want 0", w)
			}
		})
	}
}

// TestValidateOutput lives here because validate.go is setup's sibling in
// issue 3; its output is for operators, so it is golden.
func TestValidateOutput(t *testing.T) {
	const unfed = `{
  "new_incident_name": "Outage",
  "groups_configuration": [
    {"status_page_group": "Services", "status_page_components": ["Backend", "API Services", "Status Only"]}
  ]
}`
	const badTargets = `prometheus_targets:
  node:
    - targets: ["127.0.0.1:19100"]
      labels:
        status_page_component: "Backend, Nope"
        status_page_alert: yes
`
	tests := []struct {
		name          string
		config, files string
		want          int
	}{
		{"validate-ok", testConfigJSON, testTargetsYAML, 0},
		{"validate-warnings", unfed, testTargetsYAML, 0},
		{"validate-problems", `{"groups_configuration": [], "extra": 1}`, badTargets, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"validate", "--config", writeFile(t, dir, "config.json", tt.config), "--targets", writeFile(t, dir, "prometheus.yml", tt.files)}
			var out, errb bytes.Buffer
			if code := run(t.Context(), args, func(string) string { return "" }, &out, &errb, nil); code != tt.want {
				t.Errorf("validate = %d, want %d; stderr: %s", code, tt.want, &errb)
			}
			golden(t, tt.name+".golden", strings.ReplaceAll(out.String(), dir, "DIR"))
		})
	}
}
