package cli

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"statusbridge/internal/app"
	"statusbridge/internal/metrics"
	"statusbridge/internal/server"
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
		{"web_listen_address", []string{"--web.listen-address", "127.0.0.1:9"}, map[string]string{"STATUSBRIDGE_LISTEN": ":1"}, "prometheus.yml", "127.0.0.1:9"},
		{"listen_alias_beats_env", []string{"--listen", "127.0.0.1:8"}, map[string]string{"STATUSBRIDGE_LISTEN": ":1"}, "prometheus.yml", "127.0.0.1:8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := NewFlags("statusbridge serve", io.Discard)
			var f ServeFlags
			f.Register(fl)
			if err := fl.Parse(tt.args, func(k string) string { return tt.env[k] }); err != nil {
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
			fl := NewFlags("statusbridge serve", io.Discard)
			var f ServeFlags
			f.Register(fl)
			if err := fl.Parse(tt.args, func(k string) string { return tt.env[k] }); err != nil {
				t.Fatal(err)
			}
			if f.DiscoveredTTL != tt.want {
				t.Errorf("DiscoveredTTL = %v, want %v", f.DiscoveredTTL, tt.want)
			}
			if tt.wantErr == "" {
				return
			}
			// The check comes before any file is read.
			_, err := f.Options(io.Discard, metrics.Build{Version: "test"})
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Options = %v, want a usage error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigFileAliases(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"default", nil, nil, "config.json"},
		{"env", nil, map[string]string{"STATUSBRIDGE_CONFIG": "e.json"}, "e.json"},
		{"config_file", []string{"--config.file", "a.json"}, map[string]string{"STATUSBRIDGE_CONFIG": "e.json"}, "a.json"},
		{"config_alias", []string{"--config", "b.json"}, map[string]string{"STATUSBRIDGE_CONFIG": "e.json"}, "b.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := NewFlags("statusbridge validate", io.Discard)
			var f FileFlags
			f.Register(fl)
			if err := fl.Parse(tt.args, func(k string) string { return tt.env[k] }); err != nil {
				t.Fatal(err)
			}
			if f.ConfigPath != tt.want {
				t.Errorf("ConfigPath = %q, want %q", f.ConfigPath, tt.want)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown", []string{"--bogus"}, nil, "statusbridge serve: unknown flag: --bogus\nRun 'statusbridge serve --help' for the flags.\n"},
		{"bad_value", []string{"--max-body", "lots"}, nil, "statusbridge serve: invalid value \"lots\" for flag --max-body: parse error\nRun 'statusbridge serve --help' for the flags.\n"},
		{"bad_env", nil, map[string]string{"STATUSBRIDGE_RESYNC": "often"}, "statusbridge serve: STATUSBRIDGE_RESYNC=\"often\" (for --resync): parse error\nRun 'statusbridge serve --help' for the flags.\n"},
		{"argument", []string{"extra"}, nil, "statusbridge serve: unexpected argument \"extra\"\nRun 'statusbridge serve --help' for the flags.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var help, stderr strings.Builder
			fl := NewFlags("statusbridge serve", &help)
			var f ServeFlags
			f.Register(fl)
			err := fl.Parse(tt.args, func(k string) string { return tt.env[k] })
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("Parse = %v, want a usage error", err)
			}
			if code := ExitCode(&stderr, "statusbridge", err); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if stderr.String() != tt.want {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), tt.want)
			}
			if help.Len() != 0 {
				t.Errorf("a mistake printed the help:\n%s", help.String())
			}
		})
	}
}

// TestWebConfigUsersCountAsConfigured: basic_auth_users in the web config
// are real users, so the default-credentials check lets such a daemon
// listen beyond loopback.
func TestWebConfigUsersCountAsConfigured(t *testing.T) {
	tests := []struct {
		name      string
		basicAuth string
		webUsers  bool
		wantErr   bool
	}{
		{"default_credentials", "", false, true},
		{"webhook_users", "alice:$2y$05$x", false, false},
		{"web_config_users", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ServeFlags{Listen: "0.0.0.0:5000", BasicAuth: tt.basicAuth}
			o := app.Options{WebConfig: app.WebConfig{Path: "web.yml", Users: tt.webUsers}}
			err := server.CheckDefaultCredentials(f.Listen, f.usersConfigured(o))
			if (err != nil) != tt.wantErr {
				t.Errorf("CheckDefaultCredentials = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestBuildInfoKeepsLinkerValues: what make build sets with -ldflags -X is
// reported as given; the toolchain's vcs stamp only fills an empty revision.
func TestBuildInfoKeepsLinkerValues(t *testing.T) {
	got := BuildInfo("v1.2.3", "0123abcd", "main")
	if want := (metrics.Build{Version: "v1.2.3", Revision: "0123abcd", Branch: "main"}); got != want {
		t.Errorf("BuildInfo = %+v, want %+v", got, want)
	}
}

func TestAlertmanagerSilenced(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // substring of the usage error; "" for none
	}{
		{"resolved", map[string]string{"ALERTMANAGER_URL": "http://am:9093", "ALERTMANAGER_SILENCED": "resolved"}, ""},
		{"maintenance", map[string]string{"ALERTMANAGER_URL": "http://am:9093", "ALERTMANAGER_SILENCED": "maintenance"}, ""},
		{"schedule", map[string]string{"ALERTMANAGER_URL": "http://am:9093", "ALERTMANAGER_SILENCED": "schedule"}, ""},
		{"unknown", map[string]string{"ALERTMANAGER_URL": "http://am:9093", "ALERTMANAGER_SILENCED": "ignore"}, "use resolved, maintenance or schedule"},
		{"schedule_needs_the_url", map[string]string{"ALERTMANAGER_SILENCED": "schedule"}, "set --alertmanager-url too"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := NewFlags("statusbridge serve", io.Discard)
			var f ServeFlags
			f.Register(fl)
			getenv := func(k string) string { return tt.env[k] }
			if err := fl.Parse(nil, getenv); err != nil {
				t.Fatal(err)
			}
			_, err := f.alertmanagerClient(getenv)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("alertmanagerClient = %v, want no error", err)
			case tt.wantErr != "" && (!errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("alertmanagerClient = %v, want a usage error containing %q", err, tt.wantErr)
			}
		})
	}
}
