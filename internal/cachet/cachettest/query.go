package cachettest

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// query is the part of a request spatie/laravel-query-builder and the
// paginator read.
type query struct {
	values url.Values
	// filters maps each requested filter name to its value after spatie's
	// getFilterValue: nil, bool, string, []string or map[string]any.
	filters  map[string]any
	names    []string // filter names in request order
	includes []string
	sorts    []sortKey
}

type sortKey struct {
	field string
	desc  bool
}

// cleanQuery applies Laravel's TrimStrings and ConvertEmptyStringsToNull
// global middleware to a query value: nil stands for null.
func cleanQuery(s string) *string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &s
}

// phpKey splits a PHP query key such as filter[meta][key] into its parts.
func phpKey(key string) []string {
	i := strings.IndexByte(key, '[')
	if i <= 0 {
		return []string{key}
	}
	parts := []string{key[:i]}
	rest := key[i:]
	for strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			break
		}
		parts = append(parts, rest[1:j])
		rest = rest[j+1:]
	}
	return parts
}

// filterValue is spatie's QueryBuilderRequest::getFilterValue.
func filterValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = filterValue(x)
		}
		return out
	case *string:
		if v == nil {
			return nil
		}
		s := *v
		if strings.Contains(s, ",") {
			return strings.Split(s, ",")
		}
		switch s {
		case "true":
			return true
		case "false":
			return false
		}
		return s
	}
	return v
}

func parseQuery(r *http.Request) *query {
	q := &query{values: r.URL.Query(), filters: map[string]any{}}
	// PHP keeps the last value of a repeated key; walk the raw query in order.
	for _, pair := range strings.Split(r.URL.RawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		parts := phpKey(key)
		if parts[0] != "filter" || len(parts) < 2 {
			continue
		}
		name := parts[1]
		if _, ok := q.filters[name]; !ok {
			q.names = append(q.names, name)
		}
		if len(parts) == 2 {
			q.filters[name] = cleanQuery(val)
			continue
		}
		m, ok := q.filters[name].(map[string]any)
		if !ok {
			m = map[string]any{}
		}
		m[parts[2]] = cleanQuery(val)
		q.filters[name] = m
	}
	for name, v := range q.filters {
		q.filters[name] = filterValue(v)
	}
	q.includes = append(q.includes, splitParam(q.values.Get("include"))...)
	for _, p := range splitParam(q.values.Get("sort")) {
		desc := strings.HasPrefix(p, "-")
		q.sorts = append(q.sorts, sortKey{field: strings.TrimPrefix(p, "-"), desc: desc})
	}
	return q
}

func splitParam(v string) []string {
	s := cleanQuery(v)
	if s == nil {
		return nil
	}
	var out []string
	for _, p := range strings.Split(*s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// allowed is what one endpoint lets spatie's query builder accept.
type allowed struct {
	includes []string
	filters  []string
	sorts    []string
	// showOnly: a show endpoint only declares includes, so filters and
	// sorts are ignored rather than rejected.
	showOnly bool
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// check rejects unknown includes, filters and sorts with spatie's 400, in
// the order Cachet's controllers declare them.
func (q *query) check(a allowed) (string, bool) {
	var bad []string
	for _, inc := range q.includes {
		if !contains(a.includes, inc) {
			bad = append(bad, inc)
		}
	}
	if len(bad) > 0 {
		msg := "Requested include(s) `" + strings.Join(bad, ", ") + "` are not allowed. "
		if len(a.includes) == 0 {
			return msg + "There are no allowed includes.", false
		}
		return msg + "Allowed include(s) are `" + strings.Join(a.includes, ", ") + "`.", false
	}
	if a.showOnly {
		return "", true
	}
	for _, f := range q.names {
		if !contains(a.filters, f) {
			bad = append(bad, f)
		}
	}
	if len(bad) > 0 {
		return "Requested filter(s) `" + strings.Join(bad, ", ") + "` are not allowed. Allowed filter(s) are `" + strings.Join(a.filters, ", ") + "`.", false
	}
	for _, s := range q.sorts {
		if !contains(a.sorts, s.field) {
			bad = append(bad, s.field)
		}
	}
	if len(bad) > 0 {
		return "Requested sort(s) `" + strings.Join(bad, ", ") + "` is not allowed. Allowed sort(s) are `" + strings.Join(a.sorts, ", ") + "`.", false
	}
	return "", true
}

var phpInt = regexp.MustCompile(`^[+-]?[0-9]+$`)

// pageNumber is Laravel's Paginator::resolveCurrentPage: invalid or < 1 is 1.
func (q *query) pageNumber() int {
	s := cleanQuery(q.values.Get("page"))
	if s == nil || !phpInt.MatchString(*s) {
		return 1
	}
	n, err := strconv.Atoi(*s)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// perPage resolves per_page as the dialect does. ok=false means BASE would
// hand the raw value to SQL and fail with a 500.
func (q *query) perPage(d Dialect) (n int, out any, ok bool) {
	raw, present := q.values["per_page"]
	var s *string
	if present {
		s = cleanQuery(raw[len(raw)-1])
	}
	if d == Head {
		if s == nil {
			return 15, 15, true
		}
		n = phpIntval(*s)
		n = min(max(n, 1), 100)
		return n, n, true
	}
	if s == nil || *s == "0" {
		return 15, 15, true
	}
	if !phpInt.MatchString(*s) {
		return 0, nil, false
	}
	n, err := strconv.Atoi(*s)
	if err != nil || n < 1 {
		return 0, nil, false
	}
	return n, *s, true
}

// phpIntval is PHP's intval on a string: the leading integer, else 0; a
// positive overflow saturates (callers clamp anyway).
func phpIntval(s string) int {
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		if end > 1 && s[0] != '-' {
			return int(^uint(0) >> 1)
		}
		return 0
	}
	return n
}

// exactMatch is spatie's FiltersExact against one column value: a list is
// WHERE IN, anything else WHERE =. match compares one filter value.
func exactMatch(v any, match func(any) bool) bool {
	if list, ok := v.([]string); ok {
		for _, x := range list {
			if match(x) {
				return true
			}
		}
		return false
	}
	return match(v)
}

// partialMatch is spatie's FiltersPartial: case-insensitive substring, a
// list being an OR of substrings (empty parts ignored).
func partialMatch(v any, column string) bool {
	col := strings.ToLower(column)
	if list, ok := v.([]string); ok {
		seen := false
		for _, x := range list {
			if x == "" {
				continue
			}
			seen = true
			if strings.Contains(col, strings.ToLower(x)) {
				return true
			}
		}
		return !seen
	}
	return strings.Contains(col, strings.ToLower(phpString(v)))
}

// phpString is how PHP turns a filter value into a string.
func phpString(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "1"
		}
		return ""
	case string:
		return v
	}
	return ""
}

// intEquals compares an integer column with a filter value the way SQL
// would after casting the value.
func intEquals(col int) func(any) bool {
	return func(v any) bool {
		switch v := v.(type) {
		case bool:
			return (v && col == 1) || (!v && col == 0)
		case string:
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return err == nil && n == col
		}
		return false
	}
}

// boolEquals compares a boolean column with a filter value.
func boolEquals(col bool) func(any) bool {
	return func(v any) bool {
		switch v := v.(type) {
		case bool:
			return v == col
		case string:
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "1", "true", "t", "yes", "on":
				return col
			case "0", "false", "f", "no", "off":
				return !col
			}
		}
		return false
	}
}
