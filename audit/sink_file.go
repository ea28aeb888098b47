package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrOutOfOrder is returned by FileSink for a record whose Seq is below the
// origin's last stored Seq but was never stored: segments only grow.
var ErrOutOfOrder = errors.New("audit: record is older than the stream's last stored record")

// FileSink stores records as JSON lines in segment files, one directory per
// origin, read back by ReadDir:
//
//	DIR/<origin>/00000000000000000000.jsonl   segments, named by their first Seq
//	DIR/<origin>/00000000000000004096.jsonl
//	DIR/<origin>/pruned.jsonl                 what retention removed
//
// (the origin's directory name escapes bytes other than letters, digits,
// '-', '_' and '.' as %XX). Each line is one record:
//
//	{"origin":"api-1","seq":7,"type":"event","data":{"id":"…",…}}
//
// The record's bytes are embedded so they come back exactly: "data" holds
// them verbatim when they are one JSON value in UTF-8 without line breaks
// or surrounding white space (canonical event bytes: the line reads as
// plain JSON, jq '.data.principal' works); "text" holds them as a JSON
// string when they are other UTF-8 (signed-note checkpoints); "b64" holds
// them in base64 otherwise. Webhook bodies use the same lines.
//
// A segment is closed and a new one started when it
// reaches WithSegmentMaxBytes or WithSegmentMaxAge; WithRetention prunes
// closed segments by age and total size and records what it pruned in the
// origin's manifest, so that verification reports pruned ranges instead of
// failing on them. WithFileSync chooses when data is fsynced (by default
// before every Write returns).
//
// Redelivery is idempotent: a record at or below the origin's last stored
// Seq is compared with the stored one (recent ones from memory, older ones
// from disk, pruned ones by their record hash) and skipped when equal; a
// difference is a *ConflictError. A partial line left by a crash is cut off
// when the sink first writes that origin again.
//
// A FileSink is safe for concurrent use; writes are serialised. It should be
// the only writer of its directory.
type FileSink struct {
	dir    string
	cfg    sinkConfig
	sem    chan struct{} // held while writing; select-able, so ctx bounds the wait
	closed bool

	origins   map[string]*fileOrigin
	open      int    // segment files open
	clock     uint64 // counts writes, for fileOrigin.used
	window    *redeliveryWindow
	lastSync  time.Time
	lastPrune time.Time
}

type fileOrigin struct {
	name    string // the origin
	dir     string // full path of the origin directory
	has     bool   // some record is stored
	last    uint64 // highest stored Seq
	f       *os.File
	segName string
	segSize int64
	segOpen time.Time
	used    uint64 // s.clock at the last write, to close the idlest segment
	dirty   bool   // written since last fsync
}

// maxOpenSegments bounds the segment files a FileSink keeps open: a central
// collector sees a new origin every time a replica restarts, and an idle
// origin's segment is closed (and a new one started if it writes again).
const maxOpenSegments = 128

var _ Sink = (*FileSink)(nil)

// NewFileSink opens (creating if needed) a FileSink directory. Options:
// WithSegmentMaxBytes, WithSegmentMaxAge, WithFileSync, WithRetention,
// WithRedeliveryWindow (records per origin compared from memory),
// WithSinkClock.
func NewFileSink(dir string, opts ...SinkOption) (*FileSink, error) {
	if dir == "" {
		return nil, errors.New("audit: NewFileSink: empty directory")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("audit: NewFileSink: %w", err)
	}
	cfg := newSinkConfig(opts)
	s := &FileSink{
		dir:     dir,
		cfg:     cfg,
		sem:     make(chan struct{}, 1),
		origins: make(map[string]*fileOrigin),
		window:  newRedeliveryWindow(cfg.window),
	}
	s.lastSync = cfg.now()
	return s, nil
}

// Dir returns the sink's directory.
func (s *FileSink) Dir() string { return s.dir }

func (s *FileSink) lock(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("audit: file sink: %w", ctx.Err())
	}
}

func (s *FileSink) unlock() { <-s.sem }

// Write appends recs, each to its origin's current segment, and returns
// once they are written (and fsynced, by default). It gives up waiting for
// another Write when ctx is done.
func (s *FileSink) Write(ctx context.Context, recs []Record) error {
	if err := sinkValidBatch(recs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: file sink: %w", err)
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	if s.closed {
		return ErrSinkClosed
	}
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].Origin == recs[i].Origin {
			j++
		}
		if err := s.writeOrigin(ctx, recs[i:j]); err != nil {
			return err
		}
		i = j
	}
	if err := s.syncDirty(false); err != nil {
		return err
	}
	if s.cfg.retentionMaxAge > 0 || s.cfg.retentionMaxBytes > 0 {
		if now := s.cfg.now(); now.Sub(s.lastPrune) >= time.Minute || s.overBudgetHint() {
			s.lastPrune = now
			if err := s.prune(now); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeOrigin writes a run of records of one origin: records at or below
// the last stored Seq are compared first (from memory, else in one pass
// over the segments that hold them), then the new ones are appended.
func (s *FileSink) writeOrigin(ctx context.Context, recs []Record) error {
	o, err := s.origin(recs[0].Origin)
	if err != nil {
		return err
	}
	has, last := o.has, o.last
	var older []Record
	for _, r := range recs {
		if !has || r.Seq > last {
			continue
		}
		dup, err := s.window.seen(r, "file")
		if err != nil {
			return err
		}
		if !dup {
			older = append(older, r)
		}
	}
	if len(older) > 0 {
		if err := s.compareOnDisk(o, older); err != nil {
			return err
		}
	}

	size := 0
	for _, r := range recs {
		size += len(r.Data) + 96 // the line's framing, roughly
	}
	buf := make([]byte, 0, size)
	fresh := make([]Record, 0, len(recs))
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("audit: file sink: %w", err)
		}
		n, err := o.f.Write(buf)
		o.segSize += int64(n)
		o.dirty = true
		s.clock++
		o.used = s.clock
		if err != nil {
			s.forget(recs[0].Origin)
			return fmt.Errorf("audit: file sink: write %s: %w", o.segName, err)
		}
		for _, r := range fresh {
			o.has, o.last = true, r.Seq
		}
		s.window.add(fresh)
		buf, fresh = buf[:0], fresh[:0]
		return nil
	}
	for _, r := range recs {
		if has && r.Seq <= last {
			continue // compared above
		}
		if len(fresh) > 0 && r.Seq <= fresh[len(fresh)-1].Seq || o.has && r.Seq <= o.last {
			// Repeated inside this batch, or out of order in it.
			if err := flush(); err != nil {
				return err
			}
			if err := s.compareStored(o, r); err != nil {
				return err
			}
			continue
		}
		if o.f == nil || o.segSize+int64(len(buf)) >= s.cfg.segmentMaxBytes || s.cfg.now().Sub(o.segOpen) >= s.cfg.segmentMaxAge {
			if err := flush(); err != nil {
				return err
			}
			if err := s.rotate(o, r.Seq); err != nil {
				return err
			}
		}
		buf = appendRecordLine(buf, r)
		fresh = append(fresh, r)
	}
	return flush()
}

// compareStored checks one record at or below the last stored Seq.
func (s *FileSink) compareStored(o *fileOrigin, r Record) error {
	if dup, err := s.window.seen(r, "file"); err != nil || dup {
		return err
	}
	return s.compareOnDisk(o, []Record{r})
}

// compareOnDisk compares records with what the segments (or the prune
// manifest) hold, reading each segment involved once. A record that was
// never stored is ErrOutOfOrder.
func (s *FileSink) compareOnDisk(o *fileOrigin, recs []Record) error {
	segs, err := fsListSegments(o.dir)
	if err != nil {
		return err
	}
	want := make(map[uint64][]Record, len(recs))
	for _, r := range recs {
		want[r.Seq] = append(want[r.Seq], r)
	}
	same := func(stored, r Record) error {
		if stored.Type != r.Type || !bytes.Equal(stored.Data, r.Data) {
			return &ConflictError{Origin: r.Origin, Seq: r.Seq, Sink: "file"}
		}
		return nil
	}
	for i, sg := range segs {
		next := uint64(math.MaxUint64)
		if i+1 < len(segs) {
			next = segs[i+1].first
		}
		needed := false
		for seq := range want {
			if seq >= sg.first && seq < next {
				needed = true
				break
			}
		}
		if !needed {
			continue
		}
		var cmpErr error
		_, err := fsScanSegment(filepath.Join(o.dir, sg.name), func(stored Record, err error) bool {
			if err != nil {
				return true
			}
			for _, r := range want[stored.Seq] {
				if cmpErr = same(stored, r); cmpErr != nil {
					return false
				}
			}
			delete(want, stored.Seq)
			return len(want) > 0
		})
		if err != nil {
			return err
		}
		if cmpErr != nil {
			return cmpErr
		}
	}
	if len(want) == 0 {
		return nil
	}
	pruned, err := readManifest(filepath.Join(o.dir, fsManifestName))
	if err != nil && pruned == nil {
		return err
	}
	for _, p := range pruned {
		for _, k := range p.Kept {
			for _, r := range want[k.Seq] {
				if err := same(k, r); err != nil {
					return err
				}
			}
			delete(want, k.Seq)
		}
		for _, h := range p.Hashes {
			for _, r := range want[h.Seq] {
				// Only the record hash of a pruned event is left.
				if h.Type != r.Type || h.Hash != tlog.RecordHash(r.Data) {
					return &ConflictError{Origin: r.Origin, Seq: r.Seq, Sink: "file"}
				}
			}
			delete(want, h.Seq)
		}
	}
	for seq := range want {
		return fmt.Errorf("%w: %s/%d (last stored %d)", ErrOutOfOrder, o.name, seq, o.last)
	}
	return nil
}

// origin returns the state of an origin, loading it from disk the first
// time: the last stored Seq, the recent records for the window, and a cut
// of any torn tail.
func (s *FileSink) origin(name string) (*fileOrigin, error) {
	if o := s.origins[name]; o != nil {
		return o, nil
	}
	o := &fileOrigin{name: name, dir: filepath.Join(s.dir, fsEscapeOrigin(name))}
	if _, err := os.Stat(o.dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(o.dir, 0o750); err != nil {
			return nil, fmt.Errorf("audit: file sink: %w", err)
		}
		if s.cfg.sync != SyncNever {
			// The new directory's entry must survive a crash too.
			if err := fsSyncDir(s.dir); err != nil {
				return nil, err
			}
		}
	}
	segs, err := fsListSegments(o.dir)
	if err != nil {
		return nil, err
	}
	for i := len(segs) - 1; i >= 0 && !o.has; i-- {
		path := filepath.Join(o.dir, segs[i].name)
		var recent []Record
		end, err := fsScanSegment(path, func(r Record, err error) bool {
			if err == nil && r.Origin == name {
				if !o.has || r.Seq > o.last {
					o.has, o.last = true, r.Seq
				}
				recent = append(recent, r)
				if len(recent) > 2*s.cfg.window {
					recent = slices.Delete(recent, 0, len(recent)-s.cfg.window)
				}
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		if i == len(segs)-1 {
			if err := fsCutTornTail(path, end); err != nil {
				return nil, err
			}
		}
		s.window.add(recent)
	}
	if !o.has {
		// Torn or malformed lines leave the ranges that parsed, which is all
		// a verifier will trust either; but a manifest that cannot be read
		// at all would make the origin look empty, and records of its pruned
		// ranges could be stored again unchecked.
		pruned, err := readManifest(filepath.Join(o.dir, fsManifestName))
		var le *LineError
		if err != nil && !errors.As(err, &le) {
			return nil, fmt.Errorf("audit: file sink: %w", err)
		}
		for _, p := range pruned {
			if !o.has || p.Last > o.last {
				o.has, o.last = true, p.Last
			}
		}
	}
	s.origins[name] = o
	return o, nil
}

// fsCutTornTail truncates a segment to its last complete line.
func fsCutTornTail(path string, end int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("audit: file sink: %w", err)
	}
	if fi.Size() == end {
		return nil
	}
	if err := os.Truncate(path, end); err != nil {
		return fmt.Errorf("audit: file sink: cut torn tail of %s: %w", path, err)
	}
	return nil
}

// forget drops an origin's state after a failed write, so that the next
// Write reloads it from disk (and cuts what the failure left).
func (s *FileSink) forget(name string) {
	if o := s.origins[name]; o != nil && o.f != nil {
		o.f.Close()
		s.open--
	}
	delete(s.origins, name)
}

// rotate closes the current segment and opens a new one starting at first.
func (s *FileSink) rotate(o *fileOrigin, first uint64) error {
	if o.f != nil {
		if err := s.closeSegment(o, false); err != nil {
			return err
		}
	}
	if s.open >= maxOpenSegments {
		if err := s.closeIdlest(); err != nil {
			return err
		}
	}
	name := fsSegmentName(first)
	f, err := os.OpenFile(filepath.Join(o.dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("audit: file sink: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("audit: file sink: %w", err)
	}
	if s.cfg.sync != SyncNever {
		if err := fsSyncDir(o.dir); err != nil {
			f.Close()
			return err
		}
	}
	o.f, o.segName, o.segSize, o.segOpen = f, name, fi.Size(), s.cfg.now()
	s.open++
	return nil
}

// closeIdlest closes the open segment written longest ago.
func (s *FileSink) closeIdlest() error {
	var idlest *fileOrigin
	for _, o := range s.origins {
		if o.f != nil && (idlest == nil || o.used < idlest.used) {
			idlest = o
		}
	}
	if idlest == nil {
		return nil
	}
	return s.closeSegment(idlest, false)
}

func (s *FileSink) closeSegment(o *fileOrigin, force bool) error {
	var err error
	if o.dirty && (force || s.cfg.sync != SyncNever) {
		err = o.f.Sync()
	}
	o.dirty = false
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	o.f = nil
	s.open--
	if err != nil {
		return fmt.Errorf("audit: file sink: close %s: %w", o.segName, err)
	}
	return nil
}

// syncDirty fsyncs written segments as the policy asks (force: always).
func (s *FileSink) syncDirty(force bool) error {
	switch {
	case force:
	case s.cfg.sync == SyncNever:
		return nil
	case s.cfg.sync == SyncInterval && s.cfg.now().Sub(s.lastSync) < s.cfg.syncInterval:
		return nil
	}
	for name, o := range s.origins {
		if o.f == nil || !o.dirty {
			continue
		}
		if err := o.f.Sync(); err != nil {
			s.forget(name)
			return fmt.Errorf("audit: file sink: fsync %s: %w", o.segName, err)
		}
		o.dirty = false
	}
	s.lastSync = s.cfg.now()
	return nil
}

func fsSyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("audit: file sink: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("audit: file sink: fsync %s: %w", dir, err)
	}
	return nil
}

// overBudgetHint reports whether an open segment alone already exceeds the
// size budget, so pruning should not wait for its minute.
func (s *FileSink) overBudgetHint() bool {
	if s.cfg.retentionMaxBytes <= 0 {
		return false
	}
	var n int64
	for _, o := range s.origins {
		n += o.segSize
	}
	return n > s.cfg.retentionMaxBytes/2
}

// Prune applies the retention rules now. Write calls it at most once a
// minute (or sooner when the size budget is near); call it to prune on a
// schedule of your own.
func (s *FileSink) Prune(ctx context.Context) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	if s.closed {
		return ErrSinkClosed
	}
	now := s.cfg.now()
	s.lastPrune = now
	return s.prune(now)
}

type pruneCandidate struct {
	origin string
	odir   string
	name   string
	size   int64
	mtime  time.Time
}

func (s *FileSink) prune(now time.Time) error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("audit: file sink: %w", err)
	}
	open := make(map[string]bool)
	for _, o := range s.origins {
		if o.f != nil {
			open[filepath.Join(o.dir, o.segName)] = true
		}
	}
	var cands []pruneCandidate
	var total int64
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		origin, err := fsUnescapeOrigin(e.Name())
		if err != nil {
			continue
		}
		odir := filepath.Join(s.dir, e.Name())
		segs, err := fsListSegments(odir)
		if err != nil {
			return err
		}
		for _, sg := range segs {
			fi, err := os.Stat(filepath.Join(odir, sg.name))
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return fmt.Errorf("audit: file sink: %w", err)
			}
			total += fi.Size()
			if open[filepath.Join(odir, sg.name)] {
				continue
			}
			cands = append(cands, pruneCandidate{origin: origin, odir: odir, name: sg.name, size: fi.Size(), mtime: fi.ModTime()})
		}
	}
	slices.SortFunc(cands, func(a, b pruneCandidate) int { return a.mtime.Compare(b.mtime) })
	for _, c := range cands {
		reason := ""
		switch {
		case s.cfg.retentionMaxAge > 0 && now.Sub(c.mtime) > s.cfg.retentionMaxAge:
			reason = "age"
		case s.cfg.retentionMaxBytes > 0 && total > s.cfg.retentionMaxBytes:
			reason = "size"
		default:
			continue
		}
		if err := s.pruneSegment(c, reason, now); err != nil {
			return err
		}
		total -= c.size
	}
	return nil
}

// pruneSegment records a segment's ranges in the manifest (fsynced), then
// removes the segment.
func (s *FileSink) pruneSegment(c pruneCandidate, reason string, now time.Time) error {
	path := filepath.Join(c.odir, c.name)
	var recs []Record
	var bad error
	_, err := fsScanSegment(path, func(r Record, err error) bool {
		if err != nil {
			bad = err
			return false
		}
		recs = append(recs, r)
		return true
	})
	if err != nil {
		return err
	}
	if bad != nil {
		// A damaged segment is evidence: keep it for the verifier to report.
		return nil
	}
	var manifest []byte
	for start := 0; start < len(recs); {
		end := start + 1
		for end < len(recs) && recs[end].Seq == recs[end-1].Seq+1 {
			end++
		}
		p := PrunedRange{Origin: c.origin, First: recs[start].Seq, Last: recs[end-1].Seq, Segment: c.name,
			Bytes: c.size, PrunedAt: now, Reason: reason}
		for _, r := range recs[start:end] {
			p.Hashes = append(p.Hashes, PrunedHash{Seq: r.Seq, Type: r.Type, Hash: tlog.RecordHash(r.Data)})
			if r.Type != TypeEvent {
				p.Kept = append(p.Kept, r)
			}
		}
		manifest = appendManifestLine(manifest, p)
		start = end
	}
	if len(manifest) > 0 {
		f, err := os.OpenFile(filepath.Join(c.odir, fsManifestName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return fmt.Errorf("audit: file sink: %w", err)
		}
		_, err = f.Write(manifest)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("audit: file sink: write prune manifest: %w", err)
		}
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("audit: file sink: prune %s: %w", path, err)
	}
	return fsSyncDir(c.odir)
}

// Close fsyncs and closes the open segments. Write fails with ErrSinkClosed
// afterwards; a second Close does nothing.
func (s *FileSink) Close() error {
	s.sem <- struct{}{}
	defer s.unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for _, o := range s.origins {
		if o.f != nil {
			errs = append(errs, s.closeSegment(o, true))
		}
	}
	return errors.Join(errs...)
}
