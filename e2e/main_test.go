//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// alertmanagerModule is the Alertmanager the suite runs against; it is the
// version go.mod pins for the webhook types, so both ends speak the same
// payload.
const (
	alertmanagerModule  = "github.com/prometheus/alertmanager"
	alertmanagerVersion = "v0.31.1"
)

var (
	// statusbridgeBin and alertmanagerBin are the binaries TestMain built.
	statusbridgeBin, alertmanagerBin string
	// skipReason is set when Alertmanager cannot be built because the
	// module proxy is out of reach; every test then skips with it.
	skipReason string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "statusbridge-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	statusbridgeBin = filepath.Join(tmp, "statusbridge")
	if out, err := goCmd(5*time.Minute, "", nil, "build", "-o", statusbridgeBin, "statusbridge/cmd/statusbridge"); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: build statusbridge: %v\n%s", err, out)
		return 1
	}
	alertmanagerBin, err = ensureAlertmanager()
	if skipReason, err = skipOrFail(err, os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	if skipReason != "" {
		fmt.Fprintf(os.Stderr, "e2e: SKIPPING the suite: %s\n", skipReason)
	}
	return m.Run()
}

// skipOrFail decides what an error building Alertmanager means: an
// unreachable module proxy skips the suite on a developer's machine, but
// fails it in CI (CI=true), where a skipped suite would pass unnoticed.
func skipOrFail(err error, getenv func(string) string) (skip string, fail error) {
	switch {
	case err == nil:
		return "", nil
	case !errors.Is(err, errProxyUnreachable):
		return "", err
	}
	if ci, _ := strconv.ParseBool(getenv("CI")); ci {
		return "", fmt.Errorf("%w; failing instead of skipping because CI=%s", err, getenv("CI"))
	}
	return err.Error(), nil
}

var errProxyUnreachable = errors.New("the Go module proxy is unreachable, so Alertmanager cannot be built")

// ensureAlertmanager returns the path of an Alertmanager binary of
// alertmanagerVersion, building it with `go install` into a cache directory
// that outlives the run ($STATUSBRIDGE_E2E_BIN, else
// <user cache dir>/statusbridge/bin) unless one of that version is there.
func ensureAlertmanager() (string, error) {
	dir := os.Getenv("STATUSBRIDGE_E2E_BIN")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("find a cache directory for the alertmanager binary (set STATUSBRIDGE_E2E_BIN): %w", err)
		}
		dir = filepath.Join(cache, "statusbridge", "bin")
	}
	bin := filepath.Join(dir, "alertmanager")
	if builtVersion(bin) == alertmanagerVersion {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	fmt.Fprintf(os.Stderr, "e2e: building alertmanager %s into %s (about a minute, once)\n", alertmanagerVersion, dir)
	pkg := alertmanagerModule + "/cmd/alertmanager@" + alertmanagerVersion
	// Outside our module, and with GOFLAGS cleared, so that nothing of
	// ours (go.mod, -mod=…) leaks into Alertmanager's own build.
	out, err := goCmd(10*time.Minute, os.TempDir(), []string{"GOBIN=" + dir, "GOFLAGS="}, "install", pkg)
	if err != nil {
		if unreachable(out) {
			return "", fmt.Errorf("%w: go install %s: %s", errProxyUnreachable, pkg, lastLine(out))
		}
		return "", fmt.Errorf("go install %s: %w\n%s", pkg, err, out)
	}
	if v := builtVersion(bin); v != alertmanagerVersion {
		return "", fmt.Errorf("go install %s produced %s of version %q", pkg, bin, v)
	}
	return bin, nil
}

// builtVersion reads the module version Go stamped into bin; Alertmanager's
// own --version is empty in a `go install` build, which lacks its ldflags.
func builtVersion(bin string) string {
	if _, err := os.Stat(bin); err != nil {
		return ""
	}
	out, err := goCmd(time.Minute, "", nil, "version", "-m", bin)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "mod" && f[1] == alertmanagerModule {
			return f[2]
		}
	}
	return ""
}

// unreachable tells a network failure to reach the module proxy from a
// build failure, which must fail the suite rather than skip it.
func unreachable(out []byte) bool {
	for _, s := range []string{
		"dial tcp", "no such host", "connection refused", "i/o timeout", "network is unreachable",
		"proxyconnect", "TLS handshake timeout", "GOPROXY=off", "connection reset",
	} {
		if bytes.Contains(out, []byte(s)) {
			return true
		}
	}
	return false
}

func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func goCmd(timeout time.Duration, dir string, env []string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return cmd.CombinedOutput()
}

// freePort asks the OS for a free loopback port. Alertmanager takes its
// addresses as flags, so the port is closed again before it binds; another
// process could take it in between, which on a test machine is rare enough.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
