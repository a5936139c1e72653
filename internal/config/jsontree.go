package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxJSONDepth bounds nesting; config.json needs four levels, and the
// parser recurses.
const maxJSONDepth = 32

type jsonKind int

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

func (k jsonKind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[k]
}

// jsonNode is a decoded JSON value that remembers where it starts, so every
// problem can name its line. encoding/json alone stops at the first error
// and gives no positions for unknown keys.
type jsonNode struct {
	kind    jsonKind
	line    int
	str     string
	num     json.Number
	elems   []*jsonNode
	members []jsonMember
}

type jsonMember struct {
	name string
	line int
	val  *jsonNode
}

// jsonError is a syntax error at a line.
type jsonError struct {
	line      int
	msg, hint string
}

func (e *jsonError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

type jsonParser struct {
	data []byte
	dec  *json.Decoder
}

// parseJSON decodes one JSON value that must make up the whole of data.
func parseJSON(data []byte) (*jsonNode, error) {
	p := &jsonParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &jsonError{line: p.line(p.next()), msg: "unexpected text after the closing }"}
	}
	return n, nil
}

// next is the offset of the next token: the decoder's offset is just past
// the previous one, before any whitespace and separator.
func (p *jsonParser) next() int {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) line(off int) int {
	off = min(off, len(p.data))
	return 1 + bytes.Count(p.data[:off], []byte("\n"))
}

func (p *jsonParser) token() (json.Token, int, error) {
	line := p.line(p.next())
	tok, err := p.dec.Token()
	if err == nil {
		return tok, line, nil
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// The decoder's own offset is the more precise of the two, except
		// for scalars, where SyntaxError counts from the value's start.
		off := max(int(se.Offset), int(p.dec.InputOffset()))
		return nil, 0, &jsonError{line: p.line(off), msg: se.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, 0, &jsonError{line: p.line(len(bytes.TrimRight(p.data, " \t\r\n"))), msg: "unexpected end of file", hint: "a closing } or ] or a quote is missing"}
	default:
		return nil, 0, &jsonError{line: line, msg: err.Error()}
	}
}

// value reads one JSON value, recursing into lists and objects up to
// maxJSONDepth.
func (p *jsonParser) value(depth int) (*jsonNode, error) {
	if depth > maxJSONDepth {
		return nil, &jsonError{line: p.line(p.next()), msg: "nested too deeply"}
	}
	tok, line, err := p.token()
	if err != nil {
		return nil, err
	}
	n := &jsonNode{line: line}
	switch tok := tok.(type) {
	case nil:
		n.kind = jsonNull
	case bool:
		n.kind = jsonBool
	case json.Number:
		n.kind, n.num = jsonNumber, tok
	case string:
		n.kind, n.str = jsonString, tok
	case json.Delim:
		if err := p.container(n, tok, depth); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// container reads the elements or members after an opening [ or {, and
// the closing delimiter, into n.
func (p *jsonParser) container(n *jsonNode, open json.Delim, depth int) error {
	var err error
	switch open {
	case '[':
		n.kind = jsonArray
		n.elems, err = p.elems(depth)
	case '{':
		n.kind = jsonObject
		n.members, err = p.members(depth)
	default:
		return &jsonError{line: n.line, msg: fmt.Sprintf("unexpected %q", rune(open))}
	}
	if err != nil {
		return err
	}
	_, _, err = p.token() // the closing ] or }
	return err
}

// elems reads a list's values up to, not including, its closing ].
func (p *jsonParser) elems(depth int) ([]*jsonNode, error) {
	var out []*jsonNode
	for p.dec.More() {
		e, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// members reads an object's members up to, not including, its closing },
// keeping each key's line for problems about that key.
func (p *jsonParser) members(depth int) ([]jsonMember, error) {
	var out []jsonMember
	for p.dec.More() {
		k, kline, err := p.token()
		if err != nil {
			return nil, err
		}
		name, ok := k.(string)
		if !ok {
			return nil, &jsonError{line: kline, msg: "object key is not a string"}
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, jsonMember{name: name, line: kline, val: v})
	}
	return out, nil
}
