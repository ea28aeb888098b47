package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file implements the JSON Canonicalization Scheme of RFC 8785 (JCS).
// Events are encoded directly into canonical form by event.go's encoder;
// Canonicalize is the general form, used to check that encoder and to let
// other tools canonicalise JSON the same way.

// Canonicalize returns the RFC 8785 canonical form of the JSON text in: object
// members sorted by the UTF-16 code units of their names, no insignificant
// white space, numbers in ECMAScript form and strings with the minimal
// escaping JCS prescribes. Duplicate member names, invalid UTF-8, NaN and
// infinities are errors, as I-JSON demands.
func Canonicalize(in []byte) ([]byte, error) {
	if !utf8.Valid(in) {
		return nil, errors.New("audit: canonicalize: invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	v, err := parseJSONValue(dec)
	if err != nil {
		return nil, fmt.Errorf("audit: canonicalize: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("audit: canonicalize: trailing data after JSON value")
	}
	out := make([]byte, 0, len(in))
	return appendCanonicalValue(out, v)
}

type jsonMember struct {
	name  string
	value any
}

// parseJSONValue reads one value from dec, keeping object members in a slice
// so that duplicates can be refused and members sorted without a map.
func parseJSONValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var members []jsonMember
			seen := map[string]bool{}
			for dec.More() {
				nt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				name := nt.(string)
				if seen[name] {
					return nil, fmt.Errorf("duplicate member name %q", name)
				}
				seen[name] = true
				v, err := parseJSONValue(dec)
				if err != nil {
					return nil, err
				}
				members = append(members, jsonMember{name, v})
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return members, nil
		case '[':
			elems := []any{}
			for dec.More() {
				v, err := parseJSONValue(dec)
				if err != nil {
					return nil, err
				}
				elems = append(elems, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return elems, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return tok, nil
	}
}

func appendCanonicalValue(out []byte, v any) ([]byte, error) {
	var err error
	switch t := v.(type) {
	case nil:
		return append(out, "null"...), nil
	case bool:
		return strconv.AppendBool(out, t), nil
	case string:
		return appendJSONString(out, t), nil
	case json.Number:
		f, perr := strconv.ParseFloat(string(t), 64)
		if perr != nil {
			return nil, fmt.Errorf("number %s: %w", t, perr)
		}
		return appendES6Number(out, f)
	case []any:
		out = append(out, '[')
		for i, e := range t {
			if i > 0 {
				out = append(out, ',')
			}
			if out, err = appendCanonicalValue(out, e); err != nil {
				return nil, err
			}
		}
		return append(out, ']'), nil
	case []jsonMember:
		slices.SortFunc(t, func(a, b jsonMember) int { return compareUTF16(a.name, b.name) })
		out = append(out, '{')
		for i, m := range t {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendJSONString(out, m.name)
			out = append(out, ':')
			if out, err = appendCanonicalValue(out, m.value); err != nil {
				return nil, err
			}
		}
		return append(out, '}'), nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", v)
}

// compareUTF16 orders strings by their UTF-16 code units, as RFC 8785
// section 3.2.3 sorts member names. It does not allocate.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ha, la := utf16Units(ra)
			hb, lb := utf16Units(rb)
			if ha != hb {
				return int(ha) - int(hb)
			}
			return int(la) - int(lb)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// utf16Units returns the UTF-16 code units of r: (r, 0) inside the BMP, the
// surrogate pair outside it.
func utf16Units(r rune) (uint16, uint16) {
	if r < 0x10000 {
		return uint16(r), 0
	}
	r -= 0x10000
	return uint16(0xd800 + (r>>10)&0x3ff), uint16(0xdc00 + r&0x3ff)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JCS string: '"' and '\' escaped, control
// characters as \b \t \n \f \r or \u00xx, everything else (including '/',
// U+2028 and non-ASCII) as literal UTF-8. Invalid UTF-8 becomes U+FFFD, so
// the output is always valid I-JSON.
func appendJSONString(out []byte, s string) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch c {
			case '"', '\\':
				out = append(out, '\\', c)
			case '\b':
				out = append(out, '\\', 'b')
			case '\t':
				out = append(out, '\\', 't')
			case '\n':
				out = append(out, '\\', 'n')
			case '\f':
				out = append(out, '\\', 'f')
			case '\r':
				out = append(out, '\\', 'r')
			default:
				out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			out = append(out, s[start:i]...)
			out = append(out, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += n
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

// appendES6Number appends f formatted as ECMAScript's Number.prototype.toString
// does (ECMA-262 Number::toString), which RFC 8785 section 3.2.2.3 requires.
func appendES6Number(out []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errors.New("NaN and infinities are not JSON numbers")
	}
	if f == 0 {
		return append(out, '0'), nil // also -0
	}
	if f < 0 {
		out = append(out, '-')
		f = -f
	}
	// Shortest round-tripping digits: "d.ddde±x".
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	ePos := bytes.IndexByte(e, 'e')
	mant, expPart := e[:ePos], e[ePos+1:]
	exp, _ := strconv.Atoi(string(expPart))
	var digits []byte
	digits = append(digits, mant[0])
	if len(mant) > 2 {
		digits = append(digits, mant[2:]...)
	}
	k := len(digits)
	n := exp + 1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		out = append(out, digits...)
		for range n - k {
			out = append(out, '0')
		}
	case 0 < n && n <= 21:
		out = append(out, digits[:n]...)
		out = append(out, '.')
		out = append(out, digits[n:]...)
	case -6 < n && n <= 0:
		out = append(out, '0', '.')
		for range -n {
			out = append(out, '0')
		}
		out = append(out, digits...)
	default:
		out = append(out, digits[0])
		if k > 1 {
			out = append(out, '.')
			out = append(out, digits[1:]...)
		}
		out = append(out, 'e')
		if n-1 >= 0 {
			out = append(out, '+')
		}
		out = strconv.AppendInt(out, int64(n-1), 10)
	}
	return out, nil
}

// appendJSONInt appends an integer. Integers up to 2^53 are exact in
// IEEE 754 doubles and print the same as ES6 would; larger ones are printed
// as the double they round to, so the output stays canonical JCS.
func appendJSONInt(out []byte, v int64) []byte {
	const maxSafe = 1<<53 - 1
	if v > maxSafe || v < -maxSafe {
		out, _ = appendES6Number(out, float64(v))
		return out
	}
	return strconv.AppendInt(out, v, 10)
}
