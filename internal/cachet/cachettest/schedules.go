package cachettest

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Schedule is a snapshot of one schedule (maintenance window) row with its
// impacts (spec 7).
type Schedule struct {
	ID      int
	Name    string
	Message string
	// Status is computed from the times against the emulator's clock when
	// the snapshot is taken: 0 upcoming, 1 in progress, 2 complete. It is
	// ignored by AddSchedule.
	Status      int
	ScheduledAt time.Time
	// CompletedAt is the window's end; the zero time means open-ended.
	CompletedAt time.Time
	// PublishedAt is published_at (HEAD); the zero time means published.
	PublishedAt   time.Time
	Notifications bool
	// Impacts are the schedule_components rows: the status the window
	// shows on each component while it is in progress.
	Impacts []Impact
	Meta    map[string]any
}

type schedule struct {
	id            int
	name          string
	message       string
	scheduledAt   time.Time
	completedAt   *time.Time
	publishedAt   *time.Time
	notifications bool
	impacts       []Impact
	meta          map[string]any
	created       time.Time
	updated       time.Time
	deleted       bool
}

// Schedule statuses (ScheduleStatusEnum).
const (
	scheduleUpcoming   = 0
	scheduleInProgress = 1
	scheduleComplete   = 2
)

var scheduleLabels = map[int]string{
	scheduleUpcoming: "Upcoming", scheduleInProgress: "In progress", scheduleComplete: "Complete",
}

// status is Schedule::status(), the accessor every read serialises: it
// compares with the clock at full precision, unlike the SQL scopes.
func (s *schedule) status(now time.Time) int {
	switch {
	case s.scheduledAt.After(now):
		return scheduleUpcoming
	case s.completedAt == nil || !s.completedAt.Before(now):
		return scheduleInProgress
	}
	return scheduleComplete
}

// inState is the SQL scope behind filter[status] and a component's
// activeMaintenance: now is bound as Y-m-d H:i:s, so a window ended at the
// current second still counts as in progress (spec 7.4). An inverted
// window matches both upcoming and complete.
func (s *schedule) inState(state int, now time.Time) bool {
	now = now.Truncate(time.Second)
	switch state {
	case scheduleUpcoming:
		return !s.scheduledAt.Before(now)
	case scheduleInProgress:
		return !s.scheduledAt.After(now) && (s.completedAt == nil || !s.completedAt.Before(now))
	case scheduleComplete:
		return s.completedAt != nil && !s.completedAt.After(now)
	}
	return false
}

func (e *Emulator) schedulePublished(s *schedule) bool {
	return s.publishedAt == nil || !s.publishedAt.After(e.opts.Now())
}

// maintenance is the most severe impact of the published, live, in-progress
// schedules on a component (spec 7.5 item 1); ok is false when none covers
// it.
func (e *Emulator) maintenance(componentID int) (status int, ok bool) {
	now := e.opts.Now()
	for _, s := range e.schedules {
		if s.deleted || !e.schedulePublished(s) || !s.inState(scheduleInProgress, now) {
			continue
		}
		for _, im := range s.impacts {
			if im.ComponentID == componentID && (!ok || severity(im.Status) > severity(status)) {
				status, ok = im.Status, true
			}
		}
	}
	return status, ok
}

func (e *Emulator) scheduleSnapshot(s *schedule) Schedule {
	return Schedule{
		ID: s.id, Name: s.name, Message: s.message, Status: s.status(e.opts.Now()),
		ScheduledAt: s.scheduledAt, CompletedAt: deref(s.completedAt), PublishedAt: deref(s.publishedAt),
		Notifications: s.notifications, Impacts: slices.Clone(s.impacts), Meta: cloneMeta(s.meta),
	}
}

// Schedules returns the schedules that are not soft-deleted, by id.
func (e *Emulator) Schedules() []Schedule {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Schedule
	for _, id := range sortedKeys(e.schedules) {
		if s := e.schedules[id]; !s.deleted {
			out = append(out, e.scheduleSnapshot(s))
		}
	}
	return out
}

// AddSchedule stores s with its impacts as if inserted in the database and
// returns its id. s.ID and s.Status are ignored; times are kept to the
// second, as the database columns do. A zero PublishedAt means published.
func (e *Emulator) AddSchedule(s Schedule) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	id := e.nextID("schedules")
	row := &schedule{
		id: id, name: s.Name, message: s.Message, scheduledAt: s.ScheduledAt.UTC().Truncate(time.Second),
		notifications: s.Notifications, impacts: slices.Clone(s.Impacts), meta: cloneMeta(s.Meta),
		created: now, updated: now,
	}
	if !s.CompletedAt.IsZero() {
		row.completedAt = ptr(s.CompletedAt.UTC().Truncate(time.Second))
	}
	if !s.PublishedAt.IsZero() {
		row.publishedAt = ptr(s.PublishedAt.UTC().Truncate(time.Second))
	}
	e.schedules[id] = row
	e.scheduleRows.insert(id)
	return id
}

func (e *Emulator) scheduleQuery() allowed {
	a := allowed{
		includes: []string{"components", "components.group", "updates", "user", "componentsCount", "updatesCount"},
		filters:  []string{"name", "status"},
		sorts:    []string{"name", "id", "scheduled_at", "completed_at"},
	}
	if e.opts.Dialect == Head {
		a.includes = append(a.includes, "meta")
		a.filters = append(a.filters, "meta")
	}
	return a
}

// scheduleViewable is HEAD's publish scoping: an embargoed schedule is
// seen only by a token with schedules.manage. BASE has none.
func (e *Emulator) scheduleViewable(s *schedule, authed bool) bool {
	return e.opts.Dialect == Base || e.schedulePublished(s) || (authed && e.can("schedules.manage"))
}

// statusFilter is ScheduleStatusFilter: a comma list is ORed, and values
// that are not 0, 1 or 2 are dropped; with none left the filter does
// nothing (spec 7.3: "upcoming" and "7" give the whole list).
func statusFilter(v any) []int {
	var raw []string
	switch x := v.(type) {
	case string:
		raw = []string{x}
	case []string:
		raw = x
	}
	var out []int
	for _, r := range raw {
		if n, err := strconv.Atoi(r); err == nil && n >= scheduleUpcoming && n <= scheduleComplete {
			out = append(out, n)
		}
	}
	return out
}

// serveSchedules serves /schedules.
func (e *Emulator) serveSchedules(req *request) response {
	if req.method == http.MethodPost {
		return e.createSchedule(req)
	}
	if resp, ok := e.checkQuery(req, e.scheduleQuery()); !ok {
		return resp
	}
	rc := e.render(req)
	if rc.has("user") {
		// The include is allowed but the model has no such relation.
		return e.serverError(req.r)
	}
	perPage, perOut, ok := req.q.perPage(e.opts.Dialect)
	if !ok {
		return e.serverError(req.r)
	}
	f := req.q.filters
	states := statusFilter(f["status"])
	now := e.opts.Now()
	var rows []*schedule
	for _, id := range e.scheduleRows.scan() {
		s := e.schedules[id]
		if s.deleted || !e.scheduleViewable(s, req.authed) {
			continue
		}
		if v := f["name"]; v != nil && !partialMatch(v, s.name) {
			continue
		}
		if len(states) > 0 && !slices.ContainsFunc(states, func(st int) bool { return s.inState(st, now) }) {
			continue
		}
		if v := f["meta"]; v != nil && !metaMatch(v, s.meta) {
			continue
		}
		rows = append(rows, s)
	}
	if len(req.q.sorts) > 0 {
		slices.SortStableFunc(rows, func(x, y *schedule) int {
			for _, k := range req.q.sorts {
				var c int
				switch k.field {
				case "name":
					c = cmpName(x.name, y.name, k.desc)
				case "id":
					c = cmpInt(x.id, y.id, k.desc)
				case "scheduled_at":
					c = x.scheduledAt.Compare(y.scheduledAt)
					if k.desc {
						c = -c
					}
				case "completed_at":
					c = cmpNullTime(x.completedAt, y.completedAt, k.desc)
				}
				if c != 0 {
					return c
				}
			}
			return cmp.Compare(x.id, y.id)
		})
	}
	number := req.q.pageNumber()
	lo, hi, more := paginate(len(rows), number, perPage)
	var data []any
	for _, s := range rows[lo:hi] {
		data = append(data, rc.schedule(s))
	}
	return apiResp(http.StatusOK, rc.list(req.path, data, page{number: number, perPageOut: perOut, offset: lo, more: more}))
}

// cmpNullTime orders nullable times as PostgreSQL does: NULLs last
// ascending, first descending (SQLite puts them last for DESC too).
func cmpNullTime(a, b *time.Time, desc bool) int {
	var c int
	switch {
	case a == nil && b == nil:
	case a == nil:
		c = 1
	case b == nil:
		c = -1
	default:
		c = a.Compare(*b)
	}
	if desc {
		return -c
	}
	return c
}

func (e *Emulator) findSchedule(req *request) (*schedule, response, bool) {
	raw := req.params[0]
	id, ok := bind(raw)
	if !ok {
		return nil, e.serverError(req.r), false
	}
	s := e.schedules[id]
	if s == nil || s.deleted {
		return nil, e.notFound(req.r, "Schedule", raw), false
	}
	return s, response{}, true
}

// serveSchedule serves /schedules/{id}.
func (e *Emulator) serveSchedule(req *request) response {
	s, resp, ok := e.findSchedule(req)
	if !ok {
		return resp
	}
	switch req.method {
	case http.MethodGet:
		if !e.scheduleViewable(s, req.authed) {
			return e.notFound(req.r, "Schedule", req.params[0])
		}
		if resp, ok := e.checkQuery(req, allowed{includes: e.scheduleQuery().includes, showOnly: true}); !ok {
			return resp
		}
		rc := e.render(req)
		if rc.has("user") {
			return e.serverError(req.r)
		}
		return apiResp(http.StatusOK, rc.single(rc.schedule(s)))
	case http.MethodDelete:
		if !e.can("schedules.delete") {
			return e.forbidden(req.r)
		}
		// A soft delete: the impacts stay, but the window stops counting.
		s.deleted = true
		e.scheduleRows.write(s.id)
		return noContent()
	}
	return e.updateSchedule(req, s)
}

// scheduleRules declares CreateScheduleRequestData (create) or
// UpdateScheduleRequestData. The components items are validated one by
// one, id then status, as laravel-data nests them.
func (e *Emulator) scheduleRules(v *validation, create bool) {
	head := e.opts.Dialect == Head
	if create {
		v.field("name", required(), str(), maxLen(255))
		v.field("message", required(), str())
		v.field("scheduled_at", required(), date())
	} else {
		v.field("name", str(), maxLen(255))
		v.field("message", str())
		v.field("scheduled_at", nullable, date())
	}
	v.field("completed_at", nullable, date())
	if head {
		v.field("published_at", nullable, date())
		if create {
			v.field("notifications", boolean())
		}
	}
	v.field("components", array())
	if x, ok := v.in["components"]; ok {
		switch l := x.(type) {
		case []any:
			for i := range l {
				e.scheduleComponentRules(v, "components."+strconv.Itoa(i))
			}
		case map[string]any:
			for _, k := range sortedStrings(l) {
				e.scheduleComponentRules(v, "components."+k)
			}
		}
	}
	if head {
		v.field("meta", nullable, array())
	}
}

func (e *Emulator) scheduleComponentRules(v *validation, item string) {
	v.field(item, array())
	v.field(item+".id", required(), integer(), distinct("components.*.id"), exists("components"))
	v.field(item+".status", required(), enumRange(1, 6))
}

// scheduleTime reads a validated date for storage, to the second. At BASE
// the cast accepts only Y-m-d H:i:s and throws (a 500) on anything else
// (spec 7.10).
func (e *Emulator) scheduleTime(val any) (time.Time, bool) {
	s, _ := val.(string)
	if e.opts.Dialect == Base {
		t, err := time.Parse(laravelTime, s)
		return t, err == nil
	}
	t, ok := parseDate(s)
	return t.Truncate(time.Second), ok
}

// scheduleImpacts reads a validated components list.
func scheduleImpacts(x any) []Impact {
	var out []Impact
	for _, it := range items(x) {
		item, _ := it.(map[string]any)
		id, _ := asInt(item["id"])
		st, _ := asInt(item["status"])
		out = append(out, Impact{ComponentID: id, Status: st})
	}
	return out
}

// scheduleTimes parses the dates a write sends; ok=false means BASE's cast
// would throw.
func (e *Emulator) scheduleTimes(in input, keys ...string) (map[string]*time.Time, bool) {
	out := map[string]*time.Time{}
	for _, k := range keys {
		x, present := in[k]
		if !present || x == nil {
			continue
		}
		t, ok := e.scheduleTime(x)
		if !ok {
			return nil, false
		}
		out[k] = &t
	}
	return out, true
}

func (e *Emulator) createSchedule(req *request) response {
	head := e.opts.Dialect == Head
	v := e.validator(req.in)
	e.scheduleRules(v, true)
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("schedules.manage") {
		return e.forbidden(req.r)
	}
	in := req.in
	times, ok := e.scheduleTimes(in, "scheduled_at", "completed_at", "published_at")
	if !ok {
		return e.serverError(req.r)
	}
	if !head && len(items(in["components"])) > 0 {
		// BASE hands the list to sync() positionally: pivot rows keyed 0..n-1
		// with unknown columns, a database error (fixed 31cb5e0e).
		return e.serverError(req.r)
	}
	now := e.opts.Now()
	s := &schedule{
		id: e.nextID("schedules"), name: asString(in["name"]), message: asString(in["message"]),
		scheduledAt: *times["scheduled_at"], completedAt: times["completed_at"],
		impacts: scheduleImpacts(in["components"]), created: now, updated: now,
	}
	if head {
		s.publishedAt = ptr(now.Truncate(time.Second))
		if t := times["published_at"]; t != nil {
			s.publishedAt = t
		}
		s.notifications, _ = asBool(in["notifications"])
		if m := in["meta"]; m != nil {
			s.meta = asMeta(m)
		}
	}
	e.schedules[s.id] = s
	e.scheduleRows.insert(s.id)
	return e.scheduleWritten(req, s, http.StatusCreated)
}

func (e *Emulator) updateSchedule(req *request, s *schedule) response {
	head := e.opts.Dialect == Head
	v := e.validator(req.in)
	e.scheduleRules(v, false)
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("schedules.manage") {
		return e.forbidden(req.r)
	}
	in := req.in
	keys := []string{"scheduled_at"}
	if head {
		// BASE silently drops completed_at on update (fixed ade916ea).
		keys = append(keys, "completed_at", "published_at")
	}
	times, ok := e.scheduleTimes(in, keys...)
	if !ok {
		return e.serverError(req.r)
	}
	if !head && len(items(in["components"])) > 0 {
		return e.serverError(req.r)
	}
	before := s.key()
	if x, ok := in["name"]; ok {
		s.name = asString(x)
	}
	if x, ok := in["message"]; ok {
		s.message = asString(x)
	}
	// A null or missing date leaves the column: an end can be moved but
	// not removed.
	if t := times["scheduled_at"]; t != nil {
		s.scheduledAt = *t
	}
	if t := times["completed_at"]; t != nil {
		s.completedAt = t
	}
	if t := times["published_at"]; t != nil {
		s.publishedAt = t
	}
	// sync() replaces the set; an empty list changes nothing.
	if im := scheduleImpacts(in["components"]); len(im) > 0 {
		s.impacts = im
	}
	if x, ok := in["meta"]; ok && x != nil && head {
		s.meta = asMeta(x)
	}
	if s.key() != before {
		s.updated = e.opts.Now()
		e.scheduleRows.write(s.id)
	}
	return e.scheduleWritten(req, s, http.StatusOK)
}

// scheduleWritten answers a create or update: include=components is
// honoured, include=meta is not (spec 7.3), and unknown includes are
// ignored as on every write.
func (e *Emulator) scheduleWritten(req *request, s *schedule, status int) response {
	a := e.scheduleQuery()
	a.includes = []string{"components", "components.group", "updates"}
	writeIncludes(req, a)
	rc := e.render(req)
	return apiResp(status, rc.single(rc.schedule(s)))
}

// key summarises s's columns to detect a dirty model; the impacts live in
// the pivot table, so syncing them does not touch the row.
func (s *schedule) key() string {
	b, _ := marshalNoEscape(obj{
		{"n", s.name}, {"m", s.message}, {"s", s.scheduledAt}, {"c", s.completedAt},
		{"p", s.publishedAt}, {"me", s.meta},
	})
	return string(b)
}

func (rc *renderCtx) schedule(s *schedule) obj {
	e := rc.e
	head := e.opts.Dialect == Head
	attrs := obj{{"id", s.id}, {"name", s.name}, {"message", s.message}}
	if head && rc.has("meta") {
		attrs = append(attrs, kv{"meta", metaValue(s.meta)})
	}
	st := s.status(rc.now)
	attrs = append(attrs,
		kv{"status", statusObj(scheduleLabels, &st)},
		kv{"scheduled", rc.ts(&s.scheduledAt)}, kv{"completed", rc.ts(s.completedAt)})
	if head {
		attrs = append(attrs, kv{"published", rc.ts(s.publishedAt)})
	}
	attrs = append(attrs, kv{"created", rc.ts(&s.created)}, kv{"updated", rc.ts(&s.updated)})

	var rels obj
	for _, inc := range rc.includes {
		switch inc {
		case "components":
			// Disabled components are not filtered out (a leak spec 7.4
			// records); the pivot is the first schedule's on a page, since
			// included is de-duplicated.
			data := []any{}
			withGroup := rc.has("components.group")
			for _, im := range s.impacts {
				c := e.components[im.ComponentID]
				if c == nil || c.deleted {
					continue
				}
				data = append(data, ident("components", c.id))
				pivot := im.Status
				rc.included.add("components", c.id, func() obj {
					return rc.component(c, componentView{pivot: &pivot, groupRel: withGroup, scopeGroup: true})
				})
			}
			rels = append(rels, kv{"components", obj{{"data", data}}})
		case "updates":
			data := []any{}
			for _, u := range e.updatesOfSchedule(s.id) {
				data = append(data, ident("updates", u.id))
				rc.included.add("updates", u.id, func() obj { return rc.scheduleUpdate(u, false) })
			}
			rels = append(rels, kv{"updates", obj{{"data", data}}})
		}
	}
	return resource("schedules", s.id, attrs, rels)
}

// scheduleUpdate is a row of the polymorphic updates table that belongs to
// a schedule; it shares the id sequence with incident updates.
type scheduleUpdate struct {
	id         int
	scheduleID int
	message    string
	created    time.Time
	updated    time.Time
}

// updatesOfSchedule returns the updates of schedule id, by id.
func (e *Emulator) updatesOfSchedule(id int) []*scheduleUpdate {
	var out []*scheduleUpdate
	for _, uid := range sortedKeys(e.scheduleUpdates) {
		if u := e.scheduleUpdates[uid]; u.scheduleID == id {
			out = append(out, u)
		}
	}
	return out
}

func (e *Emulator) scheduleUpdateQuery() allowed {
	return allowed{includes: []string{"schedule"}, sorts: []string{"created_at"}}
}

// serveScheduleUpdates serves /schedules/{id}/updates. Reads have no
// publish scoping: an embargoed schedule's updates, and with
// include=schedule the schedule itself, are public (spec 7.4).
func (e *Emulator) serveScheduleUpdates(req *request) response {
	s, resp, ok := e.findSchedule(req)
	if !ok {
		return resp
	}
	if req.method == http.MethodPost {
		return e.writeScheduleUpdate(req, s, nil)
	}
	if resp, ok := e.checkQuery(req, e.scheduleUpdateQuery()); !ok {
		return resp
	}
	perPage, perOut, ok := req.q.perPage(e.opts.Dialect)
	if !ok {
		return e.serverError(req.r)
	}
	// No default order: rows come in insertion order, as SQLite gave them.
	rows := e.updatesOfSchedule(s.id)
	if len(req.q.sorts) > 0 {
		desc := req.q.sorts[0].desc
		slices.SortStableFunc(rows, func(x, y *scheduleUpdate) int {
			c := x.created.Compare(y.created)
			if desc {
				c = -c
			}
			return cmp.Or(c, cmp.Compare(x.id, y.id))
		})
	}
	rc := e.render(req)
	number := req.q.pageNumber()
	lo, hi, more := paginate(len(rows), number, perPage)
	var data []any
	for _, u := range rows[lo:hi] {
		data = append(data, rc.scheduleUpdate(u, true))
	}
	return apiResp(http.StatusOK, rc.list(req.path, data, page{number: number, perPageOut: perOut, offset: lo, more: more}))
}

// serveScheduleUpdate serves /schedules/{id}/updates/{update}; the binding
// is scoped, so an update of another schedule is a 404.
func (e *Emulator) serveScheduleUpdate(req *request) response {
	s, resp, ok := e.findSchedule(req)
	if !ok {
		return resp
	}
	raw := req.params[1]
	id, ok := bind(raw)
	if !ok {
		return e.serverError(req.r)
	}
	u := e.scheduleUpdates[id]
	if u == nil || u.scheduleID != s.id {
		return e.notFound(req.r, "Update", raw)
	}
	switch req.method {
	case http.MethodGet:
		if resp, ok := e.checkQuery(req, allowed{includes: e.scheduleUpdateQuery().includes, showOnly: true}); !ok {
			return resp
		}
		rc := e.render(req)
		return apiResp(http.StatusOK, rc.single(rc.scheduleUpdate(u, true)))
	case http.MethodDelete:
		if !e.can("schedule-updates.delete") {
			return e.forbidden(req.r)
		}
		delete(e.scheduleUpdates, id)
		return noContent()
	}
	return e.writeScheduleUpdate(req, s, u)
}

// writeScheduleUpdate creates (u == nil) or edits a schedule update. A
// create at HEAD may carry completed_at, which ends or moves the window
// (spec 7.6); an edit takes the message only.
func (e *Emulator) writeScheduleUpdate(req *request, s *schedule, u *scheduleUpdate) response {
	head := e.opts.Dialect == Head
	v := e.validator(req.in)
	if u == nil {
		v.field("message", required(), str())
		if head {
			v.field("completed_at", nullable, date())
		}
	} else {
		v.field("message", str())
	}
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("schedule-updates.manage") {
		return e.forbidden(req.r)
	}
	now := e.opts.Now()
	status := http.StatusOK
	if u == nil {
		u = &scheduleUpdate{id: e.nextID("updates"), scheduleID: s.id, created: now, updated: now}
		e.scheduleUpdates[u.id] = u
		status = http.StatusCreated
		if x, ok := req.in["completed_at"].(string); ok && head {
			t, _ := parseDate(x)
			s.completedAt = ptr(t.Truncate(time.Second))
			s.updated = now
			e.scheduleRows.write(s.id)
		}
	}
	if x, ok := req.in["message"]; ok {
		if asString(x) != u.message && status == http.StatusOK {
			u.updated = now
		}
		u.message = asString(x)
	}
	writeIncludes(req, e.scheduleUpdateQuery())
	rc := e.render(req)
	return apiResp(status, rc.single(rc.scheduleUpdate(u, true)))
}

func (rc *renderCtx) scheduleUpdate(u *scheduleUpdate, primary bool) obj {
	attrs := obj{
		{"id", u.id}, {"updateable_id", u.scheduleID}, {"updateable_type", "schedule"},
		{"message", u.message}, {"created", rc.ts(&u.created)}, {"updated", rc.ts(&u.updated)},
	}
	var rels obj
	if primary && rc.has("schedule") {
		var data any
		if s := rc.e.schedules[u.scheduleID]; s != nil && !s.deleted {
			data = ident("schedules", s.id)
			rc.included.add("schedules", s.id, func() obj { return rc.schedule(s) })
		}
		rels = append(rels, kv{"schedule", obj{{"data", data}}})
	}
	return resource("updates", u.id, attrs, rels)
}
