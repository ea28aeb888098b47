package mask

import (
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// Byte classes that start candidate work in the scan loop. Everything else
// (letters, spaces, punctuation) costs one table load and the automaton step.
const (
	tcDigit uint8 = 1 << iota
	tcAt
	tcPhone // '+' and '('
	tcColon
	tcRegex // first byte of a custom regex without a literal prefix
)

type (
	numFn    func(sc *scan, w, d int)
	posFn    func(sc *scan, i int)
	anchorFn func(sc *scan, start, end int)
)

type anchor struct {
	lit  string // as registered (for the case-sensitive check)
	cs   bool
	word bool // requires a non-alphanumeric byte before the anchor
	fn   anchorFn
}

type regexTrig struct {
	d  *regexDetector
	id int
}

// plan is a compiled detector set: the scanner's trigger tables.
type plan struct {
	names   []string // detector id -> name
	dets    []Detector
	class   [256]uint8
	numeric []numReg
	// numeric callbacks by digit count of a digit-led token, and for
	// letter-led tokens
	numRegs []numReg
	// regsAt[b]: the numRegs (bit j for numRegs[j]) accepting a group
	// boundary after b digits; set when there are at most 64 numRegs
	regsAt []uint64
	byBit  [64][]numFn // digit-led callbacks accepting a digit count
	// letter-led callbacks by the number of letters before the first
	// digit (1..maxPrefix) and the length of the word (0 when sc.word
	// rejects it), at letterBy[prefix*wordSlots+length]; letterWord says
	// some callback reads the word first, so the scanner reads it
	letterBy   [][]numFn
	letterWord bool
	at         []posFn
	phone      []posFn
	colon      []posFn
	regexes    []regexTrig
	anchors    []anchor
	ac         *acMachine
	generic    []genericDet
	maxGen     int // longest MaxLen of the generic detectors
}

type genericDet struct {
	d   *funcDetector
	id  int
	ent Entity
}

// planBuilder is handed to native detectors so they can register triggers.
type planBuilder struct{ p *plan }

// onNumeric registers fn for every token start (digit-led or letter-led).
func (b *planBuilder) onNumeric(fn numFn) { b.onNum(digitRange(0, 63), numLed|letterLed, fn) }

// onNum registers fn for token starts of the given kinds. A digit-led
// token is handed to fn only when one of its group boundaries falls after
// a digit count in digits (a bit set, see digitRange).
func (b *planBuilder) onNum(digits uint64, kinds uint8, fn numFn) {
	b.p.numeric = append(b.p.numeric, numReg{fn: fn, digits: digits, kinds: kinds})
}

// digitRange is the bit set of digit counts lo..hi (0..63 means any token).
func digitRange(lo, hi int) uint64 {
	if lo == 0 && hi == 63 {
		return ^uint64(0)
	}
	var m uint64
	for i := lo; i <= hi && i < 64; i++ {
		m |= 1 << i
	}
	return m
}

const (
	numLed    uint8 = 1
	letterLed uint8 = 2
)

// maxPrefix is the longest run of letters before the first digit of a
// letter-led token (see numericStart).
const maxPrefix = 13

// wordSlots: word lengths 0 (rejected by sc.word) to 64 (its longest).
const wordSlots = 65

type numReg struct {
	fn     numFn
	digits uint64
	kinds  uint8
	pre    uint16 // letter-led: prefix lengths fn can match (bit set); 0 any
	words  uint64 // letter-led: word lengths fn can match (see lengths); 0 when it does not read the word first
}

// onNumLetters is onNum for a callback that, on a letter-led token, can
// match only when the number of letters before the first digit is in pre
// (see prefixes), and returns before any other work for the others. When
// words is not 0 the callback reads sc.word(w) first, returns when it is
// rejected, and matches only words of those lengths (see lengths). The
// scanner calls it only for those prefix and word lengths, from a list
// chosen with one lookup; it reads the word itself, so a stream still
// holds back for the word's look-ahead.
func (b *planBuilder) onNumLetters(digits uint64, kinds uint8, pre uint16, words uint64, fn numFn) {
	b.p.numeric = append(b.p.numeric, numReg{fn: fn, digits: digits, kinds: kinds, pre: pre, words: words})
}

// lengths is the bit set of word lengths lo..hi (1..64; bit n-1 for n).
func lengths(lo, hi int) uint64 {
	if lo < 1 || hi > 64 || lo > hi {
		panic("mask: word length out of range")
	}
	var m uint64
	for n := lo; n <= hi; n++ {
		m |= 1 << (n - 1)
	}
	return m
}

// prefixes is the bit set of the given prefix lengths (1..maxPrefix).
func prefixes(ls ...int) uint16 {
	var m uint16
	for _, l := range ls {
		if l < 1 || l > maxPrefix {
			panic("mask: prefix length out of range")
		}
		m |= 1 << l
	}
	return m
}

func (b *planBuilder) onAt(fn posFn) { b.p.at = append(b.p.at, fn); b.p.class['@'] |= tcAt }
func (b *planBuilder) onPhone(fn posFn) {
	b.p.phone = append(b.p.phone, fn)
	b.p.class['+'] |= tcPhone
	b.p.class['('] |= tcPhone
}
func (b *planBuilder) onColon(fn posFn) { b.p.colon = append(b.p.colon, fn); b.p.class[':'] |= tcColon }

// onAnchor registers a literal: fn runs wherever it occurs (ASCII
// case-insensitively unless cs). word demands a non-alphanumeric byte (or the
// start of the text) before it.
func (b *planBuilder) onAnchor(lit string, cs, word bool, fn anchorFn) {
	b.p.anchors = append(b.p.anchors, anchor{lit: lit, cs: cs, word: word, fn: fn})
}

func newPlan(dets []Detector) *plan {
	p := &plan{}
	for i := '0'; i <= '9'; i++ {
		p.class[i] |= tcDigit
	}
	b := &planBuilder{p: p}
	for _, d := range dets {
		id := len(p.names)
		p.names = append(p.names, d.Name())
		p.dets = append(p.dets, d)
		switch d := d.(type) {
		case native:
			d.register(b, id)
		case *funcDetector:
			ents := d.Entities()
			var e Entity = Sensitive
			if len(ents) > 0 {
				e = ents[0]
			}
			p.generic = append(p.generic, genericDet{d: d, id: id, ent: e})
			p.maxGen = max(p.maxGen, d.cfg.maxLen)
		default:
			p.generic = append(p.generic, genericDet{d: &funcDetector{name: d.Name(), ents: d.Entities(), fn: d.Find, cfg: newDetectorConfig(nil)}, id: id, ent: firstEntity(d)})
			p.maxGen = max(p.maxGen, 256)
		}
	}
	for _, r := range p.numeric {
		if r.kinds&numLed != 0 {
			p.numRegs = append(p.numRegs, r)
			for b := range p.byBit {
				if r.digits&(1<<b) != 0 {
					p.byBit[b] = append(p.byBit[b], r.fn)
				}
			}
		}
	}
	if len(p.numRegs) <= 64 {
		p.regsAt = make([]uint64, 64)
		for j, r := range p.numRegs {
			for b := range p.regsAt {
				if r.digits&(1<<b) != 0 {
					p.regsAt[b] |= 1 << j
				}
			}
		}
	}
	var letters []numReg
	for _, r := range p.numeric {
		if r.kinds&letterLed != 0 {
			letters = append(letters, r)
			p.letterWord = p.letterWord || r.words != 0
		}
	}
	if len(letters) > 0 {
		p.letterBy = make([][]numFn, (maxPrefix+1)*wordSlots)
		for l := 1; l <= maxPrefix; l++ {
			for n := 0; n < wordSlots; n++ {
				var fns []numFn
				for _, r := range letters {
					if r.pre != 0 && r.pre&(1<<l) == 0 {
						continue
					}
					if r.words != 0 && (n == 0 || r.words&(1<<(n-1)) == 0) {
						continue
					}
					fns = append(fns, r.fn)
				}
				p.letterBy[l*wordSlots+n] = fns
			}
		}
	}
	lits := make([]string, len(p.anchors))
	for i, a := range p.anchors {
		lits[i] = a.lit
	}
	p.ac = newAC(lits)
	return p
}

func firstEntity(d Detector) Entity {
	if e := d.Entities(); len(e) > 0 {
		return e[0]
	}
	return Sensitive
}

// cand is a candidate match before overlap resolution.
type cand struct {
	start, end int
	trig       int // position whose processing produced it (streams rescan from here)
	conf       float32
	det        int32
	ent        Entity
	scorer     *builtin // context words not applied yet
}

// scan is the per-call scanner state; pooled so a clean text allocates nothing.
type scan struct {
	s     string
	n     int
	eof   bool
	p     *plan
	cands []cand
	ms    []Match // resolved matches (scratch)
	// the detector whose score is pending for the next add
	pendScorer *builtin
	evA        []event // trigger buffers of scan2
	evB        []event
	// lower-cased context window before ctxPos
	ctxPos int
	ctxLo  int
	ctxLen int
	ctxWin [48]byte
	// bit set of the first two bytes of each word in the window
	ctxBloom uint64
	short    bool // a matcher needed a byte past the end of a non-final buffer
	trig     int  // trigger being processed
	need     int  // earliest trigger whose result is incomplete
	work     int  // work units, for the linearity fuzz target
	num      numTok
	numAt    int
	// word cache: the alphanumeric word at wAt
	wAt, wEnd int
	wOK       bool
	wShort    bool
	// memo of the next "-----END" at or after pemFrom (-1: none).
	pemFrom, pemEnd int
	// memo of a base64url run [runFrom, runEnd).
	runFrom, runEnd int
}

var scanPool = sync.Pool{New: func() any { return &scan{cands: make([]cand, 0, 16)} }}

func getScan(p *plan, s string, eof bool) *scan {
	sc := scanPool.Get().(*scan)
	sc.reset(p, s, eof)
	return sc
}

func putScan(sc *scan) {
	sc.s = ""
	if cap(sc.cands) > 4096 {
		sc.cands = make([]cand, 0, 16)
	}
	scanPool.Put(sc)
}

func (sc *scan) reset(p *plan, s string, eof bool) {
	sc.s, sc.n, sc.eof, sc.p = s, len(s), eof, p
	sc.cands = sc.cands[:0]
	sc.pendScorer = nil
	sc.short = false
	sc.need = len(s)
	sc.work = 0
	sc.numAt = -1
	sc.wAt = -1
	sc.ctxPos = -1
	sc.pemFrom, sc.pemEnd = -2, -1
	sc.runFrom, sc.runEnd = -1, -1
}

// past reports whether position i is at or beyond the end of the text; on a
// non-final buffer that means the result depends on bytes not seen yet.
func (sc *scan) past(i int) bool {
	sc.work++
	if i >= sc.n {
		if !sc.eof {
			sc.short = true
		}
		return true
	}
	return false
}

// add records a candidate produced by the trigger being processed.
func (sc *scan) add(start, end int, conf float32, det int, ent Entity) {
	scorer := sc.pendScorer
	sc.pendScorer = nil
	if start < 0 || end > sc.n || start >= end {
		return
	}
	sc.cands = append(sc.cands, cand{start: start, end: end, trig: sc.trig, conf: conf, det: int32(det), ent: ent, scorer: scorer})
}

// finishScores applies context words to the candidates that need them:
// all when eager, otherwise those below minConf (context may lift them)
// and those overlapping another candidate (context may decide the label).
// A lone candidate already above the threshold is masked the same either
// way, so its context is never read.
func (sc *scan) finishScores(minConf float32, eager bool) {
	cs := sc.cands
	if !eager {
		sortCands(cs, len(sc.p.generic) > 0)
	}
	end := -1
	for i := range cs {
		c := &cs[i]
		if c.scorer == nil {
			end = max(end, c.end)
			continue
		}
		need := eager || c.conf < minConf || c.start < end || i+1 < len(cs) && cs[i+1].start < c.end
		if need {
			c.conf = c.scorer.boost(sc, c.start, c.conf)
		}
		c.scorer = nil
		end = max(end, c.end)
	}
}

// sortCands sorts candidates by cmpCand. Triggers are processed left to
// right, so candidates arrive almost in order: an insertion sort finishes
// them in linear time, and falls back to pdqsort past a budget of moves.
// Candidates that compare equal (one detector, one span) are identical
// apart from their trigger, since a built-in or a Regex and Dictionary
// detector reports one entity and scores a span the same way each time; a
// generic detector may report two entities for one span, so exact keeps
// pdqsort's order for them. pdqsort leaves sorted input as it is, so
// the sortedness check changes no order.
func sortCands(cs []cand, exact bool) {
	if slices.IsSortedFunc(cs, cmpCand) {
		return
	}
	if exact {
		slices.SortFunc(cs, cmpCand)
		return
	}
	budget := 4 * len(cs)
	for i := 1; i < len(cs); i++ {
		if cmpCand(cs[i-1], cs[i]) <= 0 {
			continue
		}
		x := cs[i]
		j := i
		for j > 0 && cmpCand(cs[j-1], x) > 0 {
			cs[j] = cs[j-1]
			j--
		}
		cs[j] = x
		if budget -= i - j; budget < 0 {
			slices.SortFunc(cs, cmpCand)
			return
		}
	}
}

// run scans triggers at positions >= from and returns the position up to
// which candidates are final (len(s) when eof). Candidates whose trigger is
// at or after that position are discarded: a stream regenerates them.
func (sc *scan) run(from int) int {
	s, n, p := sc.s, sc.n, sc.p
	ac := p.ac
	st := uint32(0)
	if n-from >= 4096 {
		st = sc.scan2(from)
	} else {
		tr := ac.trans
		acCls := &ac.cls
		cls := &p.class
		i := max(0, from-ac.maxL)
		for ; i < from; i++ {
			st = tr[(st&^acOut)+uint32(acCls[s[i]])]
		}
		for ; i < n; i++ {
			c := s[i]
			st = tr[(st&^acOut)+uint32(acCls[c])]
			if st&acOut != 0 {
				sc.anchorHits(st, i+1, from)
			}
			if k := cls[c]; k != 0 {
				sc.fire(i, k)
			}
		}
	}
	sc.work += n - from
	for _, g := range p.generic {
		sc.runGeneric(g, from)
	}
	limit := n
	if !sc.eof {
		limit = min(sc.need, n-int(ac.depth[ac.state(st)]), sc.tailStart())
		if len(p.generic) > 0 {
			limit = min(limit, n-p.maxGen)
		}
		if limit < from {
			limit = from
		}
	}
	if from > 0 || limit < n {
		// Keep what this round vouches for: earlier triggers were handled
		// by an earlier round, later ones are rescanned by the next.
		k := 0
		for _, c := range sc.cands {
			if c.trig >= from && c.trig < limit {
				sc.cands[k] = c
				k++
			}
		}
		sc.cands = sc.cands[:k]
	}
	return limit
}

// event is a trigger found by scan2, processed after the loop.
type event struct {
	pos int    // class trigger position, or anchor end
	st  uint32 // automaton state with output (0 for a class trigger)
	k   uint8
}

// scan2 runs the byte loop over two halves of [from, n) at once: two
// independent automaton chains keep the CPU busy while each waits for its
// table load. Triggers are buffered per half and then processed in text
// order, exactly as the one-chain loop would. It returns the state at n.
func (sc *scan) scan2(from int) uint32 {
	s, n, p := sc.s, sc.n, sc.p
	ac := p.ac
	tr := ac.trans
	acCls := &ac.cls
	cls := &p.class
	mid := from + (n-from)/2
	var sa, sb uint32
	for i := max(0, from-ac.maxL); i < from; i++ {
		sa = tr[(sa&^acOut)+uint32(acCls[s[i]])]
	}
	for i := mid - ac.maxL; i < mid; i++ {
		sb = tr[(sb&^acOut)+uint32(acCls[s[i]])]
	}
	evA, evB := sc.evA[:0], sc.evB[:0]
	a, b := from, mid
	for ; a < mid; a, b = a+1, b+1 {
		ca, cb := s[a], s[b]
		sa = tr[(sa&^acOut)+uint32(acCls[ca])]
		sb = tr[(sb&^acOut)+uint32(acCls[cb])]
		if sa&acOut != 0 {
			evA = append(evA, event{pos: a + 1, st: sa})
		}
		if k := cls[ca]; k != 0 && (k != tcDigit || a == 0 || cls[s[a-1]]&tcDigit == 0) {
			evA = append(evA, event{pos: a, k: k})
		}
		if sb&acOut != 0 {
			evB = append(evB, event{pos: b + 1, st: sb})
		}
		if k := cls[cb]; k != 0 && (k != tcDigit || cls[s[b-1]]&tcDigit == 0) {
			evB = append(evB, event{pos: b, k: k})
		}
	}
	for ; b < n; b++ {
		cb := s[b]
		sb = tr[(sb&^acOut)+uint32(acCls[cb])]
		if sb&acOut != 0 {
			evB = append(evB, event{pos: b + 1, st: sb})
		}
		if k := cls[cb]; k != 0 && (k != tcDigit || cls[s[b-1]]&tcDigit == 0) {
			evB = append(evB, event{pos: b, k: k})
		}
	}
	for _, ev := range [2][]event{evA, evB} {
		for _, e := range ev {
			if e.st != 0 {
				sc.anchorHits(e.st, e.pos, from)
			} else {
				sc.fire(e.pos, e.k)
			}
		}
	}
	if cap(evA) > 1<<16 {
		evA = nil
	}
	if cap(evB) > 1<<16 {
		evB = nil
	}
	sc.evA, sc.evB = evA, evB
	return sb
}

// tailStart is where a value that continues past the end of a non-final
// buffer could start: the trailing run of bytes a local part, word or
// address can be made of, at most 64 bytes back.
func (sc *scan) tailStart() int {
	i := sc.n
	lo := max(0, sc.n-64)
	for i > lo && tailByte[sc.s[i-1]] {
		i--
	}
	// Up to two short words before it, separated by single spaces, may
	// still be the start of a spaced value ("AB 12 34 56 C", "MH 12 AB 1234").
	for w := 0; w < 2 && i-2 >= lo && sc.s[i-1] == ' ' && isAlnum(sc.s[i-2]); w++ {
		j := i - 1
		for j > lo && isAlnum(sc.s[j-1]) && i-j < 5 {
			j--
		}
		if j > 0 && isAlnum(sc.s[j-1]) {
			break
		}
		i = j
	}
	return i
}

func (sc *scan) anchorHits(st uint32, end, from int) {
	ac := sc.p.ac
	for _, id := range ac.out[ac.state(st)] {
		a := &sc.p.anchors[id]
		start := end - len(a.lit)
		if start < from {
			continue
		}
		if a.cs && sc.s[start:end] != a.lit {
			continue
		}
		if a.word && start > 0 && (isAlnum(sc.s[start-1]) || sc.gluedLeft(start)) {
			continue
		}
		sc.trig = start
		a.fn(sc, start, end)
		sc.settle()
	}
}

func (sc *scan) settle() {
	if sc.short {
		sc.short = false
		if sc.trig < sc.need {
			sc.need = sc.trig
		}
	}
}

func (sc *scan) fire(i int, k uint8) {
	s := sc.s
	if k&tcDigit != 0 {
		sc.fireNumeric(i)
	}
	if k&tcAt != 0 {
		for _, fn := range sc.p.at {
			sc.trig = i
			fn(sc, i)
			sc.settle()
		}
	}
	if k&tcPhone != 0 {
		for _, fn := range sc.p.phone {
			sc.trig = i
			fn(sc, i)
			sc.settle()
		}
	}
	if k&tcColon != 0 {
		for _, fn := range sc.p.colon {
			sc.trig = i
			fn(sc, i)
			sc.settle()
		}
	}
	if k&tcRegex != 0 {
		for _, r := range sc.p.regexes {
			if r.d.anyByte || r.d.first[s[i]] {
				sc.trig = i
				sc.tryRegex(r.d, r.id, i)
				sc.settle()
			}
		}
	}
}

// fireNumeric dispatches a digit to the numeric detectors.
func (sc *scan) fireNumeric(i int) {
	w, ok := sc.numericStart(i)
	if !ok {
		return
	}
	if w != i {
		if sc.p.letterBy == nil {
			return
		}
		n := 0
		if sc.p.letterWord {
			// Read for the callbacks that start with it; its look-ahead
			// holds a stream back as when they read it.
			sc.trig = w
			if word, ok := sc.word(w); ok {
				n = len(word)
			}
			sc.settle()
		}
		for _, fn := range sc.p.letterBy[(i-w)*wordSlots+n] {
			sc.trig = w
			fn(sc, w, i)
			sc.settle()
		}
		return
	}
	t := sc.tok(i)
	if sc.short {
		// The token runs to the end of a non-final buffer: the next round
		// redoes it. Detectors may start up to 16 bytes before it
		// ("AB 12 34 56 C", "AA-BB-CC-12-...").
		sc.short = false
		sc.need = min(sc.need, max(0, w-16))
		return
	}
	inRun := i >= 2 && sc.s[i-1] == ' ' && (isDigit(sc.s[i-2]) || sc.gluedLeft(i-1)) &&
		(t.ng > 1 && t.gsep[1] == ' ' || t.ng == 1 && !sc.past(t.gend[0]+1) && sc.s[t.gend[0]] == ' ' && sc.gluedRight(t.gend[0]+1))
	if sc.short {
		sc.short = false
		sc.need = min(sc.need, max(0, w-16))
		return
	}
	if inRun {
		// Inside a run of space-separated digit groups ("5171 8845 2599
		// 3082"): values start at the run's first group, or at a group
		// that ends the run's spacing ("ID 42 555-123-4567").
		return
	}
	cum := t.cum
	if t.more {
		cum = 1 << 63
	}
	if cum&(cum-1) == 0 {
		// One group boundary (a bare number): a precomputed list.
		for _, fn := range sc.p.byBit[bits.TrailingZeros64(cum)] {
			sc.trig = w
			fn(sc, w, i)
			sc.settle()
		}
		return
	}
	if at := sc.p.regsAt; at != nil {
		// The callbacks accepting any of the boundaries, in registration
		// order: the union of the per-boundary sets, without a test (and a
		// mispredicted branch) per callback.
		var m uint64
		for c := cum; c != 0; c &= c - 1 {
			m |= at[bits.TrailingZeros64(c)]
		}
		regs := sc.p.numRegs
		for ; m != 0; m &= m - 1 {
			sc.trig = w
			regs[bits.TrailingZeros64(m)].fn(sc, w, i)
			sc.settle()
		}
		return
	}
	for _, r := range sc.p.numRegs {
		if r.digits&cum == 0 {
			continue
		}
		sc.trig = w
		r.fn(sc, w, i)
		sc.settle()
	}
}

// numericStart decides whether the digit at i starts a token worth trying:
// the first digit of a word (w is the word start, up to 12 letters back) or
// a digit group after a space. Digits inside a number are not triggers.
func (sc *scan) numericStart(i int) (int, bool) {
	if i == 0 {
		return 0, true
	}
	s := sc.s
	prev := s[i-1]
	if (prev == ']' || prev == '>') && sc.gluedLeft(i) {
		return 0, false
	}
	switch {
	case isDigit(prev):
		return 0, false
	case isLetter(prev):
		j := i - 1
		lo := max(0, i-13)
		for j > lo && isLetter(s[j-1]) {
			j--
		}
		if j > 0 && isAlnum(s[j-1]) {
			return 0, false // a digit earlier in the word already triggered, or too long a prefix
		}
		return j, true
	case prev == '-' || prev == '.' || prev == '/':
		if i >= 2 && (isDigit(s[i-2]) || sc.gluedLeft(i-1)) {
			return 0, false
		}
	}
	return i, true
}

func (sc *scan) runGeneric(g genericDet, from int) {
	ms := g.d.Find(sc.s)
	for _, m := range ms {
		if m.Start < from || m.Start < 0 || m.End > sc.n || m.End <= m.Start || m.End-m.Start > g.d.cfg.maxLen {
			continue
		}
		e := m.Entity
		if !e.valid() {
			e = g.ent
		}
		conf := float32(m.Confidence)
		if conf <= 0 {
			conf = float32(g.d.cfg.confidence)
		}
		sc.trig = m.Start
		sc.add(m.Start, m.End, conf, g.id, e)
	}
}

func (sc *scan) tryRegex(d *regexDetector, id, i int) {
	s := sc.s
	if d.wordB && i > 0 && isWordByte(s[i-1]) == isWordByte(s[i]) {
		return
	}
	we := i + d.cfg.maxLen
	if we > sc.n {
		we = sc.n
		if !sc.eof {
			sc.short = true
		}
	}
	sc.work += we - i
	loc := d.re.FindStringIndex(s[i:we])
	if loc == nil || loc[1] == 0 {
		return
	}
	end := i + loc[1]
	if end == we && we < sc.n {
		return // longer than MaxLen
	}
	if len(d.cfg.context) > 0 && !sc.ctx(i, d.cfg.context) {
		return
	}
	sc.add(i, end, float32(d.cfg.confidence), id, d.ent)
}

// ctx reports whether one of words (lower-case) occurs in the 48 bytes
// before pos, starting on a word boundary.
func (sc *scan) ctx(pos int, words []string) bool { return sc.ctxNear(pos, words) > 0 }

// ctxNear is ctx with proximity: 0 none, 1 within 48 bytes, 2 when the word
// ends within 16 bytes of pos. The lower-cased window is cached per
// position: several detectors score the same candidate start.
func (sc *scan) ctxNear(pos int, words []string) int {
	if sc.ctxPos != pos {
		sc.fillCtx(pos)
	}
	lo := sc.ctxLo
	w := unsafe.String(&sc.ctxWin[0], sc.ctxLen)
	best := 0
	for _, word := range words {
		if len(word) < 2 || word[0] < 0x80 && sc.ctxBloom&(1<<ctxBit(word[0], word[1])) == 0 {
			continue
		}
		for off := 0; off+len(word) <= len(w); {
			k := strings.Index(w[off:], word)
			if k < 0 {
				break
			}
			at := off + k
			// Short words must stand alone ("cc", "th", "dl"); longer ones
			// may be followed by more letters ("phones", "passport:").
			if len(word) <= 3 && at+len(word) < len(w) && isLetter(w[at+len(word)]) {
				off = at + 1
				continue
			}
			if at > 0 && !isLetter(w[at-1]) || at == 0 && (lo == 0 || !isLetter(sc.s[lo-1])) {
				if len(w)-(at+len(word)) <= 16 {
					return 2
				}
				best = 1
			}
			off = at + 1
		}
	}
	return best
}

// fillCtx lower-cases the context window before pos and records, in a
// 64-bit set, the first two bytes of each word so that most context words
// are rejected without a search.
func (sc *scan) fillCtx(pos int) {
	lo := max(0, pos-48)
	win := sc.s[lo:pos]
	if strings.IndexByte(win, ']') >= 0 || strings.IndexByte(win, '>') >= 0 {
		// Context stops at a masking label: the output of masking then
		// never sees more context than the input did (idempotence).
		for i := pos - 1; i > lo; i-- {
			if c := sc.s[i]; (c == ']' || c == '>') && sc.gluedLeft(i+1) {
				lo = i + 1
				break
			}
		}
		win = sc.s[lo:pos]
	}
	sc.ctxPos, sc.ctxLo, sc.ctxLen = pos, lo, len(win)
	var bloom uint64
	prev := lo > 0 && wordStartT[sc.s[lo-1]]
	n := len(win)
	for i := 0; i < n; i++ {
		c := foldT[win[i]]
		sc.ctxWin[i] = c
		l := wordStartT[c]
		if l && !prev && i+1 < n {
			bloom |= 1 << ctxBit(c, foldT[win[i+1]])
		}
		prev = l
	}
	if strings.IndexByte(win, '[') >= 0 || strings.IndexByte(win, '<') >= 0 {
		// Blank masking labels ("[PHONE]", "<EMAIL_abcdefgh>") inside the
		// window: they are not context.
		label := false
		for i := 0; i < n; i++ {
			c := win[i]
			if (c == '[' || c == '<') && i+1 < n && isUpper(win[i+1]) {
				label = true
			} else if label && !isUpper(c) && c != '_' {
				label = false
			}
			if label {
				sc.ctxWin[i] = ' '
			}
		}
	}
	sc.ctxBloom = bloom
}

// resolve turns candidates into matches: candidates below minConf are
// dropped, overlapping ones merge into one span (the union, so no part of
// any detected value survives) labelled by the best candidate — higher
// confidence, then longer, then leftmost, then the detector registered first.
func resolve(cands []cand, minConf float32, names []string, dst []Match) []Match {
	k := 0
	for _, c := range cands {
		if c.conf >= minConf {
			cands[k] = c
			k++
		}
	}
	cands = cands[:k]
	if len(cands) == 0 {
		return dst
	}
	sortCands(cands, true)
	cur := cands[0]
	end := cur.end
	start := cur.start
	flush := func() {
		dst = append(dst, Match{Entity: cur.ent, Detector: names[cur.det], Start: start, End: end, Confidence: float64(cur.conf)})
	}
	for _, c := range cands[1:] {
		if c.start < end {
			if better(c, cur) {
				cur = c
			}
			if c.end > end {
				end = c.end
			}
			continue
		}
		flush()
		cur, start, end = c, c.start, c.end
	}
	flush()
	return dst
}

func better(a, b cand) bool {
	if a.conf != b.conf {
		return a.conf > b.conf
	}
	if la, lb := a.end-a.start, b.end-b.start; la != lb {
		return la > lb
	}
	if a.start != b.start {
		return a.start < b.start
	}
	return a.det < b.det
}

// Byte predicates.
var (
	alnumByte = byteTable(func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' })
	tailByte  = byteTable(func(b byte) bool { return alnumByte[b] || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-:", b) >= 0 })
)

func byteTable(f func(byte) bool) (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = f(byte(c))
	}
	return t
}

// gluedLeft reports whether the bytes before i end a masking label
// ("[PHONE]", "<EMAIL_abcdefgh>"). A label stands where a value was, which
// may have been glued to what follows; treating it as glued keeps masking
// idempotent.
func (sc *scan) gluedLeft(i int) bool {
	if i == 0 {
		return false
	}
	s := sc.s
	switch s[i-1] {
	case ']':
		j := i - 2
		for j >= 0 && i-j < 50 && (isUpper(s[j]) || isDigit(s[j]) || s[j] == '_') {
			j--
		}
		return j >= 0 && j < i-2 && s[j] == '['
	case '>':
		j := i - 2
		for j >= 0 && i-j < 80 && (isLetter(s[j]) || isDigit(s[j]) || s[j] == '_') {
			j--
		}
		return j >= 0 && j < i-2 && s[j] == '<' && isUpper(s[j+1])
	}
	return false
}

// gluedRight reports whether a masking label starts at i.
func (sc *scan) gluedRight(i int) bool {
	s := sc.s
	if sc.past(i) || (s[i] != '[' && s[i] != '<') || sc.past(i+1) || !isUpper(s[i+1]) {
		return false
	}
	closeB := byte(']')
	if s[i] == '<' {
		closeB = '>'
	}
	for j := i + 1; !sc.past(j) && j-i < 80; j++ {
		c := s[j]
		if c == closeB {
			return true
		}
		if !(isLetter(c) || isDigit(c) || c == '_') {
			return false
		}
	}
	return false
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isLetter(c byte) bool   { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isUpper(c byte) bool    { return c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool    { return alnumByte[c] }
func isWordByte(c byte) bool { return alnumByte[c] || c == '_' || c >= 0x80 }
func isHex(c byte) bool      { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

// findWith runs one native detector through the scanner (its Find method).
func findWith(d native, text string) []Match {
	p := planFor(d)
	sc := getScan(p, text, true)
	defer putScan(sc)
	sc.run(0)
	sc.finishScores(0, true)
	return resolve(sc.cands, DefaultMinConfidence, p.names, nil)
}

// DefaultMinConfidence is the threshold of profiles that set none and of
// the built-in detectors' Find.
const DefaultMinConfidence = 0.5

var soloPlans sync.Map // native -> *plan

func planFor(d native) *plan {
	if p, ok := soloPlans.Load(d); ok {
		return p.(*plan)
	}
	p, _ := soloPlans.LoadOrStore(d, newPlan([]Detector{d}))
	return p.(*plan)
}

func ctxBit(a, b byte) uint { return uint(a*31+b) & 63 }

var (
	foldT = func() (t [256]byte) {
		for c := range t {
			t[c] = foldByte(byte(c))
		}
		return t
	}()
	wordStartT = byteTable(func(c byte) bool { return isLetter(c) || c >= 0x80 })
)
