package deploy_test

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// readUnit returns a systemd unit's settings by section and key, every
// value of a repeated key in order. `make systemd-verify` has systemd check
// the syntax; this test holds the hardening in place without systemd.
func readUnit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unit := map[string]map[string][]string{}
	var section string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			unit[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: %q is not key=value inside a section", path, n, line)
			}
			unit[section][k] = append(unit[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return unit
}

func TestSystemdUnitHardening(t *testing.T) {
	const path = root + "/deploy/systemd/statusbridge.service"
	u := readUnit(t, path)
	svc := u["Service"]
	for _, tc := range []struct{ key, want string }{
		{"DynamicUser", "yes"},
		{"ProtectSystem", "strict"},
		{"ProtectHome", "yes"},
		{"PrivateTmp", "yes"},
		{"NoNewPrivileges", "yes"},
		{"CapabilityBoundingSet", ""},
		{"AmbientCapabilities", ""},
		{"RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"},
		{"LoadCredential", "cachet_api_token:/etc/statusbridge/cachet_api_token"},
		{"EnvironmentFile", "-/etc/statusbridge/statusbridge.env"},
		{"ExecStart", "/usr/local/bin/statusbridge serve"},
		{"ExecReload", "/bin/kill -HUP $MAINPID"},
		{"Restart", "on-failure"},
	} {
		if got := svc[tc.key]; !slices.Equal(got, []string{tc.want}) {
			t.Errorf("%s: %s=%q, want exactly %s=%s", path, tc.key, got, tc.key, tc.want)
		}
	}
	if got := svc["SystemCallFilter"]; len(got) == 0 || got[0] != "@system-service" {
		t.Errorf("%s: SystemCallFilter=%q, want @system-service first", path, got)
	}
	for _, k := range []string{"User", "Group", "PermissionsStartOnly", "Capabilities"} {
		if v, ok := svc[k]; ok {
			t.Errorf("%s: %s=%q; DynamicUser picks the user and nothing runs privileged", path, k, v)
		}
	}
	// The token reaches statusbridge only through the credential.
	env := map[string]string{}
	for _, e := range svc["Environment"] {
		for _, kv := range strings.Fields(e) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	if got := env["CACHET_API_TOKEN_FILE"]; got != "%d/cachet_api_token" {
		t.Errorf("%s: CACHET_API_TOKEN_FILE=%q, want %%d/cachet_api_token (the credentials directory)", path, got)
	}
	if _, ok := env["CACHET_API_TOKEN"]; ok {
		t.Errorf("%s sets CACHET_API_TOKEN; use the credential", path)
	}
	doc, err := os.ReadFile(root + "/docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for k := range env {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("%s sets %s, which docs/configuration.md does not document", path, k)
		}
	}
	if got := u["Install"]["WantedBy"]; !slices.Equal(got, []string{"multi-user.target"}) {
		t.Errorf("%s: WantedBy=%q, want multi-user.target", path, got)
	}
}
