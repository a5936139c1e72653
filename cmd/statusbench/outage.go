package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"statusbridge/internal/cachet/cachettest"
)

// outageResult is what scenario e measured: a large outage under Cachet's
// rate limit, and how soon the public page told the truth.
type outageResult struct {
	targets, services      int
	truthful, converged    time.Duration
	reads, writes, limited int
	webhooks, non2xx       int
	verified               bool
}

// runOutage: 306 targets in 43 services go down at once while Cachet
// allows 300 requests a minute (429 with Retry-After past that). It
// reports the seconds until every visible status and incident is right
// (the page is truthful) and until every hidden component is too.
func runOutage(ctx context.Context, log *slog.Logger, o options, work string) (outageResult, error) {
	res := outageResult{targets: 306, services: 43}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir := filepath.Join(work, "scenario-e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	tp := makeTopology(scenario{targets: res.targets, services: res.services})
	cfgPath, targetsPath, err := tp.write(dir, 5)
	if err != nil {
		return res, err
	}
	p, err := startPair(ctx, o, dir, cfgPath, targetsPath, 300)
	if err != nil {
		return res, err
	}
	defer p.stop()
	base, sbURL := p.base, p.sbURL
	// A fresh rate-limit window for the outage, as in production where the
	// index was loaded long before.
	time.Sleep(61 * time.Second)
	if err := post(base + "/_stats/reset"); err != nil {
		return res, err
	}

	all := expectFired(tp)
	visible := expectation{status: map[string]int{}, incidents: all.incidents}
	for _, s := range tp.services {
		visible.status[s] = all.status[s]
	}
	began := time.Now()
	stormDone := make(chan [2]int, 1)
	go func() {
		var lat latencies
		n, bad := storm(ctx, o, sbURL, makeAlerts(tp), true, &lat)
		stormDone <- [2]int{n, bad}
	}()
	if err := waitState(ctx, base, 10*time.Minute, visible); err != nil {
		return res, fmt.Errorf("the page never told the truth: %w", err)
	}
	res.truthful = time.Since(began)
	log.Info("page truthful", "took", res.truthful)
	if err := waitState(ctx, base, 10*time.Minute, all); err != nil {
		return res, fmt.Errorf("not converged: %w", err)
	}
	res.converged = time.Since(began)
	counts := <-stormDone
	res.webhooks, res.non2xx = counts[0], counts[1]
	var st cachettest.Stats
	if err := get(base+"/_stats", &st); err != nil {
		return res, err
	}
	res.reads, res.writes, res.limited = st.Reads, st.Writes, st.RateLimited
	res.verified = true
	return res, nil
}

func printOutage(w io.Writer, r outageResult) {
	fmt.Fprintf(w, "\n## Scenario e: %d targets in %d services go down at once, Cachet limited to 300 requests a minute\n\n", r.targets, r.services)
	fmt.Fprintf(w, "| truthful page | full convergence | Cachet requests (reads, writes) | refused (429) | webhooks (not 2xx) | final state |\n|---|---|---|---|---|---|\n")
	verdict := "verified"
	if !r.verified {
		verdict = "NOT reached"
	}
	fmt.Fprintf(w, "| %s s | %s s | %d (%d, %d) | %d | %d (%d) | %s |\n",
		strconv.FormatFloat(r.truthful.Seconds(), 'f', 1, 64), strconv.FormatFloat(r.converged.Seconds(), 'f', 1, 64),
		r.reads+r.writes, r.reads, r.writes, r.limited, r.webhooks, r.non2xx, verdict)
}
