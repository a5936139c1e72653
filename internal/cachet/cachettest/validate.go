package cachettest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// input is a request body as Laravel hands it to validation: JSON objects
// are map[string]any, arrays []any, numbers json.Number, and strings are
// trimmed with "" turned into nil (TrimStrings, ConvertEmptyStringsToNull).
type input map[string]any

// isJSON is Laravel's Request::isJson: only such bodies are decoded as JSON.
func isJSON(r *http.Request) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.Contains(ct, "/json") || strings.Contains(ct, "+json")
}

// readInput decodes a write request's body. Like Laravel it never fails:
// invalid JSON or a non-object body is an empty input, which validation
// then rejects field by field.
func readInput(r *http.Request, body []byte) input {
	in := input{}
	if isJSON(r) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return in
		}
		if _, err := dec.Token(); err != io.EOF {
			return in // trailing data: json_decode fails as a whole
		}
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				in[k] = clean(x)
			}
		}
		return in
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return in
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return in
	}
	for k, vs := range form {
		if s := cleanQuery(vs[len(vs)-1]); s != nil {
			in[k] = *s
		} else {
			in[k] = nil
		}
	}
	return in
}

func clean(v any) any {
	switch v := v.(type) {
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return nil
		}
		return s
	case map[string]any:
		for k, x := range v {
			v[k] = clean(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = clean(x)
		}
		return v
	}
	return v
}

// lookup finds a dotted attribute (components.0.id) in the input.
func (in input) lookup(attr string) (any, bool) {
	var cur any = map[string]any(in)
	for _, part := range strings.Split(attr, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func (in input) has(key string) bool {
	_, ok := in[key]
	return ok
}

// validation collects Laravel validation errors in rule order.
type validation struct {
	e    *Emulator
	in   input
	keys []string
	errs map[string][]string
}

func (e *Emulator) validator(in input) *validation {
	return &validation{e: e, in: in, errs: map[string][]string{}}
}

func (v *validation) fail(attr, msg string) {
	if _, ok := v.errs[attr]; !ok {
		v.keys = append(v.keys, attr)
	}
	v.errs[attr] = append(v.errs[attr], msg)
}

// rule is one Laravel validation rule. Implicit rules (required*) run even
// when the attribute is absent and stop the attribute's validation when
// they fail.
type rule struct {
	implicit bool
	nullable bool
	check    func(v *validation, attr string, val any) string
}

// expand resolves one level of "*" against the input, as Laravel's wildcard
// rules do.
func (v *validation) expand(attr string) []string {
	before, after, ok := strings.Cut(attr, ".*")
	if !ok {
		return []string{attr}
	}
	parent, present := v.in.lookup(before)
	if !present {
		return nil
	}
	var out []string
	switch p := parent.(type) {
	case []any:
		for i := range p {
			out = append(out, v.expand(before+"."+strconv.Itoa(i)+after)...)
		}
	case map[string]any:
		for _, k := range sortedStrings(p) {
			out = append(out, v.expand(before+"."+k+after)...)
		}
	}
	return out
}

func sortedStrings(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// field validates attr (which may contain "*") against rules.
func (v *validation) field(attr string, rules ...rule) {
	nullable := false
	for _, r := range rules {
		nullable = nullable || r.nullable
	}
	for _, a := range v.expand(attr) {
		val, present := v.in.lookup(a)
		for _, r := range rules {
			if r.nullable {
				continue
			}
			if !r.implicit && (!present || (nullable && val == nil)) {
				continue
			}
			if msg := r.check(v, a, val); msg != "" {
				v.fail(a, msg)
				if r.implicit {
					break
				}
			}
		}
	}
}

// response is the 422 body, or ok=true when nothing failed.
func (v *validation) result() (obj, bool) {
	if len(v.keys) == 0 {
		return nil, true
	}
	var all []string
	errs := obj{}
	for _, k := range v.keys {
		all = append(all, v.errs[k]...)
		errs = append(errs, kv{k, v.errs[k]})
	}
	msg := all[0]
	switch n := len(all) - 1; {
	case n == 1:
		msg += " (and 1 more error)"
	case n > 1:
		msg += fmt.Sprintf(" (and %d more errors)", n)
	}
	return obj{{"message", msg}, {"errors", errs}}, false
}

func label(attr string) string { return strings.ReplaceAll(attr, "_", " ") }

func filled(val any, present bool) bool {
	if !present || val == nil {
		return false
	}
	switch x := val.(type) {
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

var nullable = rule{nullable: true}

func required() rule {
	return rule{implicit: true, check: func(v *validation, attr string, val any) string {
		if _, present := v.in.lookup(attr); !filled(val, present) {
			return "The " + label(attr) + " field is required."
		}
		return ""
	}}
}

func requiredWith(other string) rule {
	return rule{implicit: true, check: func(v *validation, attr string, val any) string {
		o, op := v.in.lookup(other)
		if !filled(o, op) {
			return ""
		}
		if _, present := v.in.lookup(attr); !filled(val, present) {
			return "The " + label(attr) + " field is required when " + label(other) + " is present."
		}
		return ""
	}}
}

func requiredWithout(other string) rule {
	return rule{implicit: true, check: func(v *validation, attr string, val any) string {
		o, op := v.in.lookup(other)
		if filled(o, op) {
			return ""
		}
		if _, present := v.in.lookup(attr); !filled(val, present) {
			return "The " + label(attr) + " field is required when " + label(other) + " is not present."
		}
		return ""
	}}
}

func str() rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		if _, ok := val.(string); !ok {
			return "The " + label(attr) + " field must be a string."
		}
		return ""
	}}
}

func maxLen(n int) rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		if s, ok := val.(string); ok && utf8.RuneCountInString(s) > n {
			return fmt.Sprintf("The %s field must not be greater than %d characters.", label(attr), n)
		}
		return ""
	}}
}

func boolean() rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		if _, ok := asBool(val); !ok {
			return "The " + label(attr) + " field must be true or false."
		}
		return ""
	}}
}

func integer() rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		if _, ok := asInt(val); !ok {
			return "The " + label(attr) + " field must be an integer."
		}
		return ""
	}}
}

func minInt(n int) rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		size := 0
		switch x := val.(type) {
		case json.Number, string:
			f, err := strconv.ParseFloat(fmt.Sprint(x), 64)
			if err != nil {
				size = utf8.RuneCountInString(fmt.Sprint(x))
			} else if f < float64(n) {
				return fmt.Sprintf("The %s field must be at least %d.", label(attr), n)
			} else {
				return ""
			}
		case []any:
			size = len(x)
		case map[string]any:
			size = len(x)
		default:
			return ""
		}
		if size < n {
			return fmt.Sprintf("The %s field must be at least %d.", label(attr), n)
		}
		return ""
	}}
}

// enumRange is Rule::enum on an int-backed enum with cases lo..hi.
func enumRange(lo, hi int) rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		n, ok := asInt(val)
		if !ok || n < lo || n > hi {
			return "The selected " + label(attr) + " is invalid."
		}
		return ""
	}}
}

func in(values ...string) rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		if s, ok := val.(string); ok && contains(values, s) {
			return ""
		}
		return "The selected " + label(attr) + " is invalid."
	}}
}

// exists checks a primary key; like Laravel's exists rule it also finds
// soft-deleted rows.
func exists(table string) rule {
	return rule{check: func(v *validation, attr string, val any) string {
		n, ok := asInt(val)
		found := false
		if ok {
			switch table {
			case "components":
				found = v.e.components[n] != nil
			case "component_groups":
				found = v.e.groups[n] != nil
			}
		}
		if !found {
			return "The selected " + label(attr) + " is invalid."
		}
		return ""
	}}
}

// never is an exists rule on an empty table (incident templates).
func never() rule {
	return rule{check: func(_ *validation, attr string, _ any) string {
		return "The selected " + label(attr) + " is invalid."
	}}
}

func array() rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		switch val.(type) {
		case []any, map[string]any:
			return ""
		}
		return "The " + label(attr) + " field must be an array."
	}}
}

// distinct compares the sibling values of a wildcard attribute loosely, as
// PHP's in_array does.
func distinct(pattern string) rule {
	return rule{check: func(v *validation, attr string, val any) string {
		for _, other := range v.expand(pattern) {
			if other == attr {
				continue
			}
			o, ok := v.in.lookup(other)
			if ok && looseEqual(o, val) {
				return "The " + label(attr) + " field has a duplicate value."
			}
		}
		return ""
	}}
}

func looseEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	fa, errA := strconv.ParseFloat(fmt.Sprint(a), 64)
	fb, errB := strconv.ParseFloat(fmt.Sprint(b), 64)
	if errA == nil && errB == nil {
		return fa == fb
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func httpURL() rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		s, _ := val.(string)
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\n") {
			return "The " + label(attr) + " field must be a valid URL."
		}
		return ""
	}}
}

func date() rule {
	return rule{check: func(_ *validation, attr string, val any) string {
		s, _ := val.(string)
		if _, ok := parseDate(s); !ok {
			return "The " + label(attr) + " field must be a valid date."
		}
		return ""
	}}
}

var dateLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05",
	"2006-01-02 15:04", "2006-01-02", "2006-01-02 15:04:05Z07:00", time.RFC1123Z, time.RFC1123,
}

// parseDate accepts the common shapes Carbon::parse understands.
func parseDate(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// asInt is Laravel's integer rule (FILTER_VALIDATE_INT) plus the cast that
// follows it.
func asInt(val any) (int, bool) {
	switch x := val.(type) {
	case json.Number:
		if n, err := strconv.Atoi(string(x)); err == nil {
			return n, true
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int(f), true
	case string:
		if !phpInt.MatchString(x) || (len(strings.TrimLeft(x, "+-")) > 1 && strings.TrimLeft(x, "+-")[0] == '0') {
			return 0, false
		}
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// asBool is Laravel's boolean rule: true, false, 1, 0, "1", "0" only.
func asBool(val any) (bool, bool) {
	switch x := val.(type) {
	case bool:
		return x, true
	case json.Number:
		switch string(x) {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	case string:
		switch x {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	}
	return false, false
}

// asString returns a validated string value.
func asString(val any) string {
	s, _ := val.(string)
	return s
}

// asMeta turns a validated meta value into a set: a JSON array (even empty)
// is a PHP array too, keyed by index.
func asMeta(val any) map[string]any {
	switch x := val.(type) {
	case map[string]any:
		return x
	case []any:
		m := make(map[string]any, len(x))
		for i, v := range x {
			m[strconv.Itoa(i)] = v
		}
		return m
	}
	return nil
}

// items lists the elements of a validated array input; a JSON object counts
// as a PHP array too.
func items(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case map[string]any:
		out := make([]any, 0, len(l))
		for _, k := range sortedStrings(l) {
			out = append(out, l[k])
		}
		return out
	}
	return nil
}
