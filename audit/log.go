package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrUnavailable is returned (wrapped) by a fail-closed Append whose event
// could not be made durable in time, and by every Append once the log is
// broken or closed. The governed call must not proceed.
var ErrUnavailable = errors.New("audit: log unavailable")

// Receipt identifies an appended event in its stream.
type Receipt struct {
	ID        uuid.UUID
	Origin    string
	Seq       uint64
	LeafIndex int64     // the event's leaf in the stream's Merkle tree
	LeafHash  tlog.Hash // tlog.RecordHash of the event's canonical bytes
	// Dropped is set in fail-open mode when the event was not logged
	// because the buffer was full (the drop is counted and reported).
	Dropped bool
}

// Stats counts what a Log did.
type Stats struct {
	Appended    uint64 // events given a seq
	Dropped     uint64 // events dropped in fail-open mode
	Checkpoints uint64
	Delivered   uint64 // records the sinks accepted
	SinkErrors  uint64 // failed Sink.Write calls (each is retried)
	Backlog     int    // records waiting for the sinks
}

// Log writes one append-only, signed audit stream. It is safe for
// concurrent use. See the package documentation for the stream format and
// the delivery modes.
type Log struct {
	cfg        config
	mode       mode
	origin     string
	noteSigner note.Signer

	mu        sync.Mutex
	seq       uint64
	tree      frontier
	sinceCkpt int   // events since the last checkpoint
	ckptSize  int64 // tree size at the last checkpoint
	lastCkpt  time.Time
	dropped   uint64 // total dropped, signed into checkpoints
	unrep     Gap    // drops not yet reported by a gap record
	closed    bool
	buf       []byte

	broken atomic.Pointer[error]

	durable   *watermark // WAL fsync (modeWAL) or sink delivery (modeSync)
	delivered *watermark // sink delivery of this stream (modeWAL, modeFailOpen)
	com       *committer
	feed      *feeder
	wal       *walWriter
	walLock   *os.File

	stopTick chan struct{}
	tickDone chan struct{}

	appended, checkpoints atomic.Uint64
	droppedCounter        metric.Int64Counter
}

// NewLog starts a stream. It needs WithSigner and at least one WithSink.
// In the fail-closed modes it returns only once the stream's first record
// is durable, waiting up to the longer of the append and sink timeouts, so
// unusable storage fails at start-up. In WAL mode it first recovers what
// an earlier process left in the WAL directory: those records are queued
// for the sinks again, and streams that were not closed are sealed by this
// stream's first record (see StreamSeal).
func NewLog(opts ...Option) (*Log, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if cfg.signer == nil {
		return nil, errors.New("audit: NewLog needs WithSigner (a long-term key vouches for every stream)")
	}
	if len(cfg.sinks) == 0 {
		return nil, errors.New("audit: NewLog needs at least one WithSink (use Discard for tests)")
	}
	if cfg.hasher == nil && len(cfg.hashed) > 0 {
		// A nil Hasher (say, NewHasher's error ignored) would leave the
		// named fields in plaintext.
		return nil, errors.New("audit: NewLog: WithHashedFields names fields but its Hasher is nil")
	}
	if cfg.hasher != nil && len(cfg.hashed) == 0 {
		return nil, errors.New("audit: NewLog: WithHashedFields names no fields, so nothing would be hashed")
	}
	for _, f := range cfg.hashed {
		if f < FieldSubject || f > FieldApprovers {
			// An unknown field would silently stay plaintext.
			return nil, fmt.Errorf("audit: NewLog: WithHashedFields: unknown field %d", int(f))
		}
	}
	if cfg.failOpen && cfg.walDir != "" {
		// Never resolve a contradiction toward losing events: refuse it.
		return nil, errors.New("audit: NewLog: WithWAL (fail-closed) and WithFailOpen contradict each other; choose one")
	}
	origin := cfg.origin
	if origin == "" {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, err
		}
		origin = cfg.name + "-" + hex.EncodeToString(r[:])
	}
	if !validOrigin(origin) {
		return nil, fmt.Errorf("audit: origin %q must be printable, without spaces or '+'", origin)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, fmt.Errorf("audit: stream key: %w", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("audit: stream key: %w", err)
	}
	m := otel.GetMeterProvider().Meter("github.com/ragguard/ragguard/audit")
	dc, err := m.Int64Counter("ragguard.audit.dropped",
		metric.WithDescription("Audit events dropped by a fail-open log because its buffer was full"),
		metric.WithUnit("{event}"))
	if err != nil {
		return nil, fmt.Errorf("audit: metric: %w", err)
	}
	l := &Log{
		cfg:            cfg,
		mode:           cfg.mode(),
		origin:         origin,
		noteSigner:     signer,
		durable:        newWatermark(),
		delivered:      newWatermark(),
		stopTick:       make(chan struct{}),
		tickDone:       make(chan struct{}),
		droppedCounter: dc,
	}

	var recovered []*recoveredStream
	if l.mode == modeWAL {
		if err := os.MkdirAll(cfg.walDir, 0o700); err != nil {
			return nil, fmt.Errorf("audit: wal: %w", err)
		}
		if l.walLock, err = lockWALDir(cfg.walDir); err != nil {
			return nil, err
		}
		if recovered, err = recoverWAL(cfg.walDir); err != nil {
			l.walLock.Close()
			return nil, err
		}
	}
	if l.mode != modeSync {
		l.feed = newFeeder(l)
	}

	// The stream's first record: the binding, signed by the long-term key.
	sk := &StreamKey{Origin: origin, NoteKey: vkey, Created: cfg.now().UTC()}
	for _, rs := range recovered {
		if !rs.closed && rs.nextSeq > 0 {
			sk.Prev = append(sk.Prev, StreamSeal{Origin: rs.origin, NextSeq: rs.nextSeq, Size: rs.tree.size, Root: rs.tree.root()})
		}
	}
	data, err := sk.encode(cfg.keyID, cfg.signer)
	if err != nil {
		return nil, err
	}
	first := item{rec: Record{Origin: origin, Seq: 0, Type: TypeStreamKey, Data: data}, leaf: true, hash: tlog.RecordHash(data)}
	l.tree.add(first.hash)
	l.seq = 1
	l.lastCkpt = cfg.now()

	switch l.mode {
	case modeWAL:
		w, err := openWALWriter(l, recovered)
		if err != nil {
			l.walLock.Close()
			return nil, err
		}
		l.com = newCommitter(l, w.commit, w.close)
		for _, rs := range recovered {
			if len(rs.records) > 0 {
				l.feed.pushRecovered(rs)
			} else {
				w.removeRecovered(rs)
			}
		}
	case modeSync:
		l.com = newCommitter(l, l.writeSinksItems, nil)
	}
	if l.com != nil {
		go l.com.run()
	}
	// The binding goes out like any record; a fail-closed NewLog waits for
	// it so that a stream whose storage is unusable fails at start-up. The
	// feeder starts only once it is durable: recovered WAL segments are
	// deleted after delivery, and by then the binding that seals their
	// streams must be safe. The wait is bounded by the sink timeout too, not
	// by the append timeout alone: a first write also opens connections,
	// which a tight per-call bound is not meant for.
	l.mu.Lock()
	wait := l.enqueue([]item{first})
	l.mu.Unlock()
	if wait {
		ctx, cancel := context.WithTimeout(context.Background(), max(cfg.appendTimeout, cfg.sinkTimeout))
		err := l.durable.wait(ctx, 0)
		cancel()
		if err != nil {
			if l.feed != nil {
				go l.feed.run()
			}
			l.shutdown()
			return nil, fmt.Errorf("%w: writing the stream's first record: %w", ErrUnavailable, err)
		}
	}
	if l.feed != nil {
		go l.feed.run()
	}
	go l.ticker()
	return l, nil
}

func validOrigin(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == '+' || r == 0x7f || r == '/' || r == '\\' {
			return false
		}
	}
	return true
}

// Origin returns the stream's origin.
func (l *Log) Origin() string { return l.origin }

// Append logs ev (and, with a SessionStore, its session) and returns where
// it landed. ev is not modified: the Log works on a copy, filling ID (a
// UUIDv7), Origin, Seq and Time (if zero) and the commitments. Leave ID
// zero unless it is new: a DirSessionStore writes each event's record once,
// so reusing an ID (even to retry) fails.
//
// In fail-closed modes Append returns only once the event is durable — the
// WAL fsync in WAL mode (plus the sinks with WithAwaitSinks), the sinks'
// acceptance without a WAL — or an error wrapping ErrUnavailable within the
// append timeout or ctx's deadline, whichever is sooner. An event whose
// Append failed may still reach the log later (it was already ordered into
// the stream); what is guaranteed is that no Append returns nil for an
// event that is not durable. To record a call whose ctx was already
// cancelled, pass context.WithoutCancel(ctx).
func (l *Log) Append(ctx context.Context, ev *Event, sess *Session) (Receipt, error) {
	if ev == nil {
		return Receipt{}, errors.New("audit: Append: nil event")
	}
	if bp := l.broken.Load(); bp != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, *bp)
	}
	var e *Event
	if l.cfg.hasher != nil {
		e = hashFields(l.cfg.hasher, l.cfg.hashed, ev)
	} else {
		c := *ev
		e = &c
	}
	if e.ID == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			return Receipt{}, fmt.Errorf("audit: event id: %w", err)
		}
		e.ID = id
	}
	if e.Time.IsZero() {
		e.Time = l.cfg.now()
	}
	e.Time = e.Time.UTC()
	e.RequestCommitment, e.ResponseCommitment = "", ""
	if l.cfg.sessions != nil && sess != nil {
		rec, err := newSessionRecord(e, sess)
		if err != nil {
			return Receipt{}, fmt.Errorf("audit: session: %w", err)
		}
		if err := l.cfg.sessions.Put(ctx, rec); err != nil {
			if l.mode == modeFailOpen {
				e.RequestCommitment, e.ResponseCommitment = "", ""
			} else {
				return Receipt{}, fmt.Errorf("%w: session store: %w", ErrUnavailable, err)
			}
		}
	}
	e.Origin = l.origin

	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return Receipt{}, fmt.Errorf("%w: log is closed", ErrUnavailable)
	}
	// Room for the event, a gap report and a checkpoint.
	if !l.hasRoom(3) {
		if l.mode == modeFailOpen {
			l.noteDrop(e.Time)
			l.mu.Unlock()
			l.droppedCounter.Add(ctx, 1)
			return Receipt{ID: e.ID, Origin: l.origin, Dropped: true}, nil
		}
		l.mu.Unlock()
		return Receipt{}, fmt.Errorf("%w: %d records wait for the sinks (WithBacklog)", ErrUnavailable, l.cfg.backlog)
	}
	items := l.gapItems(nil)
	e.Seq = l.seq
	l.buf = e.AppendCanonical(l.buf[:0])
	data := make([]byte, len(l.buf))
	copy(data, l.buf)
	h := tlog.RecordHash(data)
	rc := Receipt{ID: e.ID, Origin: l.origin, Seq: l.seq, LeafIndex: l.tree.size, LeafHash: h}
	l.tree.add(h)
	l.seq++
	items = append(items, item{rec: Record{Origin: l.origin, Seq: rc.Seq, Type: TypeEvent, Data: data}, leaf: true, hash: h})
	l.appended.Add(1)
	l.sinceCkpt++
	if l.sinceCkpt >= l.cfg.ckptEvery {
		// The event has its seq: it goes out even if signing fails (the
		// next checkpoint covers it).
		if ck, err := l.checkpointItem(false); err == nil {
			items = append(items, ck)
		}
	}
	wait := l.enqueue(items)
	l.mu.Unlock()

	if !wait {
		return rc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.appendTimeout)
	defer cancel()
	if err := l.durable.wait(ctx, rc.Seq); err != nil {
		return Receipt{}, fmt.Errorf("%w: event %d: %w", ErrUnavailable, rc.Seq, err)
	}
	if l.mode == modeWAL && l.cfg.awaitSinks {
		if err := l.delivered.wait(ctx, rc.Seq); err != nil {
			return Receipt{}, fmt.Errorf("%w: event %d not delivered to the sinks: %w", ErrUnavailable, rc.Seq, err)
		}
	}
	return rc, nil
}

// hasRoom reports whether n more records fit in the backlog. Caller holds mu.
func (l *Log) hasRoom(n int) bool {
	switch l.mode {
	case modeSync:
		return l.com.backlog()+n <= l.cfg.backlog
	case modeWAL:
		return l.com.backlog()+l.feed.liveBacklog()+n <= l.cfg.backlog
	}
	return l.feed.backlog()+n <= l.cfg.buffer
}

func (l *Log) noteDrop(t time.Time) {
	l.dropped++
	if l.unrep.Dropped == 0 {
		l.unrep.Since = t
	}
	l.unrep.Dropped++
	l.unrep.Until = t
}

// gapItems appends a gap record for unreported drops. Caller holds mu.
func (l *Log) gapItems(items []item) []item {
	if l.unrep.Dropped == 0 {
		return items
	}
	g := l.unrep
	g.Reason, g.FromSeq, g.ToSeq = GapDropped, l.seq, l.seq
	l.unrep = Gap{}
	l.seq++
	// A leaf like an event, so the next checkpoint signs what it reports.
	rec := GapRecord(l.origin, g)
	h := tlog.RecordHash(rec.Data)
	l.tree.add(h)
	return append(items, item{rec: rec, leaf: true, hash: h})
}

// checkpointItem signs a checkpoint of the current tree. Caller holds mu.
func (l *Log) checkpointItem(final bool) (item, error) {
	now := l.cfg.now()
	c := Checkpoint{
		Origin:   l.origin,
		Size:     l.tree.size,
		Root:     l.tree.root(),
		Seq:      l.seq,
		Time:     now,
		Dropped:  l.dropped,
		Frontier: l.tree.hashes(),
		Final:    final,
	}
	msg, err := note.Sign(&note.Note{Text: string(c.text())}, l.noteSigner)
	if err != nil {
		return item{}, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	l.seq++
	l.sinceCkpt = 0
	l.ckptSize = l.tree.size
	l.lastCkpt = now
	l.checkpoints.Add(1)
	return item{rec: Record{Origin: l.origin, Seq: c.Seq, Type: TypeCheckpoint, Data: msg}}, nil
}

// enqueue hands items to delivery in seq order and reports whether the
// appender must wait for the durable watermark. Caller holds mu.
func (l *Log) enqueue(items []item) bool {
	switch l.mode {
	case modeFailOpen:
		l.feed.push(items)
		return false
	default:
		l.com.push(items)
		return true
	}
}

// ticker writes interval and heartbeat checkpoints and reports drops.
func (l *Log) ticker() {
	defer close(l.tickDone)
	t := time.NewTicker(l.cfg.ckptInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stopTick:
			return
		case <-t.C:
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return
		}
		var items []item
		if l.hasRoom(2) {
			items = l.gapItems(nil)
			idle := l.cfg.heartbeat > 0 && l.cfg.now().Sub(l.lastCkpt) >= l.cfg.heartbeat
			if l.tree.size > l.ckptSize || len(items) > 0 || idle {
				if ck, err := l.checkpointItem(false); err == nil {
					items = append(items, ck)
				}
			}
		}
		if len(items) > 0 {
			l.enqueue(items)
		}
		l.mu.Unlock()
	}
}

// Checkpoint writes a checkpoint now and, in fail-closed modes, waits until
// it is durable.
func (l *Log) Checkpoint(ctx context.Context) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("%w: log is closed", ErrUnavailable)
	}
	items := l.gapItems(nil)
	ck, err := l.checkpointItem(false)
	if err != nil {
		l.mu.Unlock()
		return err
	}
	seq := ck.rec.Seq
	wait := l.enqueue(append(items, ck))
	l.mu.Unlock()
	if !wait {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.appendTimeout)
	defer cancel()
	if err := l.durable.wait(ctx, seq); err != nil {
		return fmt.Errorf("%w: checkpoint: %w", ErrUnavailable, err)
	}
	return nil
}

// Stats returns the Log's counters.
func (l *Log) Stats() Stats {
	s := Stats{Appended: l.appended.Load(), Checkpoints: l.checkpoints.Load()}
	l.mu.Lock()
	s.Dropped = l.dropped
	l.mu.Unlock()
	if l.feed != nil {
		s.Delivered, s.SinkErrors = l.feed.delivered.Load(), l.feed.errors.Load()
		s.Backlog += l.feed.backlog()
	}
	if l.com != nil {
		s.Backlog += l.com.backlog()
		if l.mode == modeSync {
			s.Delivered, s.SinkErrors = l.com.delivered.Load(), l.com.errors.Load()
		}
	}
	return s
}

// Close writes the closing checkpoint, waits (up to the close timeout) for
// the sinks to take every record, and closes the sinks. Records the sinks
// did not take stay in the WAL for the next process. Appends after Close
// fail with ErrUnavailable.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	var errs []error
	items := l.gapItems(nil)
	ck, err := l.checkpointItem(true)
	if err != nil {
		errs = append(errs, err)
	} else {
		items = append(items, ck)
	}
	last := l.seq - 1
	l.enqueue(items)
	l.closed = true
	l.mu.Unlock()
	close(l.stopTick)
	<-l.tickDone

	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.closeTimeout)
	defer cancel()
	if l.mode != modeFailOpen {
		if err := l.durable.wait(ctx, last); err != nil {
			errs = append(errs, fmt.Errorf("audit: close: %w", err))
		}
	}
	if l.feed != nil {
		if err := l.feed.drain(ctx); err != nil {
			errs = append(errs, fmt.Errorf("audit: close: records left for the sinks: %w", err))
		}
	}
	errs = append(errs, l.shutdown())
	for _, s := range l.cfg.sinks {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// shutdown stops the delivery goroutines.
func (l *Log) shutdown() error {
	var errs []error
	if l.com != nil {
		errs = append(errs, l.com.stop())
	}
	if l.feed != nil {
		l.feed.stop()
	}
	if l.walLock != nil {
		errs = append(errs, l.walLock.Close())
	}
	return errors.Join(errs...)
}

// writeSinks writes one origin's records to every sink, each call bounded
// by the sink timeout.
func (l *Log) writeSinks(recs []Record) error {
	for _, s := range l.cfg.sinks {
		ctx, cancel := context.WithTimeout(context.Background(), l.cfg.sinkTimeout)
		err := writeBounded(ctx, s, recs)
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// writeBounded calls s.Write but returns at ctx's deadline even if the sink
// ignores ctx; the abandoned call finishes in the background.
func writeBounded(ctx context.Context, s Sink, recs []Record) error {
	done := make(chan error, 1)
	go func() { done <- s.Write(ctx, recs) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("sink write: %w", ctx.Err())
	}
}

func (l *Log) writeSinksItems(items []item) error {
	recs := make([]Record, len(items))
	for i := range items {
		recs[i] = items[i].rec
	}
	return l.writeSinks(recs)
}

// Discard returns a Log that signs with a throwaway key and discards every
// record: for tests and examples only. It is named so that a Guard given
// it visibly keeps no audit trail.
func Discard() *Log {
	l, err := NewLog(WithSigner("discard", newThrowawayKey()), WithSink(DiscardSink()), WithOrigin("discard-"+uuid.NewString()))
	if err != nil {
		panic(err)
	}
	return l
}

// DiscardSink returns a Sink that accepts and forgets every record.
func DiscardSink() Sink {
	return SinkFunc(func(context.Context, []Record) error { return nil })
}
