// Package alertmanager decodes Alertmanager webhook notifications (payload
// version 4) into the events statusbridge acts on, and renders incident texts
// with Alertmanager's own template engine. It is the only package that
// imports github.com/prometheus/alertmanager, and it does no I/O beyond
// reading the body it is given.
package alertmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/template"
)

// Message is Alertmanager's webhook body (version 4): template.Data plus
// version, groupKey and truncatedAlerts. Unknown fields (notification_reason,
// routeLabels, ...) are accepted and ignored.
type Message struct {
	*template.Data

	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
}

// payloadVersion is the only webhook payload version Decode accepts.
const payloadVersion = "4"

// Alert statuses as Alertmanager spells them.
const (
	statusFiring   = "firing"
	statusResolved = "resolved"
)

// DecodeError reports a webhook body that is not an Alertmanager version 4
// message. Decode returns no other error type, so a caller can answer 400 for
// it; a read failure is a DecodeError too, and Unwrap exposes its cause (for
// example *http.MaxBytesError, which deserves a 413 instead).
type DecodeError struct {
	// Line and Column (1-based, in bytes) locate a JSON-level problem. Both
	// are zero when the problem has no byte position.
	Line, Column int
	// Path names the offending field, e.g. "alerts[3].status"; empty when
	// the problem concerns the whole body.
	Path string
	// Reason says what is wrong, and what was expected.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error says where the body is wrong and how, e.g.
// "webhook body: alerts[3].status: got \"pending\", want firing or resolved".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("webhook body")
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d, column %d", e.Line, e.Column)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads one webhook body. An empty alerts list is valid (it yields no
// events), but a body without an alerts list is not an Alertmanager
// notification. Decode enforces no size limit: wrap r in
// http.MaxBytesReader.
func Decode(r io.Reader) (*Message, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, &DecodeError{Reason: "read", Err: err}
	}
	trimmed := bytes.TrimLeft(body, jsonSpace)
	if len(trimmed) == 0 {
		return nil, &DecodeError{Reason: "empty; want a JSON object"}
	}
	if trimmed[0] != '{' {
		// Syntax first, so that "[1," or "nul" get a syntax error with a
		// position rather than a misleading "not an object".
		if !json.Valid(body) {
			var v any
			return nil, jsonError(body, json.Unmarshal(body, &v))
		}
		return nil, &DecodeError{Reason: fmt.Sprintf("got a JSON %s, want an object", jsonValueKind(trimmed[0]))}
	}
	// Pre-allocated so that a body without any template.Data field still
	// leaves m.Data usable.
	m := &Message{Data: &template.Data{}}
	if err := json.Unmarshal(body, m); err != nil {
		return nil, jsonError(body, err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// jsonSpace is JSON's insignificant whitespace, which is narrower than
// unicode.IsSpace.
const jsonSpace = " \t\r\n"

func (m *Message) validate() error {
	if m.Version != "" && m.Version != payloadVersion {
		return &DecodeError{Path: "version", Reason: fmt.Sprintf("got %q, want %q", m.Version, payloadVersion)}
	}
	if m.Alerts == nil {
		return &DecodeError{Path: "alerts", Reason: "missing; this is not an Alertmanager webhook notification"}
	}
	for i, a := range m.Alerts {
		if a.Status != statusFiring && a.Status != statusResolved {
			return &DecodeError{Path: fmt.Sprintf("alerts[%d].status", i), Reason: fmt.Sprintf("got %q, want firing or resolved", a.Status)}
		}
		if a.StartsAt.IsZero() {
			return &DecodeError{Path: fmt.Sprintf("alerts[%d].startsAt", i), Reason: "missing or zero; Alertmanager always sets it"}
		}
	}
	return nil
}

// jsonError turns an encoding/json error into a DecodeError that says where
// the problem is.
func jsonError(body []byte, err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		// Offset counts the bytes read, the offending one included.
		at := max(int(syntax.Offset)-1, 0)
		line, col := position(body, at)
		if at > 0 && json.Valid(body[:at]) {
			return &DecodeError{Line: line, Column: col, Reason: "trailing data after the JSON object"}
		}
		return &DecodeError{Line: line, Column: col, Reason: "not valid JSON", Err: err}
	case errors.As(err, &typ):
		line, col := position(body, max(int(typ.Offset)-1, 0))
		return &DecodeError{
			Line: line, Column: col,
			Path:   fieldPath(body, typ.Field),
			Reason: fmt.Sprintf("got a JSON %s, want %s", typ.Value, jsonTypeName(typ.Type)),
		}
	default:
		// An UnmarshalJSON method failed (in practice time.Time on a bad
		// startsAt or endsAt); encoding/json gives no position for those.
		return &DecodeError{Path: failingAlertField(body), Reason: "invalid value", Err: err}
	}
}

// position converts a byte offset into a 1-based line and column.
func position(body []byte, offset int) (line, col int) {
	offset = min(offset, len(body))
	before := body[:offset]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}

// fieldPath turns encoding/json's field path ("Data.alerts.labels") into
// the payload's own terms ("alerts[2].labels"), finding the index of the
// alert by decoding alerts one by one.
func fieldPath(body []byte, field string) string {
	field = strings.TrimPrefix(field, "Data.")
	rest, ok := strings.CutPrefix(field, "alerts.")
	if !ok {
		return field
	}
	if i := failingAlert(body); i >= 0 {
		return fmt.Sprintf("alerts[%d].%s", i, rest)
	}
	return field
}

// failingAlertField names the first alert (and, for a time, the field) that
// does not decode, or returns "" when no single alert is to blame.
func failingAlertField(body []byte) string {
	i := failingAlert(body)
	if i < 0 {
		return ""
	}
	path := fmt.Sprintf("alerts[%d]", i)
	var fields map[string]json.RawMessage
	if json.Unmarshal(alertsOf(body)[i], &fields) != nil {
		return path
	}
	for _, name := range []string{"startsAt", "endsAt"} {
		var t time.Time
		if raw, ok := fields[name]; ok && json.Unmarshal(raw, &t) != nil {
			return path + "." + name
		}
	}
	return path
}

// failingAlert returns the index of the first alert that does not decode on
// its own, or -1.
func failingAlert(body []byte) int {
	for i, raw := range alertsOf(body) {
		var a template.Alert
		if json.Unmarshal(raw, &a) != nil {
			return i
		}
	}
	return -1
}

func alertsOf(body []byte) []json.RawMessage {
	var v struct {
		Alerts []json.RawMessage `json:"alerts"`
	}
	_ = json.Unmarshal(body, &v) // Best effort: only used to locate an error.
	return v.Alerts
}

// jsonValueKind names the kind of JSON value that starts with c.
func jsonValueKind(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// jsonTypeName describes a Go type in JSON terms, for operators who never
// see the Go types.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	if t == reflect.TypeFor[time.Time]() {
		return "an RFC 3339 time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return t.String()
	}
}
