package cachettest

import (
	"cmp"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// varchar is the width of Cachet's string columns; a longer value is a
// database error (500) on PostgreSQL and MySQL, not a validation error.
const varchar = 255

func (e *Emulator) componentQuery() allowed {
	a := allowed{
		includes: []string{"group", "incidents"},
		filters:  []string{"name", "status", "enabled"},
		sorts:    []string{"name", "order", "id"},
	}
	if e.opts.Dialect == Head {
		a.includes = append(a.includes, "meta")
		a.filters = append(a.filters, "meta")
	}
	return a
}

func groupViewable(g *group, authed bool) bool {
	return g.visible == 1 || (authed && g.visible == 0)
}

// componentViewable is HEAD's base set for component reads: ungrouped or in
// a group the caller may see, and enabled for guests.
func (e *Emulator) componentViewable(c *component, authed bool) bool {
	if e.opts.Dialect == Base {
		return true
	}
	if c.groupID != nil {
		if g := e.groups[*c.groupID]; g != nil && !groupViewable(g, authed) {
			return false
		}
	}
	return authed || c.enabled
}

func (rc *renderCtx) incidentViewable(i *incident) bool {
	if rc.e.opts.Dialect == Base {
		return true
	}
	if i.visible != 1 && !(rc.authed && i.visible == 0) {
		return false
	}
	return rc.manage || rc.e.published(i)
}

// componentsOf lists a group's live components in display order.
func (e *Emulator) componentsOf(groupID int) []*component {
	var out []*component
	for _, c := range e.components {
		if !c.deleted && c.groupID != nil && *c.groupID == groupID {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *component) int {
		return cmp.Or(cmpNullInt(a.order, b.order, false), cmp.Compare(a.id, b.id))
	})
	return out
}

// incidentsOf lists the live incidents with an impact on a component.
func (e *Emulator) incidentsOf(componentID int) []*incident {
	var out []*incident
	for _, id := range sortedKeys(e.incidents) {
		i := e.incidents[id]
		if i.deleted {
			continue
		}
		for _, im := range i.impacts {
			if im.ComponentID == componentID {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// cmpNullInt orders nullable ints as PostgreSQL does: NULLs last ascending,
// first descending.
func cmpNullInt(a, b *int, desc bool) int {
	var c int
	switch {
	case a == nil && b == nil:
		c = 0
	case a == nil:
		c = 1
	case b == nil:
		c = -1
	default:
		c = cmp.Compare(*a, *b)
	}
	if desc {
		return -c
	}
	return c
}

func cmpName(a, b string, desc bool) int {
	c := cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
	if desc {
		return -c
	}
	return c
}

func cmpInt(a, b int, desc bool) int {
	if desc {
		return cmp.Compare(b, a)
	}
	return cmp.Compare(a, b)
}

var phpNumeric = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// metaMatch is HEAD's MetaFilter: every key/value pair must match a stored
// value by JSON encoding, "3" matching 3 and "3", true matching true and
// "true". A comma-split (array) value drops that pair, as MetaFilter does.
func metaMatch(v any, meta map[string]any) bool {
	pairs, ok := v.(map[string]any)
	if !ok {
		return true
	}
	for key, expected := range pairs {
		if key == "" {
			continue
		}
		var candidates []any
		switch x := expected.(type) {
		case []string:
			continue
		case bool:
			candidates = []any{x, strconv.FormatBool(x)}
		case string:
			candidates = []any{x}
			if phpNumeric.MatchString(x) {
				f, _ := strconv.ParseFloat(x, 64)
				if strings.Contains(x, ".") {
					s := strconv.FormatFloat(f, 'f', -1, 64)
					if !strings.ContainsAny(s, ".eE") {
						s += ".0"
					}
					candidates = append(candidates, rawJSON(s))
				} else {
					candidates = append(candidates, rawJSON(strconv.FormatInt(int64(f), 10)))
				}
			}
			if x == "true" || x == "false" {
				candidates = append(candidates, x == "true")
			}
		default:
			candidates = []any{""}
		}
		stored, ok := meta[key]
		if !ok {
			return false
		}
		enc, err := marshalNoEscape(stored)
		if err != nil {
			return false
		}
		found := false
		for _, c := range candidates {
			ce, err := marshalNoEscape(c)
			if err == nil && string(ce) == string(enc) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// rawJSON is a pre-encoded JSON number.
type rawJSON string

// MarshalJSON returns r as is.
func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// serveComponents serves /components.
func (e *Emulator) serveComponents(req *request) response {
	if req.method == http.MethodPost {
		return e.createComponent(req)
	}
	a := e.componentQuery()
	if resp, ok := e.checkQuery(req, a); !ok {
		return resp
	}
	perPage, perOut, ok := req.q.perPage(e.opts.Dialect)
	if !ok {
		return e.serverError(req.r)
	}
	f := req.q.filters
	if _, requested := f["enabled"]; !requested && e.opts.Dialect == Head {
		f["enabled"] = true
	}
	var rows []*component
	for _, id := range e.componentRows.scan() {
		c := e.components[id]
		if c.deleted || !e.componentViewable(c, req.authed) {
			continue
		}
		if v := f["name"]; v != nil && !partialMatch(v, c.name) {
			continue
		}
		if v := f["status"]; v != nil && (c.status == nil || !exactMatch(v, intEquals(*c.status))) {
			continue
		}
		if v := f["enabled"]; v != nil && !exactMatch(v, boolEquals(c.enabled)) {
			continue
		}
		if v := f["meta"]; v != nil && !metaMatch(v, c.meta) {
			continue
		}
		rows = append(rows, c)
	}
	if len(req.q.sorts) > 0 {
		slices.SortStableFunc(rows, func(x, y *component) int {
			for _, s := range req.q.sorts {
				var c int
				switch s.field {
				case "name":
					c = cmpName(x.name, y.name, s.desc)
				case "order":
					c = cmpNullInt(x.order, y.order, s.desc)
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
	for _, c := range rows[lo:hi] {
		data = append(data, rc.component(c, componentView{primary: true}))
	}
	return apiResp(http.StatusOK, rc.list(req.path, data, page{number: number, perPageOut: perOut, offset: lo, more: more}))
}

func (e *Emulator) findComponent(req *request) (*component, response, bool) {
	raw := req.params[0]
	id, ok := bind(raw)
	if !ok {
		return nil, e.serverError(req.r), false
	}
	c := e.components[id]
	if c == nil || c.deleted {
		return nil, e.notFound(req.r, "Component", raw), false
	}
	return c, response{}, true
}

// serveComponent serves /components/{id}.
func (e *Emulator) serveComponent(req *request) response {
	c, resp, ok := e.findComponent(req)
	if !ok {
		return resp
	}
	switch req.method {
	case http.MethodGet:
		if !e.componentViewable(c, req.authed) {
			return e.notFound(req.r, "Component", req.params[0])
		}
		a := e.componentQuery()
		if resp, ok := e.checkQuery(req, allowed{includes: a.includes, showOnly: true}); !ok {
			return resp
		}
		rc := e.render(req)
		return apiResp(http.StatusOK, rc.single(rc.component(c, componentView{primary: true})))
	case http.MethodDelete:
		if !e.can("components.delete") {
			return e.forbidden(req.r)
		}
		c.deleted = true
		e.componentRows.write(c.id)
		return noContent()
	}
	return e.updateComponent(req, c)
}

func (e *Emulator) componentRules(v *validation, create bool) {
	if create {
		v.field("name", required(), str(), maxLen(255))
	} else {
		v.field("name", str(), maxLen(255))
	}
	v.field("description", str())
	v.field("status", enumRange(1, 6))
	if e.opts.Dialect == Head {
		v.field("link", str(), httpURL())
	} else {
		v.field("link", str())
	}
	v.field("order", integer(), minInt(0))
	v.field("enabled", boolean())
	v.field("component_group_id", integer(), minInt(0), exists("component_groups"))
	if e.opts.Dialect == Head {
		v.field("meta", nullable, array())
	}
}

func tooLongForColumn(in input, keys ...string) bool {
	for _, k := range keys {
		if s, ok := in[k].(string); ok && utf8.RuneCountInString(s) > varchar {
			return true
		}
	}
	return false
}

func (e *Emulator) createComponent(req *request) response {
	v := e.validator(req.in)
	e.componentRules(v, true)
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("components.manage") {
		return e.forbidden(req.r)
	}
	if tooLongForColumn(req.in, "description", "link") {
		return e.serverError(req.r)
	}
	now := e.opts.Now()
	c := &component{id: e.nextID("components"), enabled: true, created: now, updated: now}
	if e.opts.Dialect == Head {
		c.status = ptr(5)
	}
	e.applyComponent(c, req.in)
	e.components[c.id] = c
	e.componentRows.insert(c.id)
	writeIncludes(req, e.componentQuery())
	rc := e.render(req)
	return apiResp(http.StatusCreated, rc.single(rc.component(c, componentView{primary: true})))
}

func (e *Emulator) updateComponent(req *request, c *component) response {
	v := e.validator(req.in)
	e.componentRules(v, false)
	if body, ok := v.result(); !ok {
		return e.invalid(req.r, body)
	}
	if !e.can("components.manage") {
		return e.forbidden(req.r)
	}
	if tooLongForColumn(req.in, "description", "link") {
		return e.serverError(req.r)
	}
	in := req.in
	if e.opts.Dialect == Base && !in.has("enabled") {
		// BASE's UpdateComponentRequestData defaults enabled to true, so an
		// update that omits it re-enables the component (fixed 5a91e997).
		in = withField(in, "enabled", true)
	}
	before := c.snapshotKey()
	e.applyComponent(c, in)
	if c.snapshotKey() != before {
		c.updated = e.opts.Now()
		e.componentRows.write(c.id)
	}
	writeIncludes(req, e.componentQuery())
	rc := e.render(req)
	return apiResp(http.StatusOK, rc.single(rc.component(c, componentView{primary: true})))
}

// withField returns a copy of in with key set to v.
func withField(in input, key string, v any) input {
	out := make(input, len(in)+1)
	for k, x := range in {
		out[k] = x
	}
	out[key] = v
	return out
}

// applyComponent writes validated input fields onto c.
func (e *Emulator) applyComponent(c *component, in input) {
	if v, ok := in["name"]; ok {
		c.name = asString(v)
	}
	if v, ok := in["description"]; ok {
		c.description = ptr(asString(v))
	}
	if v, ok := in["status"]; ok {
		n, _ := asInt(v)
		c.status = ptr(n)
	}
	if v, ok := in["link"]; ok {
		c.link = ptr(asString(v))
	}
	if v, ok := in["order"]; ok {
		n, _ := asInt(v)
		c.order = ptr(n)
	}
	if v, ok := in["enabled"]; ok {
		b, _ := asBool(v)
		c.enabled = b
	}
	if v, ok := in["component_group_id"]; ok {
		n, _ := asInt(v)
		c.groupID = ptr(n)
	}
	if v, ok := in["meta"]; ok && v != nil && e.opts.Dialect == Head {
		c.meta = asMeta(v)
	}
}

// snapshotKey summarises c's columns to detect a dirty model.
func (c *component) snapshotKey() string {
	b, _ := marshalNoEscape(obj{
		{"n", c.name}, {"d", c.description}, {"l", c.link}, {"o", c.order}, {"s", c.status},
		{"e", c.enabled}, {"g", c.groupID}, {"m", c.meta},
	})
	return string(b)
}
