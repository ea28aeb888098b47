package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The transport's JSON reader. It builds the same tree encoding/json builds
// when it decodes into a map[string]any with UseNumber (objects as
// map[string]any, arrays as []any, numbers as json.Number, the last of two
// equal member names winning, invalid UTF-8 and lone surrogates read as
// U+FFFD) and accepts and refuses the same documents, at a fraction of the
// cost: strings without escapes are substrings of one copy of the input.
//
// It can also record where each string value sits in the input, so that a
// request whose texts the Guard changed can be sent as the caller's bytes
// with only those strings replaced (see splice). That is done only when the
// reading was exact: no object holds two equal member names and every
// string read as written, so the tree is the whole meaning of the input
// and a parser upstream cannot read anything the transport did not.

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// strSpan is where a string value sits in the input: the member key of the
// object owner, or the element idx of the array owner.
type strSpan struct {
	owner      uintptr
	key        string
	idx        int
	start, end int // the quoted literal
}

// jsonReader reads one JSON document.
type jsonReader struct {
	src   []byte
	str   string // src as a string, for substrings
	pos   int
	depth int

	track   bool      // record spans
	spans   []strSpan // string values, with track
	inexact bool      // a duplicate member or a lossy string was read
}

// syntaxError is an error in the input, worded as encoding/json words it.
func (r *jsonReader) syntaxError(what string) error {
	if r.pos >= len(r.src) {
		return errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("invalid character %s %s", quoteChar(r.src[r.pos]), what)
}

func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

func (r *jsonReader) skipSpace() {
	for r.pos < len(r.src) {
		switch r.src[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// readObjectDoc reads b as one JSON object followed by nothing but
// whitespace.
func readObjectDoc(b []byte, track bool) (map[string]any, *jsonReader, error) {
	r := &jsonReader{src: b, str: string(b), track: track}
	if track {
		// About one string value per member name: a quarter of the
		// quotes, so that spans rarely grow.
		r.spans = make([]strSpan, 0, bytes.Count(b, []byte{'"'})/4+4)
	}
	r.skipSpace()
	if r.pos >= len(b) {
		return nil, nil, errors.New("unexpected end of JSON input")
	}
	var doc map[string]any
	switch b[r.pos] {
	case '{':
		m, err := r.object()
		if err != nil {
			return nil, nil, err
		}
		doc = m
	case 'n':
		if err := r.literal("null"); err != nil {
			return nil, nil, err
		}
	default:
		// Check the value anyway, so a syntax error wins as it does in
		// encoding/json.
		if _, err := r.value(); err != nil {
			return nil, nil, err
		}
		return nil, nil, errors.New("json: cannot unmarshal a non-object into map[string]any")
	}
	r.skipSpace()
	if r.pos < len(b) {
		return nil, nil, errors.New("data after the JSON object")
	}
	if doc == nil {
		return nil, nil, errNotObject
	}
	return doc, r, nil
}

func (r *jsonReader) value() (any, error) {
	r.skipSpace()
	if r.pos >= len(r.src) {
		return nil, r.syntaxError("")
	}
	switch c := r.src[r.pos]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		return r.string()
	case c == 't':
		return true, r.literal("true")
	case c == 'f':
		return false, r.literal("false")
	case c == 'n':
		return nil, r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	}
	return nil, r.syntaxError("looking for beginning of value")
}

func (r *jsonReader) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if r.pos >= len(r.src) {
			return r.syntaxError("")
		}
		if r.src[r.pos] != word[i] {
			return r.syntaxError("in literal " + word + " (expecting " + quoteChar(word[i]) + ")")
		}
		r.pos++
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (r *jsonReader) number() (json.Number, error) {
	start := r.pos
	if r.src[r.pos] == '-' {
		r.pos++
		if r.pos >= len(r.src) {
			return "", r.syntaxError("")
		}
		if !isDigit(r.src[r.pos]) {
			return "", r.syntaxError("in numeric literal")
		}
	}
	if r.src[r.pos] == '0' {
		r.pos++
	} else {
		for r.pos < len(r.src) && isDigit(r.src[r.pos]) {
			r.pos++
		}
	}
	if r.pos < len(r.src) && r.src[r.pos] == '.' {
		r.pos++
		if r.pos >= len(r.src) {
			return "", r.syntaxError("")
		}
		if !isDigit(r.src[r.pos]) {
			return "", r.syntaxError("after decimal point in numeric literal")
		}
		for r.pos < len(r.src) && isDigit(r.src[r.pos]) {
			r.pos++
		}
	}
	if r.pos < len(r.src) && (r.src[r.pos] == 'e' || r.src[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.src) && (r.src[r.pos] == '+' || r.src[r.pos] == '-') {
			r.pos++
		}
		if r.pos >= len(r.src) {
			return "", r.syntaxError("")
		}
		if !isDigit(r.src[r.pos]) {
			return "", r.syntaxError("in exponent of numeric literal")
		}
		for r.pos < len(r.src) && isDigit(r.src[r.pos]) {
			r.pos++
		}
	}
	return json.Number(r.str[start:r.pos]), nil
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > maxDepth {
		return errors.New("exceeded max depth")
	}
	return nil
}

func (r *jsonReader) object() (map[string]any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	r.pos++ // {
	m := map[string]any{}
	var owner uintptr
	if r.track {
		owner = reflect.ValueOf(m).Pointer()
	}
	r.skipSpace()
	if r.pos < len(r.src) && r.src[r.pos] == '}' {
		r.pos++
		r.depth--
		return m, nil
	}
	for {
		r.skipSpace()
		if r.pos >= len(r.src) {
			return nil, r.syntaxError("")
		}
		if r.src[r.pos] != '"' {
			return nil, r.syntaxError("looking for beginning of object key string")
		}
		key, err := r.string()
		if err != nil {
			return nil, err
		}
		r.skipSpace()
		if r.pos >= len(r.src) {
			return nil, r.syntaxError("")
		}
		if r.src[r.pos] != ':' {
			return nil, r.syntaxError("after object key")
		}
		r.pos++
		r.skipSpace()
		start := r.pos
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			r.inexact = true
		}
		m[key] = v
		if r.track {
			if _, ok := v.(string); ok {
				r.spans = append(r.spans, strSpan{owner: owner, key: key, idx: -1, start: start, end: r.pos})
			}
		}
		r.skipSpace()
		if r.pos >= len(r.src) {
			return nil, r.syntaxError("")
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			r.depth--
			return m, nil
		default:
			return nil, r.syntaxError("after object key:value pair")
		}
	}
}

func (r *jsonReader) array() ([]any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	r.pos++ // [
	a := []any{}
	first := len(r.spans)
	r.skipSpace()
	if r.pos < len(r.src) && r.src[r.pos] == ']' {
		r.pos++
		r.depth--
		return a, nil
	}
	for {
		r.skipSpace()
		start := r.pos
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		if r.track {
			if _, ok := v.(string); ok {
				r.spans = append(r.spans, strSpan{idx: len(a), start: start, end: r.pos})
			}
		}
		a = append(a, v)
		r.skipSpace()
		if r.pos >= len(r.src) {
			return nil, r.syntaxError("")
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			r.depth--
			if r.track {
				// The elements' array is final now. Spans of nested
				// objects and arrays already name their owners, so the
				// unowned ones since first are this array's elements.
				owner := reflect.ValueOf(a).Pointer()
				for i := first; i < len(r.spans); i++ {
					if r.spans[i].owner == 0 {
						r.spans[i].owner = owner
					}
				}
			}
			return a, nil
		default:
			return nil, r.syntaxError("after array element")
		}
	}
}

// string reads a string literal. Invalid UTF-8 and lone surrogates are
// read as U+FFFD, and make the reading inexact.
func (r *jsonReader) string() (string, error) {
	r.pos++ // "
	start := r.pos
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		switch {
		case c == '"':
			s := r.str[start:r.pos]
			r.pos++
			return s, nil
		case c == '\\':
			return r.slowString(start)
		case c < 0x20:
			return "", r.syntaxError("in string literal")
		case c >= utf8.RuneSelf:
			return r.slowString(start)
		}
		r.pos++
	}
	return "", r.syntaxError("")
}

// slowString reads a string literal that holds escapes or non-ASCII bytes,
// from start (after the opening quote); r.pos is within it. A literal
// that needs no decoding is still a substring of the input.
func (r *jsonReader) slowString(start int) (string, error) {
	var buf []byte // nil while the literal reads as written
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		switch {
		case c == '"':
			r.pos++
			if buf == nil {
				return r.str[start : r.pos-1], nil
			}
			return string(buf), nil
		case c < 0x20:
			return "", r.syntaxError("in string literal")
		case c == '\\':
			if buf == nil {
				buf = append(make([]byte, 0, r.pos-start+32), r.src[start:r.pos]...)
			}
			r.pos++
			if r.pos >= len(r.src) {
				return "", r.syntaxError("")
			}
			switch e := r.src[r.pos]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
				r.pos++
			case 'b':
				buf = append(buf, '\b')
				r.pos++
			case 'f':
				buf = append(buf, '\f')
				r.pos++
			case 'n':
				buf = append(buf, '\n')
				r.pos++
			case 'r':
				buf = append(buf, '\r')
				r.pos++
			case 't':
				buf = append(buf, '\t')
				r.pos++
			case 'u':
				r.pos++
				rr, err := r.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(rr) {
					// A pair only when a second escape follows that
					// completes it; otherwise U+FFFD, as encoding/json
					// reads it, and the escape after it is read on its own.
					if r.pos+6 <= len(r.src) && r.src[r.pos] == '\\' && r.src[r.pos+1] == 'u' {
						if rr1, ok := hex4(r.src[r.pos+2 : r.pos+6]); ok {
							if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
								buf = utf8.AppendRune(buf, dec)
								r.pos += 6
								continue
							}
						}
					}
					rr = utf8.RuneError
					r.inexact = true
				}
				buf = utf8.AppendRune(buf, rr)
			default:
				return "", r.syntaxError("in string escape code")
			}
		case c < utf8.RuneSelf:
			if buf != nil {
				buf = append(buf, c)
			}
			r.pos++
		default:
			rr, size := utf8.DecodeRune(r.src[r.pos:])
			if rr == utf8.RuneError && size == 1 {
				r.inexact = true
				if buf == nil {
					buf = append(make([]byte, 0, r.pos-start+32), r.src[start:r.pos]...)
				}
			}
			if buf != nil {
				buf = utf8.AppendRune(buf, rr)
			}
			r.pos += size
		}
	}
	return "", r.syntaxError("")
}

// hex4 reads the four hex digits of a \u escape.
func (r *jsonReader) hex4() (rune, error) {
	for i := 0; i < 4; i++ {
		if r.pos+i >= len(r.src) {
			r.pos += i
			return 0, r.syntaxError("")
		}
		if _, ok := hexVal(r.src[r.pos+i]); !ok {
			r.pos += i
			return 0, r.syntaxError("in \\u hexadecimal character escape")
		}
	}
	rr, _ := hex4(r.src[r.pos : r.pos+4])
	r.pos += 4
	return rr, nil
}

func hexVal(c byte) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0'), true
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10), true
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10), true
	}
	return 0, false
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		v, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | v
	}
	return r, true
}

// spanOf returns the span of the string value at owner's key or index
// (the last, as the tree holds the last of two equal members).
func (r *jsonReader) spanOf(owner uintptr, key string, idx int) (strSpan, bool) {
	for i := len(r.spans) - 1; i >= 0; i-- {
		if s := r.spans[i]; s.owner == owner && s.key == key && s.idx == idx {
			return s, true
		}
	}
	return strSpan{}, false
}

// ownerOf identifies a decoded object or array, as spans record it.
func ownerOf(v any) uintptr {
	switch x := v.(type) {
	case map[string]any:
		return reflect.ValueOf(x).Pointer()
	case []any:
		return reflect.ValueOf(x).Pointer()
	}
	return 0
}

// edit replaces the string value at one span.
type edit struct {
	span strSpan
	text string
}

// splice returns the input with each edit's string literal replaced by
// the encoding of its text. It fails (ok false) unless the reading was
// exact and every edit has a distinct span.
func (r *jsonReader) splice(edits []edit) ([]byte, bool) {
	if r.inexact {
		return nil, false
	}
	if len(edits) == 0 {
		return r.src, true
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.span.start - b.span.start })
	n := len(r.src)
	for i, e := range edits {
		if i > 0 && e.span.start < edits[i-1].span.end {
			return nil, false
		}
		n += len(e.text) + 8 - (e.span.end - e.span.start)
	}
	out := make([]byte, 0, n)
	at := 0
	for _, e := range edits {
		out = append(out, r.src[at:e.span.start]...)
		out = appendJSONString(out, e.text)
		at = e.span.end
	}
	return append(out, r.src[at:]...), true
}

// appendJSONString appends s as a JSON string literal the way
// encoding/json writes it without HTML escaping: invalid UTF-8 becomes
// U+FFFD, U+2028 and U+2029 are escaped.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		rr, size := utf8.DecodeRuneInString(s[i:])
		if rr == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if rr == '\u2028' || rr == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[rr&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
