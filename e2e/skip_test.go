//go:build e2e

package e2e

import (
	"errors"
	"fmt"
	"testing"
)

func TestSkipOrFail(t *testing.T) {
	unreachable := fmt.Errorf("%w: go install …: dial tcp: i/o timeout", errProxyUnreachable)
	broken := errors.New("go install …: build failed")
	for _, tc := range []struct {
		name     string
		err      error
		ci       string
		wantSkip bool
		wantFail error
	}{
		{"built_runs", nil, "true", false, nil},
		{"unreachable_skips_locally", unreachable, "", true, nil},
		{"unreachable_skips_when_ci_is_false", unreachable, "false", true, nil},
		{"unreachable_fails_in_ci", unreachable, "true", false, errProxyUnreachable},
		{"unreachable_fails_with_ci_1", unreachable, "1", false, errProxyUnreachable},
		{"build_failure_fails_locally", broken, "", false, broken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skip, fail := skipOrFail(tc.err, func(k string) string {
				if k == "CI" {
					return tc.ci
				}
				return ""
			})
			if (skip != "") != tc.wantSkip {
				t.Errorf("skipOrFail(%v, CI=%q) skip = %q, want skip %v", tc.err, tc.ci, skip, tc.wantSkip)
			}
			if tc.wantFail == nil && fail != nil || tc.wantFail != nil && !errors.Is(fail, tc.wantFail) {
				t.Errorf("skipOrFail(%v, CI=%q) fail = %v, want %v", tc.err, tc.ci, fail, tc.wantFail)
			}
		})
	}
}
