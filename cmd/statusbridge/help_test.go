package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelp pins what an operator reads: each command's flags, grouped, with
// their environment variables and defaults, on stdout and exit 0.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"serve", "setup", "validate", "healthcheck"} {
		t.Run(cmd, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(t.Context(), []string{cmd, "--help"}, func(string) string { return "" }, &out, &errb, nil); code != 0 {
				t.Errorf("%s --help = %d, want 0; stderr: %s", cmd, code, &errb)
			}
			if errb.Len() != 0 {
				t.Errorf("%s --help wrote to stderr: %s", cmd, &errb)
			}
			golden(t, cmd+"-help.golden", out.String())
		})
	}
}

// TestValidateHelpListsOnlyItsFlags: validate reads the two files and
// nothing else, so its help offers nothing more.
func TestValidateHelpListsOnlyItsFlags(t *testing.T) {
	var out bytes.Buffer
	run(t.Context(), []string{"validate", "--help"}, func(string) string { return "" }, &out, &bytes.Buffer{}, nil)
	var flags []string
	for line := range strings.Lines(out.String()) {
		if f, ok := strings.CutPrefix(line, "  --"); ok {
			flags = append(flags, strings.Fields(f)[0])
		}
	}
	if got := strings.Join(flags, " "); got != "config.file targets" {
		t.Errorf("validate --help lists %q, want %q", got, "config.file targets")
	}
}

// TestUsageMistakes pins the output of a mistake: the error first, then one
// line pointing to --help, not the whole usage.
func TestUsageMistakes(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown-flag", []string{"serve", "--nope"}},
		{"bad-value", []string{"setup", "--concurrency", "many"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(t.Context(), tt.args, func(string) string { return "" }, &out, &errb, nil); code != 2 {
				t.Errorf("run(%q) = %d, want 2", tt.args, code)
			}
			if out.Len() != 0 {
				t.Errorf("a mistake wrote to stdout: %s", &out)
			}
			golden(t, tt.name+".golden", errb.String())
		})
	}
}
