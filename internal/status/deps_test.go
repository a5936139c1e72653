package status

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoIO keeps the rules pure: the package imports nothing that does
// I/O, logs, or reaches the network.
func TestNoIO(t *testing.T) {
	// Direct imports: fmt itself reaches os, but only to print.
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, "statusbridge/internal/status").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	forbidden := map[string]bool{"net/http": true, "net": true, "os": true, "log/slog": true, "log": true, "time": true}
	for _, dep := range strings.Fields(string(out)) {
		if forbidden[dep] || strings.HasPrefix(dep, "statusbridge/") {
			t.Errorf("internal/status depends on %s; the rules must stay free of I/O", dep)
		}
	}
}
