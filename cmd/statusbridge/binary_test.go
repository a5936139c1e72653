package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoEmulatorInBinary: the production binary links no part of the
// Cachet emulator; the demo that needs it is cmd/statusbridge-demo.
// It builds with symbols (make build strips them) so that nm can look.
func TestNoEmulatorInBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped under -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	bin := filepath.Join(t.TempDir(), "statusbridge")
	if out, err := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(t.Context(), goTool, "tool", "nm", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool nm: %v\n%s", err, out)
	}
	syms := string(out)
	if !strings.Contains(syms, " main.main") {
		t.Fatalf("go tool nm lists no main.main; is the binary stripped?\n%.500s", syms)
	}
	var emu []string
	for line := range strings.Lines(syms) {
		if strings.Contains(line, "cachettest") {
			emu = append(emu, strings.TrimSpace(line))
		}
	}
	if len(emu) > 0 {
		t.Errorf("the production binary links %d emulator symbols, e.g. %q", len(emu), emu[:min(3, len(emu))])
	}
}
