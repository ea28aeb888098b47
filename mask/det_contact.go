package mask

import (
	"net/netip"
	"strings"
)

// Contact, network, date and wallet detectors.

var localByte = byteTable(func(c byte) bool { return alnumByte[c] || strings.IndexByte("._%+-", c) >= 0 })

var _ = def(&builtin{name: "email", ents: []Entity{Email}, reg: func(d *builtin, b *planBuilder, id int) {
	b.onAt(func(sc *scan, i int) { emailAt(d, sc, id, i) })
}})

func emailAt(d *builtin, sc *scan, id, i int) {
	s := sc.s
	j := i
	lo := max(0, i-64)
	for j > lo && localByte[s[j-1]] {
		j--
	}
	if j > 0 && localByte[s[j-1]] {
		return // local part longer than 64 bytes: not an address
	}
	for j < i && (s[j] == '.' || s[j] == '-' || s[j] == '+') {
		j++
	}
	if j == i || s[i-1] == '.' || sc.gluedLeft(j) {
		return
	}
	for x := j - 1; x >= 2 && x >= j-128; x-- {
		c := s[x]
		if c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '(' {
			break
		}
		if c == '/' && s[x-1] == '/' && s[x-2] == ':' {
			return // user:password@host in a URL, not an address
		}
	}
	sc.trig = j
	k := i + 1
	labels, tldStart, end := 0, -1, -1
	for k-i <= 254 {
		ls := k
		for !sc.past(k) && (isAlnum(s[k]) || s[k] == '-') {
			k++
			sc.work++
		}
		if k == ls || s[ls] == '-' || s[k-1] == '-' {
			break
		}
		labels++
		tldStart, end = ls, k
		if sc.past(k+1) || s[k] != '.' || !isAlnum(s[k+1]) {
			if !sc.past(k) && (s[k] == '.' || s[k] == '-') && sc.gluedRight(k+1) {
				return // the domain went on into what is now a masking label
			}
			break
		}
		k++
	}
	if labels < 2 || end-tldStart < 2 {
		return
	}
	for x := tldStart; x < end; x++ {
		if !isLetter(s[x]) {
			return
		}
	}
	sc.add(j, end, d.score(sc, j, 0.9), id, Email)
}

var _ = def(&builtin{name: "url", ents: []Entity{URL}, pos: []string{"url", "link", "website", "site"},
	reg: func(d *builtin, b *planBuilder, id int) {
		for _, a := range []string{"http://", "https://", "ftp://", "www."} {
			b.onAnchor(a, false, true, func(sc *scan, start, end int) { urlAt(d, sc, id, start, end) })
		}
	}})

func urlByte(c byte) bool {
	return c > ' ' && c != 0x7f && strings.IndexByte("\"<>`{}|\\^", c) < 0
}

func urlAt(d *builtin, sc *scan, id, start, end int) {
	s := sc.s
	k := end
	for !sc.past(k) && urlByte(s[k]) && k-start < 2048 {
		k++
	}
	sc.work += k - end
	if k-start >= 2048 {
		return
	}
	// Trailing punctuation belongs to the sentence; a ')' only when unbalanced.
	parens := strings.Count(s[start:k], "(") - strings.Count(s[start:k], ")")
	brackets := strings.Count(s[start:k], "[") - strings.Count(s[start:k], "]")
	for k > end {
		c := s[k-1]
		if strings.IndexByte(".,;:!?'*", c) >= 0 {
			k--
			continue
		}
		if c == ')' && parens < 0 {
			parens++
			k--
			continue
		}
		if c == ']' && brackets < 0 {
			brackets++
			k--
			continue
		}
		break
	}
	if k == end || !isAlnum(s[end]) {
		return
	}
	sc.add(start, k, d.score(sc, start, 0.6), id, URL)
}

var _ = def(&builtin{name: "ip_address", ents: []Entity{IPAddress}, pos: []string{"ip", "ipv4", "ipv6", "address", "host", "server"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(4, 12), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			t := sc.tok(dd)
			if !t.shape() || t.ng < 4 || !t.seps("...") {
				return
			}
			p := 0
			for g := 0; g < 4; g++ {
				l := int(t.glen[g])
				if l > 3 {
					return
				}
				v := 0
				for _, x := range t.dig[p : p+l] {
					v = v*10 + int(x)
				}
				if v > 255 || (l > 1 && t.dig[p] == 0) {
					return
				}
				p += l
			}
			end := t.gend[3]
			if t.ng > 4 {
				if t.gsep[4] == '/' && t.glen[4] <= 2 && (t.ng == 5 || t.gsep[5] == ' ') {
					end = t.gend[4]
				} else if t.gsep[4] != ' ' {
					return
				}
			}
			if t.more || !sc.boundary(end) {
				return
			}
			if dd > 0 && (sc.s[dd-1] == '.' || isLetter(sc.s[dd-1])) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, 0.65), id, IPAddress)
		})
		b.onColon(func(sc *scan, i int) { ipv6At(d, sc, id, i) })
	}})

func ipv6At(d *builtin, sc *scan, id, i int) {
	s := sc.s
	j := i
	for j > 0 && isHex(s[j-1]) && i-j < 4 {
		j--
	}
	if j > 0 && (s[j-1] == ':' || isAlnum(s[j-1]) || s[j-1] == '.' || sc.gluedLeft(j)) {
		return
	}
	sc.trig = j
	k := i
	colons := 0
	for !sc.past(k) && (isHex(s[k]) || s[k] == ':' || s[k] == '.') && k-j < 45 {
		if s[k] == ':' {
			colons++
		}
		k++
	}
	if colons < 2 {
		return
	}
	if !sc.past(k) && (isAlnum(s[k]) || sc.gluedRight(k)) {
		return
	}
	for k > i {
		if !ipv6Shape(s[j:k]) {
			// fall through to trimming
		} else if a, err := netip.ParseAddr(s[j:k]); err == nil && a.Is6() {
			if k-j >= 6 || a.IsLoopback() {
				sc.trig = j
				sc.add(j, k, d.score(sc, j, 0.7), id, IPAddress)
			}
			return
		}
		if c := s[k-1]; c == '.' || c == ':' {
			k--
			continue
		}
		return
	}
}

var _ = def(&builtin{name: "mac_address", ents: []Entity{MACAddress}, pos: []string{"mac", "hardware", "ethernet"},
	reg: func(d *builtin, b *planBuilder, id int) {
		// AA-BB-CC-DD-EE-FF: reached from its first group holding a digit.
		b.onNumLetters(digitRange(0, 63), numLed|letterLed, prefixes(1, 2, 3), 0, func(sc *scan, w, dd int) {
			s := sc.s
			if macDotted(d, sc, id, w) {
				return
			}
			st := w
			for k := 0; k < 5 && st >= 3 && s[st-1] == '-' && isHex(s[st-2]) && isHex(s[st-3]); k++ {
				st -= 3
			}
			if st > 0 && (isAlnum(s[st-1]) || s[st-1] == '-' || s[st-1] == ':' || sc.gluedLeft(st)) {
				return
			}
			sc.trig = st
			if st+4 < sc.n && s[st+2] != '-' {
				return // what the loop finds by its second group, without a look past the end
			}
			for g := 0; g < 6; g++ {
				p := st + 3*g
				if sc.past(p+1) || !isHex(s[p]) || !isHex(s[p+1]) || g > 0 && s[p-1] != '-' {
					return
				}
			}
			end := st + 17
			if !sc.boundary(end) || (!sc.past(end) && s[end] == '-') {
				return
			}
			sc.trig = st
			sc.add(st, end, d.score(sc, st, 0.7), id, MACAddress)
		})
		b.onColon(func(sc *scan, i int) {
			s := sc.s
			j := i - 2
			if j < 0 || !isHex(s[j]) || !isHex(s[j+1]) || (j > 0 && (isAlnum(s[j-1]) || s[j-1] == ':' || s[j-1] == '-' || sc.gluedLeft(j))) {
				return
			}
			sc.trig = j
			for g := 1; g < 6; g++ {
				p := j + 3*g
				if sc.past(p+1) || s[p-1] != ':' || !isHex(s[p]) || !isHex(s[p+1]) {
					return
				}
			}
			end := j + 17
			if !sc.boundary(end) || (!sc.past(end) && s[end] == ':') {
				return
			}
			sc.trig = j
			sc.add(j, end, d.score(sc, j, 0.7), id, MACAddress)
		})
	}})

// Dates.

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}

// monthAt parses a month name (full, or a 3-letter abbreviation, or "sept")
// at i and returns its number and end.
func (sc *scan) monthAt(i int) (int, int) {
	s := sc.s
	j := i
	for !sc.past(j) && isLetter(s[j]) && j-i < 10 {
		j++
	}
	if !sc.past(j) && isLetter(s[j]) {
		return 0, 0
	}
	w := s[i:j]
	if len(w) < 3 {
		return 0, 0
	}
	for m, name := range monthNames {
		if len(w) == len(name) && strings.EqualFold(w, name) ||
			len(w) == 3 && strings.EqualFold(w, name[:3]) ||
			m == 8 && strings.EqualFold(w, "sept") {
			return m + 1, j
		}
	}
	return 0, 0
}

var _ = def(&builtin{name: "date_time", ents: []Entity{DateTime},
	pos: []string{"born", "dob", "birth", "birthday", "d.o.b", "date of birth", "geboren", "née", "né le", "nascido", "nato"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(0, 63), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			dateNumeric(d, sc, id, dd)
		})
		seen := map[string]bool{}
		for _, m := range monthNames {
			for _, a := range []string{m, m[:3]} {
				if !seen[a] {
					seen[a] = true
					b.onAnchor(a, false, true, func(sc *scan, start, end int) { dateMonthFirst(d, sc, id, start) })
				}
			}
		}
	}})

func num(ds []byte) int {
	v := 0
	for _, x := range ds {
		v = v*10 + int(x)
	}
	return v
}

func dateNumeric(d *builtin, sc *scan, id, dd int) {
	t := sc.tok(dd)
	// "5 March 2024" / "5th of March, 2024"
	if t.ng >= 1 && t.glen[0] <= 2 {
		if m, y, end, ok := sc.dayMonthYear(t.gend[0]); ok {
			if validDate(y, m, num(t.dig[:t.glen[0]])) {
				sc.add(dd, end, d.score(sc, dd, 0.5), id, DateTime)
			}
			return
		}
	}
	if t.ng < 3 {
		return
	}
	sep := t.gsep[1]
	if t.gsep[2] != sep || (sep != '-' && sep != '/' && sep != '.') {
		return
	}
	var y, m, dy int
	switch {
	case t.glen[0] == 4 && t.glen[1] <= 2 && t.glen[2] <= 2: // ISO-like
		y, m, dy = num(t.dig[:4]), num(t.dig[4:4+t.glen[1]]), num(t.dig[4+t.glen[1]:4+t.glen[1]+t.glen[2]])
	case t.glen[0] <= 2 && t.glen[1] <= 2 && t.glen[2] == 4:
		a, b2 := num(t.dig[:t.glen[0]]), num(t.dig[t.glen[0]:t.glen[0]+t.glen[1]])
		y = num(t.dig[t.glen[0]+t.glen[1] : t.glen[0]+t.glen[1]+4])
		m, dy = a, b2
		if !validDate(y, m, dy) {
			m, dy = b2, a
		}
	default:
		return
	}
	if y < 1900 || y > 2100 || !validDate(y, m, dy) {
		return
	}
	end := t.gend[2]
	if t.ng > 3 && t.gsep[3] != ' ' {
		return
	}
	// A date with a time of day is a timestamp, not a date of birth.
	if sc.timeAfter(end) {
		return
	}
	if _, ok := sc.endOK(t, 3); !ok {
		return
	}
	if !sc.boundary(end) {
		return
	}
	sc.add(dd, end, d.score(sc, dd, 0.5), id, DateTime)
}

// dayMonthYear parses " March 2024", " of March, 2024", "th March 2024" at i.
func (sc *scan) dayMonthYear(i int) (m, y, end int, ok bool) {
	s := sc.s
	k := i
	if !sc.past(k + 1) {
		if ordinal(s[k], s[k+1]) {
			k += 2
		}
	}
	if sc.past(k) || s[k] != ' ' {
		return
	}
	k++
	if !sc.past(k+2) && strings.EqualFold(s[k:k+3], "of ") {
		k += 3
	}
	m, k = sc.monthAt(k)
	if m == 0 {
		return
	}
	if !sc.past(k) && s[k] == '.' {
		k++
	}
	if !sc.past(k) && s[k] == ',' {
		k++
	}
	y, end, ok = sc.spaceYear(k)
	return m, y, end, ok
}

// spaceYear parses " 2024" at k: a space and a year from 1900 to 2100
// ending at a boundary; end is past the year.
func (sc *scan) spaceYear(k int) (y, end int, ok bool) {
	s := sc.s
	if sc.past(k+4) || s[k] != ' ' {
		return
	}
	k++
	for x := k; x < k+4; x++ {
		if !isDigit(s[x]) {
			return
		}
	}
	y = int(s[k]-'0')*1000 + int(s[k+1]-'0')*100 + int(s[k+2]-'0')*10 + int(s[k+3]-'0')
	if y < 1900 || y > 2100 || !sc.boundary(k+4) {
		return
	}
	return y, k + 4, true
}

// dateMonthFirst parses "March 5, 2024" / "Mar. 5th 2024" at start.
func dateMonthFirst(d *builtin, sc *scan, id, start int) {
	s := sc.s
	m, k := sc.monthAt(start)
	if m == 0 {
		return
	}
	if sc.past(k) {
		return
	}
	if s[k] == '.' {
		k++
	}
	if sc.past(k+1) || s[k] != ' ' || !isDigit(s[k+1]) {
		return
	}
	k++
	ds := k
	for !sc.past(k) && isDigit(s[k]) && k-ds < 3 {
		k++
	}
	if k-ds > 2 {
		return
	}
	day := num([]byte{s[ds] - '0'})
	if k-ds == 2 {
		day = int(s[ds]-'0')*10 + int(s[ds+1]-'0')
	}
	if !sc.past(k + 1) {
		if ordinal(s[k], s[k+1]) {
			k += 2
		}
	}
	if !sc.past(k) && s[k] == ',' {
		k++
	}
	y, end, ok := sc.spaceYear(k)
	if !ok || !validDate(y, m, day) {
		return
	}
	sc.add(start, end, d.score(sc, start, 0.5), id, DateTime)
}

// ordinal reports whether ab is an English ordinal suffix (st, nd, rd, th).
func ordinal(a, b byte) bool {
	a, b = foldByte(a), foldByte(b)
	return a == 's' && b == 't' || a == 'n' && b == 'd' || a == 'r' && b == 'd' || a == 't' && b == 'h'
}

// ipv6Shape is a cheap, allocation-free pre-check of the IPv6 text form, so
// that only plausible candidates reach netip.ParseAddr (whose errors
// allocate).
func ipv6Shape(v string) bool {
	groups, double := 0, false
	for i := 0; i < len(v); {
		if v[i] == ':' {
			if i+1 < len(v) && v[i+1] == ':' {
				if double {
					return false
				}
				double = true
				i += 2
				continue
			}
			if i == 0 || i == len(v)-1 {
				return false
			}
			i++
			continue
		}
		j := i
		dots := 0
		for j < len(v) && v[j] != ':' {
			if v[j] == '.' {
				dots++
			} else if !isHex(v[j]) {
				return false
			}
			j++
		}
		switch {
		case dots == 3 && j == len(v):
			groups += 2
		case dots == 0 && j-i <= 4:
			groups++
		default:
			return false
		}
		i = j
	}
	return groups == 8 && !double || groups < 8 && double
}

// timeAfter reports whether a time of day ("T10:30", " 10:30") follows at i.
// A masking label where a digit should be counts as one (idempotence).
func (sc *scan) timeAfter(i int) bool {
	s := sc.s
	if sc.past(i+1) || s[i] != 'T' && s[i] != ' ' && s[i] != '_' {
		return false
	}
	d := func(k int) bool { return !sc.past(k) && isDigit(s[k]) }
	for k := i + 1; k <= i+5; k++ {
		if sc.past(k) {
			return false
		}
		if sc.gluedRight(k) {
			return k > i+1 || s[i] != ' '
		}
		if k == i+3 {
			if s[k] != ':' {
				return false
			}
		} else if !d(k) {
			return false
		}
	}
	return true
}

// macDotted matches the Cisco form 0123.4567.89ab from a group holding a
// digit (the first group, or the second or third when earlier ones are
// letters only).
func macDotted(d *builtin, sc *scan, id, w int) bool {
	s := sc.s
	if w+4 < sc.n && s[w+4] != '.' && (w < 5 || s[w-1] != '.') {
		// Neither a first group at w nor a later one: what the loop
		// below finds, without a look past the end.
		return false
	}
	for back := 0; back <= 10; back += 5 {
		st := w - back
		if st < 0 || back > 0 && s[st+4] != '.' {
			return false
		}
		if st > 0 && (isAlnum(s[st-1]) || s[st-1] == '.' || sc.gluedLeft(st)) {
			continue
		}
		ok := true
		for g := 0; g < 3 && ok; g++ {
			p := st + 5*g
			if sc.past(p + 3) {
				return false
			}
			for k := p; k < p+4; k++ {
				if !isHex(s[k]) {
					ok = false
				}
			}
			if g < 2 && (sc.past(p+4) || s[p+4] != '.') {
				ok = false
			}
		}
		if !ok || !sc.boundary(st+14) || !sc.past(st+14) && s[st+14] == '.' {
			continue
		}
		sc.trig = st
		sc.add(st, st+14, d.score(sc, st, 0.6), id, MACAddress)
		return true
	}
	return false
}
