package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// RecordType tells what a Record of a stream holds.
type RecordType string

const (
	// TypeStreamKey opens a stream: it binds the stream's signing key to a
	// long-term key (crypto.Signer) and is always Seq 0.
	TypeStreamKey RecordType = "stream_key"
	// TypeEvent is one governed call: a leaf of the stream's Merkle tree.
	TypeEvent RecordType = "event"
	// TypeCheckpoint is a signed note over the Merkle tree head.
	TypeCheckpoint RecordType = "checkpoint"
	// TypeGap records events a fail-open Log dropped, so that verification
	// names the loss instead of failing.
	TypeGap RecordType = "gap"
)

// leaf reports whether records of type t are leaves of the stream's Merkle
// tree.
func (t RecordType) leaf() bool {
	return t == TypeStreamKey || t == TypeEvent || t == TypeGap
}

// Record is one entry of an audit stream as sinks store it. Data holds the
// record's canonical bytes, produced once by the Log; sinks and verifiers
// store and hash these bytes as they are and never re-serialise them.
//
// What Data holds, by Type:
//
//   - TypeStreamKey (always Seq 0): RFC 8785 JSON
//     {"alg","key_id","sig","statement"}; statement is the text the long-term
//     key signed (see ParseStreamKey) and names the stream's note key.
//   - TypeEvent: the event's RFC 8785 JSON (see Event, ParseEvent).
//   - TypeCheckpoint: a C2SP signed note (golang.org/x/mod/sumdb/note) over a
//     C2SP tlog checkpoint: origin, tree size, base64 root hash, then the
//     extension lines "seq", "time", "dropped", "frontier" and, on the
//     closing checkpoint, "final" (see ParseCheckpoint).
//   - TypeGap: RFC 8785 JSON of a Gap.
//
// The stream's Merkle tree (RFC 6962) has one leaf per TypeStreamKey,
// TypeEvent and TypeGap record, in Seq order, hashed with
// tlog.RecordHash(Data), so checkpoints sign what gaps report as much as the
// events. Checkpoints are not leaves: they sign the tree.
type Record struct {
	Origin string     `json:"origin"` // the stream's origin name, unique per process run
	Seq    uint64     `json:"seq"`    // position in the stream, gap-free, from 0
	Type   RecordType `json:"type"`
	Data   []byte     `json:"data"`
}

// GapDropped is the reason of a gap the Log writes in fail-open mode: it
// dropped events before they got a Seq, because its buffer was full.
// FromSeq == ToSeq == the gap record's own Seq; Dropped counts the lost
// events, Since and Until bound when. (Records removed later by a sink's
// retention are not gaps in the stream: readers report them as a
// *PrunedError carrying their hashes, and the verifier keeps checking.)
const GapDropped = "dropped"

// Gap is the content of a TypeGap record: records that are not in the
// stream, named so that verification reports them instead of failing.
type Gap struct {
	Reason  string    `json:"reason"`
	FromSeq uint64    `json:"from_seq"`
	ToSeq   uint64    `json:"to_seq"`
	Dropped uint64    `json:"dropped,omitempty"`
	Since   time.Time `json:"since,omitzero"` // first drop
	Until   time.Time `json:"until,omitzero"` // last drop
}

// Encode returns g's canonical bytes, ready for a TypeGap Record's Data.
func (g Gap) Encode() []byte {
	var w jw
	w.open()
	w.optInt("dropped", int64(g.Dropped))
	w.key("from_seq")
	w.out = appendJSONInt(w.out, int64(g.FromSeq))
	w.str("reason", g.Reason)
	w.optTime("since", g.Since)
	w.key("to_seq")
	w.out = appendJSONInt(w.out, int64(g.ToSeq))
	w.optTime("until", g.Until)
	w.close()
	return w.out
}

// GapRecord returns the TypeGap record for g, with Seq g.FromSeq.
func GapRecord(origin string, g Gap) Record {
	return Record{Origin: origin, Seq: g.FromSeq, Type: TypeGap, Data: g.Encode()}
}

// ParseGap decodes a TypeGap record's Data.
func ParseGap(data []byte) (Gap, error) {
	var g Gap
	if err := json.Unmarshal(data, &g); err != nil {
		return Gap{}, fmt.Errorf("audit: parse gap: %w", err)
	}
	if g.Reason != GapDropped {
		return Gap{}, fmt.Errorf("audit: parse gap: unknown reason %q", g.Reason)
	}
	if g.ToSeq < g.FromSeq {
		return Gap{}, fmt.Errorf("audit: parse gap: to_seq %d before from_seq %d", g.ToSeq, g.FromSeq)
	}
	return g, nil
}

// Sink stores records durably. The Log calls Write with records of one
// origin in Seq order. Writing a record that is already stored with the same
// bytes must succeed (redelivery after a crash is normal); the same
// (Origin, Seq) with different bytes is an error. Write must honour ctx's
// deadline, so that a hung sink cannot hang governed calls. (The Log stops
// waiting at the deadline even if Write does not return, and retries the
// same records later: a sink that ignores ctx can see a retry while its
// abandoned call still runs, so Write must be safe for concurrent use.)
type Sink interface {
	Write(ctx context.Context, recs []Record) error
	Close() error
}

// SinkFunc adapts a function to Sink; Close does nothing.
type SinkFunc func(ctx context.Context, recs []Record) error

// Write calls f(ctx, recs).
func (f SinkFunc) Write(ctx context.Context, recs []Record) error { return f(ctx, recs) }

// Close does nothing.
func (SinkFunc) Close() error { return nil }
