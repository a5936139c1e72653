package cli

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
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

func TestDiscoveredTTL(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    time.Duration
		wantErr string // substring of the error from Options; "" for none
	}{
		{"default", nil, nil, 24 * time.Hour, ""},
		{"env", nil, map[string]string{"STATUSBRIDGE_DISCOVERED_TTL": "90m"}, 90 * time.Minute, ""},
		{"flag_beats_env", []string{"--discovered-ttl", "2h"}, map[string]string{"STATUSBRIDGE_DISCOVERED_TTL": "90m"}, 2 * time.Hour, ""},
		{"zero", []string{"--discovered-ttl", "0"}, nil, 0, "--discovered-ttl 0s: it must be positive, e.g. 24h"},
		{"negative_env", nil, map[string]string{"STATUSBRIDGE_DISCOVERED_TTL": "-1h"}, -time.Hour, "STATUSBRIDGE_DISCOVERED_TTL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := NewFlagSet("serve", io.Discard)
			var f ServeFlags
			if err := Parse(fs, tt.args, func(k string) string { return tt.env[k] }, f.Register(fs)); err != nil {
				t.Fatal(err)
			}
			if f.DiscoveredTTL != tt.want {
				t.Errorf("DiscoveredTTL = %v, want %v", f.DiscoveredTTL, tt.want)
			}
			if tt.wantErr == "" {
				return
			}
			// The check comes before any file is read.
			_, err := f.Options(io.Discard, "test")
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Options = %v, want a usage error containing %q", err, tt.wantErr)
			}
		})
	}
}
