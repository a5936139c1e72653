package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// churnResult is what the service-discovery churn scenario measured:
// Cachet's component count and statusbridge's resident memory before the
// churn, at its peak, and once the discovered TTL has passed.
type churnResult struct {
	discovered, ttl         string
	comps0, compsPeak       int
	compsAfter              int
	rss0, rssPeak, rssAfter int64 // KiB, VmRSS
	// anon0, anonPeak and anonAfter are RssAnon: VmRSS less the binary's
	// code pages, which the churn touches once and never gives back.
	anon0, anonPeak, anonAfter int64
	heap0, heapPeak            int64 // bytes, go_memstats_heap_inuse_bytes
	heapAfter                  int64
	forgetTook                 time.Duration
	verified                   bool
}

// churnScenario: service discovery brings N instances that statusbridge
// has never heard of; each fires and resolves once and is never seen
// again. Before --discovered-ttl every one stayed, in memory and in Cachet.
const (
	churnInstances = 20000
	churnTTL       = 10 * time.Second
)

func runChurn(ctx context.Context, log *slog.Logger, o options, work string) (churnResult, error) {
	res := churnResult{discovered: strconv.Itoa(churnInstances), ttl: churnTTL.String()}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir := filepath.Join(work, "scenario-d")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	tp := makeTopology(scenario{targets: 10, services: 10})
	cfgPath, targetsPath, err := tp.write(dir, 2)
	if err != nil {
		return res, err
	}
	p, err := startPair(ctx, o, dir, cfgPath, targetsPath, 0, "STATUSBRIDGE_DISCOVERED_TTL="+churnTTL.String())
	if err != nil {
		return res, err
	}
	defer p.stop()
	base, sbURL, sb := p.base, p.sbURL, p.sb
	pid := sb.cmd.Process.Pid
	measure := func(comps *int, rss, anon, heap *int64) error {
		var s state
		if err := get(base+"/_state", &s); err != nil {
			return err
		}
		*comps = len(s.Components)
		var err error
		if *rss, err = procStatus(pid, "VmRSS:"); err != nil {
			return err
		}
		if *anon, err = procStatus(pid, "RssAnon:"); err != nil {
			return err
		}
		*heap, err = heapInuse(sbURL)
		return err
	}
	if err := measure(&res.comps0, &res.rss0, &res.anon0, &res.heap0); err != nil {
		return res, err
	}

	churn := topology{services: tp.services}
	for i := range churnInstances {
		churn.targets = append(churn.targets, benchTarget{
			instance:  fmt.Sprintf("pod-%05d.churn.svc:8080", i),
			component: tp.services[i%len(tp.services)],
		})
	}
	alerts := makeAlerts(churn)
	var lat latencies
	storm(ctx, o, sbURL, alerts, true, &lat)
	if err := poll(ctx, 5*time.Minute, func() error {
		var s state
		if err := get(base+"/_state", &s); err != nil {
			return err
		}
		if len(s.Components) < res.comps0+churnInstances {
			return fmt.Errorf("%d components, want %d", len(s.Components), res.comps0+churnInstances)
		}
		return nil
	}); err != nil {
		return res, fmt.Errorf("discovered targets not all created: %w", err)
	}
	// Measured at the peak: every discovered target fired; each service
	// has one configured target up and 2,000 discovered ones down.
	if err := measure(&res.compsPeak, &res.rssPeak, &res.anonPeak, &res.heapPeak); err != nil {
		return res, err
	}
	storm(ctx, o, sbURL, alerts, false, &lat)
	// Departed instances stop counting at once: every service is back to
	// Operational, whatever the TTL has or has not deleted yet.
	if err := poll(ctx, 5*time.Minute, func() error {
		var s state
		if err := get(base+"/_state", &s); err != nil {
			return err
		}
		for _, c := range s.Components {
			if c.LatestStatus != 1 {
				return fmt.Errorf("%s: latest_status %d, want 1", c.Name, c.LatestStatus)
			}
		}
		return nil
	}); err != nil {
		return res, fmt.Errorf("after the resolving storm: %w", err)
	}
	log.Info("churn resolved; waiting for the discovered TTL", "components", res.compsPeak, "rss_kib", res.rssPeak, "ttl", churnTTL)

	resolved := time.Now()
	if err := poll(ctx, churnTTL+5*time.Minute, func() error {
		var s state
		if err := get(base+"/_state", &s); err != nil {
			return err
		}
		if len(s.Components) > res.comps0 {
			return fmt.Errorf("%d components, want %d", len(s.Components), res.comps0)
		}
		return nil
	}); err != nil {
		return res, fmt.Errorf("discovered targets not forgotten: %w", err)
	}
	res.forgetTook = time.Since(resolved)
	// The runtime hands freed memory back to the system in the background;
	// give it the time a scrape interval would.
	time.Sleep(30 * time.Second)
	if err := measure(&res.compsAfter, &res.rssAfter, &res.anonAfter, &res.heapAfter); err != nil {
		return res, err
	}
	res.verified = res.compsAfter == res.comps0
	return res, nil
}

func printChurn(w io.Writer, r churnResult) {
	fmt.Fprintf(w, "\n## Scenario d: service-discovery churn (%s discovered instances fire and resolve once; --discovered-ttl %s)\n\n", r.discovered, r.ttl)
	fmt.Fprintf(w, "| | before | peak | after the TTL |\n|---|---|---|---|\n")
	fmt.Fprintf(w, "| Cachet components | %d | %d | %d |\n", r.comps0, r.compsPeak, r.compsAfter)
	fmt.Fprintf(w, "| statusbridge RSS | %.1f MiB | %.1f MiB | %.1f MiB |\n", float64(r.rss0)/1024, float64(r.rssPeak)/1024, float64(r.rssAfter)/1024)
	fmt.Fprintf(w, "| of which anonymous (RssAnon) | %.1f MiB | %.1f MiB | %.1f MiB |\n", float64(r.anon0)/1024, float64(r.anonPeak)/1024, float64(r.anonAfter)/1024)
	fmt.Fprintf(w, "| Go heap in use | %.1f MiB | %.1f MiB | %.1f MiB |\n", float64(r.heap0)/(1<<20), float64(r.heapPeak)/(1<<20), float64(r.heapAfter)/(1<<20))
	fmt.Fprintf(w, "\n- forgotten and deleted %v after the last resolve (TTL %s, plus the sweep interval and the deletes)\n", r.forgetTook.Round(time.Millisecond), r.ttl)
	if !r.verified {
		fmt.Fprintf(w, "- final component count NOT back to the start\n")
	}
}

// heapInuse reads go_memstats_heap_inuse_bytes from statusbridge's /metrics.
func heapInuse(base string) (int64, error) {
	var body strings.Builder
	if err := getText(base+"/metrics", &body); err != nil {
		return 0, err
	}
	for line := range strings.Lines(body.String()) {
		if v, ok := strings.CutPrefix(line, "go_memstats_heap_inuse_bytes "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f), err
		}
	}
	return 0, nil // the Go collector is not registered: reported as 0
}
