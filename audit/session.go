package audit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/uuid"
)

// Session is the full body of a governed call — the (masked) prompt and
// response, or query and result — as the caller hands it to Log.Append.
// Bodies live apart from events: the event holds only salted commitments to
// them, so a session can be replayed next to its event, and erased for
// retention without breaking the log's signatures.
type Session struct {
	Request  []byte
	Response []byte
}

// SessionRecord is a Session as a SessionStore keeps it, with the salt that
// binds it to the event's commitments.
type SessionRecord struct {
	EventID  uuid.UUID `json:"event_id"`
	Salt     []byte    `json:"salt"` // 32 random bytes, one per event
	Request  []byte    `json:"request,omitempty"`
	Response []byte    `json:"response,omitempty"`
}

// Commit returns the commitment to body under salt as events store it:
// "sha256:" + hex(SHA-256(label ‖ 0x00 ‖ salt ‖ body)), label being
// "request" or "response". The salt keeps a short or guessable body from
// being recovered from its commitment once the body has been erased.
func Commit(label string, salt, body []byte) string {
	h := sha256.New()
	h.Write([]byte(label))
	h.Write([]byte{0})
	h.Write(salt)
	h.Write(body)
	var sum [sha256.Size]byte
	return "sha256:" + hex.EncodeToString(h.Sum(sum[:0]))
}

// ErrSessionMismatch is returned by CheckSession when a session record does
// not match the commitments in its event.
var ErrSessionMismatch = errors.New("audit: session record does not match the event's commitments")

// CheckSession reports whether rec holds the bodies that ev committed to.
func CheckSession(ev *Event, rec *SessionRecord) error {
	if rec.EventID != ev.ID {
		return fmt.Errorf("%w: session is for event %s, not %s", ErrSessionMismatch, rec.EventID, ev.ID)
	}
	for _, c := range []struct {
		label, want string
		body        []byte
	}{
		{"request", ev.RequestCommitment, rec.Request},
		{"response", ev.ResponseCommitment, rec.Response},
	} {
		got := Commit(c.label, rec.Salt, c.body)
		if subtle.ConstantTimeCompare([]byte(got), []byte(c.want)) != 1 {
			return fmt.Errorf("%w: %s body of event %s", ErrSessionMismatch, c.label, ev.ID)
		}
	}
	return nil
}

// newSessionRecord draws a salt and fills ev's commitments.
func newSessionRecord(ev *Event, s *Session) (*SessionRecord, error) {
	rec := &SessionRecord{EventID: ev.ID, Salt: make([]byte, 32)}
	if _, err := rand.Read(rec.Salt); err != nil {
		return nil, err
	}
	if s != nil {
		rec.Request, rec.Response = s.Request, s.Response
	}
	ev.RequestCommitment = Commit("request", rec.Salt, rec.Request)
	ev.ResponseCommitment = Commit("response", rec.Salt, rec.Response)
	return rec, nil
}

// ErrSessionNotFound is returned by SessionStore.Get for an unknown or
// erased session.
var ErrSessionNotFound = errors.New("audit: session record not found")

// SessionStore keeps session records apart from the audit stream.
type SessionStore interface {
	// Put stores rec; it must not return before rec is stored.
	Put(ctx context.Context, rec *SessionRecord) error
	// Get returns the record of event id, or an error wrapping
	// ErrSessionNotFound.
	Get(ctx context.Context, id uuid.UUID) (*SessionRecord, error)
	// Erase deletes the record of event id (retention). The event and its
	// commitments stay in the log, which remains verifiable. Erasing an
	// absent record is not an error.
	Erase(ctx context.Context, id uuid.UUID) error
}

// DirSessionStore is a SessionStore holding one JSON file per event id in
// a directory. Files are written to a temporary name and renamed, so a
// reader never sees half a record; they are not fsynced one by one (the
// commitment in the durable event is what binds a body, and fsyncing every
// body would dominate the cost of a governed call).
type DirSessionStore struct {
	dir string
}

var _ SessionStore = (*DirSessionStore)(nil)

// NewDirSessionStore returns a store in dir, creating it (mode 0700) if
// needed.
func NewDirSessionStore(dir string) (*DirSessionStore, error) {
	if dir == "" {
		return nil, errors.New("audit: session store directory is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit: session store: %w", err)
	}
	return &DirSessionStore{dir: dir}, nil
}

func (d *DirSessionStore) path(id uuid.UUID) string {
	return filepath.Join(d.dir, id.String()+".json")
}

// Put writes rec to <dir>/<event id>.json. It refuses to replace a record
// that exists (Erase it first).
func (d *DirSessionStore) Put(ctx context.Context, rec *SessionRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(d.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("audit: session store: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("audit: session store: %w", err)
	}
	// Link, not rename: a record is written once. An event that reuses an
	// id must not replace the bodies another event committed to.
	err = os.Link(f.Name(), d.path(rec.EventID))
	os.Remove(f.Name())
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("audit: session store: a record for event %s already exists", rec.EventID)
	}
	if err != nil {
		return fmt.Errorf("audit: session store: %w", err)
	}
	return nil
}

// Get reads the record of event id.
func (d *DirSessionStore) Get(ctx context.Context, id uuid.UUID) (*SessionRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(d.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrSessionNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: session store: %w", err)
	}
	var rec SessionRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("audit: session store: %s: %w", id, err)
	}
	return &rec, nil
}

// Erase removes the record of event id.
func (d *DirSessionStore) Erase(ctx context.Context, id uuid.UUID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := os.Remove(d.path(id))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("audit: session store: %w", err)
	}
	return nil
}
