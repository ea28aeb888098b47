package audit

import "context"

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
	// TypeGap records events that were dropped (fail-open) or pruned
	// (retention), so that verification names the gap instead of failing.
	TypeGap RecordType = "gap"
)

// Record is one entry of an audit stream as sinks store it. Data holds the
// record's canonical bytes (RFC 8785 JSON for events, the signed note text
// for checkpoints), produced once by the Log; sinks and verifiers store and
// hash these bytes as they are and never re-serialise them.
type Record struct {
	Origin string     `json:"origin"` // the stream's origin name, unique per process run
	Seq    uint64     `json:"seq"`    // position in the stream, gap-free, from 0
	Type   RecordType `json:"type"`
	Data   []byte     `json:"data"`
}

// Sink stores records durably. The Log calls Write with records of one
// origin in Seq order. Writing a record that is already stored with the same
// bytes must succeed (redelivery after a crash is normal); the same
// (Origin, Seq) with different bytes is an error. Write must honour ctx's
// deadline, so that a hung sink cannot hang governed calls.
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
