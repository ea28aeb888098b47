package audit

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrVerify matches every *VerifyError.
var ErrVerify = errors.New("audit: verification failed")

// VerifyError names the first record that failed verification.
type VerifyError struct {
	Origin string
	Seq    uint64
	Reason string
}

// Error names the first bad record and the reason.
func (e *VerifyError) Error() string {
	return fmt.Sprintf("audit: verification failed at %s seq %d: %s", e.Origin, e.Seq, e.Reason)
}

// Is matches ErrVerify.
func (e *VerifyError) Is(target error) bool { return target == ErrVerify }

// StreamResult is what verification found in one stream.
type StreamResult struct {
	Origin      string
	KeyID       string // the long-term key that vouched for the stream
	Records     uint64 // records read, pruned ones included
	Events      uint64
	Checkpoints uint64
	Gaps        uint64
	Dropped     uint64 // events the stream reports as dropped (gap records)
	Pruned      uint64 // records removed by retention (their hashes still checked)
	TreeSize    int64  // leaves covered by the last checkpoint
	Root        tlog.Hash
	LastSeq     uint64
	Closed      bool   // ends with its closing checkpoint
	SealedBy    string // for an unclosed stream: the successor stream that sealed its tail
	First, Last time.Time
}

// Result is the outcome of Verify, with per-stream counts.
type Result struct {
	Streams  []*StreamResult
	Records  uint64
	Events   uint64
	Warnings []string // e.g. torn last lines a crash left behind
}

// Progress is reported while verification runs.
type Progress struct {
	Records, Events uint64
}

// VerifyOption configures verification.
type VerifyOption interface{ applyVerify(*verifyConfig) }

type verifyOptionFunc func(*verifyConfig)

func (f verifyOptionFunc) applyVerify(c *verifyConfig) { f(c) }

type verifyConfig struct {
	trusted     map[string]crypto.PublicKey
	maxInterval time.Duration
	progress    func(Progress)
	every       uint64
}

// WithTrustedKey adds a long-term public key (Ed25519, *ecdsa.PublicKey or
// *rsa.PublicKey) under its key id. A stream whose binding names a key id
// without a trusted key fails verification.
func WithTrustedKey(keyID string, pub crypto.PublicKey) VerifyOption {
	if pub == nil {
		return verifyOptionFunc(func(*verifyConfig) {})
	}
	return verifyOptionFunc(func(c *verifyConfig) { c.trusted[keyID] = pub })
}

// WithMaxCheckpointInterval fails a stream in which two successive
// checkpoints (or the stream key and the first checkpoint) are further
// apart than d: with heartbeats on, a longer silence means records are
// missing.
func WithMaxCheckpointInterval(d time.Duration) VerifyOption {
	return verifyOptionFunc(func(c *verifyConfig) { c.maxInterval = d })
}

// WithProgress calls fn every `every` records (default 100,000) and once at
// the end.
func WithProgress(every uint64, fn func(Progress)) VerifyOption {
	return verifyOptionFunc(func(c *verifyConfig) {
		c.progress = fn
		if every > 0 {
			c.every = every
		}
	})
}

// Records adapts a slice to the record sequence Verify and Prove read.
func Records(recs []Record) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// keptCheck is what a record inside a pruned range must match when the
// reader yields it whole after the *PrunedError.
type keptCheck struct {
	hash tlog.Hash
	size int64
	root tlog.Hash
}

type streamState struct {
	res      *StreamResult
	key      *StreamKey
	verifier note.Verifier
	next     uint64
	tree     frontier
	last     *Checkpoint
	gapDrops uint64
	kept     map[uint64]keptCheck
}

type verifier struct {
	cfg     verifyConfig
	res     *Result
	streams map[string]*streamState
	order   []*streamState
}

// Verify reads records — one stream or several, each in Seq order, streams
// possibly interleaved — and checks, per stream: the stream key binding's
// signature against the trusted keys; every checkpoint's signature, its
// seq, time and drop count; the Merkle tree recomputed from the records
// against every checkpoint's root (so successive checkpoints are
// consistent: each is a prefix of the same recomputed tree); that each
// event names its own origin and seq; seq continuity; the checkpoint
// cadence (WithMaxCheckpointInterval); and that the stream ends with its
// closing checkpoint, or — after a crash — exactly where a successor
// stream's binding sealed it. Records pruned by retention (a *PrunedError
// from the reader) are checked through the hashes the reader keeps.
//
// The first failure stops verification with a *VerifyError naming the
// record; the Result holds the counts so far.
func Verify(ctx context.Context, records iter.Seq2[Record, error], opts ...VerifyOption) (*Result, error) {
	v := &verifier{cfg: verifyConfig{trusted: map[string]crypto.PublicKey{}, every: 100_000}, res: &Result{}, streams: map[string]*streamState{}}
	for _, o := range opts {
		if o != nil {
			o.applyVerify(&v.cfg)
		}
	}
	if len(v.cfg.trusted) == 0 {
		return nil, errors.New("audit: Verify needs at least one WithTrustedKey")
	}
	n := uint64(0)
	for rec, rerr := range records {
		if rerr != nil {
			if err := v.readError(rerr); err != nil {
				return v.res, err
			}
			continue
		}
		if err := v.record(rec); err != nil {
			return v.res, err
		}
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return v.res, err
			}
		}
		if v.cfg.progress != nil && v.res.Records%v.cfg.every == 0 {
			v.cfg.progress(Progress{Records: v.res.Records, Events: v.res.Events})
		}
	}
	err := v.finish()
	if v.cfg.progress != nil {
		v.cfg.progress(Progress{Records: v.res.Records, Events: v.res.Events})
	}
	return v.res, err
}

func (v *verifier) fail(origin string, seq uint64, format string, args ...any) error {
	return &VerifyError{Origin: origin, Seq: seq, Reason: fmt.Sprintf(format, args...)}
}

func (v *verifier) state(origin string) *streamState {
	st := v.streams[origin]
	if st == nil {
		st = &streamState{res: &StreamResult{Origin: origin}}
		v.streams[origin] = st
		v.order = append(v.order, st)
		v.res.Streams = append(v.res.Streams, st.res)
	}
	return st
}

func (v *verifier) readError(err error) error {
	var pe *PrunedError
	if errors.As(err, &pe) {
		return v.pruned(pe.Range)
	}
	if errors.Is(err, ErrTornLine) {
		v.res.Warnings = append(v.res.Warnings, err.Error())
		return nil
	}
	return &VerifyError{Reason: "reading records: " + err.Error()}
}

// pruned continues the tree over records retention removed, from their
// hashes, and remembers what the kept ones must match.
func (v *verifier) pruned(p PrunedRange) error {
	st := v.state(p.Origin)
	if p.First != st.next {
		return v.fail(p.Origin, p.First, "pruned range starts at seq %d, expected seq %d", p.First, st.next)
	}
	if uint64(len(p.Hashes)) != p.Last-p.First+1 {
		return v.fail(p.Origin, p.First, "pruned range %d..%d lists %d hashes", p.First, p.Last, len(p.Hashes))
	}
	if st.kept == nil {
		st.kept = map[uint64]keptCheck{}
	}
	for i, h := range p.Hashes {
		seq := p.First + uint64(i)
		if h.Seq != seq {
			return v.fail(p.Origin, seq, "pruned range lists seq %d out of order", h.Seq)
		}
		switch h.Type {
		case TypeEvent:
			st.tree.add(h.Hash)
		case TypeStreamKey:
			st.tree.add(h.Hash)
			st.kept[seq] = keptCheck{hash: h.Hash}
		case TypeCheckpoint:
			st.kept[seq] = keptCheck{hash: h.Hash, size: st.tree.size, root: st.tree.root()}
		case TypeGap:
			st.tree.add(h.Hash)
			st.kept[seq] = keptCheck{hash: h.Hash}
		default:
			return v.fail(p.Origin, seq, "pruned record of unknown type %q", h.Type)
		}
	}
	n := p.Last - p.First + 1
	st.res.Pruned += n
	st.res.Records += n
	v.res.Records += n
	st.next = p.Last + 1
	st.res.LastSeq = p.Last
	return nil
}

func (v *verifier) record(r Record) error {
	st := v.state(r.Origin)
	if r.Seq < st.next {
		if k, ok := st.kept[r.Seq]; ok {
			return v.keptRecord(st, r, k)
		}
		return v.fail(r.Origin, r.Seq, "seq %d out of order (expected %d)", r.Seq, st.next)
	}
	if r.Seq > st.next {
		return v.fail(r.Origin, st.next, "records %d..%d are missing", st.next, r.Seq-1)
	}
	if st.res.Closed {
		return v.fail(r.Origin, r.Seq, "record after the closing checkpoint")
	}
	st.next++
	st.res.Records++
	st.res.LastSeq = r.Seq
	v.res.Records++
	switch r.Type {
	case TypeStreamKey:
		if r.Seq != 0 {
			return v.fail(r.Origin, r.Seq, "stream key record is not the stream's first")
		}
		if err := v.streamKey(st, r); err != nil {
			return err
		}
		st.tree.add(tlog.RecordHash(r.Data))
	case TypeEvent:
		if st.verifier == nil {
			return v.fail(r.Origin, r.Seq, "event before the stream key")
		}
		origin, seq, ok := eventOriginSeq(r.Data)
		if !ok || string(origin) != r.Origin || seq != r.Seq {
			return v.fail(r.Origin, r.Seq, "event does not name its own origin and seq")
		}
		st.tree.add(tlog.RecordHash(r.Data))
		st.res.Events++
		v.res.Events++
	case TypeCheckpoint:
		return v.checkpoint(st, r, st.tree.size, nil)
	case TypeGap:
		g, err := ParseGap(r.Data)
		if err != nil {
			return v.fail(r.Origin, r.Seq, "%v", err)
		}
		if g.FromSeq != r.Seq || g.ToSeq != r.Seq {
			return v.fail(r.Origin, r.Seq, "gap record claims seqs %d..%d", g.FromSeq, g.ToSeq)
		}
		st.tree.add(tlog.RecordHash(r.Data))
		st.gapDrops += g.Dropped
		st.res.Gaps++
		st.res.Dropped += g.Dropped
	default:
		return v.fail(r.Origin, r.Seq, "unknown record type %q", r.Type)
	}
	return nil
}

// keptRecord checks a whole record the reader yields after the pruned
// range that contained it.
func (v *verifier) keptRecord(st *streamState, r Record, k keptCheck) error {
	delete(st.kept, r.Seq)
	if tlog.RecordHash(r.Data) != k.hash {
		return v.fail(r.Origin, r.Seq, "kept record of a pruned range does not match its hash")
	}
	switch r.Type {
	case TypeStreamKey:
		if r.Seq != 0 {
			return v.fail(r.Origin, r.Seq, "stream key record is not the stream's first")
		}
		return v.streamKey(st, r)
	case TypeCheckpoint:
		root := k.root
		return v.checkpoint(st, r, k.size, &root)
	case TypeGap:
		g, err := ParseGap(r.Data)
		if err != nil {
			return v.fail(r.Origin, r.Seq, "%v", err)
		}
		st.gapDrops += g.Dropped
		st.res.Gaps++
		st.res.Dropped += g.Dropped
	}
	return nil
}

func (v *verifier) streamKey(st *streamState, r Record) error {
	if st.key != nil {
		return v.fail(r.Origin, r.Seq, "second stream key record")
	}
	k, err := ParseStreamKey(r.Data)
	if err != nil {
		return v.fail(r.Origin, r.Seq, "%v", err)
	}
	if k.Origin != r.Origin {
		return v.fail(r.Origin, r.Seq, "stream key names origin %q", k.Origin)
	}
	pub, ok := v.cfg.trusted[k.KeyID]
	if !ok {
		return v.fail(r.Origin, r.Seq, "stream key is vouched for by key id %q, which is not trusted", k.KeyID)
	}
	nv, err := k.Check(pub)
	if err != nil {
		return v.fail(r.Origin, r.Seq, "%v", err)
	}
	st.key, st.verifier = k, nv
	st.res.KeyID = k.KeyID
	st.res.First = k.Created
	return nil
}

// checkpoint verifies a checkpoint against the tree of size leaves (root
// given for kept records of pruned ranges, else the live tree).
func (v *verifier) checkpoint(st *streamState, r Record, size int64, root *tlog.Hash) error {
	if st.verifier == nil {
		return v.fail(r.Origin, r.Seq, "checkpoint before the stream key")
	}
	c, err := ParseCheckpoint(r.Data, st.verifier)
	if err != nil {
		return v.fail(r.Origin, r.Seq, "%v", err)
	}
	switch {
	case c.Origin != r.Origin:
		return v.fail(r.Origin, r.Seq, "checkpoint names origin %q", c.Origin)
	case c.Seq != r.Seq:
		return v.fail(r.Origin, r.Seq, "checkpoint was signed as seq %d (replayed or moved)", c.Seq)
	case c.Size != size:
		return v.fail(r.Origin, r.Seq, "checkpoint covers %d leaves, the stream has %d", c.Size, size)
	}
	if root == nil {
		rt := st.tree.root()
		root = &rt
		if !slices.Equal(c.Frontier, st.tree.hashes()) {
			return v.fail(r.Origin, r.Seq, "checkpoint frontier does not match the recomputed tree")
		}
	}
	if c.Root != *root {
		return v.fail(r.Origin, r.Seq, "checkpoint root does not match the recomputed tree")
	}
	prevTime := st.res.First
	if st.last != nil {
		prevTime = st.last.Time
		if c.Time.Before(st.last.Time) {
			return v.fail(r.Origin, r.Seq, "checkpoint time goes backwards")
		}
		if c.Dropped < st.last.Dropped {
			return v.fail(r.Origin, r.Seq, "checkpoint drop count goes backwards")
		}
	}
	if v.cfg.maxInterval > 0 && c.Time.Sub(prevTime) > v.cfg.maxInterval {
		return v.fail(r.Origin, r.Seq, "%s without a checkpoint (max %s)", c.Time.Sub(prevTime).Round(time.Millisecond), v.cfg.maxInterval)
	}
	if st.gapDrops > c.Dropped {
		return v.fail(r.Origin, r.Seq, "gap records report %d drops, the checkpoint %d", st.gapDrops, c.Dropped)
	}
	if c.Final {
		if st.gapDrops != c.Dropped {
			return v.fail(r.Origin, r.Seq, "closing checkpoint counts %d drops, gap records report %d", c.Dropped, st.gapDrops)
		}
		st.res.Closed = true
	}
	st.last = c
	st.res.Checkpoints++
	st.res.TreeSize, st.res.Root, st.res.Last = c.Size, c.Root, c.Time
	return nil
}

// finish checks how each stream ends.
func (v *verifier) finish() error {
	if len(v.order) == 0 {
		return &VerifyError{Reason: "no records: nothing to verify"}
	}
	seals := map[string]struct {
		by   string
		seal StreamSeal
	}{}
	for _, st := range v.order {
		if st.key == nil {
			return v.fail(st.res.Origin, 0, "stream has no stream key record")
		}
		for _, p := range st.key.Prev {
			seals[p.Origin] = struct {
				by   string
				seal StreamSeal
			}{st.res.Origin, p}
		}
	}
	for _, st := range v.order {
		if len(st.kept) > 0 {
			return v.fail(st.res.Origin, st.res.LastSeq, "%d kept records of pruned ranges are missing", len(st.kept))
		}
		if st.res.Closed {
			continue
		}
		if s, ok := seals[st.res.Origin]; ok {
			if s.seal.NextSeq != st.next || s.seal.Size != st.tree.size || s.seal.Root != st.tree.root() {
				return v.fail(st.res.Origin, st.res.LastSeq, "stream %s sealed this stream at seq %d with %d leaves; the records end at seq %d with %d leaves or differ",
					s.by, s.seal.NextSeq, s.seal.Size, st.next, st.tree.size)
			}
			st.res.SealedBy = s.by
			continue
		}
		covered := uint64(0)
		if st.last != nil {
			covered = st.last.Seq
		}
		return v.fail(st.res.Origin, st.res.LastSeq,
			"stream ends without its closing checkpoint: records after seq %d are not covered by any checkpoint (truncated tail, or a crash no successor stream sealed)", covered)
	}
	return nil
}

// eventOriginSeq reads the top-level "origin" and "seq" members of an
// event's canonical JSON without decoding the rest.
func eventOriginSeq(data []byte) (origin []byte, seq uint64, ok bool) {
	var haveOrigin, haveSeq bool
	ok = scanTopLevel(data, func(key, val []byte) bool {
		switch string(key) {
		case "origin":
			if len(val) < 2 || val[0] != '"' || bytes.IndexByte(val[1:len(val)-1], '\\') >= 0 {
				return false
			}
			origin, haveOrigin = val[1:len(val)-1], true
		case "seq":
			if len(val) == 0 || len(val) > 16 || (val[0] == '0' && len(val) > 1) {
				return false
			}
			for _, c := range val {
				if c < '0' || c > '9' {
					return false
				}
				seq = seq*10 + uint64(c-'0')
			}
			haveSeq = true
		}
		return true
	})
	return origin, seq, ok && haveOrigin && haveSeq
}

// scanTopLevel calls fn with each top-level member of a JSON object (the
// key without quotes, the raw value). It checks structure only as far as
// needed to find member boundaries.
func scanTopLevel(data []byte, fn func(key, val []byte) bool) bool {
	i := 0
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return false
	}
	i = 1
	if data[i] == '}' {
		return i == len(data)-1
	}
	for {
		if data[i] != '"' {
			return false
		}
		end := skipString(data, i)
		if end < 0 || end >= len(data) || data[end] != ':' {
			return false
		}
		key := data[i+1 : end-1]
		vs := end + 1
		ve := skipValue(data, vs)
		if ve < 0 || ve >= len(data) {
			return false
		}
		if !fn(key, data[vs:ve]) {
			return false
		}
		switch data[ve] {
		case ',':
			i = ve + 1
		case '}':
			return ve == len(data)-1
		default:
			return false
		}
	}
}

// skipString returns the index after the string starting at data[i] ('"').
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at data[i].
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				e := skipString(data, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
		for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' {
			j++
		}
		return j
	}
}
