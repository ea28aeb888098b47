package audit

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
)

func TestParseStreamKeyRejectsBadInput(t *testing.T) {
	for name, data := range map[string]string{
		"not json":      `nope`,
		"bad base64":    `{"alg":"ed25519","key_id":"k","sig":"!!","statement":"ragguard audit stream v1\n"}`,
		"wrong header":  `{"alg":"ed25519","key_id":"k","sig":"","statement":"something else\n"}`,
		"unknown line":  `{"alg":"ed25519","key_id":"k","sig":"","statement":"ragguard audit stream v1\nfoo bar\n"}`,
		"missing lines": `{"alg":"ed25519","key_id":"k","sig":"","statement":"ragguard audit stream v1\norigin o\n"}`,
		"bad prev":      `{"alg":"ed25519","key_id":"k","sig":"","statement":"ragguard audit stream v1\nprev a b\n"}`,
		"unterminated":  `{"alg":"ed25519","key_id":"k","sig":"","statement":"ragguard audit stream v1\norigin o"}`,
	} {
		_, err := ParseStreamKey([]byte(data))
		assert.Error(t, err, name)
	}
}

func TestParseCheckpointRejectsBadText(t *testing.T) {
	good := "o\n3\n" + strings.Repeat("A", 43) + "=\nseq 4\ntime 2026-01-01T00:00:00Z\ndropped 0\nfrontier " + strings.Repeat("A", 43) + "= " + strings.Repeat("B", 42) + "A=\n"
	_, err := parseCheckpointText(good)
	require.NoError(t, err)
	for name, text := range map[string]string{
		"short":          "o\n3\n",
		"bad size":       strings.Replace(good, "\n3\n", "\n03\n", 1),
		"negative size":  strings.Replace(good, "\n3\n", "\n-3\n", 1),
		"bad root":       strings.Replace(good, strings.Repeat("A", 43)+"=\nseq", "AAAA\nseq", 1),
		"bad seq":        strings.Replace(good, "seq 4", "seq x", 1),
		"bad time":       strings.Replace(good, "time 2026", "time 20x6", 1),
		"bad dropped":    strings.Replace(good, "dropped 0", "dropped -1", 1),
		"frontier count": strings.Replace(good, " "+strings.Repeat("B", 42)+"A=", "", 1),
		"extra line":     good + "bogus\n",
	} {
		_, err := parseCheckpointText(text)
		assert.Error(t, err, name)
	}
	final, err := parseCheckpointText(good + "final\n")
	require.NoError(t, err)
	assert.True(t, final.Final)
}

func TestParseCheckpointNeedsTheStreamKey(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "o")
	require.NoError(t, err)
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	c := Checkpoint{Origin: "o", Size: 0, Seq: 1}
	msg, err := note.Sign(&note.Note{Text: string(c.text())}, s)
	require.NoError(t, err)
	got, err := ParseCheckpoint(msg, v)
	require.NoError(t, err)
	assert.EqualValues(t, 1, got.Seq)
	_, vkey2, _ := note.GenerateKey(rand.Reader, "o")
	v2, _ := note.NewVerifier(vkey2)
	_, err = ParseCheckpoint(msg, v2)
	assert.Error(t, err)
}

func TestFrontierMatchesTlog(t *testing.T) {
	var f frontier
	var leaves [][]byte
	for i := range 300 {
		d := []byte{byte(i), byte(i >> 8)}
		leaves = append(leaves, d)
		f.add(tlogRecordHash(d))
		// Compare with a full tree built by tlog's own stored hashes.
		root, err := fullTreeRoot(leaves)
		require.NoError(t, err)
		require.Equal(t, root, f.root(), "size %d", i+1)
		var g frontier
		require.NoError(t, g.set(f.size, f.hashes()))
		require.Equal(t, f.root(), g.root())
	}
	assert.Error(t, f.set(5, nil))
}

func TestDirSessionStore(t *testing.T) {
	_, err := NewDirSessionStore("")
	require.Error(t, err)
	dir := t.TempDir()
	s, err := NewDirSessionStore(dir)
	require.NoError(t, err)
	ctx := context.Background()
	id := uuid.Must(uuid.NewV7())
	_, err = s.Get(ctx, id)
	require.ErrorIs(t, err, ErrSessionNotFound)
	require.NoError(t, s.Erase(ctx, id), "erasing an absent record is fine")
	rec := &SessionRecord{EventID: id, Salt: []byte("salt"), Request: []byte("q"), Response: []byte("a")}
	require.NoError(t, s.Put(ctx, rec))
	got, err := s.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, rec, got)
	// Records are written once: another Put for the id cannot replace the
	// bodies the event committed to.
	other := &SessionRecord{EventID: id, Salt: []byte("salt2"), Request: []byte("forged")}
	require.ErrorContains(t, s.Put(ctx, other), "already exists")
	got, err = s.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, rec, got)
	require.NoError(t, s.Erase(ctx, id))
	require.NoError(t, s.Put(ctx, other), "after Erase the id is free")
	require.NoError(t, os.WriteFile(filepath.Join(dir, id.String()+".json"), []byte("{broken"), 0o600))
	_, err = s.Get(ctx, id)
	require.ErrorContains(t, err, id.String())
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, s.Put(cctx, rec), context.Canceled)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), ".tmp"), "no temporary files left")
	}
}

func TestLogCheckpointNow(t *testing.T) {
	_, priv := newKey(t)
	mem := &memSink{}
	l := newLog(t, priv, mem, WithCheckpoints(1000, 1<<40))
	_, err := l.Append(context.Background(), testEvent(1), nil)
	require.NoError(t, err)
	require.NoError(t, l.Checkpoint(context.Background()))
	recs := mem.records()
	require.Equal(t, TypeCheckpoint, recs[len(recs)-1].Type)
	require.NoError(t, l.Close())
	require.ErrorIs(t, l.Checkpoint(context.Background()), ErrUnavailable)
	require.NoError(t, l.Close(), "Close twice is fine")
}
