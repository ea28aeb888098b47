package audit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/audit/audittest"
)

// readAll collects ReadDir's records and errors.
func readAll(t *testing.T, dir string) ([]audit.Record, []error) {
	t.Helper()
	var recs []audit.Record
	var errs []error
	for r, err := range audit.ReadDir(dir) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
	return recs, errs
}

func TestFileSinkConformance(t *testing.T) {
	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		dir := t.TempDir()
		s, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(2048))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s, func() []audit.Record {
			recs, errs := readAll(t, dir)
			require.Empty(t, errs)
			return recs
		}
	})
}

// fakeClock is a settable clock for segment age and retention.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func segments(t *testing.T, dir, origin string) []string {
	t.Helper()
	var names []string
	ents, err := os.ReadDir(filepath.Join(dir, originDir(t, dir, origin)))
	require.NoError(t, err)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".jsonl") && e.Name() != "pruned.jsonl" {
			names = append(names, e.Name())
		}
	}
	return names
}

// originDir finds the directory of origin: the only subdirectory whose
// files hold it.
func originDir(t *testing.T, dir, origin string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		if e.IsDir() {
			for r, err := range audit.ReadDirOrigin(dir, origin) {
				if err == nil && r.Origin == origin {
					return e.Name()
				}
			}
		}
	}
	t.Fatalf("no directory for origin %q", origin)
	return ""
}

func TestFileSinkRotatesBySize(t *testing.T) {
	dir := t.TempDir()
	s, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(1000))
	require.NoError(t, err)
	origin := "api-1"
	recs := audittest.Stream(origin, 0, 100)
	for _, r := range recs {
		require.NoError(t, s.Write(t.Context(), []audit.Record{r}))
	}
	require.NoError(t, s.Close())
	segs := segments(t, dir, origin)
	assert.Greater(t, len(segs), 5, "100 records of ~100 bytes in 1000-byte segments")
	for _, name := range segs {
		fi, err := os.Stat(filepath.Join(dir, origin, name))
		require.NoError(t, err)
		assert.Less(t, fi.Size(), int64(1200), "segment %s: one record past the limit at most", name)
	}
	got, errs := readAll(t, dir)
	require.Empty(t, errs)
	require.Equal(t, recs, got)
}

func TestFileSinkRotatesByAge(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s, err := audit.NewFileSink(dir, audit.WithSegmentMaxAge(time.Hour), audit.WithSinkClock(clock.Now))
	require.NoError(t, err)
	defer s.Close()
	recs := audittest.Stream("api-1", 0, 9)
	require.NoError(t, s.Write(t.Context(), recs[:3]))
	clock.Add(59 * time.Minute)
	require.NoError(t, s.Write(t.Context(), recs[3:6]))
	assert.Equal(t, []string{"00000000000000000000.jsonl"}, segments(t, dir, "api-1"))
	clock.Add(2 * time.Minute)
	require.NoError(t, s.Write(t.Context(), recs[6:]))
	assert.Equal(t, []string{"00000000000000000000.jsonl", "00000000000000000006.jsonl"}, segments(t, dir, "api-1"))
}

func TestFileSinkRetentionRecordsPrunedRanges(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(1500), audit.WithRetention(0, 4000),
		audit.WithSinkClock(clock.Now))
	require.NoError(t, err)
	defer s.Close()
	origin := "svc/a b"
	recs := audittest.Stream(origin, 0, 120)
	for i := 0; i < len(recs); i += 5 {
		require.NoError(t, s.Write(t.Context(), recs[i:i+5]))
		clock.Add(time.Second)
	}
	require.NoError(t, s.Prune(t.Context()))

	var total int64
	odir := filepath.Join(dir, originDir(t, dir, origin))
	for _, name := range segments(t, dir, origin) {
		fi, err := os.Stat(filepath.Join(odir, name))
		require.NoError(t, err)
		total += fi.Size()
	}
	assert.LessOrEqual(t, total, int64(4000+1500), "pruned down to the budget (the open segment stays)")

	// Every Seq is accounted for: as a record, or as a pruned hash.
	var pruned []audit.PrunedRange
	seen := map[uint64]bool{}
	for r, err := range audit.ReadDirOrigin(dir, origin) {
		var pe *audit.PrunedError
		if errors.As(err, &pe) {
			require.ErrorIs(t, err, audit.ErrPruned)
			pruned = append(pruned, pe.Range)
			for _, h := range pe.Range.Hashes {
				assert.Equal(t, tlog.RecordHash(recs[h.Seq].Data), h.Hash, "hash of pruned seq %d", h.Seq)
				assert.Equal(t, recs[h.Seq].Type, h.Type)
				seen[h.Seq] = true
			}
			assert.Equal(t, "size", pe.Range.Reason)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, recs[r.Seq], r, "record %d", r.Seq)
		seen[r.Seq] = true
	}
	require.NotEmpty(t, pruned, "something was pruned")
	assert.Len(t, seen, len(recs))
	assert.Equal(t, uint64(0), pruned[0].First)
	require.NotEmpty(t, pruned[0].Kept)
	assert.Equal(t, recs[0], pruned[0].Kept[0], "the stream key survives pruning whole")

	// Redelivery of pruned records compares by hash.
	require.NoError(t, s.Write(t.Context(), recs[1:4]))
	forged := recs[2]
	forged.Data = []byte(`{"forged":true}`)
	require.ErrorIs(t, s.Write(t.Context(), []audit.Record{forged}), audit.ErrConflict)
}

func TestFileSinkRetentionByAge(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{now: time.Now()}
	s, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(500), audit.WithRetention(time.Hour, 0),
		audit.WithSinkClock(clock.Now))
	require.NoError(t, err)
	defer s.Close()
	recs := audittest.Stream("a", 0, 40)
	require.NoError(t, s.Write(t.Context(), recs[:20]))
	require.NoError(t, s.Prune(t.Context()))
	before := len(segments(t, dir, "a"))
	require.Greater(t, before, 1)
	clock.Add(2 * time.Hour) // segment mtimes are real time; the clock moves past them
	require.NoError(t, s.Prune(t.Context()))
	assert.Len(t, segments(t, dir, "a"), 1, "only the open segment is left")
	_, errs := readAll(t, dir)
	require.NotEmpty(t, errs)
	for _, err := range errs {
		var pe *audit.PrunedError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "age", pe.Range.Reason)
	}
}

func TestFileSinkReopenRedeliveryAndTornTail(t *testing.T) {
	dir := t.TempDir()
	origin := "api-1"
	recs := audittest.Stream(origin, 0, 20)
	s, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(800))
	require.NoError(t, err)
	require.NoError(t, s.Write(t.Context(), recs[:12]))
	require.NoError(t, s.Close())

	// A crash in the middle of a write leaves half a line.
	segs := segments(t, dir, origin)
	last := filepath.Join(dir, origin, segs[len(segs)-1])
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"origin":"api-1","seq":12,"type":"ev`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	_, errs := readAll(t, dir)
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], audit.ErrTornLine)
	assert.Contains(t, errs[0].Error(), segs[len(segs)-1]+":")

	// A new sink on the same directory: old records (beyond the window,
	// in older segments) compare from disk, the torn tail is cut.
	s2, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(800), audit.WithRedeliveryWindow(2))
	require.NoError(t, err)
	defer s2.Close()
	require.NoError(t, s2.Write(t.Context(), recs))
	forged := recs[1]
	forged.Data = []byte(`{"x":1}`)
	err = s2.Write(t.Context(), []audit.Record{forged})
	var ce *audit.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, uint64(1), ce.Seq)
	got, errs := readAll(t, dir)
	require.Empty(t, errs)
	require.Equal(t, recs, got)
}

func TestReadDirReportsMalformedLines(t *testing.T) {
	dir := t.TempDir()
	s, err := audit.NewFileSink(dir)
	require.NoError(t, err)
	recs := audittest.Stream("o", 0, 5)
	require.NoError(t, s.Write(t.Context(), recs))
	require.NoError(t, s.Close())
	path := filepath.Join(dir, "o", "00000000000000000000.jsonl")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	lines[2] = "{not json\n"
	lines[3] = `{"origin":"o","seq":3,"type":"event"}` + "\n"
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600))

	got, errs := readAll(t, dir)
	require.Len(t, errs, 2)
	require.ErrorIs(t, errs[0], audit.ErrMalformedLine)
	var le *audit.LineError
	require.ErrorAs(t, errs[0], &le)
	assert.Equal(t, 3, le.Line)
	assert.Equal(t, path, le.File)
	assert.Contains(t, errs[1].Error(), path+":4:")
	assert.Contains(t, errs[1].Error(), `no "data"`)
	assert.Equal(t, []audit.Record{recs[0], recs[1], recs[4]}, got)
}

func TestFileSinkRefusesBadInput(t *testing.T) {
	_, err := audit.NewFileSink("")
	require.Error(t, err)
	s, err := audit.NewFileSink(t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	for _, r := range []audit.Record{
		{Origin: "", Seq: 1, Type: audit.TypeEvent, Data: []byte("{}")},
		{Origin: "o", Seq: 1, Type: "bogus", Data: []byte("{}")},
		{Origin: "o", Seq: 1, Type: audit.TypeEvent},
	} {
		require.ErrorIs(t, s.Write(t.Context(), []audit.Record{r}), audit.ErrInvalidRecord)
	}
	recs := audittest.Stream("o", 0, 10)
	require.NoError(t, s.Write(t.Context(), recs[5:]))
	require.ErrorIs(t, s.Write(t.Context(), recs[:2]), audit.ErrOutOfOrder, "never stored and below the last")
}

func TestRecordLineKeepsExactBytes(t *testing.T) {
	dir := t.TempDir()
	s, err := audit.NewFileSink(dir)
	require.NoError(t, err)
	datas := [][]byte{
		[]byte(`{"a" : 1, "b":[1,2]}`),         // valid JSON with spaces: embedded verbatim
		[]byte(" {\"a\":1}"),                   // leading space: text
		[]byte("{\"a\":\n1}"),                  // line break: text
		[]byte(`"just a string"`),              // a JSON scalar
		[]byte("note\n\u2014 key sig\n"),       // a signed note
		[]byte{0xff, 0xfe, 0, '\n', '"', '\\'}, // binary
		[]byte("\x01\x1f\t\b\f\"\\</>&\u2028"), // control characters and escapes
		[]byte(`{"a":"\u00e9\ud83d\ude00"}`),   // JSON escapes must stay escapes
	}
	var recs []audit.Record
	for i, d := range datas {
		recs = append(recs, audit.Record{Origin: "o", Seq: uint64(i), Type: audit.TypeEvent, Data: d})
	}
	require.NoError(t, s.Write(t.Context(), recs))
	require.NoError(t, s.Close())
	got, errs := readAll(t, dir)
	require.Empty(t, errs)
	require.Equal(t, recs, got)
}

func ExampleFileSink() {
	dir, _ := os.MkdirTemp("", "audit")
	defer os.RemoveAll(dir)

	sink, err := audit.NewFileSink(dir)
	if err != nil {
		panic(err)
	}
	err = sink.Write(context.Background(), []audit.Record{
		{Origin: "api-1", Seq: 0, Type: audit.TypeStreamKey, Data: []byte(`{"key":"k1"}`)},
		{Origin: "api-1", Seq: 1, Type: audit.TypeEvent, Data: []byte(`{"id":"e1","outcome":"allowed"}`)},
		{Origin: "api-1", Seq: 2, Type: audit.TypeCheckpoint, Data: []byte("api-1\n2\nhash\n\n— k1 sig\n")},
	})
	if err != nil {
		panic(err)
	}
	sink.Close()

	for rec, err := range audit.ReadDir(dir) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s %d %s %q\n", rec.Origin, rec.Seq, rec.Type, rec.Data)
	}
	seg, _ := os.ReadFile(filepath.Join(dir, "api-1", "00000000000000000000.jsonl"))
	fmt.Print(strings.SplitAfter(string(seg), "\n")[1])
	// Output:
	// api-1 0 stream_key "{\"key\":\"k1\"}"
	// api-1 1 event "{\"id\":\"e1\",\"outcome\":\"allowed\"}"
	// api-1 2 checkpoint "api-1\n2\nhash\n\n— k1 sig\n"
	// {"origin":"api-1","seq":1,"type":"event","data":{"id":"e1","outcome":"allowed"}}
}

var _ = context.Background

func TestReadDirPrefersSegmentOverManifest(t *testing.T) {
	// A crash after the manifest entry is written but before the segment
	// is removed leaves both: the records are read once, from the segment.
	dir := t.TempDir()
	s, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(600), audit.WithRetention(0, 1))
	require.NoError(t, err)
	recs := audittest.Stream("o", 0, 30)
	for i := 0; i < 30; i += 3 {
		require.NoError(t, s.Write(t.Context(), recs[i:i+3]))
	}
	before := segments(t, dir, "o")
	first := filepath.Join(dir, "o", "00000000000000000000.jsonl")
	_, err = os.Stat(first)
	require.Error(t, err, "the first segment was pruned")
	require.NoError(t, s.Close())

	// Put a pruned segment back, as if its removal had not happened.
	var kept []audit.Record
	for _, r := range recs {
		if r.Seq < 3 {
			kept = append(kept, r)
		}
	}
	var line []byte
	for _, r := range kept {
		line = fmt.Appendf(line, "%s", mustLine(t, r))
	}
	require.NoError(t, os.WriteFile(first, line, 0o600))
	got := map[uint64]int{}
	for r, err := range audit.ReadDirOrigin(dir, "o") {
		var pe *audit.PrunedError
		if errors.As(err, &pe) {
			assert.NotEqual(t, uint64(0), pe.Range.First, "the range the segment covers is not reported pruned")
			for _, k := range pe.Range.Kept {
				got[k.Seq]--
			}
			continue
		}
		require.NoError(t, err)
		got[r.Seq]++
	}
	for _, seq := range []uint64{0, 1, 2} {
		assert.Equal(t, 1, got[seq], "seq %d read once", seq)
	}
	assert.NotEmpty(t, before)
}

// mustLine writes r through a FileSink and returns its line.
func mustLine(t *testing.T, r audit.Record) []byte {
	t.Helper()
	dir := t.TempDir()
	s, err := audit.NewFileSink(dir)
	require.NoError(t, err)
	require.NoError(t, s.Write(t.Context(), []audit.Record{r}))
	require.NoError(t, s.Close())
	data, err := os.ReadFile(filepath.Join(dir, "o", fmt.Sprintf("%020d.jsonl", r.Seq)))
	require.NoError(t, err)
	return data
}

func TestFileSinkSyncPolicies(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	for _, opt := range []audit.SinkOption{
		audit.WithFileSync(audit.SyncInterval, time.Second),
		audit.WithFileSync(audit.SyncNever, 0),
		audit.WithFileSync(audit.SyncInterval, 0), // ignored: stays SyncEveryWrite
	} {
		dir := t.TempDir()
		s, err := audit.NewFileSink(dir, opt, audit.WithSinkClock(clock.Now))
		require.NoError(t, err)
		recs := audittest.Stream("o", 0, 6)
		require.NoError(t, s.Write(t.Context(), recs[:3]))
		clock.Add(2 * time.Second)
		require.NoError(t, s.Write(t.Context(), recs[3:]))
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "a second Close does nothing")
		got, errs := readAll(t, dir)
		require.Empty(t, errs)
		require.Equal(t, recs, got)
	}
}

func TestFileSinkLargeRedeliveryFromDisk(t *testing.T) {
	dir := t.TempDir()
	recs := audittest.Stream("o", 0, 3000)
	s, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(16<<10), audit.WithFileSync(audit.SyncNever, 0))
	require.NoError(t, err)
	require.NoError(t, s.Write(t.Context(), recs))
	require.NoError(t, s.Close())
	require.Greater(t, len(segments(t, dir, "o")), 10)

	// A restarted sink remembers only 16 records: the rest compare from
	// disk, each segment read once per Write.
	s2, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(16<<10), audit.WithRedeliveryWindow(16))
	require.NoError(t, err)
	defer s2.Close()
	more := audittest.Stream("o", 3000, 10)
	require.NoError(t, s2.Write(t.Context(), append(slices.Clone(recs), more...)))

	forged := slices.Clone(recs[1000:1200])
	forged[150].Data = []byte(`{"forged":true}`)
	err = s2.Write(t.Context(), forged)
	var ce *audit.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, uint64(1150), ce.Seq)

	got, errs := readAll(t, dir)
	require.Empty(t, errs)
	require.Equal(t, append(recs, more...), got)
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

func TestFileSinkBoundsOpenSegments(t *testing.T) {
	dir := t.TempDir()
	s, err := audit.NewFileSink(dir, audit.WithFileSync(audit.SyncNever, 0))
	require.NoError(t, err)
	defer s.Close()
	before := openFDs(t)
	const origins = 300
	for i := range origins {
		require.NoError(t, s.Write(t.Context(), audittest.Stream(fmt.Sprintf("replica-%03d", i), 0, 2)))
	}
	assert.LessOrEqual(t, openFDs(t)-before, 140, "at most 128 segments stay open")

	// The first origin's segment was closed; it writes on in a new one.
	more := audittest.Stream("replica-000", 2, 3)
	require.NoError(t, s.Write(t.Context(), more))
	var got []audit.Record
	for r, err := range audit.ReadDirOrigin(dir, "replica-000") {
		require.NoError(t, err)
		got = append(got, r)
	}
	require.Equal(t, audittest.Stream("replica-000", 0, 5), got)
	assert.Len(t, segments(t, dir, "replica-000"), 2)
	all, errs := readAll(t, dir)
	require.Empty(t, errs)
	assert.Len(t, all, origins*2+3)
}

// A prune manifest that cannot be read fails the write: the origin must not
// look empty, or records of its pruned ranges would be stored again
// unchecked.
func TestFileSinkUnreadableManifestFailsClosed(t *testing.T) {
	dir := t.TempDir()
	// A directory where the manifest file should be: reading it fails.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "o", "pruned.jsonl"), 0o750))
	s, err := audit.NewFileSink(dir)
	require.NoError(t, err)
	defer s.Close()
	err = s.Write(t.Context(), audittest.Stream("o", 5, 1))
	require.Error(t, err)
	assert.ErrorContains(t, err, "pruned.jsonl")
}
