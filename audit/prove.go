package audit

import (
	"crypto"
	"errors"
	"fmt"
	"iter"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"
)

// ProofFormat names the version of InclusionProof's JSON form.
const ProofFormat = "ragguard-inclusion-proof/v1"

// InclusionProof shows, on its own, that one event is in a signed stream:
// the event's canonical bytes, an RFC 6962 inclusion proof up to a signed
// checkpoint, and the stream key binding that makes the checkpoint's key
// trustworthy. Its JSON form is the proof file; VerifyProof checks it with
// nothing but the long-term public key.
type InclusionProof struct {
	Format     string      `json:"format"`
	Origin     string      `json:"origin"`
	EventID    uuid.UUID   `json:"event_id"`
	Seq        uint64      `json:"seq"`
	LeafIndex  int64       `json:"leaf_index"`
	TreeSize   int64       `json:"tree_size"`
	Event      string      `json:"event"`      // canonical bytes, exactly as hashed
	Hashes     []tlog.Hash `json:"hashes"`     // the RFC 6962 audit path
	Checkpoint string      `json:"checkpoint"` // the signed note of the first checkpoint covering the event
	StreamKey  string      `json:"stream_key"` // the stream's first record
}

// ErrEventNotFound is returned by Prove when no event has the given id, or
// no checkpoint covers it yet.
var ErrEventNotFound = errors.New("audit: event not found")

// Prove reads records (as Verify does) and builds the inclusion proof of
// event id against the first checkpoint that covers it. It does not verify
// the stream (run Verify for that); VerifyProof checks the proof itself.
func Prove(records iter.Seq2[Record, error], id uuid.UUID) (*InclusionProof, error) {
	type stream struct {
		key    []byte
		leaves []tlog.Hash
		next   uint64
	}
	streams := map[string]*stream{}
	want := []byte(id.String())
	var found *InclusionProof
	var fs *stream
	for r, err := range records {
		if err != nil {
			var pe *PrunedError
			if !errors.As(err, &pe) {
				if errors.Is(err, ErrTornLine) {
					continue
				}
				return nil, fmt.Errorf("audit: prove: %w", err)
			}
			s := streams[pe.Range.Origin]
			if s == nil {
				s = &stream{}
				streams[pe.Range.Origin] = s
			}
			for _, h := range pe.Range.Hashes {
				if h.Type.leaf() {
					s.leaves = append(s.leaves, h.Hash)
				}
			}
			s.next = pe.Range.Last + 1
			continue
		}
		s := streams[r.Origin]
		if s == nil {
			s = &stream{}
			streams[r.Origin] = s
		}
		kept := r.Seq < s.next
		if !kept {
			s.next = r.Seq + 1
		}
		switch r.Type {
		case TypeStreamKey:
			s.key = r.Data
			if !kept {
				s.leaves = append(s.leaves, tlog.RecordHash(r.Data))
			}
		case TypeEvent:
			if kept {
				continue
			}
			if found == nil {
				var evID []byte
				scanTopLevel(r.Data, func(k, v []byte) bool {
					if string(k) == "id" && len(v) > 2 {
						evID = v[1 : len(v)-1]
						return false
					}
					return true
				})
				if string(evID) == string(want) {
					found = &InclusionProof{Format: ProofFormat, Origin: r.Origin, EventID: id, Seq: r.Seq,
						LeafIndex: int64(len(s.leaves)), Event: string(r.Data)}
					fs = s
				}
			}
			s.leaves = append(s.leaves, tlog.RecordHash(r.Data))
		case TypeGap:
			if !kept {
				s.leaves = append(s.leaves, tlog.RecordHash(r.Data))
			}
		case TypeCheckpoint:
			if found == nil || s != fs {
				continue
			}
			c, err := parseCheckpointText(noteText(r.Data))
			if err != nil || c.Size <= found.LeafIndex || c.Size > int64(len(s.leaves)) {
				continue
			}
			found.TreeSize = c.Size
			found.Checkpoint = string(r.Data)
			found.StreamKey = string(s.key)
			if s.key == nil {
				return nil, fmt.Errorf("audit: prove: stream %s has no stream key record", r.Origin)
			}
			hashes, err := proveLeaf(s.leaves[:c.Size], found.LeafIndex)
			if err != nil {
				return nil, fmt.Errorf("audit: prove: %w", err)
			}
			found.Hashes = hashes
			return found, nil
		}
	}
	if found != nil {
		return nil, fmt.Errorf("%w: event %s is not covered by a checkpoint yet", ErrEventNotFound, id)
	}
	return nil, fmt.Errorf("%w: %s", ErrEventNotFound, id)
}

// proveLeaf builds the RFC 6962 audit path of leaf i in the tree of leaves.
func proveLeaf(leaves []tlog.Hash, i int64) (tlog.RecordProof, error) {
	n := int64(len(leaves))
	stored := make([]tlog.Hash, 0, tlog.StoredHashCount(n))
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for j, x := range idx {
			if x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[j] = stored[x]
		}
		return out, nil
	})
	for j, h := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(j), h, r)
		if err != nil {
			return nil, err
		}
		stored = append(stored, hs...)
	}
	return tlog.ProveRecord(n, i, r)
}

// noteText returns the text part of a signed note (before the blank line).
func noteText(msg []byte) string {
	s := string(msg)
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '\n' && s[i+1] == '\n' {
			return s[:i+1]
		}
	}
	return ""
}

// VerifyProof checks p with the long-term public key trusted (the key that
// vouches for streams) and returns the proven event.
func VerifyProof(p *InclusionProof, trusted crypto.PublicKey) (*Event, error) {
	bad := func(format string, args ...any) (*Event, error) {
		return nil, fmt.Errorf("%w: inclusion proof: %s", ErrVerify, fmt.Sprintf(format, args...))
	}
	if p == nil || p.Format != ProofFormat {
		return bad("unknown format")
	}
	k, err := ParseStreamKey([]byte(p.StreamKey))
	if err != nil {
		return bad("%v", err)
	}
	if k.Origin != p.Origin {
		return bad("stream key is for origin %q", k.Origin)
	}
	nv, err := k.Check(trusted)
	if err != nil {
		return bad("%v", err)
	}
	c, err := ParseCheckpoint([]byte(p.Checkpoint), nv)
	if err != nil {
		return bad("%v", err)
	}
	if c.Origin != p.Origin || c.Size != p.TreeSize {
		return bad("checkpoint is for %s size %d", c.Origin, c.Size)
	}
	origin, seq, ok := eventOriginSeq([]byte(p.Event))
	if !ok || string(origin) != p.Origin || seq != p.Seq {
		return bad("event does not name origin %s seq %d", p.Origin, p.Seq)
	}
	if p.LeafIndex < 0 || p.LeafIndex >= c.Size {
		return bad("leaf %d outside tree of size %d", p.LeafIndex, c.Size)
	}
	if err := tlog.CheckRecord(p.Hashes, c.Size, c.Root, p.LeafIndex, tlog.RecordHash([]byte(p.Event))); err != nil {
		return bad("%v", err)
	}
	ev, err := ParseEvent([]byte(p.Event))
	if err != nil {
		return bad("%v", err)
	}
	if ev.ID != p.EventID {
		return bad("event id is %s, not %s", ev.ID, p.EventID)
	}
	return ev, nil
}
