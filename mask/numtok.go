package mask

// numTok is a run of digit groups starting at a token start: "4111 1111
// 1111 1111", "123-45-6789", "12.345.678/0001-95". It is parsed once per
// trigger and shared by the numeric detectors.
type numTok struct {
	nd    int      // digits
	dig   [40]byte // digit values
	ng    int      // groups
	glen  [20]uint8
	gend  [20]int  // byte offset after each group
	gsep  [20]byte // separator before group g (0 for the first)
	more  bool     // the token goes on beyond what was parsed
	short bool     // parsing needed bytes past the end of the buffer
	cum   uint64   // bit n set: a group boundary falls after n digits
}

func isNumSep(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '/' }

// tok parses the digit groups starting at d (cached per trigger).
func (sc *scan) tok(d int) *numTok {
	t := &sc.num
	if sc.numAt == d {
		if t.short {
			sc.short = true
		}
		return t
	}
	sc.numAt = d
	saved := sc.short
	sc.short = false
	sc.parseTok(t, d)
	t.short = sc.short
	sc.short = saved || t.short
	return t
}

func (sc *scan) parseTok(t *numTok, d int) {
	t.nd, t.ng, t.more, t.short, t.cum = 0, 0, false, false, 0
	s := sc.s
	i := d
	sep := byte(0)
	for {
		if t.ng == len(t.glen) {
			// Too many groups: a space-separated group starts the next token.
			t.more = sep != ' '
			return
		}
		g := t.ng
		t.gsep[g] = sep
		// The digits: counted in bulk as the work of one past check each.
		start, nd := i, t.nd
		for lim := min(sc.n, i+len(t.dig)-nd); i < lim && isDigit(s[i]); i++ {
			t.dig[nd+i-start] = s[i] - '0'
		}
		sc.work += i - start
		t.nd += i - start
		t.glen[g] = uint8(i - start)
		if !sc.past(i) && isDigit(s[i]) {
			// More digits than t.dig holds.
			if g > 0 && sep == ' ' {
				// The token ends before this space-separated group.
				t.nd -= int(t.glen[g])
				return
			}
			t.more = true
			t.ng++
			t.gend[g] = i
			return
		}
		t.gend[g] = i
		t.ng++
		t.cum |= 1 << t.nd
		if sc.past(i) || !isNumSep(s[i]) || sc.past(i+1) || !isDigit(s[i+1]) {
			return
		}
		sep = s[i]
		i++
	}
}

// digits returns the digit values of groups [0,k).
func (t *numTok) digits(k int) []byte {
	n := 0
	for g := 0; g < k; g++ {
		n += int(t.glen[g])
	}
	return t.dig[:n]
}

// shape reports whether the first len(lens) groups have exactly these
// lengths, separated by seps (one byte per gap; ' ' in seps also accepts
// any of " -" when loose is set).
func (t *numTok) shape(lens ...uint8) bool {
	if t.ng < len(lens) {
		return false
	}
	for i, l := range lens {
		if t.glen[i] != l {
			return false
		}
	}
	return true
}

// sameSep reports whether groups 1..k-1 all use one separator from allowed.
func (t *numTok) sameSep(k int, allowed string) bool {
	if k <= 1 {
		return true
	}
	c := t.gsep[1]
	for g := 2; g < k; g++ {
		if t.gsep[g] != c {
			return false
		}
	}
	for i := 0; i < len(allowed); i++ {
		if allowed[i] == c {
			return true
		}
	}
	return false
}

// seps reports whether the separators before groups 1..len(want) are want.
func (t *numTok) seps(want string) bool {
	if t.ng < len(want)+1 {
		return false
	}
	for i := 0; i < len(want); i++ {
		if t.gsep[i+1] != want[i] {
			return false
		}
	}
	return true
}

// endOK reports whether a match made of groups [0,k) may end there: at the
// end of the token, or before a space when the match itself uses another
// separator, and followed by a byte that does not continue a word.
func (sc *scan) endOK(t *numTok, k int) (int, bool) {
	if k < 1 || k > t.ng {
		return 0, false
	}
	end := t.gend[k-1]
	if k < t.ng {
		if t.gsep[k] != ' ' || (k == 1 && t.more) {
			return 0, false
		}
		return end, true
	}
	if t.more {
		return 0, false
	}
	return end, sc.boundary(end)
}

// boundary reports whether a value may end at i: end of text, or a byte that
// neither continues a word nor glues the value to one ("-x", "@x", ",5").
func (sc *scan) boundary(i int) bool {
	if sc.past(i) {
		return true
	}
	c := sc.s[i]
	if isAlnum(c) || c == '_' {
		return false
	}
	if (c == '[' || c == '<') && sc.gluedRight(i) {
		return false
	}
	if c == '-' || c == '@' {
		if sc.past(i + 1) {
			return true
		}
		n := sc.s[i+1]
		if isAlnum(n) || sc.gluedRight(i+1) {
			return false
		}
	}
	return true
}

// wordEnd returns the end of the alphanumeric run starting at w (at most
// limit bytes; ok is false when it is longer).
func (sc *scan) wordEnd(w, limit int) (int, bool) {
	// A plain bounded loop, counted as one past check per byte read.
	i, s := w, sc.s
	lim := min(sc.n, w+limit+1)
	for i < lim && isAlnum(s[i]) {
		i++
	}
	sc.work += i - w
	if i-w > limit {
		return i, false
	}
	sc.past(i) // the check that ends the word: a look past the end when i == n
	return i, true
}
