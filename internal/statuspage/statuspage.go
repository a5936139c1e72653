// Package statuspage renders a small read-only HTML status page from the
// Cachet API, the way Cachet's own page would show it: the public component
// groups with their enabled components and status colours, and the open
// public incidents. The demo serves it so that a visitor sees what
// statusbridge did without running Cachet.
package statuspage

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

// Source is where the page reads Cachet from; *cachet.Client satisfies it.
type Source interface {
	Snapshot(ctx context.Context) (cachet.Snapshot, error)
	ListOpenIncidents(ctx context.Context) ([]cachet.Incident, error)
}

var _ Source = (*cachet.Client)(nil)

// refresh is how long one read of Cachet serves the page. Every read costs
// a few API requests from the caller's token, which shares Cachet's per-user
// rate limit with the webhook path; a burst of visitors must not spend it.
const refresh = 5 * time.Second

// fetchTimeout bounds one read of Cachet, so a slow Cachet gives a visitor
// an error page rather than a hung connection.
const fetchTimeout = 10 * time.Second

// Handler serves the page at any path it is mounted on, for GET and HEAD.
// Reads of Cachet are cached for a few seconds and shared by concurrent
// visitors; when Cachet cannot be read the last good page is shown with a
// note, or 503 if there is none.
func Handler(src Source, title string, log *slog.Logger) http.Handler {
	return newHandler(src, title, log, refresh, time.Now)
}

type handler struct {
	src   Source
	title string
	log   *slog.Logger
	ttl   time.Duration
	now   func() time.Time

	// mu serialises reads of Cachet, so concurrent visitors wait for one
	// read instead of each making their own.
	mu      sync.Mutex
	last    *page // the last good page, nil before the first good read
	lastErr error // the error of the last read, nil if it worked
	fetched time.Time
}

func newHandler(src Source, title string, log *slog.Logger, ttl time.Duration, now func() time.Time) *handler {
	return &handler{src: src, title: title, log: log, ttl: ttl, now: now}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p, err := h.page(r.Context())
	if p == nil {
		h.log.Error("status page: cannot read Cachet", "err", err)
		w.Header().Set("Retry-After", "5")
		h.write(w, http.StatusServiceUnavailable, &page{Title: h.title, Unavailable: true})
		return
	}
	if err != nil {
		h.log.Warn("status page: cannot read Cachet; showing the last good page", "err", err)
		stale := *p
		stale.Stale = true
		p = &stale
	}
	h.write(w, http.StatusOK, p)
}

// page returns the current page, reading Cachet when the last read is
// older than the TTL. On a failed read it returns the last good page (nil
// if none) together with the error. Failed reads are cached too, so a
// Cachet that hangs costs one timeout per TTL, not one per visitor.
func (h *handler) page(ctx context.Context) (*page, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.fetched.IsZero() && h.now().Sub(h.fetched) < h.ttl {
		return h.last, h.lastErr
	}
	h.lastErr = h.read(ctx)
	h.fetched = h.now()
	return h.last, h.lastErr
}

// read reads Cachet once and, if that worked, replaces the last good page.
func (h *handler) read(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	snap, err := h.src.Snapshot(ctx)
	if err != nil {
		return err
	}
	incidents, err := h.src.ListOpenIncidents(ctx)
	if err != nil {
		return err
	}
	h.last = build(h.title, snap, incidents, h.now())
	return nil
}

func (h *handler) write(w http.ResponseWriter, code int, p *page) {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		h.log.Error("status page: render", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// page is the template's data.
type page struct {
	Title       string
	Overall     view
	Groups      []groupView
	Incidents   []incidentView
	Updated     string
	Stale       bool
	Unavailable bool
}

// view is one status as the page shows it: a label and a colour class.
type view struct {
	Label, Class string
}

type groupView struct {
	// Name is empty for the components that belong to no group.
	Name       string
	Components []componentView
}

type componentView struct {
	Name   string
	Status view
}

type incidentView struct {
	Name, Message, Status string
	Components            []string
}

// guestVisible is Cachet's visibility value for guests; 0 is logged-in
// users only and 2 hidden. The page is public, so it shows only guest ones.
const guestVisible = 1

// build turns Cachet's inventory into what a guest would see on Cachet's
// page: enabled components of public groups (and of no group), ordered by
// name within a group, and public open incidents.
func build(title string, snap cachet.Snapshot, incidents []cachet.Incident, now time.Time) *page {
	p := &page{Title: title, Updated: now.UTC().Format("2006-01-02 15:04:05 UTC")}
	groups := map[int]*groupView{0: {}}
	order := []int{0}
	for _, g := range slices.SortedFunc(slices.Values(snap.Groups), func(a, b cachet.Group) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	}) {
		if g.Visible == guestVisible {
			groups[g.ID] = &groupView{Name: g.Name}
			order = append(order, g.ID)
		}
	}
	names := map[int]string{}
	worst := status.Operational
	for _, c := range slices.SortedFunc(slices.Values(snap.Components), func(a, b cachet.Component) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	}) {
		g, ok := groups[c.GroupID]
		if !c.Enabled || !ok {
			continue
		}
		s := shown(c)
		g.Components = append(g.Components, componentView{Name: c.Name, Status: statusView(s)})
		names[c.ID] = c.Name
		if severity(s) > severity(worst) {
			worst = s
		}
	}
	for _, id := range order {
		if g := groups[id]; len(g.Components) > 0 {
			p.Groups = append(p.Groups, *g)
		}
	}
	for _, in := range incidents {
		if in.Visible != guestVisible || in.Status == cachet.IncidentFixed {
			continue
		}
		iv := incidentView{Name: in.Name, Message: in.Message, Status: incidentLabel(in.Status)}
		for _, id := range in.ComponentIDs {
			if n, ok := names[id]; ok {
				iv.Components = append(iv.Components, n)
			}
		}
		p.Incidents = append(p.Incidents, iv)
	}
	p.Overall = view{Label: "All systems operational", Class: "ok"}
	if worst != status.Operational {
		p.Overall = view{Label: "Some systems are affected: " + worst.Label(), Class: statusView(worst).Class}
	}
	return p
}

// shown is the status a visitor sees: latest_status where Cachet derives
// it (current cores), else the component's own status.
func shown(c cachet.Component) status.Status {
	if c.LatestStatus != 0 {
		return c.LatestStatus
	}
	return c.Status
}

// severity orders statuses for the page's headline: outages above
// maintenance above unknown.
func severity(s status.Status) int {
	switch s {
	case status.MajorOutage:
		return 5
	case status.PartialOutage:
		return 4
	case status.PerformanceIssues:
		return 3
	case status.UnderMaintenance:
		return 2
	case status.Operational:
		return 0
	default:
		return 1
	}
}

func statusView(s status.Status) view {
	class := map[status.Status]string{
		status.Operational:       "ok",
		status.PerformanceIssues: "perf",
		status.PartialOutage:     "partial",
		status.MajorOutage:       "major",
		status.UnderMaintenance:  "maint",
	}[s]
	if class == "" {
		class = "unknown"
	}
	label := s.Label()
	if !s.Valid() {
		label = "Unknown"
	}
	return view{Label: label, Class: class}
}

func incidentLabel(s int) string {
	switch s {
	case cachet.IncidentInvestigating:
		return "Investigating"
	case cachet.IncidentIdentified:
		return "Identified"
	case cachet.IncidentWatching:
		return "Watching"
	case cachet.IncidentFixed:
		return "Fixed"
	default:
		return "Reported"
	}
}

//go:embed page.html.tmpl
var pageHTML string

var tmpl = template.Must(template.New("page").Parse(pageHTML))
