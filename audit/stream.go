package audit

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// The stream key binding: the long-term key signs a short statement naming
// the stream's origin and its per-stream Ed25519 note key.

const streamStatementHeader = "ragguard audit stream v1\n"

// Signature algorithms of a stream key binding, one per crypto.Signer kind.
const (
	AlgEd25519    = "ed25519"
	AlgECDSA      = "ecdsa-sha256"        // ASN.1 signature over SHA-256
	AlgRSAPKCS1v5 = "rsa-pkcs1v15-sha256" // RSASSA-PKCS1-v1_5 over SHA-256
)

// StreamKey is the content of a stream's first record.
type StreamKey struct {
	Origin  string
	NoteKey string // the note verifier key ("name+hash+base64") of the stream's checkpoints
	Created time.Time
	// Prev lists streams this process's predecessors left unclosed (a
	// crash): the long-term key vouches for exactly what their write-ahead
	// log held, which seals their tail.
	Prev []StreamSeal

	KeyID     string // which long-term key signed the binding
	Alg       string
	Statement []byte // the signed text, as signed
	Sig       []byte
}

// StreamSeal is the final state of an unclosed stream, as its successor
// recovered it: the next Seq it would have written, and its tree.
type StreamSeal struct {
	Origin  string
	NextSeq uint64
	Size    int64
	Root    tlog.Hash
}

func (k *StreamKey) statement() []byte {
	var b bytes.Buffer
	b.WriteString(streamStatementHeader)
	fmt.Fprintf(&b, "origin %s\nnote-key %s\ncreated %s\n", k.Origin, k.NoteKey, k.Created.UTC().Format(time.RFC3339Nano))
	for _, p := range k.Prev {
		fmt.Fprintf(&b, "prev %s %d %d %s\n", p.Origin, p.NextSeq, p.Size, p.Root)
	}
	return b.Bytes()
}

// encode signs k's statement with signer and returns the record data.
func (k *StreamKey) encode(keyID string, signer crypto.Signer) ([]byte, error) {
	k.Statement = k.statement()
	k.KeyID = keyID
	var err error
	k.Alg, k.Sig, err = signStatement(signer, k.Statement)
	if err != nil {
		return nil, fmt.Errorf("audit: sign stream key binding: %w", err)
	}
	var w jw
	w.open()
	w.str("alg", k.Alg)
	w.str("key_id", k.KeyID)
	w.str("sig", base64.StdEncoding.EncodeToString(k.Sig))
	w.str("statement", string(k.Statement))
	w.close()
	return w.out, nil
}

func signStatement(s crypto.Signer, msg []byte) (alg string, sig []byte, err error) {
	switch s.Public().(type) {
	case ed25519.PublicKey:
		sig, err = s.Sign(rand.Reader, msg, crypto.Hash(0))
		return AlgEd25519, sig, err
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		sig, err = s.Sign(rand.Reader, d[:], crypto.SHA256)
		return AlgECDSA, sig, err
	case *rsa.PublicKey:
		d := sha256.Sum256(msg)
		sig, err = s.Sign(rand.Reader, d[:], crypto.SHA256)
		return AlgRSAPKCS1v5, sig, err
	}
	return "", nil, fmt.Errorf("unsupported long-term key type %T", s.Public())
}

// checkStatement verifies sig over msg with pub, for the algorithm named.
func checkStatement(pub crypto.PublicKey, alg string, msg, sig []byte) error {
	ok := false
	switch k := pub.(type) {
	case ed25519.PublicKey:
		ok = alg == AlgEd25519 && ed25519.Verify(k, msg, sig)
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		ok = alg == AlgECDSA && ecdsa.VerifyASN1(k, d[:], sig)
	case *rsa.PublicKey:
		d := sha256.Sum256(msg)
		ok = alg == AlgRSAPKCS1v5 && rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], sig) == nil
	default:
		return fmt.Errorf("unsupported long-term key type %T", pub)
	}
	if !ok {
		return errors.New("bad stream key binding signature")
	}
	return nil
}

// ParseStreamKey decodes a TypeStreamKey record's Data without checking its
// signature (see StreamKey.Check).
func ParseStreamKey(data []byte) (*StreamKey, error) {
	var raw struct {
		Alg       string `json:"alg"`
		KeyID     string `json:"key_id"`
		Sig       string `json:"sig"`
		Statement string `json:"statement"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("audit: parse stream key: %w", err)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(raw.Sig)
	if err != nil {
		return nil, fmt.Errorf("audit: parse stream key: sig: %w", err)
	}
	k := &StreamKey{KeyID: raw.KeyID, Alg: raw.Alg, Sig: sig, Statement: []byte(raw.Statement)}
	rest, ok := strings.CutPrefix(raw.Statement, streamStatementHeader)
	if !ok {
		return nil, errors.New("audit: parse stream key: not a ragguard stream v1 statement")
	}
	for line := range strings.Lines(rest) {
		line, ok = strings.CutSuffix(line, "\n")
		if !ok {
			return nil, errors.New("audit: parse stream key: unterminated line")
		}
		name, val, _ := strings.Cut(line, " ")
		switch name {
		case "origin":
			k.Origin = val
		case "note-key":
			k.NoteKey = val
		case "created":
			if k.Created, err = time.Parse(time.RFC3339Nano, val); err != nil {
				return nil, fmt.Errorf("audit: parse stream key: created: %w", err)
			}
		case "prev":
			f := strings.Fields(val)
			if len(f) != 4 {
				return nil, fmt.Errorf("audit: parse stream key: bad prev line %q", line)
			}
			p := StreamSeal{Origin: f[0]}
			var e1, e2, e3 error
			p.NextSeq, e1 = strconv.ParseUint(f[1], 10, 64)
			p.Size, e2 = strconv.ParseInt(f[2], 10, 64)
			p.Root, e3 = tlog.ParseHash(f[3])
			if err := errors.Join(e1, e2, e3); err != nil {
				return nil, fmt.Errorf("audit: parse stream key: prev: %w", err)
			}
			k.Prev = append(k.Prev, p)
		default:
			return nil, fmt.Errorf("audit: parse stream key: unknown line %q", line)
		}
	}
	if k.Origin == "" || k.NoteKey == "" || k.Created.IsZero() {
		return nil, errors.New("audit: parse stream key: origin, note-key and created are required")
	}
	return k, nil
}

// Check verifies the binding's signature with the long-term public key pub
// and returns the stream's checkpoint verifier.
func (k *StreamKey) Check(pub crypto.PublicKey) (note.Verifier, error) {
	if err := checkStatement(pub, k.Alg, k.Statement, k.Sig); err != nil {
		return nil, fmt.Errorf("audit: stream %s: %w", k.Origin, err)
	}
	v, err := note.NewVerifier(k.NoteKey)
	if err != nil {
		return nil, fmt.Errorf("audit: stream %s: note key: %w", k.Origin, err)
	}
	if v.Name() != k.Origin {
		return nil, fmt.Errorf("audit: stream %s: note key is named %q", k.Origin, v.Name())
	}
	return v, nil
}

// Checkpoint is a signed tree head of one stream.
type Checkpoint struct {
	Origin   string
	Size     int64     // leaves in the tree
	Root     tlog.Hash // RFC 6962 root hash
	Seq      uint64    // the checkpoint record's own Seq
	Time     time.Time
	Dropped  uint64      // events the stream dropped (fail-open) so far
	Frontier []tlog.Hash // roots of the tree's complete subtrees, left to right
	Final    bool        // the closing checkpoint
}

func (c *Checkpoint) text() []byte {
	var b []byte
	b = append(b, c.Origin...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, c.Size, 10)
	b = append(b, '\n')
	b = base64.StdEncoding.AppendEncode(b, c.Root[:])
	b = append(b, "\nseq "...)
	b = strconv.AppendUint(b, c.Seq, 10)
	b = append(b, "\ntime "...)
	b = c.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, "\ndropped "...)
	b = strconv.AppendUint(b, c.Dropped, 10)
	b = append(b, "\nfrontier"...)
	for _, h := range c.Frontier {
		b = append(b, ' ')
		b = base64.StdEncoding.AppendEncode(b, h[:])
	}
	b = append(b, '\n')
	if c.Final {
		b = append(b, "final\n"...)
	}
	return b
}

// ParseCheckpoint opens a TypeCheckpoint record's Data with the stream's
// note verifier (from StreamKey.Check) and decodes it. The note must carry
// exactly one signature, the stream key's.
func ParseCheckpoint(data []byte, v note.Verifier) (*Checkpoint, error) {
	n, err := note.Open(data, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint: %w", err)
	}
	if len(n.Sigs) != 1 || len(n.UnverifiedSigs) != 0 {
		return nil, errors.New("audit: checkpoint: must carry exactly the stream key's signature")
	}
	// note.Open decodes base64 leniently: a changed padding bit would give
	// the same signature from different bytes. Only the canonical encoding
	// is accepted, so every byte of a checkpoint record matters.
	if _, err := base64.StdEncoding.Strict().DecodeString(n.Sigs[0].Base64); err != nil {
		return nil, errors.New("audit: checkpoint: signature is not in canonical base64")
	}
	return parseCheckpointText(n.Text)
}

func parseCheckpointText(text string) (*Checkpoint, error) {
	bad := func(what string) (*Checkpoint, error) {
		return nil, fmt.Errorf("audit: checkpoint: bad %s", what)
	}
	lines := strings.Split(text, "\n")
	if len(lines) < 8 || lines[len(lines)-1] != "" {
		return bad("layout")
	}
	lines = lines[:len(lines)-1]
	c := &Checkpoint{Origin: lines[0]}
	var err error
	if c.Size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || c.Size < 0 || lines[1] != strconv.FormatInt(c.Size, 10) {
		return bad("tree size")
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return bad("root hash")
	}
	copy(c.Root[:], root)
	v, ok := strings.CutPrefix(lines[3], "seq ")
	if c.Seq, err = strconv.ParseUint(v, 10, 64); !ok || err != nil || v != strconv.FormatUint(c.Seq, 10) {
		return bad("seq")
	}
	v, ok = strings.CutPrefix(lines[4], "time ")
	if c.Time, err = time.Parse(time.RFC3339Nano, v); !ok || err != nil {
		return bad("time")
	}
	v, ok = strings.CutPrefix(lines[5], "dropped ")
	if c.Dropped, err = strconv.ParseUint(v, 10, 64); !ok || err != nil || v != strconv.FormatUint(c.Dropped, 10) {
		return bad("dropped")
	}
	v, ok = strings.CutPrefix(lines[6], "frontier")
	if !ok {
		return bad("frontier")
	}
	for _, f := range strings.Fields(v) {
		h, err := base64.StdEncoding.Strict().DecodeString(f)
		if err != nil || len(h) != tlog.HashSize {
			return bad("frontier hash")
		}
		c.Frontier = append(c.Frontier, tlog.Hash(h))
	}
	if len(c.Frontier) != bits.OnesCount64(uint64(c.Size)) {
		return bad("frontier length")
	}
	switch {
	case len(lines) == 7:
	case len(lines) == 8 && lines[7] == "final":
		c.Final = true
	default:
		return bad("extension lines")
	}
	return c, nil
}

// frontier holds the right edge of an RFC 6962 tree: the root of each
// complete subtree, which is all that appending leaves and computing the
// root need. It serves tlog's HashReader for exactly those hashes.
type frontier struct {
	size  int64
	nodes [64]tlog.Hash // nodes[l] is valid when bit l of size is set
	buf   [64]tlog.Hash
}

// ReadHashes implements tlog.HashReader over the frontier.
func (f *frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := f.buf[:0]
	if len(indexes) > len(f.buf) {
		out = make([]tlog.Hash, 0, len(indexes))
	}
	for _, i := range indexes {
		l, n := tlog.SplitStoredHashIndex(i)
		if f.size>>uint(l)&1 == 0 || n != f.size>>uint(l)-1 {
			return nil, fmt.Errorf("audit: hash %d (level %d, node %d) is not on the frontier of a tree of %d", i, l, n, f.size)
		}
		out = append(out, f.nodes[l])
	}
	return out, nil
}

// add appends a leaf with record hash h.
func (f *frontier) add(h tlog.Hash) {
	// tlog.StoredHashesForRecordHash would do the same through ReadHashes;
	// doing it inline keeps an append free of allocations.
	l := 0
	for f.size>>uint(l)&1 == 1 {
		h = tlog.NodeHash(f.nodes[l], h)
		l++
	}
	f.nodes[l] = h
	f.size++
}

// root returns the tree hash.
func (f *frontier) root() tlog.Hash {
	h, err := tlog.TreeHash(f.size, f)
	if err != nil {
		panic(err) // the frontier always holds what TreeHash reads
	}
	return h
}

// hashes lists the frontier left (largest subtree) to right.
func (f *frontier) hashes() []tlog.Hash {
	var out []tlog.Hash
	for l := 63; l >= 0; l-- {
		if f.size>>uint(l)&1 == 1 {
			out = append(out, f.nodes[l])
		}
	}
	return out
}

// set loads a frontier as a checkpoint or a WAL segment header lists it.
func (f *frontier) set(size int64, hs []tlog.Hash) error {
	if len(hs) != bits.OnesCount64(uint64(size)) {
		return errors.New("audit: frontier does not match tree size")
	}
	*f = frontier{size: size}
	i := 0
	for l := 63; l >= 0; l-- {
		if size>>uint(l)&1 == 1 {
			f.nodes[l] = hs[i]
			i++
		}
	}
	return nil
}
