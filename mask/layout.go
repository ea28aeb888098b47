package mask

import "sort"

// layout is a digit-group shape such as "3-2-4" (exact separators) or
// "3_2_4" ('_' stands for one of space, '-' or '.', the same in every gap).
type layout struct {
	g    []uint8
	sep  []byte // per gap; '_' = flexible
	flex bool
}

func lay(spec string) layout {
	var l layout
	n := 0
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		if c >= '0' && c <= '9' {
			n = n*10 + int(c-'0')
			continue
		}
		l.g = append(l.g, uint8(n))
		n = 0
		l.sep = append(l.sep, c)
		if c == '_' {
			l.flex = true
		}
	}
	l.g = append(l.g, uint8(n))
	return l
}

// lays compiles layouts, longest first: fixed takes the first that fits,
// so "4 4 4 4 3" wins over its prefix "4 4 4 4".
func lays(specs ...string) []layout {
	out := make([]layout, len(specs))
	for i, s := range specs {
		out[i] = lay(s)
	}
	total := func(l layout) int {
		n := 0
		for _, g := range l.g {
			n += int(g)
		}
		return n
	}
	sort.SliceStable(out, func(a, b int) bool { return total(out[a]) > total(out[b]) })
	return out
}

// fixed matches t against the layouts (and, when bare > 0, a single group of
// that many digits). It returns the digits, the end offset and whether a
// formatted layout (not the bare form) matched.
func (sc *scan) fixed(t *numTok, bare int, ls []layout) (ds []byte, end int, formatted, ok bool) {
	for _, l := range ls {
		k := len(l.g)
		if t.ng < k {
			continue
		}
		match := true
		var flex byte
		for g := 0; g < k && match; g++ {
			if t.glen[g] != l.g[g] {
				match = false
				break
			}
			if g == 0 {
				continue
			}
			want, got := l.sep[g-1], t.gsep[g]
			if want == '_' {
				if got != ' ' && got != '-' && got != '.' {
					match = false
				} else if flex == 0 {
					flex = got
				} else if got != flex {
					match = false
				}
			} else if want != got {
				match = false
			}
		}
		if !match {
			continue
		}
		if e, ok := sc.endOK(t, k); ok {
			return t.digits(k), e, true, true
		}
	}
	if bare > 0 && int(t.glen[0]) == bare {
		if e, ok := sc.endOK(t, 1); ok {
			return t.dig[:bare], e, false, true
		}
	}
	return nil, 0, false, false
}

// word returns the alphanumeric word starting at w (cached per trigger) and
// whether it is at most 64 bytes long and ends on a boundary.
func (sc *scan) word(w int) (string, bool) {
	if sc.wAt != w {
		sc.wAt = w
		saved := sc.short
		sc.short = false
		e, ok := sc.wordEnd(w, 64)
		sc.wEnd, sc.wOK = e, ok && sc.boundary(e)
		sc.wShort = sc.short
		sc.short = saved || sc.short
	} else if sc.wShort {
		sc.short = true
	}
	return sc.s[w:sc.wEnd], sc.wOK
}

func digitsOf(s string, dst []byte) []byte {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			dst = append(dst, s[i]-'0')
		}
	}
	return dst
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

func allUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// pattern checks s against a shape: 'A' upper letter, '9' digit, 'X' upper
// letter or digit, anything else literally.
func pattern(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch shape[i] {
		case 'A':
			if !isUpper(c) {
				return false
			}
		case '9':
			if !isDigit(c) {
				return false
			}
		case 'X':
			if !isUpper(c) && !isDigit(c) {
				return false
			}
		default:
			if c != shape[i] {
				return false
			}
		}
	}
	return true
}
