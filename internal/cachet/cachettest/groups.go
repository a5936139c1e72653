package cachettest

import (
	"cmp"
	"net/http"
	"slices"
)

func (e *Emulator) groupQuery() allowed {
	a := allowed{includes: []string{"components"}, sorts: []string{"name", "id"}}
	if e.opts.Dialect == Head {
		a.includes = append(a.includes, "meta")
		a.filters = []string{"meta"}
	}
	return a
}

// serveGroups serves /component-groups.
func (e *Emulator) serveGroups(req *request) response {
	if req.method == http.MethodPost {
		return e.createGroup(req)
	}
	if resp, ok := e.checkQuery(req, e.groupQuery()); !ok {
		return resp
	}
	perPage, perOut, ok := req.q.perPage(e.opts.Dialect)
	if !ok {
		return e.serverError(req.r)
	}
	var rows []*group
	for _, id := range e.groupRows.scan() {
		g := e.groups[id]
		if e.opts.Dialect == Head && !groupViewable(g, req.authed) {
			continue
		}
		if v := req.q.filters["meta"]; v != nil && !metaMatch(v, g.meta) {
			continue
		}
		rows = append(rows, g)
	}
	if len(req.q.sorts) > 0 {
		slices.SortStableFunc(rows, func(x, y *group) int {
			for _, s := range req.q.sorts {
				var c int
				switch s.field {
				case "name":
					c = cmpName(x.name, y.name, s.desc)
				case "id":
					c = cmpInt(x.id, y.id, s.desc)
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
	rc := e.render(req)
	var data []any
	for _, g := range rows[lo:hi] {
		data = append(data, rc.group(g, groupView{primary: true}))
	}
	return apiResp(http.StatusOK, rc.list(req.path, data, page{number: number, perPageOut: perOut, offset: lo, more: more}))
}

// serveGroup serves /component-groups/{id}.
func (e *Emulator) serveGroup(req *request) response {
	raw := req.params[0]
	id, ok := bind(raw)
	if !ok {
		return e.serverError(req.r)
	}
	g := e.groups[id]
	if g == nil {
		return e.notFound(req.r, "ComponentGroup", raw)
	}
	switch req.method {
	case http.MethodGet:
		if e.opts.Dialect == Head && !groupViewable(g, req.authed) {
			return e.notFound(req.r, "ComponentGroup", raw)
		}
		if resp, ok := e.checkQuery(req, allowed{includes: e.groupQuery().includes, showOnly: true}); !ok {
			return resp
		}
		rc := e.render(req)
		return apiResp(http.StatusOK, rc.single(rc.group(g, groupView{primary: true})))
	case http.MethodDelete:
		if !e.can("component-groups.delete") {
			return e.forbidden(req.r)
		}
		delete(e.groups, id)
		e.groupRows.remove(id)
		// Deleting a group ungroups its components, soft-deleted ones too.
		for _, cid := range sortedKeys(e.components) {
			if c := e.components[cid]; c.groupID != nil && *c.groupID == id {
				c.groupID = nil
				e.componentRows.write(cid)
			}
		}
		return noContent()
	}
	return e.writeGroup(req, g)
}

func (e *Emulator) groupRules(v *validation, create bool) {
	if create {
		v.field("name", required(), str(), maxLen(255))
	} else {
		v.field("name", str(), maxLen(255))
	}
	v.field("order", integer(), minInt(0))
	v.field("visible", boolean())
	v.field("components", array())
	v.field("components.*", integer(), minInt(0), exists("components"))
	if e.opts.Dialect == Head {
		v.field("collapsed", enumRange(0, 2))
		v.field("order_column", in("id", "last_updated", "name", "manual", "status"))
		v.field("order_direction", rule{implicit: true, check: func(v *validation, attr string, val any) string {
			col, ok := v.in["order_column"].(string)
			if !ok || col == "manual" || val != nil {
				return ""
			}
			return "The order direction field is required unless order column is in manual."
		}}, in("asc", "desc"))
		v.field("meta", nullable, array())
	}
}

func (e *Emulator) createGroup(req *request) response {
	return e.writeGroup(req, nil)
}

// writeGroup creates (g == nil) or updates a group.
func (e *Emulator) writeGroup(req *request, g *group) response {
	create := g == nil
	v := e.validator(req.in)
	e.groupRules(v, create)
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("component-groups.manage") {
		return e.forbidden(req.r)
	}
	now := e.opts.Now()
	written := map[string]bool{}
	if create {
		// Database defaults: order 0, visible 0 (logged-in users), collapsed 1.
		g = &group{id: e.nextID("groups"), order: ptr(0), collapsed: 1, created: now, updated: now}
		e.groups[g.id] = g
		e.groupRows.insert(g.id)
	}
	changed := false
	in := req.in
	if x, ok := in["name"]; ok {
		changed = changed || g.name != asString(x)
		g.name = asString(x)
		written["name"] = true
	}
	if x, ok := in["order"]; ok {
		n, _ := asInt(x)
		changed = changed || deref(g.order) != n
		g.order = ptr(n)
		written["order"] = true
	}
	if x, ok := in["visible"]; ok {
		b, _ := asBool(x)
		n := 0
		if b {
			n = 1
		}
		changed = changed || g.visible != n
		g.visible = n
		written["visible"] = true
	}
	if e.opts.Dialect == Head {
		if x, ok := in["collapsed"]; ok {
			n, _ := asInt(x)
			changed = changed || g.collapsed != n
			g.collapsed = n
			written["collapsed"] = true
		}
		if x, ok := in["order_column"]; ok {
			g.orderColumn = ptr(asString(x))
			changed = true
		}
		if x, ok := in["order_direction"]; ok {
			g.orderDirection = ptr(asString(x))
			changed = true
		}
		if x, ok := in["meta"]; ok && x != nil {
			g.meta = asMeta(x)
			changed = true
		}
	}
	if ids, ok := in["components"]; ok {
		for _, x := range items(ids) {
			n, _ := asInt(x)
			if c := e.components[n]; c != nil && deref(c.groupID) != g.id {
				c.groupID = ptr(g.id)
				e.componentRows.write(c.id)
			}
		}
	}
	if changed && !create {
		g.updated = now
		e.groupRows.write(g.id)
	}
	writeIncludes(req, e.groupQuery())
	rc := e.render(req)
	if create {
		return apiResp(http.StatusCreated, rc.single(rc.group(g, groupView{primary: true, fresh: written})))
	}
	return apiResp(http.StatusOK, rc.single(rc.group(g, groupView{primary: true})))
}
