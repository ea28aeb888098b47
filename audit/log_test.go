package audit

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"golang.org/x/mod/sumdb/tlog"
)

// memSink keeps records in memory, like a sink that always works; it
// refuses a redelivered (origin, seq) with different bytes, as the Sink
// contract demands.
type memSink struct {
	mu     sync.Mutex
	recs   []Record
	seen   map[string]map[uint64][]byte
	writes int
	ctxs   []context.Context
}

func (m *memSink) Write(ctx context.Context, recs []Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	m.ctxs = append(m.ctxs, ctx)
	if m.seen == nil {
		m.seen = map[string]map[uint64][]byte{}
	}
	for _, r := range recs {
		byO := m.seen[r.Origin]
		if byO == nil {
			byO = map[uint64][]byte{}
			m.seen[r.Origin] = byO
		}
		if old, ok := byO[r.Seq]; ok {
			if string(old) != string(r.Data) {
				return fmt.Errorf("conflict at %s/%d", r.Origin, r.Seq)
			}
			continue
		}
		byO[r.Seq] = r.Data
		m.recs = append(m.recs, r)
	}
	return nil
}

func (m *memSink) Close() error { return nil }

func (m *memSink) records() []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Record(nil), m.recs...)
}

func newKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return pub, priv
}

func newLog(t testing.TB, priv crypto.Signer, sink Sink, opts ...Option) *Log {
	l, err := NewLog(append([]Option{WithSigner("k1", priv), WithSink(sink)}, opts...)...)
	require.NoError(t, err)
	return l
}

func testEvent(i int) *Event {
	return &Event{
		Principal: Principal{Subject: fmt.Sprintf("user-%d", i%17), Email: fmt.Sprintf("u%d@example.com", i%17), Groups: []string{"eng"}, Kind: "user", AuthMethod: "oidc"},
		Call:      Call{Kind: "llm", Operation: "chat", Resources: []string{"gpt-4o"}},
		Decision:  Decision{Effect: Allow, Rule: "default"},
		Masking:   []Masked{{Entity: "email", Detector: "email", Location: "prompt", Strategy: "pseudonym", Count: i % 3}},
		Usage:     Usage{InputTokens: int64(100 + i), OutputTokens: int64(i % 50)},
		Latency:   time.Duration(i) * time.Microsecond,
		Outcome:   OutcomeOK,
		TraceID:   "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:    "00f067aa0ba902b7",
	}
}

func TestLogModesVerify(t *testing.T) {
	for name, opts := range map[string][]Option{
		"sync":      nil,
		"wal":       {WithWAL(t.TempDir()), WithWALSegmentSize(4096)},
		"fail-open": {WithFailOpen(1 << 12)},
	} {
		t.Run(name, func(t *testing.T) {
			pub, priv := newKey(t)
			sink := &memSink{}
			store, err := NewDirSessionStore(t.TempDir())
			require.NoError(t, err)
			l := newLog(t, priv, sink, append(opts, WithCheckpoints(7, 0), WithSessionStore(store))...)
			ctx := context.Background()
			var receipts []Receipt
			for i := range 100 {
				ev := testEvent(i)
				rc, err := l.Append(ctx, ev, &Session{Request: []byte(fmt.Sprintf("prompt %d", i)), Response: []byte("answer")})
				require.NoError(t, err)
				assert.Equal(t, uuid.Version(7), rc.ID.Version())
				assert.Equal(t, uuid.Nil, ev.ID, "caller's event was modified")
				receipts = append(receipts, rc)
			}
			require.NoError(t, l.Close())
			_, err = l.Append(ctx, testEvent(0), nil)
			require.ErrorIs(t, err, ErrUnavailable)

			recs := sink.records()
			res, err := Verify(ctx, Records(recs), WithTrustedKey("k1", pub))
			require.NoError(t, err)
			require.Len(t, res.Streams, 1)
			st := res.Streams[0]
			assert.EqualValues(t, 100, st.Events)
			assert.True(t, st.Closed)
			assert.Equal(t, l.Origin(), st.Origin)
			assert.EqualValues(t, 101, st.TreeSize) // stream key + events
			assert.GreaterOrEqual(t, st.Checkpoints, uint64(100/7))

			bySeq := map[uint64]Record{}
			for _, r := range recs {
				bySeq[r.Seq] = r
			}
			for i, rc := range receipts {
				r := bySeq[rc.Seq]
				require.Equal(t, TypeEvent, r.Type)
				assert.Equal(t, tlog.RecordHash(r.Data), rc.LeafHash)
				ev, err := ParseEvent(r.Data)
				require.NoError(t, err)
				assert.Equal(t, rc.ID, ev.ID)
				sess, err := store.Get(ctx, ev.ID)
				require.NoError(t, err)
				require.NoError(t, CheckSession(ev, sess))
				assert.Equal(t, fmt.Sprintf("prompt %d", i), string(sess.Request))
				sess.Response = []byte("answer!")
				assert.ErrorIs(t, CheckSession(ev, sess), ErrSessionMismatch)
			}
			// Retention erases a body; the log still verifies.
			require.NoError(t, store.Erase(ctx, receipts[3].ID))
			_, err = store.Get(ctx, receipts[3].ID)
			assert.ErrorIs(t, err, ErrSessionNotFound)
			_, err = Verify(ctx, Records(recs), WithTrustedKey("k1", pub))
			require.NoError(t, err)

			if name == "wal" {
				left, _ := filepath.Glob(filepath.Join(l.cfg.walDir, "*.wal"))
				assert.Empty(t, left, "a cleanly closed, fully delivered stream leaves no WAL")
				prepared, _ := filepath.Glob(filepath.Join(l.cfg.walDir, preparedPrefix+"*"))
				assert.Empty(t, prepared, "no prepared segment left behind")
			}
		})
	}
}

func TestLongTermKeyKinds(t *testing.T) {
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	_, edk := newKey(t)
	for name, k := range map[string]crypto.Signer{"ed25519": edk, "ecdsa": ek, "rsa": rk} {
		sink := &memSink{}
		l := newLog(t, k, sink)
		_, err := l.Append(context.Background(), testEvent(1), nil)
		require.NoError(t, err)
		require.NoError(t, l.Close())
		_, err = Verify(context.Background(), Records(sink.records()), WithTrustedKey("k1", k.Public()))
		require.NoError(t, err, name)
		// Another key of the same kind must not vouch for the stream.
		_, err = Verify(context.Background(), Records(sink.records()), WithTrustedKey("k1", ek.Public()))
		if name != "ecdsa" {
			require.ErrorIs(t, err, ErrVerify, name)
		}
	}
}

func TestNewLogRefusesBadConfig(t *testing.T) {
	_, priv := newKey(t)
	_, err := NewLog(WithSink(DiscardSink()))
	assert.ErrorContains(t, err, "WithSigner")
	_, err = NewLog(WithSigner("k", priv))
	assert.ErrorContains(t, err, "WithSink")
	_, err = NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithOrigin("has space"))
	assert.ErrorContains(t, err, "origin")
	_, err = NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithOrigin("a+b"))
	assert.ErrorContains(t, err, "origin")
	// Hashing that would hash nothing is a configuration error, not
	// plaintext in the log.
	h, err := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	_, err = NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithHashedFields(h, FieldEmail, Field(99)))
	assert.ErrorContains(t, err, "unknown field 99")
	_, err = NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithHashedFields(h, Field(0)))
	assert.ErrorContains(t, err, "unknown field 0")
	_, err = NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithHashedFields(h))
	assert.ErrorContains(t, err, "names no fields")
	_, err = NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithHashedFields(nil, FieldEmail))
	assert.ErrorContains(t, err, "Hasher is nil")
	l, err := NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithHashedFields(nil))
	require.NoError(t, err, "a nil Hasher naming no field is ignored")
	require.NoError(t, l.Close())
	// A fail-closed WAL and fail-open delivery contradict each other: the
	// Log must not quietly pick the one that drops events.
	walDir := t.TempDir()
	_, err = NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithWAL(walDir), WithFailOpen(8))
	assert.ErrorContains(t, err, "WithFailOpen")
	_, err = NewLog(WithSigner("k", priv), WithSink(DiscardSink()), WithFailOpen(8), WithWAL(walDir))
	assert.ErrorContains(t, err, "WithFailOpen")
	l, err = NewLog(nil, WithSigner("k", nil), WithSigner("k", priv), WithSink(nil), WithSink(DiscardSink()))
	require.NoError(t, err, "nil options are ignored")
	require.NoError(t, l.Close())
	_, err = Discard().Append(context.Background(), nil, nil)
	assert.Error(t, err)
}

// A fail-closed NewLog waits for its first record up to the sink timeout,
// not only the (per-call, often tight) append timeout: a first write that
// is slow because it opens connections must not fail the start-up.
func TestNewLogFirstWriteMayOutlastAppendTimeout(t *testing.T) {
	_, priv := newKey(t)
	started, release := make(chan struct{}), make(chan struct{})
	var first sync.Once
	sink := SinkFunc(func(ctx context.Context, recs []Record) error {
		first.Do(func() {
			close(started)
			<-release
		})
		return ctx.Err()
	})
	type result struct {
		l   *Log
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := NewLog(WithSigner("k1", priv), WithSink(sink), WithAppendTimeout(time.Millisecond), WithSinkTimeout(time.Minute))
		done <- result{l, err}
	}()
	<-started
	time.Sleep(20 * time.Millisecond) // the append timeout has surely passed
	close(release)
	r := <-done
	require.NoError(t, r.err)
	require.NoError(t, r.l.Close())

	// Storage that fails is still refused at start-up.
	_, err := NewLog(WithSigner("k1", priv), WithSink(SinkFunc(func(context.Context, []Record) error {
		return errors.New("sink down")
	})))
	require.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "sink down")
}

func TestDiscardLogAppends(t *testing.T) {
	l := Discard()
	rc, err := l.Append(context.Background(), testEvent(1), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, rc.Seq)
	require.NoError(t, l.Close())
}

func TestHashedFieldsInLog(t *testing.T) {
	pub, priv := newKey(t)
	h, err := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	sink := &memSink{}
	l := newLog(t, priv, sink, WithHashedFields(h, FieldEmail, FieldResources))
	_, err = l.Append(context.Background(), testEvent(1), nil)
	require.NoError(t, err)
	require.NoError(t, l.Close())
	recs := sink.records()
	ev, err := ParseEvent(recs[1].Data)
	require.NoError(t, err)
	assert.True(t, h.Match("u1@example.com", ev.Principal.Email))
	assert.True(t, h.Match("gpt-4o", ev.Call.Resources[0]))
	assert.Equal(t, "user-1", ev.Principal.Subject)
	_, err = Verify(context.Background(), Records(recs), WithTrustedKey("k1", pub))
	require.NoError(t, err)
}

// A sink that fails: fail-closed Appends get ErrUnavailable; once the sink
// works again the stream (including the failed event, which was already
// ordered into it) reaches it and verifies.
func TestSyncModeFailingSink(t *testing.T) {
	pub, priv := newKey(t)
	var failing sync.Map
	mem := &memSink{}
	sink := SinkFunc(func(ctx context.Context, recs []Record) error {
		if _, ok := failing.Load("on"); ok {
			return errors.New("sink down")
		}
		return mem.Write(ctx, recs)
	})
	l := newLog(t, priv, sink, WithAppendTimeout(time.Minute))
	ctx := context.Background()
	_, err := l.Append(ctx, testEvent(1), nil)
	require.NoError(t, err)
	failing.Store("on", true)
	_, err = l.Append(ctx, testEvent(2), nil)
	require.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "sink down")
	failing.Delete("on")
	_, err = l.Append(ctx, testEvent(3), nil)
	require.NoError(t, err)
	require.NoError(t, l.Close())
	res, err := Verify(ctx, Records(mem.records()), WithTrustedKey("k1", pub))
	require.NoError(t, err)
	assert.EqualValues(t, 3, res.Events)
	assert.Positive(t, l.Stats().SinkErrors)
}

// A sink that hangs and ignores ctx: fail-closed Appends give up at the
// append timeout with ErrUnavailable instead of hanging the call.
func TestSyncModeHangingSink(t *testing.T) {
	_, priv := newKey(t)
	release := make(chan struct{})
	var calls sync.WaitGroup
	hang := false
	var mu sync.Mutex
	sink := SinkFunc(func(ctx context.Context, recs []Record) error {
		mu.Lock()
		h := hang
		mu.Unlock()
		if h {
			<-release
		}
		return nil
	})
	l := newLog(t, priv, sink, WithAppendTimeout(50*time.Millisecond), WithSinkTimeout(time.Hour), WithCloseTimeout(50*time.Millisecond))
	mu.Lock()
	hang = true
	mu.Unlock()
	for range 3 {
		calls.Add(1)
		go func() {
			defer calls.Done()
			_, err := l.Append(context.Background(), testEvent(1), nil)
			assert.ErrorIs(t, err, ErrUnavailable)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		}()
	}
	calls.Wait()
	// The caller's own deadline applies too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.Append(ctx, testEvent(1), nil)
	assert.ErrorIs(t, err, ErrUnavailable)
	close(release)
	l.Close()
}

// In WAL mode the WAL is the durability point: a hung sink does not block
// Append, unless WithAwaitSinks asks for the sinks too.
func TestWALModeHangingSink(t *testing.T) {
	pub, priv := newKey(t)
	release := make(chan struct{})
	mem := &memSink{}
	sink := SinkFunc(func(ctx context.Context, recs []Record) error {
		select {
		case <-release:
			return mem.Write(ctx, recs)
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	dir := t.TempDir()
	l := newLog(t, priv, sink, WithWAL(dir), WithSinkTimeout(20*time.Millisecond))
	for i := range 5 {
		_, err := l.Append(context.Background(), testEvent(i), nil)
		require.NoError(t, err)
	}
	assert.Positive(t, l.Stats().Backlog)

	l2 := newLog(t, priv, sink, WithWAL(t.TempDir()), WithAwaitSinks(), WithAppendTimeout(50*time.Millisecond), WithSinkTimeout(time.Minute), WithCloseTimeout(10*time.Millisecond))
	_, err := l2.Append(context.Background(), testEvent(1), nil)
	require.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "not delivered")

	close(release)
	require.NoError(t, l.Close())
	res, err := Verify(context.Background(), Records(filterOrigin(mem.records(), l.Origin())), WithTrustedKey("k1", pub))
	require.NoError(t, err)
	assert.EqualValues(t, 5, res.Events)
	l2.Close()
}

func filterOrigin(recs []Record, origin string) []Record {
	var out []Record
	for _, r := range recs {
		if r.Origin == origin {
			out = append(out, r)
		}
	}
	return out
}

// Fail-open: a hung sink never blocks Append; events beyond the buffer are
// dropped, counted, and reported by a gap record once there is room.
func TestFailOpenDropsAndGap(t *testing.T) {
	pub, priv := newKey(t)
	release := make(chan struct{})
	mem := &memSink{}
	sink := SinkFunc(func(ctx context.Context, recs []Record) error {
		select {
		case <-release:
			return mem.Write(ctx, recs)
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	l := newLog(t, priv, sink, WithFailOpen(20), WithSinkTimeout(10*time.Millisecond), WithCheckpoints(5, 0))
	dropped := 0
	for i := range 100 {
		rc, err := l.Append(context.Background(), testEvent(i), nil)
		require.NoError(t, err)
		if rc.Dropped {
			dropped++
		}
	}
	require.Positive(t, dropped)
	assert.EqualValues(t, dropped, l.Stats().Dropped)
	close(release)
	require.Eventually(t, func() bool { return l.Stats().Backlog == 0 }, 10*time.Second, time.Millisecond)
	after, err := l.Append(context.Background(), testEvent(0), nil) // room again: the gap goes out first
	require.NoError(t, err)
	require.NoError(t, l.Close())
	recs := mem.records()
	var gaps []Gap
	for _, r := range recs {
		if r.Type == TypeGap {
			g, err := ParseGap(r.Data)
			require.NoError(t, err)
			gaps = append(gaps, g)
		}
	}
	require.NotEmpty(t, gaps)
	res, err := Verify(context.Background(), Records(recs), WithTrustedKey("k1", pub))
	require.NoError(t, err)
	assert.EqualValues(t, dropped, res.Streams[0].Dropped)
	assert.EqualValues(t, 101-dropped, res.Events)

	// An event after a gap is proven at its leaf, the gap counted.
	proof, err := Prove(Records(recs), after.ID)
	require.NoError(t, err)
	assert.Equal(t, after.LeafIndex, proof.LeafIndex)
	_, err = VerifyProof(proof, pub)
	require.NoError(t, err)

	// What a gap reports is signed like an event: moving its time window
	// (the drop count unchanged) breaks the next checkpoint.
	for i, r := range recs {
		if r.Type != TypeGap {
			continue
		}
		g, err := ParseGap(r.Data)
		require.NoError(t, err)
		g.Since = g.Since.Add(-time.Hour)
		forged := slices.Clone(recs)
		forged[i].Data = g.Encode()
		_, err = Verify(context.Background(), Records(forged), WithTrustedKey("k1", pub))
		var ve *VerifyError
		require.ErrorAs(t, err, &ve, "a forged gap record verified")
		assert.Contains(t, ve.Reason, "checkpoint")
		break
	}
}

// An unclosed stream left in the WAL is redelivered and sealed by the next
// process's stream.
func TestWALRecoverySealsUnclosedStream(t *testing.T) {
	pub, priv := newKey(t)
	dir := t.TempDir()
	down := SinkFunc(func(ctx context.Context, recs []Record) error { return errors.New("down") })
	l1 := newLog(t, priv, down, WithWAL(dir), WithWALSegmentSize(2048))
	for i := range 40 {
		_, err := l1.Append(context.Background(), testEvent(i), nil)
		require.NoError(t, err)
	}
	l1.shutdown() // as if the process died: no closing checkpoint

	mem := &memSink{}
	l2 := newLog(t, priv, mem, WithWAL(dir))
	_, err := l2.Append(context.Background(), testEvent(99), nil)
	require.NoError(t, err)
	require.NoError(t, l2.Close())
	res, err := Verify(context.Background(), Records(mem.records()), WithTrustedKey("k1", pub))
	require.NoError(t, err)
	require.Len(t, res.Streams, 2)
	byOrigin := map[string]*StreamResult{}
	for _, s := range res.Streams {
		byOrigin[s.Origin] = s
	}
	assert.EqualValues(t, 40, byOrigin[l1.Origin()].Events)
	assert.Equal(t, l2.Origin(), byOrigin[l1.Origin()].SealedBy)
	assert.False(t, byOrigin[l1.Origin()].Closed)
	left, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	assert.Empty(t, left)

	// Without its successor the crashed stream's tail is reported.
	_, err = Verify(context.Background(), Records(filterOrigin(mem.records(), l1.Origin())), WithTrustedKey("k1", pub))
	var ve *VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Reason, "closing checkpoint")
}

func TestWALTornTailIsIgnored(t *testing.T) {
	_, priv := newKey(t)
	dir := t.TempDir()
	down := SinkFunc(func(ctx context.Context, recs []Record) error { return errors.New("down") })
	l1 := newLog(t, priv, down, WithWAL(dir))
	for i := range 5 {
		_, err := l1.Append(context.Background(), testEvent(i), nil)
		require.NoError(t, err)
	}
	l1.shutdown()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	require.NotEmpty(t, segs)
	last := segs[len(segs)-1] // names sort by first seq
	// Half a frame right after the last whole one, as a crash mid-write
	// leaves it (in a prepared segment, over the zeros).
	b, err := os.ReadFile(last)
	require.NoError(t, err)
	end := 0
	for end+8 <= len(b) {
		n := int(b[end])<<24 | int(b[end+1])<<16 | int(b[end+2])<<8 | int(b[end+3])
		if n == 0 {
			break
		}
		end += 8 + n
	}
	f, err := os.OpenFile(last, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte{0, 0, 0, 50, 1, 2, 3}, int64(end))
	require.NoError(t, err)
	f.Close()
	rs, err := recoverWAL(dir)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.EqualValues(t, 6, rs[0].nextSeq) // stream key + 5 events
	assert.Len(t, rs[0].records, 6)
}

func TestHeartbeatCheckpoints(t *testing.T) {
	_, priv := newKey(t)
	mem := &memSink{}
	l := newLog(t, priv, mem, WithCheckpoints(1000, 5*time.Millisecond), WithHeartbeat(10*time.Millisecond))
	_, err := l.Append(context.Background(), testEvent(1), nil)
	require.NoError(t, err)
	// An idle stream keeps signing checkpoints of the same size.
	require.Eventually(t, func() bool {
		n := 0
		for _, r := range mem.records() {
			if r.Type == TypeCheckpoint {
				n++
			}
		}
		return n >= 3
	}, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, l.Close())
}

func TestSinkGetsDeadline(t *testing.T) {
	_, priv := newKey(t)
	mem := &memSink{}
	l := newLog(t, priv, mem, WithSinkTimeout(time.Minute))
	_, err := l.Append(context.Background(), testEvent(1), nil)
	require.NoError(t, err)
	require.NoError(t, l.Close())
	mem.mu.Lock()
	defer mem.mu.Unlock()
	for _, c := range mem.ctxs {
		_, ok := c.Deadline()
		assert.True(t, ok, "every Sink.Write gets a deadline")
	}
}

func ed25519GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

func newKeyPair(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) { return newKey(t) }

// countingMeterProvider records what the Log adds to its counters, through
// the global MeterProvider as production code sees it.
type countingMeterProvider struct {
	noop.MeterProvider
	mu     sync.Mutex
	counts map[string]int64
}

type countingMeter struct {
	noop.Meter
	p *countingMeterProvider
}

type countingCounter struct {
	noop.Int64Counter
	p    *countingMeterProvider
	name string
}

func (p *countingMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter {
	return countingMeter{p: p}
}

func (m countingMeter) Int64Counter(name string, _ ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return countingCounter{p: m.p, name: name}, nil
}

func (c countingCounter) Add(_ context.Context, n int64, _ ...metric.AddOption) {
	c.p.mu.Lock()
	c.p.counts[c.name] += n
	c.p.mu.Unlock()
}

func TestFailOpenDropMetric(t *testing.T) {
	mp := &countingMeterProvider{counts: map[string]int64{}}
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(mp)
	defer otel.SetMeterProvider(prev)

	_, priv := newKey(t)
	block := make(chan struct{})
	sink := SinkFunc(func(ctx context.Context, recs []Record) error {
		select {
		case <-block:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	l := newLog(t, priv, sink, WithFailOpen(8), WithSinkTimeout(5*time.Millisecond), WithCloseTimeout(time.Millisecond))
	for i := range 50 {
		_, err := l.Append(context.Background(), testEvent(i), nil)
		require.NoError(t, err)
	}
	dropped := l.Stats().Dropped
	require.Positive(t, dropped)
	mp.mu.Lock()
	assert.EqualValues(t, dropped, mp.counts["ragguard.audit.dropped"])
	mp.mu.Unlock()
	close(block)
	l.Close()
}

func TestWALDirectoryIsExclusive(t *testing.T) {
	_, priv := newKey(t)
	dir := t.TempDir()
	l1 := newLog(t, priv, DiscardSink(), WithWAL(dir))
	_, err := NewLog(WithSigner("k1", priv), WithSink(DiscardSink()), WithWAL(dir))
	require.ErrorContains(t, err, "in use")
	require.NoError(t, l1.Close())
	l2 := newLog(t, priv, DiscardSink(), WithWAL(dir))
	require.NoError(t, l2.Close())
}

// A fail-closed Log whose sinks stay down refuses new events once its
// backlog is full, instead of growing without bound.
func TestBacklogBoundFailsClosed(t *testing.T) {
	_, priv := newKey(t)
	down := SinkFunc(func(ctx context.Context, recs []Record) error { return errors.New("down") })
	l := newLog(t, priv, down, WithWAL(t.TempDir()), WithBacklog(10), WithCloseTimeout(time.Millisecond))
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = l.Append(context.Background(), testEvent(i), nil)
	}
	require.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "WithBacklog")
	l.Close()
}

func tlogRecordHash(d []byte) tlog.Hash { return tlog.RecordHash(d) }

// fullTreeRoot computes a tree root the long way, with tlog's stored hashes.
func fullTreeRoot(leaves [][]byte) (tlog.Hash, error) {
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, d := range leaves {
		hs, err := tlog.StoredHashes(int64(i), d, r)
		if err != nil {
			return tlog.Hash{}, err
		}
		stored = append(stored, hs...)
	}
	return tlog.TreeHash(int64(len(leaves)), r)
}

// Records an earlier process left in the WAL do not count against the new
// Log's backlog: a restart with a large redelivery must not refuse calls.
func TestRecoveredRecordsDoNotFillTheBacklog(t *testing.T) {
	_, priv := newKey(t)
	dir := t.TempDir()
	down := SinkFunc(func(ctx context.Context, recs []Record) error { return errors.New("down") })
	l1 := newLog(t, priv, down, WithWAL(dir))
	for i := range 50 {
		_, err := l1.Append(context.Background(), testEvent(i), nil)
		require.NoError(t, err)
	}
	l1.shutdown()
	l2 := newLog(t, priv, down, WithWAL(dir), WithBacklog(20), WithCloseTimeout(time.Millisecond))
	for i := range 5 {
		_, err := l2.Append(context.Background(), testEvent(i), nil)
		require.NoError(t, err, "append %d", i)
	}
	assert.GreaterOrEqual(t, l2.Stats().Backlog, 50)
	l2.Close()
}

// Concurrent appenders in every mode: every receipt has its own seq, every
// event is in the stream, and the stream verifies.
func TestConcurrentAppendsVerify(t *testing.T) {
	for name, opts := range map[string][]Option{
		"sync":      nil,
		"wal":       {WithWAL(t.TempDir()), WithWALSegmentSize(8 << 10)},
		"fail-open": {WithFailOpen(1 << 16)},
	} {
		t.Run(name, func(t *testing.T) {
			pub, priv := newKey(t)
			mem := &memSink{}
			l := newLog(t, priv, mem, append(opts, WithCheckpoints(37, 0))...)
			var mu sync.Mutex
			seqs := map[uint64]bool{}
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 150 {
						rc, err := l.Append(context.Background(), testEvent(g*1000+i), nil)
						if !assert.NoError(t, err) || !assert.False(t, rc.Dropped) {
							return
						}
						mu.Lock()
						assert.False(t, seqs[rc.Seq], "seq %d twice", rc.Seq)
						seqs[rc.Seq] = true
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			require.NoError(t, l.Close())
			recs := mem.records()
			res, err := Verify(context.Background(), Records(recs), WithTrustedKey("k1", pub))
			require.NoError(t, err)
			assert.EqualValues(t, 8*150, res.Events)
			for _, r := range recs {
				if r.Type == TypeEvent {
					assert.True(t, seqs[r.Seq])
				}
			}
		})
	}
}

// What closing the WAL reports reaches Close's caller instead of being
// dropped by the committer goroutine.
func TestCommitterStopReturnsCloseError(t *testing.T) {
	boom := errors.New("close failed")
	l := &Log{cfg: defaultConfig(), durable: newWatermark()}
	c := newCommitter(l, func([]item) error { return nil }, func() error { return boom })
	go c.run()
	require.ErrorIs(t, c.stop(), boom)
}
