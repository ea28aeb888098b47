package audit

import (
	"crypto/sha256"
	"sync"
)

// maxWindowOrigins bounds the origins a redelivery window remembers; a
// process writes one origin per run, so this is only reached by a sink
// shared by many streams, which then forgets an arbitrary one.
const maxWindowOrigins = 1024

// redeliveryWindow remembers the digests of the last records of each
// origin, for sinks that cannot read back what they emitted (OTel, slog,
// webhook): a redelivered record is recognised and skipped, a record that
// reuses a remembered (Origin, Seq) with other bytes is a conflict.
type redeliveryWindow struct {
	mu      sync.Mutex
	size    int
	origins map[string][]windowEntry
}

type windowEntry struct {
	valid bool
	seq   uint64
	sum   [sha256.Size]byte
}

func newRedeliveryWindow(size int) *redeliveryWindow {
	return &redeliveryWindow{size: size, origins: make(map[string][]windowEntry)}
}

func windowSum(r Record) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(r.Type))
	h.Write([]byte{0})
	h.Write(r.Data)
	var s [sha256.Size]byte
	h.Sum(s[:0])
	return s
}

// seen reports whether r was already stored; a remembered (Origin, Seq)
// with different bytes is a *ConflictError naming sink.
func (w *redeliveryWindow) seen(r Record, sink string) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ring := w.origins[r.Origin]
	if ring == nil {
		return false, nil
	}
	e := ring[r.Seq%uint64(len(ring))]
	if !e.valid || e.seq != r.Seq {
		return false, nil
	}
	if e.sum != windowSum(r) {
		return false, &ConflictError{Origin: r.Origin, Seq: r.Seq, Sink: sink}
	}
	return true, nil
}

// filter returns the records of recs not yet stored, or the first
// conflict. Duplicates inside recs itself are compared too.
func (w *redeliveryWindow) filter(recs []Record, sink string) ([]Record, error) {
	var fresh []Record
	type key struct {
		origin string
		seq    uint64
	}
	var inBatch map[key][sha256.Size]byte
	for i, r := range recs {
		dup, err := w.seen(r, sink)
		if err != nil {
			return nil, err
		}
		if dup {
			if fresh == nil {
				fresh = append(make([]Record, 0, len(recs)), recs[:i]...)
			}
			continue
		}
		if inBatch == nil {
			inBatch = make(map[key][sha256.Size]byte, len(recs))
		}
		k, sum := key{r.Origin, r.Seq}, windowSum(r)
		if prev, ok := inBatch[k]; ok {
			if prev != sum {
				return nil, &ConflictError{Origin: r.Origin, Seq: r.Seq, Sink: sink}
			}
			if fresh == nil {
				fresh = append(make([]Record, 0, len(recs)), recs[:i]...)
			}
			continue
		}
		inBatch[k] = sum
		if fresh != nil {
			fresh = append(fresh, r)
		}
	}
	if fresh == nil {
		return recs, nil
	}
	return fresh, nil
}

// add remembers recs as stored.
func (w *redeliveryWindow) add(recs []Record) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range recs {
		ring := w.origins[r.Origin]
		if ring == nil {
			if len(w.origins) >= maxWindowOrigins {
				for o := range w.origins {
					delete(w.origins, o)
					break
				}
			}
			ring = make([]windowEntry, w.size)
			w.origins[r.Origin] = ring
		}
		ring[r.Seq%uint64(len(ring))] = windowEntry{valid: true, seq: r.Seq, sum: windowSum(r)}
	}
}
