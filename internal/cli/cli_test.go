package cli

import (
	"io"
	"testing"
)

func TestFlagsWinOverEnv(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		targets string
		listen  string
	}{
		{"defaults", nil, nil, "prometheus.yml", ":5000"},
		{"env_sets", nil, map[string]string{"STATUSBRIDGE_TARGETS": "a.yml", "STATUSBRIDGE_LISTEN": ":1"}, "a.yml", ":1"},
		{"flag_beats_env", []string{"--targets", "b.yml"}, map[string]string{"STATUSBRIDGE_TARGETS": "a.yml"}, "b.yml", ":5000"},
		{"file_alias_beats_env", []string{"--file", "c.yml"}, map[string]string{"STATUSBRIDGE_TARGETS": "a.yml"}, "c.yml", ":5000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := NewFlagSet("serve", io.Discard)
			var f ServeFlags
			env := f.Register(fs)
			if err := Parse(fs, tt.args, func(k string) string { return tt.env[k] }, env); err != nil {
				t.Fatal(err)
			}
			if f.TargetsPath != tt.targets || f.Listen != tt.listen {
				t.Errorf("targets %q listen %q, want %q %q", f.TargetsPath, f.Listen, tt.targets, tt.listen)
			}
		})
	}
}
