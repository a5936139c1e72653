//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// waitTimeout bounds every wait for a state; Alertmanager is configured to
// notify within about a second, so this is generous.
const waitTimeout = 30 * time.Second

// eventually polls check until it returns nil or waitTimeout passes, then
// fails the test with the last mismatch.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v: %v", what, waitTimeout, err)
		}
		time.Sleep(100 * time.Millisecond) // a poll interval, not a wait for an event
	}
}

// proc is a child process whose output goes to files in the test's temp
// dir; the tail of each is logged if the test fails.
type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr string
}

func start(t *testing.T, name, bin string, args, env []string) *proc {
	t.Helper()
	dir := t.TempDir()
	p := &proc{name: name, stdout: filepath.Join(dir, name+".stdout"), stderr: filepath.Join(dir, name+".stderr")}
	outF, err := os.Create(p.stdout)
	if err != nil {
		t.Fatal(err)
	}
	errF, err := os.Create(p.stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = outF, errF
	// SIGTERM first, as an orchestrator would; SIGKILL if it lingers.
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(syscall.SIGTERM) }
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cancel()
		_ = p.cmd.Wait()
		outF.Close()
		errF.Close()
		if t.Failed() {
			t.Logf("--- %s stderr (tail) ---\n%s", name, tail(p.stderr, 40))
		}
	})
	return p
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// exited reports whether the process has ended, with its output, so a wait
// for readiness can stop early instead of timing out.
func (p *proc) exited() error {
	if p.cmd.ProcessState != nil {
		return fmt.Errorf("%s exited: %s", p.name, tail(p.stderr, 10))
	}
	// Signal 0 probes for existence without touching the process.
	if err := p.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		return fmt.Errorf("%s is gone: %w: %s", p.name, err, tail(p.stderr, 10))
	}
	return nil
}

// waitHTTP200 polls url until it answers 200.
func waitHTTP200(t *testing.T, p *proc, url string) {
	t.Helper()
	eventually(t, p.name+" ready at "+url, func() error {
		if err := p.exited(); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// The topology every scenario starts from:
//
//	Web Services: Web (w1, w2), API (a1 and the multi-component b1)
//	Data:         DB (d1 critical, d2), Backend (b1)
const configJSON = `{
  "new_incident_name": "%s is experiencing issues",
  "new_incident_message": "We are investigating.",
  "resolved_incident_message": "Resolved.",
  "recurring_alert_update_message": "Still investigating.",
  "cachet_per_page_param": 50,
  "groups_configuration": [
    {"status_page_group": "Web Services", "status_page_components": ["Web", "API"]},
    {"status_page_group": "Data", "status_page_components": ["DB", "Backend"]}
  ]
}
`

const targetsYAML = `prometheus_targets:
  node:
    - targets: ["w1:9100", "w2:9100"]
      labels: {status_page_alert: true, status_page_component: Web}
    - targets: ["a1:9100"]
      labels: {status_page_alert: true, status_page_component: API}
    - targets: ["d1:5432"]
      labels: {status_page_alert: true, status_page_component: DB, status_page_critical_target: true}
    - targets: ["d2:5432"]
      labels: {status_page_alert: true, status_page_component: DB}
    - targets: ["b1:9100"]
      labels: {status_page_alert: true, status_page_component: "Backend, API"}
`

// stack is one scenario's world: the Cachet emulator in this process, a
// statusbridge process and one or two Alertmanager processes.
type stack struct {
	t         *testing.T
	emu       *cachettest.Server
	bridge    *proc
	bridgeURL string
	ams       []*alertmanager
	ids       map[string]int // component name → Cachet id
	// silenceID is the silence a scenario made, for its later steps.
	silenceID string
}

type stackOpts struct {
	// wrongPassword gives Alertmanager a password statusbridge rejects.
	wrongPassword bool
	// peers is the number of Alertmanagers; 2 makes an HA cluster.
	peers int
	// sync points statusbridge's --alertmanager-url at the (first)
	// Alertmanager, read every 300 ms.
	sync bool
	// silenced, when set, is --alertmanager-silenced (with sync).
	silenced string
	// heartbeat, when set, is --heartbeat-alert, with a 4 s timeout.
	heartbeat string
}

// The webhook user Alertmanager authenticates as.
const (
	webhookUser     = "alertmanager"
	webhookPassword = "s3cret-e2e"
)

func newStack(t *testing.T, o stackOpts) *stack {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cfgPath, targetsPath := write("config.json", configJSON), write("prometheus.yml", targetsYAML)
	tokenPath := write("cachet-token", cachettest.DefaultToken+"\n")
	pwPath := write("webhook-password", webhookPassword)
	if o.wrongPassword {
		pwPath = write("webhook-password", "not-"+webhookPassword)
	}

	s := &stack{t: t, emu: cachettest.NewServer(cachettest.Options{}), ids: map[string]int{}}
	t.Cleanup(s.emu.Close)
	cfg, targets, err := config.Load(cfgPath, targetsPath)
	if err != nil {
		t.Fatalf("load the scenario's config: %v", err)
	}
	s.seed(cfg, targets)

	// MinCost: the hash's strength is not under test, the login is.
	hash, err := bcrypt.GenerateFromPassword([]byte(webhookPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	amPort := freePort(t)
	env := []string{"ALERTMANAGER_URL="}
	if o.sync {
		env = []string{"ALERTMANAGER_URL=http://127.0.0.1:" + strconv.Itoa(amPort), "ALERTMANAGER_SYNC_INTERVAL=300ms"}
	}
	if o.silenced != "" {
		env = append(env, "ALERTMANAGER_SILENCED="+o.silenced)
	}
	if o.heartbeat != "" {
		env = append(env, "STATUSBRIDGE_HEARTBEAT_ALERT="+o.heartbeat, "STATUSBRIDGE_HEARTBEAT_TIMEOUT=4s")
	}
	s.bridge = start(t, "statusbridge", statusbridgeBin, []string{"serve"}, append(env,
		"STATUSBRIDGE_LISTEN=127.0.0.1:0",
		"STATUSBRIDGE_CONFIG="+cfgPath,
		"STATUSBRIDGE_TARGETS="+targetsPath,
		"CACHET_API_URL="+s.emu.APIURL(),
		"CACHET_API_TOKEN=",
		"CACHET_API_TOKEN_FILE="+tokenPath,
		"WEBHOOK_BASIC_AUTH="+webhookUser+":"+string(hash),
	))
	s.bridgeURL = "http://" + s.listenAddr() // statusbridge printed its port
	waitHTTP200(t, s.bridge, s.bridgeURL+"/readyz")

	n := max(o.peers, 1)
	var cluster []int
	if n > 1 {
		for range n {
			cluster = append(cluster, freePort(t))
		}
	}
	for i := range n {
		port := amPort
		if i > 0 {
			port = freePort(t)
		}
		s.ams = append(s.ams, startAlertmanager(t, i, port, s.bridgeURL+"/webhook", pwPath, cluster))
	}
	if n > 1 {
		// A peer holds notifications until its gossip settled; wait for
		// both, so both flush as soon as the alerts arrive.
		for _, am := range s.ams {
			am.waitClusterReady(t, n)
		}
	}
	// Loading the index reads Cachet and probes the token with a POST
	// that Cachet refuses (422); count only what the scenario causes.
	s.emu.ResetStats()
	return s
}

// seed fills Cachet as `statusbridge setup` does.
func (s *stack) seed(cfg *config.Config, targets []config.Target) {
	for _, g := range cfg.Groups {
		gid := s.emu.AddGroup(cachettest.Group{Name: g.Name, Visible: 1})
		for _, c := range g.Components {
			s.ids[c] = s.emu.AddComponent(cachettest.Component{Name: c, Status: 1, Enabled: true, GroupID: gid})
		}
	}
	for _, t := range targets {
		s.ids[t.InvisibleName()] = s.emu.AddComponent(cachettest.Component{
			Name: t.InvisibleName(), Description: status.Description(t.Critical, nil), Status: 1,
		})
	}
}

// listenAddr reads the address statusbridge printed on stdout.
func (s *stack) listenAddr() string {
	const prefix = "statusbridge listening on "
	var addr string
	eventually(s.t, "statusbridge prints its address", func() error {
		if err := s.bridge.exited(); err != nil {
			s.t.Fatal(err)
		}
		b, _ := os.ReadFile(s.bridge.stdout)
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				addr = strings.TrimSpace(a)
				return nil
			}
		}
		return fmt.Errorf("no %q line yet", prefix)
	})
	return addr
}

// alertmanager is one running Alertmanager.
type alertmanager struct {
	*proc
	url string
}

// startAlertmanager runs peer i with a webhook receiver pointing at
// webhookURL. With cluster ports it joins an HA cluster on loopback, with
// peer i listening on cluster[i] and peering with every other port.
func startAlertmanager(t *testing.T, i, port int, webhookURL, passwordFile string, cluster []int) *alertmanager {
	t.Helper()
	dir := t.TempDir()
	// group_by alertname puts every alert of the suite in one group, as a
	// real route does, so a notification carries firing and resolved
	// alerts together. Short intervals keep each step about a second.
	amCfg := fmt.Sprintf(`global:
  resolve_timeout: 1m
route:
  receiver: statusbridge
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: statusbridge
    webhook_configs:
      - url: %q
        send_resolved: true
        http_config:
          basic_auth:
            username: %q
            password_file: %q
`, webhookURL, webhookUser, passwordFile)
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(amCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{
		"--config.file=" + cfgPath,
		"--storage.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(port),
		"--log.level=debug",
	}
	if len(cluster) == 0 {
		args = append(args, "--cluster.listen-address=")
	} else {
		self := "127.0.0.1:" + strconv.Itoa(cluster[i])
		args = append(args,
			"--cluster.listen-address="+self,
			"--cluster.advertise-address="+self,
			// Peers normally stagger by position × peer-timeout so that
			// only the first one sends, and the second skips what the
			// first logged once gossip brings it over. A zero timeout
			// and gossip slower than a flush make both send, which is
			// the duplicate delivery under test; left to the defaults
			// it happens only when gossip is late, as in a partition.
			"--cluster.peer-timeout=0s",
			"--cluster.gossip-interval=3s",
			"--cluster.settle-timeout=2s",
		)
		for j, p := range cluster {
			if j != i {
				args = append(args, "--cluster.peer=127.0.0.1:"+strconv.Itoa(p))
			}
		}
	}
	am := &alertmanager{proc: start(t, fmt.Sprintf("alertmanager-%d", i), alertmanagerBin, args, nil),
		url: "http://127.0.0.1:" + strconv.Itoa(port)}
	waitHTTP200(t, am.proc, am.url+"/-/ready")
	return am
}

// waitClusterReady polls /api/v2/status until this peer sees peers members
// and reports its cluster ready (settled, or done waiting for it).
func (am *alertmanager) waitClusterReady(t *testing.T, peers int) {
	t.Helper()
	eventually(t, am.name+" cluster ready", func() error {
		var st struct {
			Cluster struct {
				Status string            `json:"status"`
				Peers  []json.RawMessage `json:"peers"`
			} `json:"cluster"`
		}
		resp, err := http.Get(am.url + "/api/v2/status")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			return fmt.Errorf("decode /api/v2/status: %w", err)
		}
		if st.Cluster.Status != "ready" || len(st.Cluster.Peers) != peers {
			return fmt.Errorf("cluster %q with %d peers, want ready with %d", st.Cluster.Status, len(st.Cluster.Peers), peers)
		}
		return nil
	})
}

// alert is one status-page alert as Prometheus would send it.
type alert struct {
	name, instance, components string
	critical                   bool
	startsAt                   time.Time
	// plain: no status-page labels, as Alertmanager's Watchdog.
	plain bool
}

func newAlert(name, instance, components string, critical bool) *alert {
	return &alert{name: name, instance: instance, components: components, critical: critical,
		startsAt: time.Now().Add(-time.Minute).UTC().Truncate(time.Second)}
}

func (a *alert) body(endsAt time.Time) map[string]any {
	if a.plain {
		return map[string]any{
			"labels":       map[string]string{"alertname": a.name, "severity": "none"},
			"startsAt":     a.startsAt.Format(time.RFC3339),
			"endsAt":       endsAt.UTC().Format(time.RFC3339),
			"generatorURL": "http://prometheus.invalid/graph",
		}
	}
	return map[string]any{
		"labels": map[string]string{
			"alertname":                   a.name,
			"instance":                    a.instance,
			"job":                         "node",
			"severity":                    "critical",
			"status_page_alert":           "true",
			"status_page_component":       a.components,
			"status_page_critical_target": strconv.FormatBool(a.critical),
		},
		"annotations":  map[string]string{"summary": a.instance + " is down"},
		"startsAt":     a.startsAt.Format(time.RFC3339),
		"endsAt":       endsAt.UTC().Format(time.RFC3339),
		"generatorURL": "http://prometheus.invalid/graph",
	}
}

// fire posts the alerts as firing (ending in an hour) to every
// Alertmanager, as each Prometheus of an HA pair would.
func (s *stack) fire(as ...*alert) {
	s.t.Helper()
	s.post(time.Now().Add(time.Hour), as)
}

// resolve re-posts the alerts with endsAt in the past, which is how
// Prometheus ends an alert.
func (s *stack) resolve(as ...*alert) {
	s.t.Helper()
	s.post(time.Now().Add(-time.Second), as)
}

// silence mutes every alert of an instance for an hour, through the
// (first) Alertmanager's API, and returns the silence's id.
func (s *stack) silence(instance string) string {
	s.t.Helper()
	data, err := json.Marshal(map[string]any{
		"matchers":  []map[string]any{{"name": "instance", "value": instance, "isRegex": false, "isEqual": true}},
		"startsAt":  time.Now().UTC().Format(time.RFC3339),
		"endsAt":    time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"createdBy": "e2e",
		"comment":   "planned work",
	})
	if err != nil {
		s.t.Fatal(err)
	}
	resp, err := http.Post(s.ams[0].url+"/api/v2/silences", "application/json", bytes.NewReader(data))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("POST /api/v2/silences: %s", resp.Status)
	}
	var created struct {
		SilenceID string `json:"silenceID"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || created.SilenceID == "" {
		s.t.Fatalf("POST /api/v2/silences: answer without a silenceID (%v)", err)
	}
	return created.SilenceID
}

// expire ends a silence at once, through the (first) Alertmanager's API.
func (s *stack) expire(id string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodDelete, s.ams[0].url+"/api/v2/silence/"+id, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("DELETE /api/v2/silence/%s: %s", id, resp.Status)
	}
}

func (s *stack) post(endsAt time.Time, as []*alert) {
	s.t.Helper()
	var bodies []map[string]any
	for _, a := range as {
		bodies = append(bodies, a.body(endsAt))
	}
	data, err := json.Marshal(bodies)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, am := range s.ams {
		resp, err := http.Post(am.url+"/api/v2/alerts", "application/json", bytes.NewReader(data))
		if err != nil {
			s.t.Fatalf("post alerts to %s: %v", am.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			s.t.Fatalf("post alerts to %s: status %d", am.name, resp.StatusCode)
		}
	}
}

// metric sums the samples of an Alertmanager counter whose labels contain
// every one of match (e.g. `integration="webhook"`).
func (am *alertmanager) metric(name string, match ...string) (float64, error) {
	resp, err := http.Get(am.url + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("scrape %s: %w", am.name, err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		ok := true
		for _, m := range match {
			ok = ok && strings.Contains(line, m)
		}
		if !ok {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("parse %q: %w", line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}
