package cachettest

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// request is one API request after routing, as the handlers see it.
type request struct {
	r      *http.Request
	method string // HEAD is served as GET
	params []string
	q      *query
	in     input
	authed bool
	// path is the absolute URL of the route's path, used in list links.
	path string
}

type route struct {
	tmpl    string
	methods []string
	handle  func(e *Emulator, req *request) response
}

var (
	readOnly   = []string{http.MethodGet}
	collection = []string{http.MethodGet, http.MethodPost}
	member     = []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete}
)

// match resolves the path below /api to a route and its parameters.
func match(seg []string) (route, []string, bool) {
	switch {
	case len(seg) == 1 && seg[0] == "ping":
		return route{"/ping", readOnly, (*Emulator).ping}, nil, true
	case len(seg) == 1 && seg[0] == "components":
		return route{"/components", collection, (*Emulator).serveComponents}, nil, true
	case len(seg) == 2 && seg[0] == "components":
		return route{"/components/{id}", member, (*Emulator).serveComponent}, seg[1:], true
	case len(seg) == 1 && seg[0] == "component-groups":
		return route{"/component-groups", collection, (*Emulator).serveGroups}, nil, true
	case len(seg) == 2 && seg[0] == "component-groups":
		return route{"/component-groups/{id}", member, (*Emulator).serveGroup}, seg[1:], true
	case len(seg) == 1 && seg[0] == "schedules":
		return route{"/schedules", collection, (*Emulator).serveSchedules}, nil, true
	case len(seg) == 2 && seg[0] == "schedules":
		return route{"/schedules/{id}", member, (*Emulator).serveSchedule}, seg[1:], true
	case len(seg) == 3 && seg[0] == "schedules" && seg[2] == "updates":
		return route{"/schedules/{id}/updates", collection, (*Emulator).serveScheduleUpdates}, seg[1:2], true
	case len(seg) == 4 && seg[0] == "schedules" && seg[2] == "updates":
		return route{"/schedules/{id}/updates/{update}", member, (*Emulator).serveScheduleUpdate}, []string{seg[1], seg[3]}, true
	case len(seg) == 1 && seg[0] == "incidents":
		return route{"/incidents", collection, (*Emulator).serveIncidents}, nil, true
	case len(seg) == 2 && seg[0] == "incidents":
		return route{"/incidents/{id}", member, (*Emulator).serveIncident}, seg[1:], true
	case len(seg) == 3 && seg[0] == "incidents" && seg[2] == "updates":
		return route{"/incidents/{id}/updates", collection, (*Emulator).serveUpdates}, seg[1:2], true
	case len(seg) == 4 && seg[0] == "incidents" && seg[2] == "updates":
		return route{"/incidents/{id}/updates/{update}", member, (*Emulator).serveUpdate}, []string{seg[1], seg[3]}, true
	}
	return route{}, nil, false
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// wantsJSON is whether errors are rendered as JSON: always at HEAD
// (ForceJsonResponse); at BASE only when the client asks for JSON, as
// Laravel's expectsJson does.
func (e *Emulator) wantsJSON(r *http.Request) bool {
	if e.opts.Dialect == Head {
		return true
	}
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		return true
	}
	accept := r.Header.Get("Accept")
	first, best := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		if q > best {
			first, best = strings.ToLower(mt), q
		}
	}
	return strings.Contains(first, "/json") || strings.Contains(first, "+json")
}

// bearer extracts the token as Laravel's Request::bearerToken does.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	i := strings.LastIndex(strings.ToLower(h), "bearer ")
	if i < 0 {
		return ""
	}
	tok := h[i+len("bearer "):]
	if j := strings.IndexByte(tok, ','); j >= 0 {
		tok = tok[:j]
	}
	return tok
}

// validToken is Sanctum's lookup: "id|secret", or the bare secret.
func (e *Emulator) validToken(tok string) bool {
	if tok == "" {
		return false
	}
	if tok == e.opts.Token {
		return true
	}
	_, secret, ok := strings.Cut(e.opts.Token, "|")
	return ok && !strings.Contains(tok, "|") && tok == secret
}

// can is Sanctum's tokenCan.
func (e *Emulator) can(ability string) bool {
	for _, a := range e.opts.Abilities {
		if a == "*" || a == ability {
			return true
		}
	}
	return false
}

func (e *Emulator) handle(r *http.Request) response {
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, "/api"), "/")
	var seg []string
	if rest != "" {
		seg = strings.Split(rest, "/")
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	req := &request{r: r, method: method, authed: e.validToken(bearer(r))}

	rt, params, ok := match(seg)
	key := method + " " + rt.tmpl
	if !ok {
		key = method + " /" + rest
	}
	allowedMethod := ok && contains(rt.methods, method)
	write := isWrite(method)

	if allowedMethod && write && !req.authed {
		e.countRoute(key, write)
		return e.errResp(r, http.StatusUnauthorized, "Unauthenticated.")
	}
	if allowedMethod {
		limitKey := "ip:" + clientIP(r)
		if req.authed {
			limitKey = "token"
		}
		h, ok := e.limit(limitKey)
		if !ok {
			e.count(func(s *Stats) { s.RateLimited++ })
			resp := e.errResp(r, http.StatusTooManyRequests, "Too Many Attempts.")
			for k, v := range h {
				resp.header[k] = v
			}
			return resp
		}
		e.countRoute(key, write)
		resp := e.dispatch(rt, params, req)
		for k, v := range h {
			resp.header[k] = v
		}
		return resp
	}

	e.countRoute(key, write)
	if !ok {
		return e.errResp(r, http.StatusNotFound, "The route api/"+rest+" could not be found.")
	}
	supported := strings.Join(rt.methods, ", ")
	supported = strings.Replace(supported, "GET", "GET, HEAD", 1)
	return e.errResp(r, http.StatusMethodNotAllowed,
		"The "+r.Method+" method is not supported for route api/"+rest+". Supported methods: "+supported+".")
}

func (e *Emulator) countRoute(key string, write bool) {
	e.count(func(s *Stats) {
		if write {
			s.Writes++
		} else {
			s.Reads++
		}
		s.ByRoute[key]++
	})
}

// maxBody mirrors PHP's default post_max_size (8M).
const maxBody = 8 << 20

func (e *Emulator) dispatch(rt route, params []string, req *request) response {
	r := req.r
	req.params = params
	req.q = parseQuery(r)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	req.path = scheme + "://" + r.Host + "/api" + routePath(rt.tmpl, params)
	if isWrite(req.method) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return e.errResp(r, http.StatusBadRequest, "Bad Request")
		}
		if len(body) > maxBody {
			return e.errResp(r, http.StatusRequestEntityTooLarge, "Content Too Large")
		}
		req.in = readInput(r, body)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return rt.handle(e, req)
}

func routePath(tmpl string, params []string) string {
	out := tmpl
	for _, p := range params {
		i := strings.IndexByte(out, '{')
		j := strings.IndexByte(out, '}')
		if i < 0 || j < i {
			break
		}
		out = out[:i] + p + out[j+1:]
	}
	return out
}

// errResp renders an error as Laravel's exception handler would: JSON
// {"message"} when the client expects JSON, otherwise (BASE only) a
// redirect for authentication failures and an HTML page for the rest.
func (e *Emulator) errResp(r *http.Request, status int, msg string) response {
	if e.wantsJSON(r) {
		return jsonResp(status, obj{{"message", msg}})
	}
	if status == http.StatusUnauthorized {
		return redirect(siteURL(r) + "/login")
	}
	title := http.StatusText(status)
	if status == http.StatusInternalServerError {
		title = "Server Error"
	}
	return htmlResp(status, title)
}

// invalid renders a 422 at HEAD, or at BASE without a JSON Accept header
// the redirect back Laravel answers instead.
func (e *Emulator) invalid(r *http.Request, body obj) response {
	if e.wantsJSON(r) {
		return jsonResp(http.StatusUnprocessableEntity, body)
	}
	back := r.Header.Get("Referer")
	if back == "" {
		back = siteURL(r) + "/"
	}
	return redirect(back)
}

func redirect(to string) response {
	h := http.Header{}
	h.Set("Location", to)
	h.Set("Content-Type", "text/html; charset=UTF-8")
	return response{status: http.StatusFound, header: h, body: []byte("Redirecting to " + to)}
}

func siteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (e *Emulator) serverError(r *http.Request) response {
	return e.errResp(r, http.StatusInternalServerError, "Server Error")
}

var numericID = regexp.MustCompile(`^-?[0-9]+$`)

// bind resolves a route parameter to a primary key the way PostgreSQL
// would compare it: a non-numeric value is a query error (500).
func bind(raw string) (int, bool) {
	if !numericID.MatchString(raw) {
		return 0, false
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

func (e *Emulator) notFound(r *http.Request, model, raw string) response {
	return e.errResp(r, http.StatusNotFound, "No query results for model [Cachet\\Models\\"+model+"] "+raw)
}

func (e *Emulator) forbidden(r *http.Request) response {
	return e.errResp(r, http.StatusForbidden, "Invalid ability provided.")
}

func (e *Emulator) ping(req *request) response {
	return jsonResp(http.StatusOK, obj{{"data", "Pong!"}})
}

func (e *Emulator) render(req *request) *renderCtx {
	return &renderCtx{
		e: e, now: e.opts.Now(), authed: req.authed,
		manage:   req.authed && e.can("incidents.manage"),
		includes: withParents(req.q.includes), included: &includer{},
	}
}

// withParents adds the parents of nested includes (components.group loads
// components too), keeping first-seen order.
func withParents(includes []string) []string {
	var out []string
	for _, inc := range includes {
		parts := strings.Split(inc, ".")
		for n := 1; n <= len(parts); n++ {
			if p := strings.Join(parts[:n], "."); !contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// checkQuery applies spatie's allowed lists; a 400 on failure.
func (e *Emulator) checkQuery(req *request, a allowed) (response, bool) {
	if msg, ok := req.q.check(a); !ok {
		return e.errResp(req.r, http.StatusBadRequest, msg), false
	}
	return response{}, true
}

// writeIncludes keeps only the includes a write response can honour; write
// endpoints do not run the query builder, so unknown ones are ignored.
func writeIncludes(req *request, a allowed) {
	var keep []string
	for _, i := range req.q.includes {
		if contains(a.includes, i) {
			keep = append(keep, i)
		}
	}
	req.q.includes = keep
}
