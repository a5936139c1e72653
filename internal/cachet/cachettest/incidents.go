package cachettest

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

func (e *Emulator) incidentQuery() allowed {
	if e.opts.Dialect == Head {
		return allowed{
			includes: []string{"components", "components.group", "updates", "user", "meta"},
			filters:  []string{"name", "status", "occurs_after", "occurs_before", "occurs_on", "meta"},
			sorts:    []string{"name", "status", "id", "created_at"},
		}
	}
	return allowed{
		includes: []string{"components", "updates", "user"},
		filters:  []string{"name", "status", "occurred_at"},
		sorts:    []string{"name", "status", "id"},
	}
}

// dateFilter applies HEAD's occurs_* filters to occurred_at; an unparseable
// value filters nothing.
func dateFilter(v any, occurred *time.Time, keep func(occ, day time.Time) bool) bool {
	s, ok := v.(string)
	if !ok {
		return true
	}
	d, ok := parseDate(s)
	if !ok {
		return true
	}
	return occurred != nil && keep(occurred.UTC(), d)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// serveIncidents serves /incidents.
func (e *Emulator) serveIncidents(req *request) response {
	if req.method == http.MethodPost {
		return e.createIncident(req)
	}
	if resp, ok := e.checkQuery(req, e.incidentQuery()); !ok {
		return resp
	}
	perPage, perOut, ok := req.q.perPage(e.opts.Dialect)
	if !ok {
		return e.serverError(req.r)
	}
	f := req.q.filters
	if f["occurred_at"] != nil {
		// BASE's partial filter runs LOWER() on a timestamp: an SQL error on
		// PostgreSQL.
		return e.serverError(req.r)
	}
	rc := e.render(req)
	var rows []*incident
	for _, id := range sortedKeys(e.incidents) {
		i := e.incidents[id]
		if i.deleted || !rc.incidentViewable(i) {
			continue
		}
		if v := f["name"]; v != nil && !partialMatch(v, i.name) {
			continue
		}
		if v := f["status"]; v != nil && !exactMatch(v, intEquals(i.status)) {
			continue
		}
		if v := f["occurs_after"]; v != nil && !dateFilter(v, i.occurredAt, func(o, d time.Time) bool { return !o.Before(d) }) {
			continue
		}
		if v := f["occurs_before"]; v != nil && !dateFilter(v, i.occurredAt, func(o, d time.Time) bool { return !o.After(d) }) {
			continue
		}
		if v := f["occurs_on"]; v != nil && !dateFilter(v, i.occurredAt, sameDay) {
			continue
		}
		if v := f["meta"]; v != nil && !metaMatch(v, i.meta) {
			continue
		}
		rows = append(rows, i)
	}
	if len(req.q.sorts) > 0 {
		slices.SortStableFunc(rows, func(x, y *incident) int {
			for _, s := range req.q.sorts {
				var c int
				switch s.field {
				case "name":
					c = cmpName(x.name, y.name, s.desc)
				case "status":
					c = cmpInt(x.status, y.status, s.desc)
				case "id":
					c = cmpInt(x.id, y.id, s.desc)
				case "created_at":
					c = x.created.Compare(y.created)
					if s.desc {
						c = -c
					}
				}
				if c != 0 {
					return c
				}
			}
			return cmp.Compare(x.id, y.id)
		})
	} else {
		slices.SortStableFunc(rows, func(x, y *incident) int {
			return cmp.Or(y.created.Compare(x.created), cmp.Compare(y.id, x.id))
		})
	}
	number := req.q.pageNumber()
	lo, hi, more := paginate(len(rows), number, perPage)
	var data []any
	for _, i := range rows[lo:hi] {
		data = append(data, rc.incident(i, incidentView{primary: true}))
	}
	return apiResp(http.StatusOK, rc.list(req.path, data, page{number: number, perPageOut: perOut, offset: lo, more: more}))
}

func (e *Emulator) findIncident(req *request) (*incident, response, bool) {
	raw := req.params[0]
	id, ok := bind(raw)
	if !ok {
		return nil, e.serverError(req.r), false
	}
	i := e.incidents[id]
	if i == nil || i.deleted {
		return nil, e.notFound(req.r, "Incident", raw), false
	}
	return i, response{}, true
}

// serveIncident serves /incidents/{id}.
func (e *Emulator) serveIncident(req *request) response {
	i, resp, ok := e.findIncident(req)
	if !ok {
		return resp
	}
	switch req.method {
	case http.MethodGet:
		rc := e.render(req)
		if !rc.incidentViewable(i) {
			return e.notFound(req.r, "Incident", req.params[0])
		}
		if resp, ok := e.checkQuery(req, allowed{includes: e.incidentQuery().includes, showOnly: true}); !ok {
			return resp
		}
		return apiResp(http.StatusOK, rc.single(rc.incident(i, incidentView{primary: true})))
	case http.MethodDelete:
		if !e.can("incidents.delete") {
			return e.forbidden(req.r)
		}
		i.deleted = true
		for id, u := range e.updates {
			if u.incidentID == i.id {
				delete(e.updates, id)
			}
		}
		return noContent()
	}
	return e.updateIncident(req, i)
}

func (e *Emulator) dateRule() rule {
	if e.opts.Dialect == Head {
		return date()
	}
	return str()
}

func (e *Emulator) createIncident(req *request) response {
	head := e.opts.Dialect == Head
	v := e.validator(req.in)
	v.field("name", required(), str(), maxLen(255))
	v.field("message", requiredWithout("template"), str())
	if head {
		v.field("template", requiredWithout("message"), str(), never())
	} else {
		v.field("template", requiredWithout("message"), str())
	}
	v.field("status", required(), enumRange(0, 4))
	v.field("visible", boolean())
	v.field("stickied", boolean())
	v.field("notifications", boolean())
	v.field("occurred_at", nullable, e.dateRule())
	if head {
		v.field("published_at", nullable, date())
	}
	v.field("template_vars", array())
	v.field("component_id", exists("components"))
	v.field("component_status", nullable, enumRange(1, 6), requiredWith("component_id"))
	v.field("components", array())
	if head {
		v.field("components.*.id", requiredWith("components"), integer(), distinct("components.*.id"), exists("components"))
	} else {
		v.field("components.*.id", requiredWith("components"), integer(), exists("components"))
	}
	v.field("components.*.status", requiredWith("components"), integer(), enumRange(1, 6))
	if head {
		v.field("meta", nullable, array())
	}
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("incidents.manage") {
		return e.forbidden(req.r)
	}
	in := req.in
	if in["template"] != nil {
		// BASE looks the slug up and renders a null template: a TypeError.
		return e.serverError(req.r)
	}
	var occurred *time.Time
	if s, ok := in["occurred_at"].(string); ok {
		t, ok := parseDate(s)
		if !ok {
			// BASE: the datetime cast throws on save.
			return e.serverError(req.r)
		}
		occurred = &t
	}

	now := e.opts.Now()
	status, _ := asInt(in["status"])
	i := &incident{
		id: e.nextID("incidents"), guid: newGUID(), name: asString(in["name"]),
		message: asString(in["message"]), status: status, baseline: status,
		occurredAt: occurred, created: now, updated: now,
	}
	if b, _ := asBool(in["visible"]); b {
		i.visible = 1
	}
	i.stickied, _ = asBool(in["stickied"])
	i.notifications, _ = asBool(in["notifications"])
	if head {
		i.publishedAt = ptr(now)
		if s, ok := in["published_at"].(string); ok {
			t, _ := parseDate(s)
			i.publishedAt = &t
		}
		if m := in["meta"]; m != nil {
			i.meta = asMeta(m)
		}
	}
	if x, ok := in["components"]; ok {
		for _, x := range items(x) {
			item, _ := x.(map[string]any)
			id, _ := asInt(item["id"])
			st, _ := asInt(item["status"])
			i.impacts = append(i.impacts, Impact{ComponentID: id, Status: st})
		}
	}
	if x, ok := in["component_id"]; ok {
		id, _ := asInt(x)
		i.componentID = ptr(id)
		if head {
			// From 17f1bd0c the legacy pair is an impact too, and wins over
			// a components[] entry for the same component.
			st, _ := asInt(in["component_status"])
			replaced := false
			for k := range i.impacts {
				if i.impacts[k].ComponentID == id {
					i.impacts[k].Status = st
					replaced = true
				}
			}
			if !replaced {
				i.impacts = append(i.impacts, Impact{ComponentID: id, Status: st})
			}
		}
	}
	e.incidents[i.id] = i
	writeIncludes(req, e.incidentQuery())
	rc := e.render(req)
	return apiResp(http.StatusCreated, rc.single(rc.incident(i, incidentView{primary: true})))
}

func (e *Emulator) updateIncident(req *request, i *incident) response {
	head := e.opts.Dialect == Head
	v := e.validator(req.in)
	v.field("name", str(), maxLen(255))
	v.field("message", str())
	v.field("status", enumRange(0, 4))
	v.field("visible", boolean())
	v.field("stickied", boolean())
	v.field("notifications", boolean())
	v.field("occurred_at", nullable, e.dateRule())
	if head {
		v.field("published_at", nullable, date())
		v.field("meta", nullable, array())
	}
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("incidents.manage") {
		return e.forbidden(req.r)
	}
	in := req.in
	var occurred *time.Time
	if s, ok := in["occurred_at"].(string); ok {
		t, ok := parseDate(s)
		if !ok {
			return e.serverError(req.r)
		}
		occurred = &t
	}
	now := e.opts.Now()
	before := i.key()
	if x, ok := in["name"]; ok {
		i.name = asString(x)
	}
	if x, ok := in["message"]; ok {
		i.message = asString(x)
	}
	if x, ok := in["status"]; ok {
		i.status, _ = asInt(x)
		i.baseline = i.status
	}
	if x, ok := in["visible"]; ok {
		b, _ := asBool(x)
		i.visible = 0
		if b {
			i.visible = 1
		}
	}
	if x, ok := in["stickied"]; ok {
		i.stickied, _ = asBool(x)
	}
	if x, ok := in["notifications"]; ok {
		i.notifications, _ = asBool(x)
	}
	if _, ok := in["occurred_at"]; ok {
		i.occurredAt = occurred
	}
	if head {
		if x, ok := in["published_at"]; ok {
			i.publishedAt = ptr(now)
			if s, ok := x.(string); ok {
				t, _ := parseDate(s)
				i.publishedAt = &t
			}
		}
		if x, ok := in["meta"]; ok && x != nil {
			i.meta = asMeta(x)
		}
	}
	if i.key() != before {
		i.updated = now
	}
	writeIncludes(req, e.incidentQuery())
	rc := e.render(req)
	return apiResp(http.StatusOK, rc.single(rc.incident(i, incidentView{primary: true})))
}

// key summarises i's columns to detect a dirty model.
func (i *incident) key() string {
	b, _ := marshalNoEscape(obj{
		{"n", i.name}, {"m", i.message}, {"s", i.status}, {"v", i.visible}, {"st", i.stickied},
		{"no", i.notifications}, {"o", i.occurredAt}, {"p", i.publishedAt}, {"me", i.meta},
	})
	return string(b)
}

func (e *Emulator) updateQuery() allowed {
	return allowed{includes: []string{"incident"}, filters: []string{"status"}, sorts: []string{"status", "created_at"}}
}

// serveUpdates serves /incidents/{id}/updates.
func (e *Emulator) serveUpdates(req *request) response {
	i, resp, ok := e.findIncident(req)
	if !ok {
		return resp
	}
	if req.method == http.MethodPost {
		return e.writeUpdate(req, i, nil)
	}
	rc := e.render(req)
	if !rc.incidentViewable(i) {
		return e.notFound(req.r, "Incident", req.params[0])
	}
	if resp, ok := e.checkQuery(req, e.updateQuery()); !ok {
		return resp
	}
	if e.opts.Dialect == Base && rc.has("incident") {
		// BASE eager-loads a relation the model does not define (e70c82a9).
		return e.serverError(req.r)
	}
	perPage, perOut, ok := req.q.perPage(e.opts.Dialect)
	if !ok {
		return e.serverError(req.r)
	}
	var rows []*update
	for _, u := range e.updatesOf(i.id) {
		if v := req.q.filters["status"]; v != nil && !exactMatch(v, intEquals(u.status)) {
			continue
		}
		rows = append(rows, u)
	}
	if len(req.q.sorts) > 0 {
		slices.SortStableFunc(rows, func(x, y *update) int {
			for _, s := range req.q.sorts {
				var c int
				switch s.field {
				case "status":
					c = cmpInt(x.status, y.status, s.desc)
				case "created_at":
					c = x.created.Compare(y.created)
					if s.desc {
						c = -c
					}
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
	for _, u := range rows[lo:hi] {
		data = append(data, rc.update(u, true))
	}
	return apiResp(http.StatusOK, rc.list(req.path, data, page{number: number, perPageOut: perOut, offset: lo, more: more}))
}

// serveUpdate serves /incidents/{id}/updates/{update}; the binding is scoped, so
// an update of another incident is a 404.
func (e *Emulator) serveUpdate(req *request) response {
	i, resp, ok := e.findIncident(req)
	if !ok {
		return resp
	}
	raw := req.params[1]
	id, ok := bind(raw)
	if !ok {
		return e.serverError(req.r)
	}
	u := e.updates[id]
	if u == nil || u.incidentID != i.id {
		return e.notFound(req.r, "Update", raw)
	}
	switch req.method {
	case http.MethodGet:
		rc := e.render(req)
		if !rc.incidentViewable(i) {
			return e.notFound(req.r, "Incident", req.params[0])
		}
		if resp, ok := e.checkQuery(req, allowed{includes: e.updateQuery().includes, showOnly: true}); !ok {
			return resp
		}
		return apiResp(http.StatusOK, rc.single(rc.update(u, true)))
	case http.MethodDelete:
		if !e.can("incident-updates.delete") {
			return e.forbidden(req.r)
		}
		delete(e.updates, id)
		if e.opts.Dialect == Head {
			e.syncIncidentStatus(i)
		}
		return noContent()
	}
	return e.writeUpdate(req, i, u)
}

// writeUpdate creates (u == nil) or edits an incident update. At HEAD both
// re-sync the incident's status column to the newest update.
func (e *Emulator) writeUpdate(req *request, i *incident, u *update) response {
	v := e.validator(req.in)
	if u == nil {
		v.field("status", required(), enumRange(0, 4))
		v.field("message", required(), str())
	} else {
		v.field("status", enumRange(0, 4))
		v.field("message", str())
	}
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("incident-updates.manage") {
		return e.forbidden(req.r)
	}
	now := e.opts.Now()
	status := http.StatusOK
	if u == nil {
		u = &update{id: e.nextID("updates"), incidentID: i.id, created: now, updated: now}
		e.updates[u.id] = u
		status = http.StatusCreated
	}
	changed := false
	if x, ok := req.in["status"]; ok {
		n, _ := asInt(x)
		changed = changed || n != u.status
		u.status = n
	}
	if x, ok := req.in["message"]; ok {
		changed = changed || asString(x) != u.message
		u.message = asString(x)
	}
	if changed && status == http.StatusOK {
		u.updated = now
	}
	if e.opts.Dialect == Head {
		e.syncIncidentStatus(i)
	}
	writeIncludes(req, e.updateQuery())
	rc := e.render(req)
	return apiResp(status, rc.single(rc.update(u, true)))
}
