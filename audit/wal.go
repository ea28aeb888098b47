package audit

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// The write-ahead log is a directory of segment files, each named
// <origin>.<first seq, 20 digits>.wal. A segment is a sequence of frames:
//
//	u32 length | u32 CRC-32C of payload | payload
//
// The first frame's payload is a JSON segmentHeader (the tree state before
// the segment's first record); every other payload is
//
//	u64 seq | u8 type | record data
//
// A torn or corrupt frame ends a segment: it can only be the tail that was
// being written when the process died, and no Append that wrote to it had
// returned.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type segmentHeader struct {
	Origin   string      `json:"origin"`
	FirstSeq uint64      `json:"first_seq"`
	Size     int64       `json:"size"`
	Frontier []tlog.Hash `json:"frontier"`
}

var recordTypeCodes = map[RecordType]byte{TypeStreamKey: 1, TypeEvent: 2, TypeCheckpoint: 3, TypeGap: 4}

func recordTypeOf(code byte) (RecordType, bool) {
	for t, c := range recordTypeCodes {
		if c == code {
			return t, true
		}
	}
	return "", false
}

func appendFrame(buf, payload []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.BigEndian.AppendUint32(buf, crc32.Checksum(payload, castagnoli))
	return append(buf, payload...)
}

// appendRecordFrame appends r as a frame without an intermediate payload
// buffer.
func appendRecordFrame(buf []byte, r *Record) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, 8)...)
	buf = binary.BigEndian.AppendUint64(buf, r.Seq)
	buf = append(buf, recordTypeCodes[r.Type])
	buf = append(buf, r.Data...)
	payload := buf[start+8:]
	binary.BigEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, castagnoli))
	return buf
}

func segmentName(origin string, firstSeq uint64) string {
	return fmt.Sprintf("%s.%020d.wal", origin, firstSeq)
}

// parseSegmentName splits a segment file name; origins never contain
// spaces or '+' but may contain dots, so the seq is taken from the end.
func parseSegmentName(name string) (origin string, firstSeq uint64, ok bool) {
	base, found := strings.CutSuffix(name, ".wal")
	if !found {
		return "", 0, false
	}
	i := strings.LastIndexByte(base, '.')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.ParseUint(base[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return base[:i], n, true
}

// walSegment is an open segment being written.
type walSegment struct {
	path     string
	f        *os.File
	size     int64 // bytes written
	prepared bool  // zero-filled ahead (see preparer)
	lastSeq  uint64
}

// createSegment starts a segment with its header. Given a prepared file it
// renames that into place; otherwise it creates the file.
func createSegment(dir string, h segmentHeader, pf *preparedFile) (*walSegment, error) {
	path := filepath.Join(dir, segmentName(h.Origin, h.FirstSeq))
	var s *walSegment
	if pf != nil {
		if err := os.Rename(pf.path, path); err != nil {
			pf.f.Close()
			os.Remove(pf.path)
			return nil, err
		}
		s = &walSegment{path: path, f: pf.f, prepared: true}
	} else {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		s = &walSegment{path: path, f: f}
	}
	hb, _ := json.Marshal(h)
	if err := s.write(appendFrame(nil, hb)); err != nil {
		s.f.Close()
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		s.f.Close()
		return nil, err
	}
	return s, nil
}

// write appends buf to the segment and makes it durable with fdatasync.
// In a prepared segment that overwrites allocated, already-synced blocks, so
// the sync flushes the data alone: no file-size change goes through the file
// system's journal, which every writer on the disk shares. One write and one
// sync per group commit.
func (s *walSegment) write(buf []byte) error {
	if _, err := s.f.WriteAt(buf, s.size); err != nil {
		return err
	}
	if err := datasync(s.f); err != nil {
		return err
	}
	s.size += int64(len(buf))
	return nil
}

// preparedFile is a zero-filled, fsynced file waiting to become a segment.
type preparedFile struct {
	path string
	f    *os.File
}

const preparedPrefix = ".prepared-"

var zeroBlock [256 << 10]byte

// prepareFile writes a zero-filled file of size bytes in dir and fsyncs it.
// Reading a segment stops at the zeros, which parse as an empty frame.
// It goes in small steps, each flushed, with a pause between: a large
// flush would queue megabytes on the device ahead of the commits' own
// syncs, and back-to-back short write syscalls would keep the processor
// from a commit returning from its sync (with GOMAXPROCS=1, for up to the
// scheduler's 10 ms preemption tick).
func prepareFile(dir string, size int64, quit <-chan struct{}) (*preparedFile, error) {
	f, err := os.CreateTemp(dir, preparedPrefix+"*")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*preparedFile, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	for off := int64(0); off < size; off += int64(len(zeroBlock)) {
		if _, err := f.WriteAt(zeroBlock[:min(int64(len(zeroBlock)), size-off)], off); err != nil {
			return fail(err)
		}
		if err := f.Sync(); err != nil {
			return fail(err)
		}
		select {
		case <-quit:
			return fail(errors.New("stopped"))
		case <-time.After(500 * time.Microsecond):
		}
	}
	return &preparedFile{path: f.Name(), f: f}, nil
}

// removePrepared deletes prepared files a previous process left behind.
func removePrepared(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), preparedPrefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// recoveredStream is what an earlier process left in the WAL for one origin.
type recoveredStream struct {
	origin  string
	paths   []string
	records []Record
	tree    frontier
	nextSeq uint64
	closed  bool // ends with the closing checkpoint
}

// recoverWAL reads every segment in dir, grouped by origin.
func recoverWAL(dir string) ([]*recoveredStream, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type seg struct {
		name  string
		first uint64
	}
	byOrigin := map[string][]seg{}
	for _, e := range entries {
		origin, first, ok := parseSegmentName(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		byOrigin[origin] = append(byOrigin[origin], seg{e.Name(), first})
	}
	var out []*recoveredStream
	for origin, segs := range byOrigin {
		slices.SortFunc(segs, func(a, b seg) int {
			if a.first < b.first {
				return -1
			}
			if a.first > b.first {
				return 1
			}
			return 0
		})
		rs := &recoveredStream{origin: origin}
		for i, s := range segs {
			path := filepath.Join(dir, s.name)
			rs.paths = append(rs.paths, path)
			if err := rs.readSegment(path, i == 0); err != nil {
				return nil, fmt.Errorf("audit: wal %s: %w", s.name, err)
			}
		}
		if len(rs.records) > 0 {
			last := rs.records[len(rs.records)-1]
			rs.closed = last.Type == TypeCheckpoint && isFinalCheckpoint(last.Data)
		}
		out = append(out, rs)
	}
	slices.SortFunc(out, func(a, b *recoveredStream) int { return strings.Compare(a.origin, b.origin) })
	return out, nil
}

func (rs *recoveredStream) readSegment(path string, first bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	hdr, err := readFrame(r)
	if err != nil {
		// A segment whose header never became durable holds nothing.
		return nil
	}
	var h segmentHeader
	if err := json.Unmarshal(hdr, &h); err != nil {
		return fmt.Errorf("segment header: %w", err)
	}
	if h.Origin != rs.origin {
		return fmt.Errorf("segment header names origin %q", h.Origin)
	}
	if first {
		if err := rs.tree.set(h.Size, h.Frontier); err != nil {
			return err
		}
		rs.nextSeq = h.FirstSeq
	} else if h.FirstSeq != rs.nextSeq || h.Size != rs.tree.size {
		return fmt.Errorf("segment starts at seq %d, size %d; want %d, %d", h.FirstSeq, h.Size, rs.nextSeq, rs.tree.size)
	}
	for {
		p, err := readFrame(r)
		if err != nil {
			return nil // end, or a torn tail
		}
		if len(p) < 9 {
			return nil
		}
		seq := binary.BigEndian.Uint64(p)
		typ, ok := recordTypeOf(p[8])
		if !ok || seq != rs.nextSeq {
			return nil
		}
		rec := Record{Origin: rs.origin, Seq: seq, Type: typ, Data: slices.Clone(p[9:])}
		if typ.leaf() {
			rs.tree.add(tlog.RecordHash(rec.Data))
		}
		rs.records = append(rs.records, rec)
		rs.nextSeq++
	}
}

var errTornFrame = errors.New("torn frame")

func readFrame(r *bufio.Reader) ([]byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n > 64<<20 {
		return nil, errTornFrame
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return nil, errTornFrame
	}
	if crc32.Checksum(p, castagnoli) != binary.BigEndian.Uint32(hdr[4:]) {
		return nil, errTornFrame
	}
	return p, nil
}

// isFinalCheckpoint tells a closing checkpoint by its text, without
// verifying it (recovery trusts its own WAL; verifiers check signatures).
func isFinalCheckpoint(data []byte) bool {
	text, _, ok := strings.Cut(string(data), "\n\n")
	return ok && strings.HasSuffix(text, "\nfinal")
}
