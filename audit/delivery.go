package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// item is a record on its way to storage, with its leaf hash when it is a
// leaf (so the WAL can write tree state into segment headers without
// hashing again).
type item struct {
	rec  Record
	leaf bool
	hash tlog.Hash
}

// watermark tracks how far a stream's records got: every seq below next is
// done; seqs below failTo (and not below next) failed with err.
type watermark struct {
	mu     sync.Mutex
	next   uint64
	failTo uint64
	err    error
	ch     chan struct{}
}

func newWatermark() *watermark { return &watermark{ch: make(chan struct{})} }

func (w *watermark) advance(next uint64) {
	w.mu.Lock()
	if next > w.next {
		w.next = next
		close(w.ch)
		w.ch = make(chan struct{})
	}
	w.mu.Unlock()
}

func (w *watermark) fail(upTo uint64, err error) {
	w.mu.Lock()
	if upTo > w.failTo {
		w.failTo = upTo
	}
	w.err = err
	close(w.ch)
	w.ch = make(chan struct{})
	w.mu.Unlock()
}

// wait blocks until seq is done, has failed, or ctx ends.
func (w *watermark) wait(ctx context.Context, seq uint64) error {
	for {
		w.mu.Lock()
		if seq < w.next {
			w.mu.Unlock()
			return nil
		}
		if seq < w.failTo {
			err := w.err
			w.mu.Unlock()
			return err
		}
		ch := w.ch
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// committer makes records durable in batches: every record pushed while a
// commit runs goes into the next one, so concurrent Appends share one
// fsync (WAL mode) or one sink write (sync mode).
type committer struct {
	l        *Log
	commitFn func([]item) error
	closeFn  func() error

	mu      sync.Mutex
	pending []item
	spare   []item
	retry   []item // sync mode: a failed batch, retried before anything newer
	nretry  atomic.Int64

	kick chan struct{}
	quit chan struct{}
	done chan struct{}

	closeErr error // set by run before done is closed

	delivered, errors atomic.Uint64
}

func newCommitter(l *Log, commit func([]item) error, closeFn func() error) *committer {
	return &committer{l: l, commitFn: commit, closeFn: closeFn,
		kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

func (c *committer) push(items []item) {
	c.mu.Lock()
	c.pending = append(c.pending, items...)
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *committer) backlog() int {
	c.mu.Lock()
	n := len(c.pending)
	c.mu.Unlock()
	return n + int(c.nretry.Load())
}

func (c *committer) run() {
	defer close(c.done)
	backoff := c.l.cfg.retryBackoff
	var retryC <-chan time.Time
	for {
		quitting := false
		select {
		case <-c.kick:
		case <-retryC:
		case <-c.quit:
			quitting = true
		}
		retryC = nil
		c.mu.Lock()
		batch := c.pending
		c.pending, c.spare = c.spare[:0], nil
		c.mu.Unlock()
		if len(c.retry) > 0 {
			batch = append(c.retry, batch...)
		}
		if len(batch) > 0 {
			last := batch[len(batch)-1].rec.Seq
			if err := c.commitFn(batch); err != nil {
				c.errors.Add(1)
				c.l.durable.fail(last+1, err)
				if c.l.mode == modeWAL {
					// A failed write or fsync leaves the file in an unknown
					// state: stop rather than guess.
					c.l.setBroken(fmt.Errorf("write-ahead log: %w", err))
					c.l.durable.fail(math.MaxUint64, err)
				} else {
					c.retry = batch
					c.nretry.Store(int64(len(batch)))
					retryC = time.After(backoff)
					backoff = min(2*backoff, c.l.cfg.maxRetryWait)
				}
			} else {
				c.delivered.Add(uint64(len(batch)))
				c.l.durable.advance(last + 1)
				if len(c.retry) > 0 {
					c.retry = nil
					c.nretry.Store(0)
					backoff = c.l.cfg.retryBackoff
				} else {
					clear(batch)
					c.spare = batch[:0]
				}
			}
		}
		if quitting {
			if c.closeFn != nil {
				c.closeErr = c.closeFn()
			}
			return
		}
	}
}

// stop ends the committer and returns what closing its storage reported.
func (c *committer) stop() error {
	close(c.quit)
	<-c.done
	return c.closeErr
}

func (l *Log) setBroken(err error) {
	l.broken.CompareAndSwap(nil, &err)
}

// feeder delivers records to the sinks in the background (WAL and
// fail-open modes), retrying a failed batch with backoff before anything
// newer, so each sink sees each origin's records in order.
type feeder struct {
	l         *Log
	mu        sync.Mutex
	q         []Record
	inflight  atomic.Int64
	recovered map[string]*recoveredStream

	recoveredLeft atomic.Int64 // recovered records not yet delivered

	kick chan struct{}
	quit chan struct{}
	done chan struct{}

	delivered, errors atomic.Uint64
}

func newFeeder(l *Log) *feeder {
	return &feeder{l: l, recovered: map[string]*recoveredStream{},
		kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

func (f *feeder) push(items []item) {
	f.mu.Lock()
	for i := range items {
		f.q = append(f.q, items[i].rec)
	}
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

func (f *feeder) pushRecovered(rs *recoveredStream) {
	f.mu.Lock()
	f.recovered[rs.origin] = rs
	f.q = append(f.q, rs.records...)
	f.mu.Unlock()
	f.recoveredLeft.Add(int64(len(rs.records)))
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

func (f *feeder) backlog() int {
	f.mu.Lock()
	n := len(f.q)
	f.mu.Unlock()
	return n + int(f.inflight.Load())
}

// liveBacklog is the backlog of this process's own stream: records an
// earlier process left in the WAL are durable already and bounded, and
// must not make a restarted Log refuse calls while it redelivers them.
func (f *feeder) liveBacklog() int {
	return max(0, f.backlog()-int(f.recoveredLeft.Load()))
}

func (f *feeder) run() {
	defer close(f.done)
	backoff := f.l.cfg.retryBackoff
	var batch []Record
	for {
		if len(batch) == 0 {
			f.mu.Lock()
			n := min(len(f.q), f.l.cfg.maxBatch)
			// One origin per Sink.Write.
			for i := 1; i < n; i++ {
				if f.q[i].Origin != f.q[0].Origin {
					n = i
					break
				}
			}
			batch = append(batch[:0], f.q[:n]...)
			f.q = f.q[n:]
			if len(f.q) == 0 {
				f.q = nil
			}
			f.inflight.Store(int64(n))
			f.mu.Unlock()
		}
		if len(batch) == 0 {
			select {
			case <-f.kick:
				continue
			case <-f.quit:
				return
			}
		}
		if err := f.l.writeSinks(batch); err != nil {
			f.errors.Add(1)
			select {
			case <-time.After(backoff):
			case <-f.quit:
				return
			}
			backoff = min(2*backoff, f.l.cfg.maxRetryWait)
			continue
		}
		backoff = f.l.cfg.retryBackoff
		f.delivered.Add(uint64(len(batch)))
		last := batch[len(batch)-1]
		if last.Origin != f.l.origin {
			f.recoveredLeft.Add(-int64(len(batch)))
		}
		f.inflight.Store(0)
		batch = batch[:0]
		f.l.recordsDelivered(last.Origin, last.Seq)
	}
}

// drain waits until every queued record was delivered, or ctx ends.
func (f *feeder) drain(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for f.backlog() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d records: %w", f.backlog(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

func (f *feeder) stop() {
	select {
	case <-f.quit:
	default:
		close(f.quit)
	}
	<-f.done
}

// recordsDelivered notes that the sinks hold origin's records up to seq.
func (l *Log) recordsDelivered(origin string, seq uint64) {
	if origin == l.origin {
		l.delivered.advance(seq + 1)
		if l.wal != nil {
			l.wal.delivered(seq)
		}
		return
	}
	rs := l.feed.recovered[origin]
	if rs != nil && seq+1 >= rs.nextSeq && l.wal != nil {
		l.wal.removeRecovered(rs)
	}
}

// walWriter appends records to WAL segments (committer goroutine) and
// deletes segments the sinks hold (feeder goroutine).
type walWriter struct {
	l   *Log
	dir string

	// Committer goroutine only.
	cur     *walSegment
	tree    frontier
	nextSeq uint64
	buf     []byte

	mu   sync.Mutex
	done []*walSegment // rotated segments of this stream

	// A background goroutine keeps one prepared segment file ready. It
	// starts once the stream has written a MiB (or half a segment), so
	// short-lived logs (tests) do not write zeros they never use.
	prepared    chan *preparedFile
	quit        chan struct{}
	prepDone    chan struct{}
	prepStarted bool // committer goroutine only
}

// preparer keeps a zero-filled segment file ready for the committer.
func (w *walWriter) preparer() {
	defer close(w.prepDone)
	for {
		pf, err := prepareFile(w.dir, w.l.cfg.segmentSize, w.quit)
		if err != nil {
			return // segments are then created on demand
		}
		select {
		case w.prepared <- pf:
		case <-w.quit:
			pf.f.Close()
			os.Remove(pf.path)
			return
		}
	}
}

// takePrepared returns a prepared file if one is ready.
func (w *walWriter) takePrepared() *preparedFile {
	select {
	case pf := <-w.prepared:
		return pf
	default:
		return nil
	}
}

func openWALWriter(l *Log, recovered []*recoveredStream) (*walWriter, error) {
	for _, rs := range recovered {
		if rs.origin == l.origin {
			return nil, fmt.Errorf("audit: wal already holds a stream named %q", l.origin)
		}
	}
	w := &walWriter{l: l, dir: l.cfg.walDir, prepared: make(chan *preparedFile),
		quit: make(chan struct{}), prepDone: make(chan struct{})}
	removePrepared(w.dir)
	l.wal = w
	return w, nil
}

func (w *walWriter) commit(items []item) error {
	if w.cur == nil {
		seg, err := createSegment(w.dir, segmentHeader{Origin: w.l.origin, FirstSeq: items[0].rec.Seq, Size: w.tree.size, Frontier: w.tree.hashes()}, w.takePrepared())
		if err != nil {
			return err
		}
		w.cur = seg
	}
	buf := w.buf[:0]
	for i := range items {
		buf = appendRecordFrame(buf, &items[i].rec)
	}
	w.buf = buf
	if err := w.cur.write(buf); err != nil {
		return err
	}
	for i := range items {
		if items[i].leaf {
			w.tree.add(items[i].hash)
		}
	}
	w.cur.lastSeq = items[len(items)-1].rec.Seq
	// Hand the records to the sinks only once they are durable here.
	w.l.feed.push(items)
	// With a single P, the preparer's syncs would hold the processor
	// from the commits (file syscalls do not hand it off promptly), so
	// there segments are not prepared.
	if !w.prepStarted && w.cur.size >= min(1<<20, w.l.cfg.segmentSize/2) && runtime.GOMAXPROCS(0) > 1 {
		w.prepStarted = true
		go w.preparer()
	}
	// Rotate when the segment is full, or early onto a prepared file when
	// the current segment was not prepared (the first one usually).
	var pf *preparedFile
	if w.cur.size >= w.l.cfg.segmentSize || !w.cur.prepared {
		pf = w.takePrepared()
	}
	if w.cur.size >= w.l.cfg.segmentSize || pf != nil {
		// The next segment exists (header fsynced) before the full one may
		// be deleted, so the stream always has a segment a successor can
		// recover and seal.
		next, err := createSegment(w.dir, segmentHeader{Origin: w.l.origin, FirstSeq: w.cur.lastSeq + 1, Size: w.tree.size, Frontier: w.tree.hashes()}, pf)
		if err != nil {
			return err
		}
		old := w.cur
		w.cur = next
		w.mu.Lock()
		w.done = append(w.done, old)
		w.mu.Unlock()
		if err := old.f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// delivered deletes rotated segments whose records the sinks all hold.
func (w *walWriter) delivered(seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	keep := w.done[:0]
	for _, s := range w.done {
		if s.lastSeq <= seq {
			os.Remove(s.path)
		} else {
			keep = append(keep, s)
		}
	}
	w.done = keep
}

func (w *walWriter) removeRecovered(rs *recoveredStream) {
	for _, p := range rs.paths {
		os.Remove(p)
	}
}

// close closes the open segment and, when the sinks hold the whole stream,
// deletes it.
func (w *walWriter) close() error {
	close(w.quit)
	if w.prepStarted {
		<-w.prepDone
	}
	var err error
	if w.cur != nil {
		err = w.cur.f.Close()
	}
	if w.l.feed.backlog() == 0 && w.l.isClosed() {
		w.mu.Lock()
		for _, s := range w.done {
			os.Remove(s.path)
		}
		w.done = nil
		w.mu.Unlock()
		if w.cur != nil {
			os.Remove(w.cur.path)
		}
	}
	w.cur = nil
	return err
}

func (l *Log) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

func newThrowawayKey() ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(errors.New("audit: no randomness for a throwaway key"))
	}
	return k
}
