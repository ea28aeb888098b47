package audit

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Errors returned by the sinks of this package. Test them with errors.Is;
// the typed errors below carry the details and match these sentinels.
var (
	// ErrConflict reports that a record's (Origin, Seq) is already stored
	// with different bytes. It is never retried: one of the two is forged or
	// the stream was restarted under a reused origin.
	ErrConflict = errors.New("audit: record conflicts with the stored record")
	// ErrSinkClosed is returned by Write after Close.
	ErrSinkClosed = errors.New("audit: sink is closed")
	// ErrTooFewSinks is returned by a Multi sink when fewer sinks than
	// required stored a batch.
	ErrTooFewSinks = errors.New("audit: too few sinks stored the records")
	// ErrInvalidRecord reports a record a sink refuses to store: an empty
	// or non-UTF-8 origin, an unknown type, or empty data.
	ErrInvalidRecord = errors.New("audit: invalid record")
)

// ConflictError names the record that conflicts. It matches ErrConflict.
type ConflictError struct {
	Origin string
	Seq    uint64
	Sink   string // which sink detected it, e.g. "file", "postgres"
}

// Error names the conflicting record and the sink that holds other bytes.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("audit: %s sink: record %s/%d is already stored with different bytes", e.Sink, e.Origin, e.Seq)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// sinkValidRecord checks what every sink needs before it stores a record.
func sinkValidRecord(r Record) error {
	if r.Origin == "" || !utf8.ValidString(r.Origin) {
		return fmt.Errorf("%w: origin %q is empty or not UTF-8 (seq %d)", ErrInvalidRecord, r.Origin, r.Seq)
	}
	switch r.Type {
	case TypeStreamKey, TypeEvent, TypeCheckpoint, TypeGap:
	default:
		return fmt.Errorf("%w: %s/%d has unknown type %q", ErrInvalidRecord, r.Origin, r.Seq, r.Type)
	}
	if len(r.Data) == 0 {
		return fmt.Errorf("%w: %s/%d has no data", ErrInvalidRecord, r.Origin, r.Seq)
	}
	return nil
}

// sinkValidBatch checks every record of a batch.
func sinkValidBatch(recs []Record) error {
	for _, r := range recs {
		if err := sinkValidRecord(r); err != nil {
			return err
		}
	}
	return nil
}
