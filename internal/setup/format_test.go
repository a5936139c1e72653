package setup

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestFormat(t *testing.T) {
	drifted := cachet.Snapshot{
		Groups: []cachet.Group{{ID: 1, Name: "Web Services", Visible: 0}, {ID: 5, Name: "Old", Visible: 1}},
		Components: []cachet.Component{
			{ID: 1, Name: "Website", Enabled: false, GroupID: 5},
			{ID: 2, Name: "Web Server", Enabled: true},
			{ID: 3, Name: "Database", Enabled: false},
			{ID: 4, Name: "10.0.0.1:9100 | Web Server", Enabled: true, Description: "critical: yes\nInstanceDown,"},
			{ID: 8, Name: "10.0.0.9:9100 | Web Server", Description: "critical: no\nno alerts"},
			{ID: 9, Name: "Legacy Mainframe"},
		},
	}
	tests := []struct {
		name string
		snap cachet.Snapshot
		mode Mode
	}{
		{"plan-empty-cachet", cachet.Snapshot{}, Prune},
		{"plan-drift", drifted, Prune},
		{"plan-nothing-to-do", adopted(), Prune},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Format(&b, Select(Plan(desired, tt.snap), tt.mode)); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".golden", b.Bytes())
		})
	}
}
