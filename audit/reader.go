package audit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Errors a reader yields between records. Reading goes on after each of
// them; the caller decides whether they are fatal (a verifier reports them).
var (
	// ErrMalformedLine matches a *LineError for a line that is not a record.
	ErrMalformedLine = errors.New("audit: malformed record line")
	// ErrTornLine matches a *LineError for an incomplete last line, as a
	// crash in the middle of a write leaves it. Its record was never
	// acknowledged as stored.
	ErrTornLine = errors.New("audit: torn last line")
	// ErrPruned matches a *PrunedError: records removed by retention.
	ErrPruned = errors.New("audit: records pruned by retention")
)

// LineError locates a line of a segment file that holds no record.
type LineError struct {
	File string // path of the segment file
	Line int    // 1-based line number
	Torn bool   // an incomplete last line rather than a malformed one
	Err  error  // what is wrong, for malformed lines
}

// Error describes the bad line: file, line number and what is wrong.
func (e *LineError) Error() string {
	if e.Torn {
		return fmt.Sprintf("%s:%d: torn last line (incomplete write)", e.File, e.Line)
	}
	return fmt.Sprintf("%s:%d: malformed record line: %v", e.File, e.Line, e.Err)
}

// Is matches ErrTornLine or ErrMalformedLine.
func (e *LineError) Is(target error) bool {
	if e.Torn {
		return target == ErrTornLine
	}
	return target == ErrMalformedLine
}

// Unwrap returns what is wrong with a malformed line.
func (e *LineError) Unwrap() error { return e.Err }

// PrunedHash is what retention keeps of one pruned record: its RFC 6962
// record hash (tlog.RecordHash of Data), from which a verifier can still
// recompute the stream's Merkle tree.
type PrunedHash struct {
	Seq  uint64
	Type RecordType
	Hash tlog.Hash
}

// PrunedRange describes one segment removed by retention.
type PrunedRange struct {
	Origin   string
	First    uint64       // Seq of its first record
	Last     uint64       // Seq of its last record
	Segment  string       // file name of the removed segment
	Bytes    int64        // its size
	PrunedAt time.Time    // when it was removed
	Reason   string       // "age" or "size"
	Hashes   []PrunedHash // one per record, in Seq order
	// Kept are the stream key, checkpoint and gap records of the range,
	// stored whole in the manifest; the reader yields them after the
	// PrunedError.
	Kept []Record
}

// PrunedError reports a pruned range in a record stream. It matches
// ErrPruned.
type PrunedError struct{ Range PrunedRange }

// Error names the pruned range.
func (e *PrunedError) Error() string {
	r := e.Range
	return fmt.Sprintf("audit: %s: records %d..%d pruned by retention (%s) at %s", r.Origin, r.First, r.Last,
		r.Reason, r.PrunedAt.UTC().Format(time.RFC3339))
}

// Is matches ErrPruned.
func (e *PrunedError) Is(target error) bool { return target == ErrPruned }

// DirOrigins lists the origins stored in a FileSink directory, sorted.
func DirOrigins(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: read %s: %w", dir, err)
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		o, err := fsUnescapeOrigin(e.Name())
		if err != nil {
			continue // not ours
		}
		out = append(out, o)
	}
	slices.Sort(out)
	return out, nil
}

// ReadDir iterates over the records of every origin in a FileSink
// directory: origin by origin (sorted by name), each in Seq order. Between
// records it yields (Record{}, err) for what it finds wrong and then goes
// on: a *LineError for a malformed line (file:line) or a torn last line, a
// *PrunedError where retention removed records (followed by the range's
// kept records), and I/O errors. The caller may stop at any point.
//
// Reading checks each line's shape, not the meaning of its Data: the bytes
// are evidence only through the signed Merkle tree that Verify recomputes
// from them, which catches any change.
func ReadDir(dir string) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		origins, err := DirOrigins(dir)
		if err != nil {
			yield(Record{}, err)
			return
		}
		for _, o := range origins {
			for r, err := range ReadDirOrigin(dir, o) {
				if !yield(r, err) {
					return
				}
			}
		}
	}
}

// ReadDirOrigin is ReadDir for one origin.
func ReadDirOrigin(dir, origin string) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		odir := filepath.Join(dir, fsEscapeOrigin(origin))
		segs, err := fsListSegments(odir)
		if err != nil {
			yield(Record{}, err)
			return
		}
		pruned, err := readManifest(filepath.Join(odir, fsManifestName))
		if err != nil {
			if !yield(Record{}, err) {
				return
			}
		}
		// A crash between writing a manifest entry and removing its segment
		// leaves both: the segment wins.
		present := make(map[string]bool, len(segs))
		for _, s := range segs {
			present[s.name] = true
		}
		pi := 0
		for si := 0; si <= len(segs); si++ {
			for pi < len(pruned) && (si == len(segs) || pruned[pi].First < segs[si].first) {
				p := pruned[pi]
				pi++
				if present[p.Segment] {
					continue
				}
				if !yield(Record{}, &PrunedError{Range: p}) {
					return
				}
				for _, k := range p.Kept {
					if !yield(k, nil) {
						return
					}
				}
			}
			if si == len(segs) {
				break
			}
			ok := true
			_, err := fsScanSegment(filepath.Join(odir, segs[si].name), func(r Record, err error) bool {
				ok = yield(r, err)
				return ok
			})
			if !ok {
				return
			}
			if err != nil && !yield(Record{}, err) {
				return
			}
		}
	}
}

type fsSegment struct {
	name  string
	first uint64
}

// fsListSegments returns the segment files of an origin directory in Seq
// order. A missing directory has none.
func fsListSegments(odir string) ([]fsSegment, error) {
	ents, err := os.ReadDir(odir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: read %s: %w", odir, err)
	}
	var segs []fsSegment
	for _, e := range ents {
		if first, ok := fsParseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			segs = append(segs, fsSegment{name: e.Name(), first: first})
		}
	}
	slices.SortFunc(segs, func(a, b fsSegment) int {
		switch {
		case a.first < b.first:
			return -1
		case a.first > b.first:
			return 1
		}
		return 0
	})
	return segs, nil
}

// fsScanSegment reads a segment file line by line and calls fn with each
// record or *LineError, until fn returns false. It returns the offset just
// past the last complete line, and an I/O error if reading failed.
func fsScanSegment(path string, fn func(Record, error) bool) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	var lp lineParser
	var off int64
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 {
				fn(Record{}, &LineError{File: path, Line: n, Torn: true})
			}
			return off, nil
		}
		if err != nil {
			return off, fmt.Errorf("audit: read %s: %w", path, err)
		}
		off += int64(len(line))
		rec, perr := lp.parse(line)
		if perr != nil {
			if !fn(Record{}, &LineError{File: path, Line: n, Err: perr}) {
				return off, nil
			}
			continue
		}
		if !fn(rec, nil) {
			return off, nil
		}
	}
}

// The prune manifest has one JSON line per pruned segment:
//
//	{"origin":"api-1","first":0,"last":4095,"segment":"000…0.jsonl","bytes":…,
//	 "pruned_at":"2026-…Z","reason":"age","hashes":"<base64 of 32-byte
//	 record hashes, one per Seq from first to last>","types":"ekkk…","kept":[<record lines>]}
//
// "types" has one letter per Seq (k stream key, e event, c checkpoint,
// g gap). Kept records are record lines (see appendRecordLine), so their
// bytes come back exactly.
type manifestLine struct {
	Origin   string            `json:"origin"`
	First    uint64            `json:"first"`
	Last     uint64            `json:"last"`
	Segment  string            `json:"segment"`
	Bytes    int64             `json:"bytes"`
	PrunedAt time.Time         `json:"pruned_at"`
	Reason   string            `json:"reason"`
	Hashes   string            `json:"hashes"`
	Types    string            `json:"types"`
	Kept     []json.RawMessage `json:"kept"`
}

var manifestTypeLetters = map[RecordType]byte{TypeStreamKey: 'k', TypeEvent: 'e', TypeCheckpoint: 'c', TypeGap: 'g'}

func manifestLetterType(c byte) RecordType {
	for t, l := range manifestTypeLetters {
		if l == c {
			return t
		}
	}
	return RecordType(string(c))
}

// appendManifestLine encodes one pruned range. Hashes must cover First..Last
// contiguously.
func appendManifestLine(dst []byte, p PrunedRange) []byte {
	dst = append(dst, `{"origin":`...)
	dst = appendJSONString(dst, p.Origin)
	dst = append(dst, `,"first":`...)
	dst = strconv.AppendUint(dst, p.First, 10)
	dst = append(dst, `,"last":`...)
	dst = strconv.AppendUint(dst, p.Last, 10)
	dst = append(dst, `,"segment":`...)
	dst = appendJSONString(dst, p.Segment)
	dst = append(dst, `,"bytes":`...)
	dst = strconv.AppendInt(dst, p.Bytes, 10)
	dst = append(dst, `,"pruned_at":"`...)
	dst = p.PrunedAt.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","reason":`...)
	dst = appendJSONString(dst, p.Reason)
	hashes := make([]byte, 0, len(p.Hashes)*tlog.HashSize)
	types := make([]byte, 0, len(p.Hashes))
	for _, h := range p.Hashes {
		hashes = append(hashes, h.Hash[:]...)
		types = append(types, manifestTypeLetters[h.Type])
	}
	dst = append(dst, `,"hashes":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, hashes)
	dst = append(dst, `","types":`...)
	dst = appendJSONString(dst, string(types))
	dst = append(dst, `,"kept":[`...)
	for i, k := range p.Kept {
		if i > 0 {
			dst = append(dst, ',')
		}
		line := appendRecordLine(nil, k)
		dst = append(dst, line[:len(line)-1]...)
	}
	return append(dst, "]}\n"...)
}

// readManifest reads an origin's prune manifest, sorted by First. A missing
// manifest is empty.
func readManifest(path string) ([]PrunedRange, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []PrunedRange
	var bad error
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if line[len(line)-1] != '\n' {
			bad = errors.Join(bad, &LineError{File: path, Line: n + 1, Torn: true})
			continue
		}
		p, err := parseManifestLine(line)
		if err != nil {
			bad = errors.Join(bad, &LineError{File: path, Line: n + 1, Err: err})
			continue
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b PrunedRange) int {
		switch {
		case a.First < b.First:
			return -1
		case a.First > b.First:
			return 1
		}
		return 0
	})
	return out, bad
}

func parseManifestLine(line []byte) (PrunedRange, error) {
	var m manifestLine
	if err := json.Unmarshal(line, &m); err != nil {
		return PrunedRange{}, err
	}
	if m.Origin == "" || m.Last < m.First {
		return PrunedRange{}, errors.New("bad origin or range")
	}
	hashes, err := base64.StdEncoding.DecodeString(m.Hashes)
	if err != nil {
		return PrunedRange{}, fmt.Errorf(`"hashes": %w`, err)
	}
	n := m.Last - m.First + 1
	if uint64(len(hashes)) != n*tlog.HashSize || uint64(len(m.Types)) != n {
		return PrunedRange{}, fmt.Errorf("range %d..%d needs %d hashes and types, have %d and %d",
			m.First, m.Last, n, len(hashes)/tlog.HashSize, len(m.Types))
	}
	p := PrunedRange{Origin: m.Origin, First: m.First, Last: m.Last, Segment: m.Segment, Bytes: m.Bytes,
		PrunedAt: m.PrunedAt, Reason: m.Reason, Hashes: make([]PrunedHash, n)}
	for i := range p.Hashes {
		p.Hashes[i].Seq = m.First + uint64(i)
		p.Hashes[i].Type = manifestLetterType(m.Types[i])
		copy(p.Hashes[i].Hash[:], hashes[i*tlog.HashSize:])
	}
	for _, k := range m.Kept {
		r, err := parseRecordLine(k)
		if err != nil {
			return PrunedRange{}, fmt.Errorf("kept record: %w", err)
		}
		p.Kept = append(p.Kept, r)
	}
	return p, nil
}
