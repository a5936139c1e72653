package deploy_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// deployOnlyEnv are the env file's variables that deploy.sh reads and
// compose does not.
var deployOnlyEnv = []string{"CACHET_ADMIN_EMAIL"}

func matches(t *testing.T, re *regexp.Regexp, files ...string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// composeVariables is every ${VAR} the compose files interpolate, outside
// comments.
func composeVariables(t *testing.T) []string {
	t.Helper()
	var out []string
	re := regexp.MustCompile(`\$\{([A-Za-z0-9_]+)`)
	for _, f := range []string{base, production} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				if !slices.Contains(out, m[1]) {
					out = append(out, m[1])
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestEnvExampleListsWhatComposeReads keeps .env.example to exactly the
// variables the stack reads: none that compose ignores, none missing.
func TestEnvExampleListsWhatComposeReads(t *testing.T) {
	want := slices.Sorted(slices.Values(append(composeVariables(t), deployOnlyEnv...)))
	got := matches(t, regexp.MustCompile(`(?m)^([A-Za-z0-9_]+)=`), root+"/.env.example")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf(".env.example variables (-compose files and deploy.sh +.env.example):\n%s", diff)
	}
}

// TestDeployScriptReadsOnlyListedVariables checks the variables deploy.sh
// reads from or writes to the env file are all in .env.example.
func TestDeployScriptReadsOnlyListedVariables(t *testing.T) {
	listed := matches(t, regexp.MustCompile(`(?m)^([A-Za-z0-9_]+)=`), root+"/.env.example")
	used := matches(t, regexp.MustCompile(`\b(?:env_get|env_init|ask) ([A-Z][A-Z0-9_]+)`), root+"/deploy/deploy.sh")
	if len(used) < 5 {
		t.Fatalf("deploy.sh uses only %q; has env_get/env_init/ask been renamed?", used)
	}
	for _, v := range used {
		if !slices.Contains(listed, v) {
			t.Errorf("deploy.sh uses %s, which .env.example does not list", v)
		}
	}
}

// TestConfigurationDocListsComposeVariables keeps the reference table in
// docs/configuration.md ("The compose stack") in step with compose.
func TestConfigurationDocListsComposeVariables(t *testing.T) {
	b, err := os.ReadFile(root + "/docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## The compose stack\n")
	if !ok {
		t.Fatal("docs/configuration.md has no \"## The compose stack\" section")
	}
	section, _, _ = strings.Cut(section, "\n#")
	var got []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\|").FindAllStringSubmatch(section, -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(append(composeVariables(t), deployOnlyEnv...)))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("docs/configuration.md compose variables (-compose files and deploy.sh +doc):\n%s", diff)
	}
}
