package cachettest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// obj is a JSON object that keeps its key order, so responses read like
// Cachet's.
type obj []kv

type kv struct {
	k string
	v any
}

// MarshalJSON encodes o with its keys in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(p.k)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		v, err := marshalNoEscape(p.v)
		if err != nil {
			return nil, fmt.Errorf("encode %q: %w", p.k, err)
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

var componentLabels = map[int]string{
	1: "Operational", 2: "Performance Issues", 3: "Partial Outage",
	4: "Major Outage", 5: "Unknown", 6: "Under maintenance",
}

var incidentLabels = map[int]string{
	0: "Reported", 1: "Investigating", 2: "Identified", 3: "Watching", 4: "Fixed",
}

func statusObj(labels map[int]string, v *int) obj {
	if v == nil {
		return obj{{"human", nil}, {"value", nil}}
	}
	return obj{{"human", labels[*v]}, {"value", *v}}
}

const laravelTime = "2006-01-02 15:04:05"

func (rc *renderCtx) ts(t *time.Time) obj {
	if t == nil || t.IsZero() {
		return obj{{"human", nil}, {"string", nil}}
	}
	return obj{{"human", diffForHumans(*t, rc.now)}, {"string", t.UTC().Format(laravelTime)}}
}

// diffForHumans mimics Carbon's default diffForHumans in English.
func diffForHumans(t, now time.Time) string {
	d := now.Sub(t)
	suffix := "ago"
	if d < 0 {
		d, suffix = -d, "from now"
	}
	secs := int64(d / time.Second)
	type unit struct {
		name string
		secs int64
	}
	units := []unit{
		{"year", 365 * 86400}, {"month", 30 * 86400}, {"week", 7 * 86400},
		{"day", 86400}, {"hour", 3600}, {"minute", 60},
	}
	n, name := max(secs, 1), "second"
	for _, u := range units {
		if secs >= u.secs {
			n, name = secs/u.secs, u.name
			break
		}
	}
	if n != 1 {
		name += "s"
	}
	return fmt.Sprintf("%d %s %s", n, name, suffix)
}

// renderCtx carries what a serialisation needs to know about the request.
type renderCtx struct {
	e        *Emulator
	now      time.Time
	authed   bool
	manage   bool // token holds incidents.manage (sees unpublished incidents)
	includes []string
	included *includer
}

func (rc *renderCtx) has(include string) bool {
	for _, i := range rc.includes {
		if i == include {
			return true
		}
	}
	return false
}

// includer gathers the top-level "included" array, de-duplicated by type
// and id in first-seen order.
type includer struct {
	seen map[string]bool
	list []any
}

func (in *includer) add(typ string, id int, build func() obj) {
	if in.seen == nil {
		in.seen = map[string]bool{}
	}
	key := typ + ":" + strconv.Itoa(id)
	if in.seen[key] {
		return
	}
	in.seen[key] = true
	// Reserve the slot first so a resource precedes what it includes itself.
	at := len(in.list)
	in.list = append(in.list, nil)
	in.list[at] = build()
}

func ident(typ string, id int) obj {
	return obj{{"type", typ}, {"id", strconv.Itoa(id)}}
}

func resource(typ string, id int, attrs, rels obj) obj {
	o := obj{{"id", strconv.Itoa(id)}, {"type", typ}, {"attributes", attrs}}
	if len(rels) > 0 {
		o = append(o, kv{"relationships", rels})
	}
	return o
}

// metaValue serialises a meta set as HEAD does: an empty set is [].
func metaValue(m map[string]any) any {
	if len(m) == 0 {
		return []any{}
	}
	return m
}

type componentView struct {
	pivot    *int // component_status when serialised under an incident
	groupRel bool // add relationships.group (include=components.group)
	// scopeGroup drops a group the caller may not see from groupRel, as
	// the schedules' include=components.group does at HEAD.
	scopeGroup bool
	primary    bool // top-level resource: honours include=group/incidents/meta
}

func (rc *renderCtx) component(c *component, v componentView) obj {
	e := rc.e
	attrs := obj{
		{"id", c.id}, {"name", c.name}, {"description", c.description},
		{"link", c.link}, {"order", c.order}, {"status", statusObj(componentLabels, c.status)},
	}
	if e.opts.Dialect == Head {
		ls := e.latestStatus(c)
		attrs = append(attrs, kv{"latest_status", statusObj(componentLabels, &ls)})
	}
	attrs = append(attrs, kv{"enabled", c.enabled})
	switch {
	case e.opts.Dialect == Base:
		var meta any
		if c.meta != nil {
			meta = c.meta
		}
		attrs = append(attrs, kv{"meta", meta})
	case v.primary && rc.has("meta"):
		attrs = append(attrs, kv{"meta", metaValue(c.meta)})
	}
	attrs = append(attrs, kv{"created", rc.ts(&c.created)}, kv{"updated", rc.ts(&c.updated)})
	if v.pivot != nil {
		attrs = append(attrs, kv{"pivot", obj{{"component_status", statusObj(componentLabels, v.pivot)}}})
	}

	var rels obj
	groupRel := func() {
		var data any
		if c.groupID != nil {
			if g := e.groups[*c.groupID]; g != nil && !(v.scopeGroup && e.opts.Dialect == Head && !groupViewable(g, rc.authed)) {
				data = ident("componentGroups", g.id)
				rc.included.add("componentGroups", g.id, func() obj { return rc.group(g, groupView{}) })
			}
		}
		rels = append(rels, kv{"group", obj{{"data", data}}})
	}
	if v.groupRel {
		groupRel()
	}
	if v.primary {
		for _, inc := range rc.includes {
			switch inc {
			case "group":
				groupRel()
			case "incidents":
				data := []any{}
				for _, i := range e.incidentsOf(c.id) {
					if !rc.incidentViewable(i) {
						continue
					}
					data = append(data, ident("incidents", i.id))
					rc.included.add("incidents", i.id, func() obj { return rc.incident(i, incidentView{}) })
				}
				rels = append(rels, kv{"incidents", obj{{"data", data}}})
			}
		}
	}
	return resource("components", c.id, attrs, rels)
}

type groupView struct {
	primary bool
	// fresh marks a create response: columns the request did not write show
	// as null because Laravel does not re-read the row.
	fresh map[string]bool
}

func (rc *renderCtx) group(g *group, v groupView) obj {
	e := rc.e
	unwritten := func(col string) bool { return v.fresh != nil && !v.fresh[col] }
	var order, visible, collapsed any = g.order, g.visible, g.collapsed
	if unwritten("order") {
		order = nil
	}
	if unwritten("visible") {
		visible = nil
	}
	if unwritten("collapsed") {
		collapsed = nil
	}
	attrs := obj{{"id", g.id}, {"name", g.name}, {"order", order}}
	if e.opts.Dialect == Head {
		attrs = append(attrs,
			kv{"order_column", g.orderColumn}, kv{"order_direction", g.orderDirection},
			kv{"collapsed", collapsed})
	}
	attrs = append(attrs, kv{"visible", visible})
	if e.opts.Dialect == Head && v.primary && rc.has("meta") {
		attrs = append(attrs, kv{"meta", metaValue(g.meta)})
	}
	attrs = append(attrs, kv{"created", rc.ts(&g.created)}, kv{"updated", rc.ts(&g.updated)})

	var rels obj
	if v.primary && rc.has("components") {
		data := []any{}
		for _, c := range e.componentsOf(g.id) {
			if e.opts.Dialect == Head && !rc.authed && !c.enabled {
				continue
			}
			data = append(data, ident("components", c.id))
			rc.included.add("components", c.id, func() obj { return rc.component(c, componentView{}) })
		}
		rels = append(rels, kv{"components", obj{{"data", data}}})
	}
	return resource("componentGroups", g.id, attrs, rels)
}

type incidentView struct {
	primary bool
}

func (rc *renderCtx) incident(i *incident, v incidentView) obj {
	e := rc.e
	status := e.displayStatus(i)
	attrs := obj{{"id", i.id}, {"guid", i.guid}, {"name", i.name}, {"message", i.message}}
	if e.opts.Dialect == Base {
		attrs = append(attrs, kv{"component_id", i.componentID})
	}
	attrs = append(attrs,
		kv{"visible", i.visible}, kv{"stickied", i.stickied}, kv{"notifications", i.notifications})
	if e.opts.Dialect == Head && v.primary && rc.has("meta") {
		attrs = append(attrs, kv{"meta", metaValue(i.meta)})
	}
	attrs = append(attrs, kv{"status", statusObj(incidentLabels, &status)}, kv{"occurred", rc.ts(i.occurredAt)})
	if e.opts.Dialect == Head {
		attrs = append(attrs, kv{"published", rc.ts(i.publishedAt)})
	}
	attrs = append(attrs, kv{"created", rc.ts(&i.created)}, kv{"updated", rc.ts(&i.updated)})

	var rels obj
	if v.primary {
		for _, inc := range rc.includes {
			switch inc {
			case "components":
				data := []any{}
				withGroup := rc.has("components.group")
				for _, im := range i.impacts {
					c := e.components[im.ComponentID]
					if c == nil || c.deleted {
						continue
					}
					data = append(data, ident("components", c.id))
					st := im.Status
					rc.included.add("components", c.id, func() obj {
						return rc.component(c, componentView{pivot: &st, groupRel: withGroup})
					})
				}
				rels = append(rels, kv{"components", obj{{"data", data}}})
			case "updates":
				data := []any{}
				for _, u := range e.updatesOf(i.id) {
					data = append(data, ident("updates", u.id))
					rc.included.add("updates", u.id, func() obj { return rc.update(u, false) })
				}
				rels = append(rels, kv{"updates", obj{{"data", data}}})
			case "user":
				rels = append(rels, kv{"user", obj{{"data", nil}}})
			}
		}
	}
	return resource("incidents", i.id, attrs, rels)
}

func (rc *renderCtx) update(u *update, primary bool) obj {
	attrs := obj{
		{"id", u.id}, {"updateable_id", u.incidentID}, {"updateable_type", "incident"},
		{"message", u.message}, {"status", statusObj(incidentLabels, &u.status)},
		{"created", rc.ts(&u.created)}, {"updated", rc.ts(&u.updated)},
	}
	var rels obj
	// BASE accepts include=incident on show but serialises nothing for it.
	if primary && rc.e.opts.Dialect == Head && rc.has("incident") {
		var data any
		if i := rc.e.incidents[u.incidentID]; i != nil && !i.deleted {
			data = ident("incidents", i.id)
			rc.included.add("incidents", i.id, func() obj { return rc.incident(i, incidentView{}) })
		}
		rels = append(rels, kv{"incident", obj{{"data", data}}})
	}
	return resource("updates", u.id, attrs, rels)
}

// single wraps one resource in the JSON:API document.
func (rc *renderCtx) single(res obj) obj {
	doc := obj{{"data", res}}
	if len(rc.included.list) > 0 {
		doc = append(doc, kv{"included", rc.included.list})
	}
	return doc
}

// page is one simplePaginate page.
type page struct {
	number int
	// perPageOut is meta.per_page as Cachet prints it: an int at HEAD, the
	// raw query string at BASE.
	perPageOut any
	offset     int
	more       bool
}

// paginate cuts n rows into the requested page: rows [lo, hi), and whether
// at least one more row follows (simplePaginate fetches per_page+1 rows).
func paginate(n, number, perPage int) (lo, hi int, more bool) {
	lo = n
	if number-1 <= n/perPage {
		lo = (number - 1) * perPage
	}
	hi = n
	if perPage < n-lo {
		hi = lo + perPage
	}
	return lo, hi, hi < n
}

// list wraps a page of resources with links and meta.
func (rc *renderCtx) list(path string, data []any, p page) obj {
	if data == nil {
		data = []any{}
	}
	doc := obj{{"data", data}}
	if len(rc.included.list) > 0 {
		doc = append(doc, kv{"included", rc.included.list})
	}
	link := func(n int) string { return path + "?page=" + strconv.Itoa(n) }
	links := obj{{"first", link(1)}}
	if p.number > 1 {
		links = append(links, kv{"prev", link(p.number - 1)})
	}
	if p.more {
		links = append(links, kv{"next", link(p.number + 1)})
	}
	var from, to any
	if len(data) > 0 {
		from, to = p.offset+1, p.offset+len(data)
	}
	meta := obj{{"current_page", p.number}}
	if rc.e.opts.Dialect == Head {
		meta = append(meta, kv{"current_page_url", link(p.number)})
	}
	meta = append(meta, kv{"from", from}, kv{"path", path}, kv{"per_page", p.perPageOut}, kv{"to", to})
	return append(doc, kv{"links", links}, kv{"meta", meta})
}
