package mask

import (
	"slices"
	"unsafe"
)

// Stream masks text that arrives in chunks (LLM deltas). Write returns what
// can be emitted now; Flush returns the rest. For every way of splitting a
// text, the concatenated output equals Masker.String on the whole text, and
// a detected value is never emitted unmasked: the stream holds back only
// the bytes a match still in progress could cover.
//
// A Stream is not safe for concurrent use.
type Stream struct {
	m       *Masker
	loc     string
	buf     []byte // text from base on
	base    int    // absolute offset of buf[0]
	emitted int    // absolute offset of the first byte not yet emitted
	scanned int    // triggers before this offset have been processed
	pending []cand // candidates (absolute offsets) not yet emitted
	sum     Summary
	out     []byte
	done    bool
}

// keepContext is how many already-processed bytes a stream keeps before
// the scan point: detectors look back at most this far (context words,
// local parts of addresses, word prefixes).
const keepContext = 256

// Stream starts a stream; loc names it in the summary.
func (m *Masker) Stream(loc string) *Stream {
	return &Stream{m: m, loc: loc}
}

// Write adds a chunk and returns the masked bytes that are final. The
// returned slice is valid until the next call.
func (st *Stream) Write(chunk []byte) []byte {
	if st.done {
		return nil
	}
	st.buf = append(st.buf, chunk...)
	return st.step(false)
}

// WriteString is Write for a string chunk.
func (st *Stream) WriteString(chunk string) []byte {
	if st.done {
		return nil
	}
	st.buf = append(st.buf, chunk...)
	return st.step(false)
}

// Flush ends the stream and returns the remaining masked bytes.
func (st *Stream) Flush() []byte {
	if st.done {
		return nil
	}
	out := st.step(true)
	st.done = true
	return out
}

// Summary is what the stream masked so far.
func (st *Stream) Summary() Summary { return st.sum }

// Held is how many bytes are buffered and not yet emitted.
func (st *Stream) Held() int { return st.base + len(st.buf) - st.emitted }

func (st *Stream) step(eof bool) []byte {
	st.out = st.out[:0]
	if len(st.buf) == 0 {
		return st.out
	}
	p := st.m.p
	s := unsafe.String(unsafe.SliceData(st.buf), len(st.buf))
	sc := getScan(p.plan, s, eof)
	limit := sc.run(st.scanned - st.base)
	p.filter(sc)
	sc.finishScores(0, true)
	for _, c := range sc.cands {
		if c.conf < p.minConf {
			continue
		}
		c.start += st.base
		c.end += st.base
		c.trig += st.base
		st.pending = append(st.pending, c)
	}
	putScan(sc)
	absLimit := st.base + limit
	st.scanned = absLimit

	// Clusters entirely before absLimit are final; a cluster reaching past
	// it may still grow, so emission stops at its start.
	slices.SortFunc(st.pending, cmpCand)
	cut := absLimit
	keepFrom := len(st.pending)
	if len(st.pending) > 0 {
		// Find the last cluster.
		cs := len(st.pending) - 1
		end := 0
		for i := range st.pending {
			if i == 0 || st.pending[i].start >= end {
				cs = i
				end = st.pending[i].end
			} else if st.pending[i].end > end {
				end = st.pending[i].end
			}
		}
		if end > absLimit {
			cut = st.pending[cs].start
			keepFrom = cs
		}
	}
	if cut > st.emitted {
		var mbuf [8]Match
		ms := resolve(st.pending[:keepFrom], 0, p.plan.names, mbuf[:0])
		for i := range ms {
			ms[i].Start -= st.base
			ms[i].End -= st.base
		}
		st.out = st.m.appendMasked(st.out, s, st.emitted-st.base, cut-st.base, ms, st.loc, &st.sum)
		st.pending = append(st.pending[:0], st.pending[keepFrom:]...)
		st.emitted = cut
	}
	// Drop text nobody will look at again.
	if nb := min(st.emitted, st.scanned) - keepContext; nb > st.base {
		n := copy(st.buf, st.buf[nb-st.base:])
		st.buf = st.buf[:n]
		st.base = nb
	}
	return st.out
}

func cmpCand(a, b cand) int {
	if a.start != b.start {
		return a.start - b.start
	}
	if a.end != b.end {
		return b.end - a.end
	}
	return int(a.det - b.det)
}
