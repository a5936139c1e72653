package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestDocsCiteNoIssueNumbers keeps the project's issue tracker out of the
// documents readers get: "(issue 6)" means nothing outside it. Links to
// public trackers (go.dev/issue/N) are fine.
func TestDocsCiteNoIssueNumbers(t *testing.T) {
	docs, err := filepath.Glob(root + "/docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?i)(?:^|[^/])\bissues? #?[0-9]+|\(#[0-9]+\)`)
	for _, f := range append([]string{root + "/README.md", root + "/BENCHMARKS.md"}, docs...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllString(string(b), -1) {
			t.Errorf("%s mentions %q; describe what it refers to instead", f, m)
		}
	}
}
