package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/alertmanager/template"

	"statusbridge/internal/cachet/cachettest"
)

// Benchmark credentials; they guard loopback processes that live for
// seconds.
const (
	benchUser     = "bench"
	benchPassword = "bench-password"
)

// result is what one scenario measured.
type result struct {
	sc     scenario
	events int
	// startupReads are the requests statusbridge made to load its index.
	startupReads, startupWrites int
	// reads and writes are the requests the storms caused.
	reads, writes, rateLimited int
	webhooks, non2xx           int
	fireConverge, resolveConv  time.Duration
	total                      time.Duration
	p50, p99, maxLatency       time.Duration
	rssKB                      int64
	cpu                        time.Duration
	verified                   bool
	problem                    string
}

func goBuild(ctx context.Context, dir, name string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/"+name)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/%s (run statusbench from the module root): %w\n%s", name, err, b)
	}
	return out, nil
}

// topology is a generated config.json + prometheus.yml.
type topology struct {
	services []string
	targets  []benchTarget
}

type benchTarget struct {
	instance, component string
}

func (t benchTarget) invisible() string { return t.instance + " | " + t.component }

func makeTopology(sc scenario) topology {
	var tp topology
	for i := range sc.services {
		tp.services = append(tp.services, fmt.Sprintf("Service %03d", i+1))
	}
	for i := range sc.targets {
		tp.targets = append(tp.targets, benchTarget{
			instance:  fmt.Sprintf("10.%d.%d.%d:9100", i/65536, i/256%256, i%256),
			component: tp.services[i%sc.services],
		})
	}
	return tp
}

func (tp topology) write(dir string, groups int) (cfgPath, targetsPath string, err error) {
	type group struct {
		Name       string   `json:"status_page_group"`
		Components []string `json:"status_page_components"`
	}
	gs := make([]group, groups)
	for i, s := range tp.services {
		g := &gs[i%groups]
		g.Name = fmt.Sprintf("Group %02d", i%groups+1)
		g.Components = append(g.Components, s)
	}
	cfg, err := json.MarshalIndent(map[string]any{
		"new_incident_name":              "%s is experiencing issues",
		"new_incident_message":           "We are investigating.",
		"resolved_incident_message":      "Resolved.",
		"recurring_alert_update_message": "Still investigating.",
		"cachet_per_page_param":          100,
		"groups_configuration":           gs,
	}, "", "  ")
	if err != nil {
		return "", "", fmt.Errorf("encode config.json: %w", err)
	}
	var y strings.Builder
	y.WriteString("prometheus_targets:\n  node:\n")
	for _, t := range tp.targets {
		fmt.Fprintf(&y, "    - targets: [%q]\n      labels: {status_page_alert: true, status_page_component: %q}\n", t.instance, t.component)
	}
	cfgPath, targetsPath = filepath.Join(dir, "config.json"), filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return "", "", fmt.Errorf("write config.json: %w", err)
	}
	if err := os.WriteFile(targetsPath, []byte(y.String()), 0o600); err != nil {
		return "", "", fmt.Errorf("write prometheus.yml: %w", err)
	}
	return cfgPath, targetsPath, nil
}

// child is a started process whose stdout is scanned for its address.
type child struct {
	cmd  *exec.Cmd
	addr chan string
}

// startChild starts bin and returns once it printed a line starting with
// prefix; the rest of that line is its address. Its stderr goes to logPath.
func startChild(ctx context.Context, bin string, args, env []string, logPath, prefix string) (*child, string, error) {
	logF, err := os.Create(logPath)
	if err != nil {
		return nil, "", fmt.Errorf("create log: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logF
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", fmt.Errorf("stdout pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w", bin, err)
	}
	c := &child{cmd: cmd, addr: make(chan string, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				c.addr <- strings.TrimSpace(a)
			}
		}
	}()
	select {
	case a := <-c.addr:
		return c, a, nil
	case <-time.After(time.Minute):
		return nil, "", fmt.Errorf("%s printed no %q line within a minute; see %s", filepath.Base(bin), prefix, logPath)
	}
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	_ = c.cmd.Wait()
}

func runScenario(ctx context.Context, log *slog.Logger, o options, sc scenario, work string) (result, error) {
	res := result{sc: sc}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir := filepath.Join(work, "scenario-"+sc.key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	tp := makeTopology(sc)
	cfgPath, targetsPath, err := tp.write(dir, sc.groups)
	if err != nil {
		return res, err
	}

	p, err := startPair(ctx, o, dir, cfgPath, targetsPath, sc.rateLimit)
	if err != nil {
		return res, err
	}
	defer p.stop()
	base, sbURL, sb := p.base, p.sbURL, p.sb
	var st cachettest.Stats
	if err := get(base+"/_stats", &st); err != nil {
		return res, err
	}
	res.startupReads, res.startupWrites = st.Reads, st.Writes
	if err := post(base + "/_stats/reset"); err != nil {
		return res, err
	}
	cpu0, err := cpuTime(sb.cmd.Process.Pid)
	if err != nil {
		return res, err
	}

	alerts := makeAlerts(tp)
	var lat latencies
	began := time.Now()
	n, bad := storm(ctx, o, sbURL, alerts, true, &lat)
	res.webhooks, res.non2xx = n, bad
	fired := expectFired(tp)
	if err := waitState(ctx, base, sc.convergeMax, fired); err != nil {
		return res, fmt.Errorf("after the firing storm: %w", err)
	}
	res.fireConverge = time.Since(began)
	log.Info("firing storm converged", "scenario", sc.key, "took", res.fireConverge)

	began2 := time.Now()
	n, bad = storm(ctx, o, sbURL, alerts, false, &lat)
	res.webhooks, res.non2xx = res.webhooks+n, res.non2xx+bad
	if err := waitState(ctx, base, sc.convergeMax, expectResolved(tp)); err != nil {
		return res, fmt.Errorf("after the resolving storm: %w", err)
	}
	res.resolveConv = time.Since(began2)
	res.total = time.Since(began)
	res.verified = true
	res.events = 2 * len(alerts)

	if err := get(base+"/_stats", &st); err != nil {
		return res, err
	}
	res.reads, res.writes, res.rateLimited = st.Reads, st.Writes, st.RateLimited
	cpu1, err := cpuTime(sb.cmd.Process.Pid)
	if err != nil {
		return res, err
	}
	res.cpu = cpu1 - cpu0
	if res.rssKB, err = peakRSS(sb.cmd.Process.Pid); err != nil {
		return res, err
	}
	res.p50, res.p99, res.maxLatency = lat.quantile(0.50), lat.quantile(0.99), lat.quantile(1)
	return res, nil
}

// makeAlerts returns one InstanceDown alert per target.
func makeAlerts(tp topology) []template.Alert {
	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	out := make([]template.Alert, len(tp.targets))
	for i, t := range tp.targets {
		labels := template.KV{
			"alertname":             "InstanceDown",
			"instance":              t.instance,
			"job":                   "node",
			"status_page_alert":     "true",
			"status_page_component": t.component,
		}
		h := fnv.New64a()
		for _, k := range labels.SortedPairs() {
			h.Write([]byte(k.Name + "\xff" + k.Value + "\xff"))
		}
		out[i] = template.Alert{Labels: labels, Annotations: template.KV{"summary": t.instance + " is down"},
			StartsAt: start, Fingerprint: fmt.Sprintf("%016x", h.Sum64())}
	}
	return out
}

// notification is Alertmanager's webhook body, version 4.
type notification struct {
	*template.Data
	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
}

// storm delivers every alert, firing or resolved, in notifications of
// o.batch alerts with o.parallel in flight, retrying a 5xx as Alertmanager
// does (with backoff, until it gets an answer that is not 5xx). It returns
// the webhook requests made and how many were answered non-2xx.
func storm(ctx context.Context, o options, url string, alerts []template.Alert, firing bool, lat *latencies) (requests, non2xx int) {
	var bodies [][]byte
	for i := 0; i < len(alerts); i += o.batch {
		batch := slices.Clone(alerts[i:min(i+o.batch, len(alerts))])
		st := "firing"
		for j := range batch {
			batch[j].Status = st
			if !firing {
				st = "resolved"
				batch[j].Status = st
				batch[j].EndsAt = time.Now().UTC()
			}
		}
		b, _ := json.Marshal(notification{
			Data: &template.Data{Receiver: "statusbridge", Status: st, Alerts: batch,
				GroupLabels:  template.KV{"alertname": "InstanceDown", "batch": strconv.Itoa(i / o.batch)},
				CommonLabels: template.KV{"alertname": "InstanceDown"}, CommonAnnotations: template.KV{},
				ExternalURL: "http://alertmanager.invalid"},
			Version: "4", GroupKey: fmt.Sprintf("{}:{alertname=\"InstanceDown\", batch=\"%d\"}", i/o.batch),
		})
		bodies = append(bodies, b)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan []byte)
	client := &http.Client{Timeout: time.Minute}
	for range o.parallel {
		wg.Go(func() {
			for body := range work {
				backoff := 500 * time.Millisecond
				for ctx.Err() == nil {
					code, d := send(ctx, client, url, body)
					mu.Lock()
					requests++
					lat.add(d)
					if code/100 != 2 {
						non2xx++
					}
					mu.Unlock()
					if code/100 != 5 && code != 0 {
						break
					}
					select {
					case <-ctx.Done():
					case <-time.After(backoff):
					}
					backoff = min(2*backoff, 10*time.Second)
				}
			}
		})
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	wg.Wait()
	return requests, non2xx
}

func send(ctx context.Context, client *http.Client, url string, body []byte) (int, time.Duration) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/webhook", bytes.NewReader(body))
	if err != nil {
		return 0, 0
	}
	req.SetBasicAuth(benchUser, benchPassword)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	d := time.Since(start)
	if err != nil {
		return 0, d
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, d
}

type latencies struct {
	mu sync.Mutex
	ds []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.ds = append(l.ds, d)
	l.mu.Unlock()
}

func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ds) == 0 {
		return 0
	}
	s := slices.Clone(l.ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// expectation is the state Cachet must reach: each component's
// latest_status, and per visible component the incidents' states.
type expectation struct {
	status    map[string]int
	incidents map[string][]string // "open" or "fixed"
}

func expectFired(tp topology) expectation {
	e := expectation{status: map[string]int{}, incidents: map[string][]string{}}
	for _, s := range tp.services {
		e.status[s], e.incidents[s] = 4, []string{"open"}
	}
	for _, t := range tp.targets {
		e.status[t.invisible()] = 4
	}
	return e
}

func expectResolved(tp topology) expectation {
	e := expectation{status: map[string]int{}, incidents: map[string][]string{}}
	for _, s := range tp.services {
		e.status[s], e.incidents[s] = 1, []string{"fixed"}
	}
	for _, t := range tp.targets {
		e.status[t.invisible()] = 1
	}
	return e
}

// state mirrors cmd/cachet-emulator's GET /_state.
type state struct {
	Components []struct {
		ID           int    `json:"id"`
		Name         string `json:"name"`
		LatestStatus int    `json:"latest_status"`
	} `json:"components"`
	Incidents []struct {
		Status       int   `json:"status"`
		ComponentIDs []int `json:"component_ids"`
	} `json:"incidents"`
}

// mismatch describes how s differs from e, or returns nil.
func (e expectation) mismatch(s state) error {
	byID := map[int]string{}
	var problems []string
	seen := 0
	for _, c := range s.Components {
		byID[c.ID] = c.Name
		want, ok := e.status[c.Name]
		if !ok {
			continue
		}
		seen++
		if c.LatestStatus != want {
			problems = append(problems, fmt.Sprintf("%s: latest_status %d, want %d", c.Name, c.LatestStatus, want))
		}
	}
	if seen != len(e.status) {
		problems = append(problems, fmt.Sprintf("%d of %d expected components exist", seen, len(e.status)))
	}
	got := map[string][]string{}
	for _, in := range s.Incidents {
		st := "open"
		if in.Status == 4 {
			st = "fixed"
		}
		for _, id := range in.ComponentIDs {
			got[byID[id]] = append(got[byID[id]], st)
		}
	}
	for name, want := range e.incidents {
		if !slices.Equal(got[name], want) {
			problems = append(problems, fmt.Sprintf("%s: incidents %v, want %v", name, got[name], want))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	more := ""
	if len(problems) > 5 {
		more = fmt.Sprintf(" (and %d more)", len(problems)-5)
		problems = problems[:5]
	}
	return fmt.Errorf("%s%s", strings.Join(problems, "; "), more)
}

func waitState(ctx context.Context, base string, limit time.Duration, e expectation) error {
	return poll(ctx, limit, func() error {
		var s state
		if err := get(base+"/_state", &s); err != nil {
			return err
		}
		return e.mismatch(s)
	})
}

// poll runs check until it returns nil or limit passes.
func poll(ctx context.Context, limit time.Duration, check func() error) error {
	deadline := time.Now().Add(limit)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %v: %w", limit, err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func get(url string, out any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("GET %s: decode: %w", url, err)
	}
	return nil
}

func post(url string) error {
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every
// Linux architecture Go supports.
const clockTick = 100

// cpuTime is the user+system CPU time pid has used, from /proc/<pid>/stat.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time (Linux /proc needed): %w", err)
	}
	// The command name may hold spaces; fields count from after its ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return time.Duration(utime+stime) * time.Second / clockTick, nil
}

// peakRSS is VmHWM from /proc/<pid>/status, in KiB.
func peakRSS(pid int) (int64, error) { return procStatus(pid, "VmHWM:") }

// procStatus reads one KiB field of /proc/<pid>/status.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read %s (Linux /proc needed): %w", field, err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(v)
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// getText reads a text answer into out.
func getText(url string, out io.Writer) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	_, err = io.Copy(out, resp.Body)
	return err
}
