package mask

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// ErrMalformedJSON wraps the syntax error JSON returns for invalid input.
var ErrMalformedJSON = errors.New("mask: malformed JSON")

// JSON masks a JSON document: field rules by path first (a rule on an object
// or array covers everything inside; drop removes the member or element),
// then content detection on every string and number. A number in which a
// value is found becomes a string. Member names are kept unless a detector
// finds a value in them, which is then masked like any text. Malformed input is an
// error and the input is returned unchanged. When nothing is masked the
// input slice itself is returned; otherwise the output is compact.
func (m *Masker) JSON(data []byte, loc string) ([]byte, Summary, error) {
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return data, Summary{}, fmt.Errorf("%w: %v", ErrMalformedJSON, err)
	}
	w := jsonWalker{m: m, in: data, loc: loc}
	w.out = make([]byte, 0, len(data)+64)
	if err := w.value(nil); err != nil {
		return data, Summary{}, fmt.Errorf("%w: %v", ErrMalformedJSON, err)
	}
	if !w.changed {
		return data, Summary{}, nil
	}
	return w.out, w.sum, nil
}

type jsonWalker struct {
	m       *Masker
	in      []byte
	pos     int
	out     []byte
	path    []elem
	sum     Summary
	loc     string
	changed bool
}

func (w *jsonWalker) ws() {
	for w.pos < len(w.in) {
		switch w.in[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// location renders the current path for summaries, with indices as [*].
func (w *jsonWalker) location() string {
	var b strings.Builder
	b.WriteString(w.loc)
	for _, e := range w.path {
		if e.isIdx {
			b.WriteString("[*]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
	}
	return b.String()
}

// rule returns the field rule for the current path, if any.
func (w *jsonWalker) rule() *fieldRule {
	for i := range w.m.p.fields {
		if matchPath(w.m.p.fields[i].pat, w.path) {
			return &w.m.p.fields[i]
		}
	}
	return nil
}

// value copies (and masks) one value. forced is a rule inherited from an
// enclosing object or array.
func (w *jsonWalker) value(forced *fieldRule) error {
	w.ws()
	if w.pos >= len(w.in) {
		return errors.New("unexpected end")
	}
	switch c := w.in[w.pos]; {
	case c == '{':
		return w.object(forced)
	case c == '[':
		return w.array(forced)
	case c == '"':
		start := w.pos
		str, err := w.str()
		if err != nil {
			return err
		}
		return w.leaf(w.in[start:w.pos], str, forced, true)
	default:
		start := w.pos
		for w.pos < len(w.in) && !strings.ContainsRune(",]} \t\r\n", rune(w.in[w.pos])) {
			w.pos++
		}
		lit := w.in[start:w.pos]
		if string(lit) == "null" {
			w.out = append(w.out, lit...)
			return nil
		}
		return w.leaf(lit, string(lit), forced, false)
	}
}

// leaf writes a scalar: raw is its JSON text, text its value.
func (w *jsonWalker) leaf(raw []byte, text string, forced *fieldRule, isString bool) error {
	if forced != nil {
		var dst []byte
		var used Strategy
		dst, used = w.m.replace(nil, forced.ent, text, forced.strat)
		w.sum.add(forced.ent, "field:"+forced.src, w.location(), used, w.m.auditHash(forced.ent, text))
		w.out = appendJSONString(w.out, unsafe.String(unsafe.SliceData(dst), len(dst)))
		w.changed = true
		return nil
	}
	if !isString && (raw[0] == 't' || raw[0] == 'f') {
		w.out = append(w.out, raw...)
		return nil
	}
	ms := w.m.p.detect(text, nil)
	if len(ms) == 0 {
		w.out = append(w.out, raw...)
		return nil
	}
	masked := w.m.appendMasked(nil, text, 0, len(text), ms, w.location(), &w.sum)
	w.out = appendJSONString(w.out, unsafe.String(unsafe.SliceData(masked), len(masked)))
	w.changed = true
	return nil
}

func (w *jsonWalker) object(forced *fieldRule) error {
	w.pos++ // {
	w.out = append(w.out, '{')
	first := true
	for {
		w.ws()
		if w.pos >= len(w.in) {
			return errors.New("unexpected end in object")
		}
		if w.in[w.pos] == '}' {
			w.pos++
			w.out = append(w.out, '}')
			return nil
		}
		if w.in[w.pos] == ',' {
			w.pos++
			w.ws()
		}
		ks := w.pos
		key, err := w.str()
		if err != nil {
			return err
		}
		rawKey := w.in[ks:w.pos]
		w.ws()
		if w.pos >= len(w.in) || w.in[w.pos] != ':' {
			return errors.New("missing colon")
		}
		w.pos++
		// A member name can carry a value too ({"alice@example.com": 1}):
		// mask it like text, and let the path (and so every location in the
		// summary) name the masked key, never the value.
		if ms := w.m.p.detect(key, nil); len(ms) > 0 {
			masked := w.m.appendMasked(nil, key, 0, len(key), ms, w.location()+".(key)", &w.sum)
			key = string(masked)
			rawKey = appendJSONString(nil, key)
			w.changed = true
		}
		w.path = append(w.path, elem{key: key})
		r := forced
		if r == nil {
			r = w.rule()
		}
		if r != nil && r.strat.kind == skDrop {
			mark := len(w.out)
			if err := w.value(nil); err != nil {
				return err
			}
			w.out = w.out[:mark]
			w.sum.add(r.ent, "field:"+r.src, w.location(), Drop, "")
			w.changed = true
		} else {
			if !first {
				w.out = append(w.out, ',')
			}
			w.out = append(w.out, rawKey...)
			w.out = append(w.out, ':')
			if err := w.value(r); err != nil {
				return err
			}
			first = false
		}
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *jsonWalker) array(forced *fieldRule) error {
	w.pos++ // [
	w.out = append(w.out, '[')
	first := true
	for i := 0; ; i++ {
		w.ws()
		if w.pos >= len(w.in) {
			return errors.New("unexpected end in array")
		}
		if w.in[w.pos] == ']' {
			w.pos++
			w.out = append(w.out, ']')
			return nil
		}
		if w.in[w.pos] == ',' {
			w.pos++
		}
		w.path = append(w.path, elem{idx: i, isIdx: true})
		r := forced
		if r == nil {
			r = w.rule()
		}
		if r != nil && r.strat.kind == skDrop {
			mark := len(w.out)
			if err := w.value(nil); err != nil {
				return err
			}
			w.out = w.out[:mark]
			w.sum.add(r.ent, "field:"+r.src, w.location(), Drop, "")
			w.changed = true
		} else {
			if !first {
				w.out = append(w.out, ',')
			}
			if err := w.value(r); err != nil {
				return err
			}
			first = false
		}
		w.path = w.path[:len(w.path)-1]
	}
}

// str reads a JSON string at pos and returns its decoded value.
func (w *jsonWalker) str() (string, error) {
	if w.pos >= len(w.in) || w.in[w.pos] != '"' {
		return "", errors.New("expected string")
	}
	start := w.pos
	w.pos++
	escaped := false
	for w.pos < len(w.in) {
		c := w.in[w.pos]
		if c == '\\' {
			escaped = true
			w.pos += 2
			continue
		}
		w.pos++
		if c == '"' {
			raw := w.in[start:w.pos]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", err
			}
			return s, nil
		}
	}
	return "", errors.New("unterminated string")
}

// appendJSONString writes s as a JSON string literal.
func appendJSONString(dst []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

var _ = strconv.Itoa
