package main

import (
	"fmt"
	"io"
	"time"
)

func perEvent(n, events int) string {
	if events == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(n)/float64(events))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// printDetail writes one scenario's numbers as a short list.
func printDetail(w io.Writer, r result) {
	fmt.Fprintf(w, "\n## Scenario %s: %s (%d targets, %d services)\n\n", r.sc.key, r.sc.title, r.sc.targets, r.sc.services)
	if r.problem != "" || !r.verified {
		fmt.Fprintf(w, "- final state NOT verified\n")
	}
	fmt.Fprintf(w, "- alert events: %d (every target fires, then resolves); webhooks: %d (%d not 2xx)\n", r.events, r.webhooks, r.non2xx)
	fmt.Fprintf(w, "- Cachet requests during the storms: %d reads + %d writes = %.2f per event (%s reads, %s writes); %d refused by the rate limit\n",
		r.reads, r.writes, float64(r.reads+r.writes)/float64(max(r.events, 1)), perEvent(r.reads, r.events), perEvent(r.writes, r.events), r.rateLimited)
	fmt.Fprintf(w, "- Cachet requests at startup (index load, token probe): %d reads, %d writes\n", r.startupReads, r.startupWrites)
	fmt.Fprintf(w, "- converged: firing storm %v, resolving storm %v, total %v\n", r.fireConverge.Round(time.Millisecond), r.resolveConv.Round(time.Millisecond), r.total.Round(time.Millisecond))
	fmt.Fprintf(w, "- webhook latency: p50 %s, p99 %s, max %s\n", ms(r.p50), ms(r.p99), ms(r.maxLatency))
	fmt.Fprintf(w, "- statusbridge: peak RSS %.1f MiB, CPU %v (%.3f ms per event)\n", float64(r.rssKB)/1024, r.cpu,
		float64(r.cpu)/float64(time.Millisecond)/float64(max(r.events, 1)))
}

// printTable writes the summary table, in the shape BENCHMARKS.md uses.
func printTable(w io.Writer, rs []result) {
	fmt.Fprintf(w, "\n| scenario | events | requests/event (reads, writes) | converge (fire / resolve / total) | webhook p50 / p99 | peak RSS | CPU/event | final state |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		verdict := "verified"
		if !r.verified {
			verdict = "NOT reached"
		}
		fmt.Fprintf(w, "| %s: %s | %d | %s (%d, %d) | %v / %v / %v | %s / %s | %.1f MiB | %.3f ms | %s |\n",
			r.sc.key, r.sc.title, r.events, perEvent(r.reads+r.writes, r.events), r.reads, r.writes,
			r.fireConverge.Round(time.Millisecond), r.resolveConv.Round(time.Millisecond), r.total.Round(time.Millisecond),
			ms(r.p50), ms(r.p99), float64(r.rssKB)/1024,
			float64(r.cpu)/float64(time.Millisecond)/float64(max(r.events, 1)), verdict)
	}
}
