package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/audit"
)

// The Log's stream, stored by the FileSink with rotation and retention,
// read back with ReadDir, still verifies: pruned ranges arrive as hashes.
// And a byte changed in a stored segment is found.
func TestLogThroughFileSinkWithRetentionVerifies(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	dir := t.TempDir()
	fs, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(16<<10), audit.WithRetention(0, 64<<10))
	require.NoError(t, err)
	l, err := audit.NewLog(audit.WithSigner("k1", priv), audit.WithSink(fs), audit.WithWAL(t.TempDir()), audit.WithCheckpoints(50, time.Hour))
	require.NoError(t, err)
	ctx := context.Background()
	for i := range 1500 {
		_, err := l.Append(ctx, &audit.Event{
			Principal: audit.Principal{Subject: fmt.Sprintf("user-%d", i%7), Kind: "user"},
			Call:      audit.Call{Kind: "vector", Operation: "search", Resources: []string{"docs"}},
			Decision:  audit.Decision{Effect: audit.Allow, Rule: "r1"},
			Outcome:   audit.OutcomeOK,
		}, nil)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return l.Stats().Backlog == 0 }, 10*time.Second, time.Millisecond)
	require.NoError(t, fs.Prune(ctx))
	require.NoError(t, l.Close())

	res, err := audit.Verify(ctx, audit.ReadDir(dir), audit.WithTrustedKey("k1", pub))
	require.NoError(t, err)
	require.Len(t, res.Streams, 1)
	st := res.Streams[0]
	assert.Positive(t, st.Pruned, "retention pruned something")
	assert.True(t, st.Closed)
	assert.EqualValues(t, 1500, st.TreeSize-1)

	// An event stored after the pruned range can still be proven: the
	// prover rebuilds the tree from the pruned hashes.
	var lastEvent *audit.Event
	for rec, err := range audit.ReadDir(dir) {
		if err == nil && rec.Type == audit.TypeEvent {
			lastEvent, err = audit.ParseEvent(rec.Data)
			require.NoError(t, err)
		}
	}
	require.NotNil(t, lastEvent)
	proof, err := audit.Prove(audit.ReadDir(dir), lastEvent.ID)
	require.NoError(t, err)
	_, err = audit.VerifyProof(proof, pub)
	require.NoError(t, err)

	// Change one byte of an event in the newest segment.
	segs, err := filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, segs)
	last := segs[len(segs)-1]
	b, err := os.ReadFile(last)
	require.NoError(t, err)
	i := len(b) / 3
	for b[i] < 'a' || b[i] > 'z' {
		i++
	}
	b[i] ^= 0x20 // flip letter case: still valid JSON
	require.NoError(t, os.WriteFile(last, b, 0o600))
	_, err = audit.Verify(ctx, audit.ReadDir(dir), audit.WithTrustedKey("k1", pub))
	require.ErrorIs(t, err, audit.ErrVerify)
}
