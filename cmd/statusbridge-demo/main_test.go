package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// proc is one run of the program in a goroutine, as main would run it.
type proc struct {
	stdout, stderr *syncBuffer
	done           chan int
}

func start(t *testing.T, args []string) *proc {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	go func() { p.done <- run(ctx, args, func(string) string { return "" }, p.stdout, p.stderr, nil) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			t.Errorf("run did not return after cancel")
		}
	})
	return p
}

// addr waits for a line matching pattern on stdout and returns its group.
func (p *proc) addr(t *testing.T, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-p.done:
			t.Fatalf("run exited with %d before listening; stderr:\n%s", code, p.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("no %q in stdout:\n%s\nstderr:\n%s", pattern, p.stdout, p.stderr)
	return ""
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s/-/ready never answered 200", base)
}

func post(t *testing.T, url, user, pass string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemo is the README's first command and its curl walk.
func TestDemo(t *testing.T) {
	t.Chdir("../..")
	p := start(t, []string{"--listen", "127.0.0.1:0", "--demo.cachet-listen", "127.0.0.1:0"})
	cachetURL := p.addr(t, `demo Cachet emulator API: (\S+)`)
	base := "http://" + p.addr(t, `statusbridge listening on (\S+)`)
	waitReady(t, base)

	componentStatus := func(name string) int {
		t.Helper()
		resp, err := http.Get(cachetURL + "/components?filter[name]=" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			Data []struct {
				Attributes struct {
					Name   string `json:"name"`
					Status struct {
						Value int `json:"value"`
					} `json:"status"`
				} `json:"attributes"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Data {
			if d.Attributes.Name == name {
				return d.Attributes.Status.Value
			}
		}
		t.Fatalf("no component %q in the demo Cachet", name)
		return 0
	}
	for _, step := range []struct {
		file string
		want int
	}{
		{"deploy/sample-alerts/firing.json", 4},
		{"deploy/sample-alerts/resolved.json", 1},
	} {
		body, err := os.ReadFile(step.file)
		if err != nil {
			t.Fatal(err)
		}
		if code := post(t, base+"/webhook", "admin", "admin", body); code != 200 {
			t.Fatalf("%s: webhook %d; stderr:\n%s", step.file, code, p.stderr)
		}
		if got := componentStatus("Database"); got != step.want {
			t.Errorf("after %s: Database = %d, want %d", step.file, got, step.want)
		}
		if step.want == 4 {
			page := getPage(t, base+"/")
			if !strings.Contains(page, `<li class="component major"><span class="name">Database</span>`) {
				t.Errorf("the status page does not show Database red:\n%s", page)
			}
		}
	}
	if !strings.Contains(p.stderr.String(), "admin:admin") {
		t.Errorf("the demo did not warn about default credentials")
	}
}

func getPage(t *testing.T, url string) string {
	t.Helper()
	// The page reads Cachet at most every few seconds; poll until it shows
	// the new state.
	deadline := time.Now().Add(10 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if strings.Contains(body, "component major") {
			return body
		}
		time.Sleep(50 * time.Millisecond)
	}
	return body
}

// TestDemoHelp: the demo's help shows its own safer defaults and its
// emulator flag alongside serve's groups.
func TestDemoHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"--help"}, func(string) string { return "" }, &out, &errb, nil); code != 0 {
		t.Fatalf("--help = %d, want 0; stderr: %s", code, &errb)
	}
	for _, want := range []string{
		"  --web.listen-address string\n",
		`default "127.0.0.1:5000"; alias --listen`,
		`default "config.json.example"; alias --config`,
		"\nDemo:\n  --demo.cachet-listen string\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, &out)
		}
	}
}
