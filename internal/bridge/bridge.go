// Package bridge keeps Cachet in step with Alertmanager. It holds the
// desired state (which alerts fire on which target), derives every
// component's status and incident from it with the rules of package status,
// and converges Cachet toward it: writes to one Cachet object are
// serialised, unrelated objects proceed in parallel, and whatever could not
// be written is retried in the background until Cachet agrees.
//
// Deciding is apart from doing. decide.go (decideTarget, decideIncident),
// damping.go (decidePublish, worseSince) and hold.go (decideHold) are pure
// functions from the desired state and what Cachet last showed to the next
// write; the executors (writeTarget, writeIncident, writeService) run that
// write, record its outcome and ask again. retry.go classifies failures
// (temporary, lost, permanent, unauthorised) and schedules each object's
// retry on its own; Load and Resync observe Cachet and then converge.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/backoff"
	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/status"

	"github.com/prometheus/alertmanager/template"
)

// Cachet is the part of the Cachet API the bridge drives.
type Cachet interface {
	Snapshot(ctx context.Context) (cachet.Snapshot, error)
	ComponentsNamed(ctx context.Context, name string) ([]cachet.Component, error)
	Component(ctx context.Context, id int) (cachet.Component, error)
	DeleteComponent(ctx context.Context, id int) error
	ListOpenIncidents(ctx context.Context) ([]cachet.Incident, error)
	Incident(ctx context.Context, id int) (cachet.Incident, error)
	CreateComponent(ctx context.Context, f cachet.ComponentFields) (cachet.Component, error)
	CheckToken(ctx context.Context) error
	InProgressSchedules(ctx context.Context) ([]cachet.Schedule, error)
	UpdateComponent(ctx context.Context, id int, f cachet.ComponentFields) (cachet.Component, error)
	CreateIncident(ctx context.Context, in cachet.NewIncident) (cachet.Incident, error)
	UpdateIncident(ctx context.Context, id int, f cachet.IncidentFields) (cachet.Incident, error)
	AddUpdate(ctx context.Context, incidentID, incidentStatus int, message string) error
}

// Renderer renders incident names and messages.
type Renderer interface {
	Render(text string, data alertmanager.IncidentData) (string, error)
}

// Options are the bridge's dependencies and settings.
type Options struct {
	Cachet   Cachet
	Renderer Renderer
	Logger   *slog.Logger
	Config   *config.Config
	Targets  []config.Target
	// Parallel bounds concurrent Cachet writes of one Apply; default 8.
	Parallel int
	// RetryMin and RetryMax bound the background retry interval; defaults
	// 1 s and 1 min.
	RetryMin, RetryMax time.Duration
	// Resync is how often Run re-reads Cachet to repair drift; 0 never.
	Resync time.Duration
	// Probe is how often Run checks that Cachet answers and accepts the
	// token, for Ready; default 30 s.
	Probe time.Duration
	// HeartbeatTimeout, when positive, turns the dead-man's switch on
	// (spec §13): without a Beat for that long, every visible component
	// shows Unknown until the next one.
	HeartbeatTimeout time.Duration
	// RestartHold is how long, after a start that finds a visible
	// component worse than its hidden components say, the page keeps it
	// so while Alertmanager sends again what was not acknowledged; default
	// 2 min.
	RestartHold time.Duration
	// DiscoveredTTL is how long a discovered target is remembered after
	// its last firing alert; default 24h.
	DiscoveredTTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// MetaKey is the incident metadata key under which statusbridge tags the
// incidents it opens, with the visible component's id as value.
const MetaKey = "statusbridge_component_id"

// ErrNotLoaded is returned by Apply before Load has succeeded.
var ErrNotLoaded = errors.New("bridge: cachet index not loaded yet")

// Bridge is the reconciler. Create it with New, fill it from Cachet with
// Load, run Run in the background, and feed it with Apply.
type Bridge struct {
	cachet      Cachet
	render      Renderer
	log         *slog.Logger
	cfg         *config.Config
	parallel    int
	retryMin    time.Duration
	retryMax    time.Duration
	resync      time.Duration
	ttl         time.Duration
	restartHold time.Duration
	// heartbeat is the dead-man's switch's timeout, 0 off; lastBeat the
	// last heartbeat (the start until one comes), beatLost whether the
	// page shows Unknown for want of one.
	heartbeat time.Duration
	lastBeat  time.Time
	seenBeat  time.Time // zero until the first heartbeat
	beatLost  bool
	cover     cover // what kept incidents from opening at the last look
	// visibleBusy counts the visible convergences in flight; quiet is
	// closed when it drops to zero (spec §14).
	visibleBusy int
	quiet       chan struct{}
	now         func() time.Time

	mu       sync.Mutex // guards everything below
	targets  map[string]*target
	services map[string]*service
	feeds    map[string][]*target // visible component → the targets feeding it
	locks    map[obj]*keyLock
	pending  map[obj]*failure
	// waits: visible components whose damped status change is due then.
	waits  map[string]time.Time
	loaded bool
	head   bool // Cachet derives latest_status and syncs incident status from updates
	// keepAlerts: the incident texts are templates that may read .Alerts,
	// so firing alerts keep their labels and annotations.
	keepAlerts bool
	kick       chan struct{}
	backoff    backoff.Policy
	probe      time.Duration
	// authErr and unreachable are why Cachet cannot be written now, for
	// Ready; nil when the last call got through.
	authErr, unreachable error
	permanentTotal       uint64
	lostTotal            uint64
}

// New returns a Bridge for o. It does no I/O.
func New(o Options) *Bridge {
	b := &Bridge{
		cachet:      o.Cachet,
		render:      o.Renderer,
		log:         o.Logger,
		cfg:         o.Config,
		parallel:    o.Parallel,
		retryMin:    o.RetryMin,
		retryMax:    o.RetryMax,
		resync:      o.Resync,
		ttl:         o.DiscoveredTTL,
		restartHold: o.RestartHold,
		heartbeat:   o.HeartbeatTimeout,
		now:         o.Now,
		targets:     map[string]*target{},
		services:    map[string]*service{},
		feeds:       map[string][]*target{},
		locks:       map[obj]*keyLock{},
		pending:     map[obj]*failure{},
		waits:       map[string]time.Time{},
		kick:        make(chan struct{}, 1),
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.parallel <= 0 {
		b.parallel = 8
	}
	if b.retryMin <= 0 {
		b.retryMin = time.Second
	}
	if b.retryMax <= 0 {
		b.retryMax = time.Minute
	}
	if b.ttl <= 0 {
		b.ttl = 24 * time.Hour
	}
	if b.restartHold <= 0 {
		b.restartHold = 2 * time.Minute
	}
	b.lastBeat = b.now()
	b.backoff = backoff.Policy{Min: b.retryMin, Max: b.retryMax}
	b.probe = o.Probe
	if b.probe <= 0 {
		b.probe = 30 * time.Second
	}
	for _, g := range o.Config.Groups {
		for _, c := range g.Components {
			b.services[c] = &service{name: c, group: g.Name}
		}
	}
	b.keepAlerts = templated(o.Config)
	for _, t := range o.Targets {
		b.addTarget(t.InvisibleName(), t.Instance, t.ComponentsRaw, t.Critical).configured = true
	}
	return b
}

func (b *Bridge) addTarget(key, instance, raw string, critical bool) *target {
	if t, ok := b.targets[key]; ok {
		return t
	}
	components := unique(status.SplitComponents(raw))
	t := &target{key: key, instance: instance, raw: raw, components: components, critical: critical, alerts: map[string]*alertState{}, active: b.now()}
	b.targets[key] = t
	for _, c := range components {
		b.feeds[c] = append(b.feeds[c], t)
		if _, ok := b.services[c]; !ok {
			b.log.Warn("visible component is in no group of the config; add it to groups_configuration",
				"component", c, "instance", instance)
		}
	}
	return t
}

// Reconfigure adopts a reloaded configuration: incident texts, the groups'
// components and new targets. What left the configuration stays known
// (its Cachet objects are setup's business); components new to the
// configuration are looked up in Cachet.
func (b *Bridge) Reconfigure(ctx context.Context, cfg *config.Config, targets []config.Target) error {
	b.mu.Lock()
	b.cfg, b.keepAlerts = cfg, templated(cfg)
	missing := false
	for _, g := range cfg.Groups {
		for _, c := range g.Components {
			if s, ok := b.services[c]; ok {
				s.group = g.Name
				continue
			}
			b.services[c] = &service{name: c, group: g.Name}
			missing = true
		}
	}
	// A target that left prometheus.yml is discovered from now on: it
	// counts while it fires and is forgotten after the TTL.
	for _, t := range b.targets {
		t.configured = false
	}
	for _, t := range targets {
		nt := b.addTarget(t.InvisibleName(), t.Instance, t.ComponentsRaw, t.Critical)
		nt.critical, nt.configured = t.Critical, true
	}
	// New rules apply without a restart: every visible component is
	// looked at again, its damping windows kept (they are not reset).
	now := b.now()
	for name := range b.services {
		b.waitUntil(name, now)
	}
	loaded := b.loaded
	b.mu.Unlock()
	if !missing || !loaded {
		return nil
	}
	snap, err := b.cachet.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("look up components new to the configuration: %w", err)
	}
	byName := snap.ComponentsByName()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.services {
		if c, ok := byName[s.name]; ok && s.id == 0 && c.Enabled {
			s.id, s.known, s.published, s.reported = c.ID, c.Status, c.Status, false
		}
	}
	return nil
}

// Load reads Cachet's components and open incidents and rebuilds the state
// from them, so that a restart neither duplicates nor orphans anything:
// an invisible component in Major Outage keeps its alerts (by name, from its
// description) until Alertmanager says they resolved.
func (b *Bridge) Load(ctx context.Context) error {
	snap, err := b.cachet.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("load the cachet index: %w", err)
	}
	incs, err := b.cachet.ListOpenIncidents(ctx)
	if err != nil {
		return fmt.Errorf("load open incidents from cachet: %w", err)
	}
	b.lookAtCover(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.head = snap.Head()
	byID := map[int]*service{}
	for _, c := range snap.Components {
		if s, ok := b.services[c.Name]; ok && c.Enabled {
			b.loadService(s, c, byID)
		} else {
			b.loadTarget(c)
		}
	}
	for _, in := range incs {
		if s := b.incidentOwner(in, byID); s != nil {
			s.holdIncident(in.ID)
		}
	}
	for _, s := range b.services {
		if s.id == 0 {
			b.log.Warn("visible component not found in Cachet; run statusbridge setup", "component", s.name, "group", s.group)
			s.reported = true
			continue
		}
		b.holdIfStale(s)
	}
	for _, t := range b.targets {
		// A list can skip rows while Cachet writes: a configured target
		// that setup created is looked up by name before it is created.
		t.ambiguous = t.ambiguous || (t.id == 0 && t.configured)
	}
	b.loaded = true
	if len(b.pending) > 0 {
		b.wake() // notifications kept from before the load are written now
	}
	return nil
}

// loadService adopts a visible component. b.mu must be held.
func (b *Bridge) loadService(s *service, c cachet.Component, byID map[int]*service) {
	if s.id != 0 {
		b.log.Warn("two visible components share a name; using the first", "component", c.Name, "component_id", c.ID)
		return
	}
	s.id, s.known, s.published = c.ID, c.Status, c.Status
	s.fresh = true
	byID[c.ID] = s
}

// holdIncident takes an open incident of statusbridge's as the
// component's: the newest is held, the others are leftovers to resolve.
func (s *service) holdIncident(id int) {
	switch {
	case s.incident == 0:
		s.incident = id
	case id > s.incident:
		s.stale = append(s.stale, s.incident)
		s.incident = id
	default:
		s.stale = append(s.stale, id)
	}
	s.announced = s.known
}

// loadTarget adopts an invisible component, if c is one: a target in
// Major Outage keeps its alerts (by name, exactly from the metadata where
// Cachet keeps it, else from the description) until Alertmanager says they
// resolved. b.mu must be held.
func (b *Bridge) loadTarget(c cachet.Component) {
	instance, raw, ok := status.ParseInvisibleNameAmong(c.Name, func(comp string) bool { return b.services[comp] != nil })
	if !ok {
		return
	}
	critical, names := status.ParseDescription(c.Description)
	firing := make([]status.MetaAlert, len(names))
	for i, n := range names {
		firing[i] = status.MetaAlert{Name: n}
	}
	complete := true
	if m, whole, ok := status.DecodeTargetMeta(c.Meta); ok {
		instance, raw, firing, complete = m.Instance, m.Components, m.Alerts, whole
	}
	t, exists := b.targets[c.Name]
	if !exists {
		t = b.addTarget(c.Name, instance, raw, critical)
	}
	if t.id != 0 {
		b.log.Warn("two invisible components share a name; using the first", "component", c.Name, "component_id", c.ID)
		return
	}
	t.id, t.known = c.ID, observed(c, b.head)
	t.foreign = c.Enabled || c.GroupID != 0
	if c.Status == status.Operational {
		t.upSince = c.Updated
	}
	// A notification that arrived before this load is newer than what
	// Cachet holds.
	if c.Status != status.MajorOutage || len(t.alerts) > 0 {
		return
	}
	if len(firing) == 0 || !complete {
		t.alerts[restoredAny] = &alertState{name: "unknown", firing: true}
	}
	for _, a := range firing {
		st := &alertState{name: a.Name, severity: a.Severity, firing: true}
		if a.Start != 0 {
			st.startsAt = time.Unix(a.Start, 0).UTC()
		}
		t.alerts[restoredKey(a.Name)] = st
	}
}

// incidentOwner finds the visible component an open incident belongs to:
// by statusbridge's metadata tag where Cachet keeps metadata, else by the
// components the incident is linked to.
func (b *Bridge) incidentOwner(in cachet.Incident, byID map[int]*service) *service {
	if v, ok := in.Meta[MetaKey]; ok {
		id := 0
		switch x := v.(type) {
		case float64:
			id = int(x)
		case string:
			_, _ = fmt.Sscan(x, &id)
		}
		return byID[id]
	}
	if in.Meta != nil {
		// Cachet keeps metadata and this incident has none of ours: it was
		// opened by a person, whom statusbridge must not overrule.
		return nil
	}
	for _, id := range in.ComponentIDs {
		if s, ok := byID[id]; ok {
			return s
		}
	}
	return nil
}

// Alerts restored from Cachet are keyed by name: their fingerprints are
// not stored there. restoredAny stands for a target that was down with no
// alert names recorded; any notification about the target replaces it.
func restoredKey(alertname string) string { return "restored:" + alertname }

const restoredAny = "restored:*"

// Loaded reports whether Load has succeeded.
func (b *Bridge) Loaded() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.loaded
}

// ComponentState is what Cachet holds for one visible component, as the
// bridge last wrote or read it.
type ComponentState struct {
	Name         string
	Status       status.Status // 0 when the component is missing in Cachet
	IncidentOpen bool
}

// Components reports every visible component, sorted by name.
func (b *Bridge) Components() []ComponentState {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]ComponentState, 0, len(b.services))
	for _, s := range b.services {
		out = append(out, ComponentState{Name: s.name, Status: s.known, IncidentOpen: s.incident != 0})
	}
	slices.SortFunc(out, func(a, b ComponentState) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Result summarises what one Apply did with its events.
type Result struct {
	Applied   int // events that changed the desired state
	Duplicate int // events equal to the state held (repeats, HA peers)
	Stale     int // events older than the state held
	// Permanent lists the writes Cachet refused for good (spec §11); the
	// rest of the batch was applied.
	Permanent []string
}

// count adds one event's outcome to r and returns it.
func (r *Result) count(o outcome) outcome {
	switch o {
	case applied:
		r.Applied++
	case duplicate:
		r.Duplicate++
	case stale:
		r.Stale++
	}
	return o
}

// Apply records events in the desired state and converges every Cachet
// object they touch. It returns only when Cachet agrees, or with an error
// when it could not be written; the desired state keeps the change either
// way and the background loop keeps trying.
func (b *Bridge) Apply(ctx context.Context, events []alertmanager.Event) (Result, error) {
	var res Result
	touched := map[string]bool{}
	b.mu.Lock()
	now := b.now()
	for _, ev := range events {
		key := targetKey(ev)
		t := b.addTarget(key, ev.Instance, ev.ComponentsRaw, ev.Critical)
		touched[key] = true
		if res.count(t.record(b.trim(ev), now)) == stale {
			b.log.Info("ignored a notification older than the state already applied",
				"fingerprint", ev.Fingerprint, "alertname", ev.AlertName, "instance", ev.Instance, "firing", ev.Firing)
		}
	}
	keys := make([]string, 0, len(touched))
	for k := range touched {
		keys = append(keys, k)
	}
	if !b.loaded {
		// Without Cachet's ids nothing can be written yet. The events are
		// kept, and written once Load has read Cachet; the 503 this
		// returns makes Alertmanager send them again all the same.
		b.pend(keys)
		b.mu.Unlock()
		return res, ErrNotLoaded
	}
	b.mu.Unlock()
	err := b.converge(ctx, keys)
	if err != nil && cachet.Classify(err) == cachet.ClassPermanent {
		// Nothing Alertmanager resends can fix: the rest is applied, and
		// the refusals are reported, logged, counted and tried at resync.
		for _, e := range leaves(err) {
			res.Permanent = append(res.Permanent, e.Error())
		}
		return res, nil
	}
	return res, err
}

// templated reports whether any incident text is a Go template, which may
// read the alerts' labels and annotations.
func templated(cfg *config.Config) bool {
	for _, text := range []string{cfg.NewIncidentName, cfg.NewIncidentMessage, cfg.ResolvedIncidentMessage, cfg.RecurringAlertUpdateMessage} {
		if strings.Contains(text, "{{") {
			return true
		}
	}
	return false
}

// trim drops what the incident texts will never read: the labels and
// annotations of a resolved alert, or of any alert when no text is a
// template. At 10,000 targets they are most of the state's memory.
func (b *Bridge) trim(ev alertmanager.Event) alertmanager.Event {
	if !ev.Firing || !b.keepAlerts {
		ev.Alert = template.Alert{}
	}
	return ev
}

func unique(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
