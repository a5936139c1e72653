// Package bridge keeps Cachet in step with Alertmanager. It holds the
// desired state (which alerts fire on which target), derives every
// component's status and incident from it with the rules of package status,
// and converges Cachet toward it: writes to one Cachet object are
// serialised, unrelated objects proceed in parallel, and whatever could not
// be written is retried in the background until Cachet agrees.
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

	"github.com/prometheus/alertmanager/template"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// Cachet is the part of the Cachet API the bridge drives.
type Cachet interface {
	Snapshot(ctx context.Context) (cachet.Snapshot, error)
	ListComponents(ctx context.Context) ([]cachet.Component, error)
	ListOpenIncidents(ctx context.Context) ([]cachet.Incident, error)
	Incident(ctx context.Context, id int) (cachet.Incident, error)
	CreateComponent(ctx context.Context, f cachet.ComponentFields) (cachet.Component, error)
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
	cachet   Cachet
	render   Renderer
	log      *slog.Logger
	cfg      *config.Config
	parallel int
	retryMin time.Duration
	retryMax time.Duration
	resync   time.Duration
	now      func() time.Time

	mu       sync.Mutex // guards everything below
	targets  map[string]*target
	services map[string]*service
	feeds    map[string][]*target // visible component → the targets feeding it
	locks    map[string]chan struct{}
	dirty    map[string]bool
	loaded   bool
	head     bool // Cachet derives latest_status and syncs incident status from updates
	kick     chan struct{}
}

// target is one scraped endpoint and its invisible component.
type target struct {
	key        string // the invisible component's name
	instance   string
	components []string
	critical   bool
	alerts     map[string]*alertState
	// maintenance: a silence mutes its alerts and silenced alerts are
	// shown as maintenance (Alertmanager sync).
	maintenance bool

	id        int // Cachet id; 0 until created
	known     compState
	ambiguous bool // a create's outcome is unknown: look it up first
}

type alertState struct {
	name     string
	firing   bool
	startsAt time.Time
	alert    template.Alert
	seen     time.Time // when statusbridge last heard of it
	// muted: it fires but a silence mutes it, so it does not count (seen
	// only through Alertmanager sync). It keeps its episode, so the same
	// alert firing on once the silence ends is not taken for a late one.
	muted bool
}

func (a *alertState) counts() bool { return a.firing && !a.muted }

type compState struct {
	status      status.Status
	description string
}

// service is one visible component.
type service struct {
	name  string
	group string
	id    int // 0 when Cachet has no such component
	known status.Status

	incident  int           // the open incident, 0 for none
	announced status.Status // the outage level the incident last reported
	stale     []int         // other open incidents on it, to be resolved
	resolving map[int]resolveStep
	// ambiguous marks a create or resolve whose answer was lost.
	createAmbiguous  bool
	resolveAmbiguous bool
	reported         bool // "missing in Cachet" already logged
	// personClosed is set when someone resolved statusbridge's incident in
	// Cachet during the outage: no new one is opened until it is over.
	personClosed bool
}

// New returns a Bridge for o. It does no I/O.
func New(o Options) *Bridge {
	b := &Bridge{
		cachet:   o.Cachet,
		render:   o.Renderer,
		log:      o.Logger,
		cfg:      o.Config,
		parallel: o.Parallel,
		retryMin: o.RetryMin,
		retryMax: o.RetryMax,
		resync:   o.Resync,
		now:      o.Now,
		targets:  map[string]*target{},
		services: map[string]*service{},
		feeds:    map[string][]*target{},
		locks:    map[string]chan struct{}{},
		dirty:    map[string]bool{},
		kick:     make(chan struct{}, 1),
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
	for _, g := range o.Config.Groups {
		for _, c := range g.Components {
			b.services[c] = &service{name: c, group: g.Name}
		}
	}
	for _, t := range o.Targets {
		b.addTarget(t.InvisibleName(), t.Instance, t.Components, t.Critical)
	}
	return b
}

func (b *Bridge) addTarget(key, instance string, components []string, critical bool) *target {
	if t, ok := b.targets[key]; ok {
		return t
	}
	components = unique(components)
	t := &target{key: key, instance: instance, components: components, critical: critical, alerts: map[string]*alertState{}}
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
	b.cfg = cfg
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
	for _, t := range targets {
		if old, ok := b.targets[t.InvisibleName()]; ok {
			old.critical = t.Critical
			continue
		}
		b.addTarget(t.InvisibleName(), t.Instance, t.Components, t.Critical)
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
			s.id, s.known, s.reported = c.ID, c.Status, false
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
	b.mu.Lock()
	defer b.mu.Unlock()
	b.head = snap.Head()
	byID := map[int]*service{}
	for _, c := range snap.Components {
		if s, ok := b.services[c.Name]; ok && c.Enabled {
			if s.id != 0 {
				b.log.Warn("two visible components share a name; using the first", "component", c.Name, "component_id", c.ID)
				continue
			}
			s.id, s.known = c.ID, c.Status
			byID[c.ID] = s
			continue
		}
		instance, raw, ok := status.ParseInvisibleName(c.Name)
		if !ok {
			continue
		}
		critical, names := status.ParseDescription(c.Description)
		t, exists := b.targets[c.Name]
		if !exists {
			t = b.addTarget(c.Name, instance, status.SplitComponents(raw), critical)
		}
		if t.id != 0 {
			b.log.Warn("two invisible components share a name; using the first", "component", c.Name, "component_id", c.ID)
			continue
		}
		t.id, t.known = c.ID, compState{status: c.Status, description: c.Description}
		if c.Status == status.MajorOutage {
			if len(names) == 0 {
				t.alerts[restoredAny] = &alertState{name: "unknown", firing: true}
			}
			for _, n := range names {
				t.alerts[restoredKey(n)] = &alertState{name: n, firing: true}
			}
		}
	}
	for _, in := range incs {
		s := b.incidentOwner(in, byID)
		if s == nil {
			continue
		}
		if s.incident == 0 || in.ID > s.incident {
			if s.incident != 0 {
				s.stale = append(s.stale, s.incident)
			}
			s.incident = in.ID
		} else {
			s.stale = append(s.stale, in.ID)
		}
		s.announced = s.known
	}
	for _, s := range b.services {
		if s.id == 0 {
			b.log.Warn("visible component not found in Cachet; run statusbridge setup", "component", s.name, "group", s.group)
			s.reported = true
		}
	}
	b.loaded = true
	return nil
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
}

// Apply records events in the desired state and converges every Cachet
// object they touch. It returns only when Cachet agrees, or with an error
// when it could not be written; the desired state keeps the change either
// way and the background loop keeps trying.
func (b *Bridge) Apply(ctx context.Context, events []alertmanager.Event) (Result, error) {
	var res Result
	touched := map[string]bool{}
	b.mu.Lock()
	if !b.loaded {
		b.mu.Unlock()
		// Without Cachet's ids nothing can be written; Alertmanager retries.
		return res, ErrNotLoaded
	}
	for _, ev := range events {
		key := targetKey(ev)
		t := b.addTarget(key, ev.Instance, splitRaw(ev), ev.Critical)
		touched[key] = true
		switch t.apply(ev, b.now()) {
		case applied:
			res.Applied++
		case duplicate:
			res.Duplicate++
		case stale:
			res.Stale++
			b.log.Info("ignored a notification older than the state already applied",
				"fingerprint", ev.Fingerprint, "alertname", ev.AlertName, "instance", ev.Instance, "firing", ev.Firing)
		}
	}
	b.mu.Unlock()
	keys := make([]string, 0, len(touched))
	for k := range touched {
		keys = append(keys, k)
	}
	return res, b.converge(ctx, keys)
}

// targetKey is the target an event is about: its invisible component's name.
func targetKey(ev alertmanager.Event) string {
	return status.InvisibleName(ev.Instance, ev.ComponentsRaw)
}

func splitRaw(ev alertmanager.Event) []string { return status.SplitComponents(ev.ComponentsRaw) }

// outcome is what recording one event did.
type outcome int

const (
	applied   outcome = iota
	duplicate         // the same as the state held
	stale             // older than the state held
)

// apply records one event. Notifications about one alert are ordered by
// startsAt, and at equal startsAt a resolved comes after its firing; the
// newest one wins whatever order they arrive in. So a late firing (an
// Alertmanager retry, an HA peer) cannot undo a resolve, and the resolve of
// an older episode cannot end a newer one.
func (t *target) apply(ev alertmanager.Event, now time.Time) outcome {
	// A real notification replaces what was restored from Cachet.
	delete(t.alerts, restoredKey(ev.AlertName))
	delete(t.alerts, restoredAny)
	if a := t.alerts[ev.Fingerprint]; a != nil {
		switch c := compareEpisode(ev.StartsAt, ev.Firing, a.startsAt, a.firing); {
		case c < 0:
			return stale
		case c == 0:
			a.seen = now
			if a.muted {
				a.muted = false // notified again: the silence is over
				return applied
			}
			return duplicate
		}
	}
	t.alerts[ev.Fingerprint] = &alertState{name: ev.AlertName, firing: ev.Firing, startsAt: ev.StartsAt, alert: ev.Alert, seen: now}
	return applied
}

// compareEpisode orders two notifications of one alert.
func compareEpisode(at1 time.Time, firing1 bool, at2 time.Time, firing2 bool) int {
	if c := at1.Compare(at2); c != 0 {
		return c
	}
	switch {
	case firing1 == firing2:
		return 0
	case firing1:
		return -1
	default:
		return 1
	}
}

func (t *target) down() bool {
	for _, a := range t.alerts {
		if a.counts() {
			return true
		}
	}
	return false
}

func (t *target) desired() compState {
	var names []string
	for _, a := range t.alerts {
		if a.counts() {
			names = append(names, a.name)
		}
	}
	s := status.Operational
	switch {
	case len(names) > 0:
		s = status.MajorOutage
	case t.maintenance:
		s = status.UnderMaintenance
	}
	return compState{status: s, description: status.Description(t.critical, names)}
}

// lock takes the lock that serialises writes to one Cachet object. It is
// a channel rather than a sync.Mutex so that a webhook whose deadline passes
// stops waiting for it.
func (b *Bridge) lock(ctx context.Context, key string) (unlock func(), err error) {
	b.mu.Lock()
	l, ok := b.locks[key]
	if !ok {
		l = make(chan struct{}, 1)
		b.locks[key] = l
	}
	b.mu.Unlock()
	select {
	case l <- struct{}{}:
		return func() { <-l }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for earlier writes to %q: %w", key, ctx.Err())
	}
}

const servicePrefix = "service:"

// converge brings the given targets, then the visible components they feed,
// in line with the desired state. Failed keys are left for the background.
func (b *Bridge) converge(ctx context.Context, targetKeys []string) error {
	slices.Sort(targetKeys)
	svc := map[string]bool{}
	b.mu.Lock()
	for _, k := range targetKeys {
		if t, ok := b.targets[k]; ok {
			for _, c := range t.components {
				svc[c] = true
			}
		}
	}
	b.mu.Unlock()
	names := make([]string, 0, len(svc))
	for n := range svc {
		names = append(names, n)
	}
	slices.Sort(names)
	errT := b.each(ctx, targetKeys, b.convergeTarget)
	// Visible components follow the desired target state, not what the
	// invisible writes achieved: the page must tell the truth even if a
	// hidden component could not be written.
	errS := b.each(ctx, names, b.convergeService)
	return errors.Join(errT, errS)
}

// each runs fn on every key with bounded parallelism, marking failures dirty.
func (b *Bridge) each(ctx context.Context, keys []string, fn func(context.Context, string) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, b.parallel)
	)
	for _, k := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, k); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (b *Bridge) markDirty(key string) {
	b.mu.Lock()
	b.dirty[key] = true
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *Bridge) clean(key string) {
	b.mu.Lock()
	delete(b.dirty, key)
	b.mu.Unlock()
}

// Pending returns how many Cachet objects are waiting for a retry.
func (b *Bridge) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.dirty)
}

func (b *Bridge) convergeTarget(ctx context.Context, key string) error {
	unlock, err := b.lock(ctx, key)
	if err != nil {
		b.markDirty(key)
		return err
	}
	defer unlock()
	err = b.writeTarget(ctx, key)
	if err != nil {
		b.markDirty(key)
		return err
	}
	b.clean(key)
	return nil
}

func (b *Bridge) writeTarget(ctx context.Context, key string) error {
	b.mu.Lock()
	t := b.targets[key]
	want, id, known, amb := t.desired(), t.id, t.known, t.ambiguous
	b.mu.Unlock()

	if id == 0 && amb {
		found, err := b.findComponent(ctx, key)
		if err != nil {
			return fmt.Errorf("look up invisible component %q after a lost create: %w", key, err)
		}
		if found != nil {
			id, known = found.ID, compState{status: found.Status, description: found.Description}
			b.mu.Lock()
			t.id, t.known, t.ambiguous = id, known, false
			b.mu.Unlock()
		}
	}
	if id == 0 {
		c, err := b.cachet.CreateComponent(ctx, cachet.ComponentFields{
			Name:        cachet.Ptr(key),
			Description: cachet.Ptr(want.description),
			Status:      cachet.Ptr(want.status),
			Enabled:     cachet.Ptr(false),
		})
		if err != nil {
			if cachet.Ambiguous(err) {
				b.mu.Lock()
				t.ambiguous = true
				b.mu.Unlock()
			}
			return fmt.Errorf("create invisible component %q: %w", key, err)
		}
		b.mu.Lock()
		t.id, t.known, t.ambiguous = c.ID, want, false
		b.mu.Unlock()
		b.log.Info("created invisible component", "component", key, "component_id", c.ID)
		b.logChange(key, 0, want.status)
		return nil
	}
	if want == known {
		return nil
	}
	// enabled:false on every write: Cachet before 2026-07 re-enables a
	// component whose update omits it, which would publish the target.
	_, err := b.cachet.UpdateComponent(ctx, id, cachet.ComponentFields{
		Description: cachet.Ptr(want.description),
		Status:      cachet.Ptr(want.status),
		Enabled:     cachet.Ptr(false),
	})
	if err != nil {
		return fmt.Errorf("update invisible component %q (id %d): %w", key, id, err)
	}
	b.mu.Lock()
	t.known = want
	b.mu.Unlock()
	if want.status != known.status {
		b.logChange(key, known.status, want.status)
	}
	return nil
}

func (b *Bridge) findComponent(ctx context.Context, name string) (*cachet.Component, error) {
	comps, err := b.cachet.ListComponents(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range comps {
		if c.Name == name {
			return &c, nil
		}
	}
	return nil, nil
}

func (b *Bridge) logChange(component string, from, to status.Status) {
	b.log.Info("[COMPONENT_STATUS_CHANGE]", "component", component, "old_status", from, "new_status", to)
}

func (b *Bridge) convergeService(ctx context.Context, name string) error {
	key := servicePrefix + name
	unlock, err := b.lock(ctx, key)
	if err != nil {
		b.markDirty(key)
		return err
	}
	defer unlock()
	err = b.writeService(ctx, name)
	if err != nil {
		b.markDirty(key)
		return err
	}
	b.clean(key)
	return nil
}

// serviceView is a consistent snapshot of one visible component.
type serviceView struct {
	s      *service
	want   status.Status
	ok     bool
	alerts template.Alerts
}

func (b *Bridge) view(name string) (serviceView, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.services[name]
	if !ok {
		return serviceView{}, false
	}
	var ts []status.Target
	var alerts template.Alerts
	for _, t := range b.feeds[name] {
		ts = append(ts, status.Target{Down: t.down(), Critical: t.critical, Maintenance: t.maintenance})
		for _, a := range t.alerts {
			if a.counts() && a.alert.Labels != nil {
				alerts = append(alerts, a.alert)
			}
		}
	}
	want, ok := status.Aggregate(ts)
	return serviceView{s: s, want: want, ok: ok, alerts: alerts}, true
}

func (b *Bridge) writeService(ctx context.Context, name string) error {
	v, exists := b.view(name)
	if !exists {
		return nil // reported when the target was first seen
	}
	s := v.s
	b.mu.Lock()
	id, known := s.id, s.known
	if id == 0 && !s.reported {
		s.reported = true
		b.log.Warn("visible component not found in Cachet; run statusbridge setup", "component", name, "group", s.group)
	}
	b.mu.Unlock()
	if id == 0 || !v.ok {
		return nil
	}
	if v.want != known {
		if _, err := b.cachet.UpdateComponent(ctx, id, cachet.ComponentFields{Status: cachet.Ptr(v.want)}); err != nil {
			return fmt.Errorf("update component %q (id %d) to %v: %w", name, id, v.want, err)
		}
		b.mu.Lock()
		s.known = v.want
		b.mu.Unlock()
		b.logChange(name, known, v.want)
	}
	return b.writeIncident(ctx, v)
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
