package mask

import (
	"encoding/json"
	"errors"
	"fmt"
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
	w := jsonWalker{fieldWalk: fieldWalk{m: m, loc: loc}, in: data}
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
	fieldWalk
	in      []byte
	pos     int
	out     []byte
	changed bool
	// skip is set while a dropped value is read: it is copied, then cut,
	// without detection, rules or summary entries.
	skip bool
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
	if w.skip {
		w.out = append(w.out, raw...)
		return nil
	}
	if forced != nil {
		dst := w.ruled(text, forced)
		w.out = appendJSONString(w.out, unsafe.String(unsafe.SliceData(dst), len(dst)))
		w.changed = true
		return nil
	}
	if !isString && (raw[0] == 't' || raw[0] == 'f') {
		w.out = append(w.out, raw...)
		return nil
	}
	masked, ok := w.detected(text, w.location())
	if !ok {
		w.out = append(w.out, raw...)
		return nil
	}
	w.out = appendJSONString(w.out, unsafe.String(unsafe.SliceData(masked), len(masked)))
	w.changed = true
	return nil
}

// element copies the member or array element whose path was just pushed,
// after a comma unless it is the first kept one and after its member name
// if it has one, or drops it when its rule says so. It reports whether the
// element was kept.
func (w *jsonWalker) element(forced *fieldRule, first bool, name []byte) (bool, error) {
	var r *fieldRule
	if !w.skip {
		r = w.rule(forced)
	}
	if r != nil && r.strat.kind == skDrop {
		mark := len(w.out)
		w.skip = true
		err := w.value(nil)
		w.skip = false
		if err != nil {
			return false, err
		}
		w.out = w.out[:mark]
		w.dropped(r)
		w.changed = true
		return false, nil
	}
	if !first {
		w.out = append(w.out, ',')
	}
	if name != nil {
		w.out = append(w.out, name...)
		w.out = append(w.out, ':')
	}
	return true, w.value(r)
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
		if !w.skip {
			if masked, ok := w.member(key); ok {
				key = masked
				rawKey = appendJSONString(nil, key)
				w.changed = true
			}
		}
		w.push(elem{key: key})
		kept, err := w.element(forced, first, rawKey)
		if err != nil {
			return err
		}
		first = first && !kept
		w.pop()
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
		w.push(elem{idx: i, isIdx: true})
		kept, err := w.element(forced, first, nil)
		if err != nil {
			return err
		}
		first = first && !kept
		w.pop()
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
