package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/internal/testenv"
)

// testLog is a stream written by the real audit.Log into a FileSink.
type testLog struct {
	dir      string // FileSink directory
	sessions string // DirSessionStore directory
	keyFile  string // trusted key (PEM)
	origin   string
	ids      []uuid.UUID
}

func writeTestLog(t testing.TB, n int, sink func(dir string) audit.Sink, extra ...audit.Option) *testLog {
	t.Helper()
	root := t.TempDir()
	tl := &testLog{dir: filepath.Join(root, "log"), sessions: filepath.Join(root, "sessions"),
		keyFile: filepath.Join(root, "ops-key.pem"), origin: "api-test-1"}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	pemKey, err := encodeTrustedKey("ops-2026", pub)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(tl.keyFile, pemKey, 0o600))

	var s audit.Sink
	if sink != nil {
		s = sink(tl.dir)
	} else {
		fs, err := audit.NewFileSink(tl.dir)
		require.NoError(t, err)
		s = fs
	}
	store, err := audit.NewDirSessionStore(tl.sessions)
	require.NoError(t, err)
	opts := append([]audit.Option{audit.WithSigner("ops-2026", priv), audit.WithSink(s), audit.WithOrigin(tl.origin),
		audit.WithSessionStore(store), audit.WithCheckpoints(10, 0)}, extra...)
	l, err := audit.NewLog(opts...)
	require.NoError(t, err)
	for i := range n {
		ev := &audit.Event{
			Principal: audit.Principal{Subject: fmt.Sprintf("user-%d", i), Kind: "user"},
			Call:      audit.Call{Kind: "llm", Operation: "chat"},
			Outcome:   audit.OutcomeOK,
		}
		rc, err := l.Append(t.Context(), ev, &audit.Session{Request: []byte(fmt.Sprintf("prompt %d", i)), Response: []byte("answer")})
		require.NoError(t, err)
		tl.ids = append(tl.ids, rc.ID)
	}
	require.NoError(t, l.Close())
	return tl
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVerifyGoodLog(t *testing.T) {
	tl := writeTestLog(t, 25, nil)
	code, out, errOut := runCLI(t, "audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile)
	require.Equal(t, exitOK, code, "stderr: %s", errOut)
	assert.Contains(t, out, "OK: 1 streams")
	assert.Contains(t, out, tl.origin+": ")
	assert.Contains(t, out, "25 events")
	assert.Contains(t, out, "closed")

	code, out, _ = runCLI(t, "audit", "verify", "--json", "--trusted-key", tl.keyFile, "--dir", tl.dir, "--max-heartbeat", "1h")
	require.Equal(t, exitOK, code)
	var rep verifyReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.True(t, rep.OK)
	assert.Equal(t, uint64(25), rep.Events)
	require.Len(t, rep.Streams, 1)
	assert.Equal(t, "ops-2026", rep.Streams[0].KeyID)
	assert.Contains(t, out, `"key_id": "ops-2026"`, "snake_case field names")
	assert.Contains(t, out, `"closed": true`)
}

// segmentLines returns the lines of the stream's only segment.
func segmentLines(t *testing.T, tl *testLog) (string, []string) {
	t.Helper()
	path := filepath.Join(tl.dir, tl.origin, "00000000000000000000.jsonl")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return path, strings.SplitAfter(string(data), "\n")
}

func TestVerifyTamperedLogNamesTheRecord(t *testing.T) {
	tl := writeTestLog(t, 25, nil)
	path, lines := segmentLines(t, tl)
	// Change one event's subject; the line stays valid JSON.
	target := -1
	for i, l := range lines {
		if strings.Contains(l, `"subject":"user-7"`) {
			target = i
		}
	}
	require.GreaterOrEqual(t, target, 0)
	lines[target] = strings.Replace(lines[target], `"subject":"user-7"`, `"subject":"user-8"`, 1)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600))
	var rec struct{ Seq uint64 }
	require.NoError(t, json.Unmarshal([]byte(lines[target]), &rec))

	code, _, errOut := runCLI(t, "audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile)
	require.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, fmt.Sprintf("FAILED at %s seq ", tl.origin))

	code, out, _ := runCLI(t, "audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile, "--json")
	require.Equal(t, exitFailed, code)
	var rep verifyReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.False(t, rep.OK)
	require.NotNil(t, rep.Failed)
	assert.Equal(t, tl.origin, rep.Failed.Origin)
	// The tampered event is caught at the first checkpoint covering it.
	assert.GreaterOrEqual(t, rep.Failed.Seq, rec.Seq)
	assert.LessOrEqual(t, rep.Failed.Seq, rec.Seq+11)
}

func TestVerifyDeletedRecordAndWrongKey(t *testing.T) {
	tl := writeTestLog(t, 12, nil)
	path, lines := segmentLines(t, tl)
	var rec struct{ Seq uint64 }
	require.NoError(t, json.Unmarshal([]byte(lines[5]), &rec))
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(append(lines[:5:5], lines[6:]...), "")), 0o600))
	code, _, errOut := runCLI(t, "audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile)
	require.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, fmt.Sprintf("FAILED at %s seq %d", tl.origin, rec.Seq), "the missing record is named")

	other := writeTestLog(t, 3, nil)
	code, _, errOut = runCLI(t, "audit", "verify", "--dir", other.dir, "--trusted-key", tl.keyFile)
	require.Equal(t, exitFailed, code, "a key with the same id that did not sign: %s", errOut)
	assert.Contains(t, errOut, "seq 0")
}

func TestUsageErrors(t *testing.T) {
	tl := writeTestLog(t, 1, nil)
	for name, args := range map[string][]string{
		"no command":           {},
		"unknown command":      {"frobnicate"},
		"unknown audit cmd":    {"audit", "frobnicate"},
		"no source":            {"audit", "verify", "--trusted-key", tl.keyFile},
		"two sources":          {"audit", "verify", "--dir", tl.dir, "--pg", "postgres://127.0.0.1:1/x", "--trusted-key", tl.keyFile},
		"no trusted key":       {"audit", "verify", "--dir", tl.dir},
		"unreadable key":       {"audit", "verify", "--dir", tl.dir, "--trusted-key", filepath.Join(tl.dir, "nope.pem")},
		"key file without key": {"audit", "verify", "--dir", tl.dir, "--trusted-key", filepath.Join(tl.sessions, tl.ids[0].String()+".json")},
		"bad flag":             {"audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile, "--bogus"},
		"bad duration":         {"audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile, "--max-heartbeat", "soon"},
		"stray argument":       {"audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile, "extra"},
		"prove without id":     {"audit", "prove", "--dir", tl.dir},
		"prove bad id":         {"audit", "prove", "--dir", tl.dir, "--id", "not-a-uuid"},
		"verify-proof no file": {"audit", "verify-proof", "--trusted-key", tl.keyFile},
		"verify-proof no key":  {"audit", "verify-proof", "p.json"},
		"show without id":      {"audit", "show", "--dir", tl.dir},
		"show bad id":          {"audit", "show", "--dir", tl.dir, "--id", "42"},
		"show stray argument":  {"audit", "show", "--dir", tl.dir, "--id", tl.ids[0].String(), "extra"},
		"prove no source":      {"audit", "prove", "--id", tl.ids[0].String()},
		"pg-table without pg":  {"audit", "show", "--dir", tl.dir, "--pg-table", "t", "--id", tl.ids[0].String()},
	} {
		code, _, errOut := runCLI(t, args...)
		assert.Equal(t, exitUsage, code, "%s: %s", name, errOut)
		assert.Contains(t, errOut, "usage:", name)
	}
	code, _, errOut := runCLI(t, "audit", "verify", "--dir", filepath.Join(tl.dir, "missing"), "--trusted-key", tl.keyFile)
	assert.Equal(t, exitFailed, code, "a missing directory is a failure, not a usage error: %s", errOut)
	code, _, errOut = runCLI(t, "audit", "verify", "--dir", t.TempDir(), "--trusted-key", tl.keyFile)
	assert.Equal(t, exitFailed, code, "an empty directory verifies nothing: %s", errOut)
	assert.Contains(t, errOut, "no audit records")
	code, _, errOut = runCLI(t, "audit", "verify", "--dir", tl.dir, "--origin", "typo", "--trusted-key", tl.keyFile)
	assert.Equal(t, exitFailed, code, "an unknown origin verifies nothing: %s", errOut)
	assert.Contains(t, errOut, `no records of origin "typo"`)
	code, _, errOut = runCLI(t, "audit", "verify", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errOut, "-trusted-key")
	code, _, errOut = runCLI(t, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errOut, "audit")
}

func TestProveAndVerifyProof(t *testing.T) {
	tl := writeTestLog(t, 30, nil)
	proofFile := filepath.Join(t.TempDir(), "proof.json")
	code, _, errOut := runCLI(t, "audit", "prove", "--dir", tl.dir, "--id", tl.ids[17].String(), "--out", proofFile)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, "written to "+proofFile)

	code, out, errOut := runCLI(t, "audit", "verify-proof", proofFile, "--trusted-key", tl.keyFile)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "OK: event "+tl.ids[17].String())
	assert.Contains(t, out, `"subject": "user-17"`)

	// A proof edited to claim another subject fails.
	data, err := os.ReadFile(proofFile)
	require.NoError(t, err)
	forged := bytes.Replace(data, []byte(`user-17`), []byte(`user-99`), 1)
	require.NotEqual(t, data, forged)
	require.NoError(t, os.WriteFile(proofFile, forged, 0o600))
	code, _, errOut = runCLI(t, "audit", "verify-proof", "--trusted-key", tl.keyFile, proofFile)
	require.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, "verification failed")

	code, _, errOut = runCLI(t, "audit", "prove", "--dir", tl.dir, "--id", uuid.Must(uuid.NewV7()).String())
	require.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, "not found")
}

func TestShowEventAndSession(t *testing.T) {
	tl := writeTestLog(t, 5, nil)
	id := tl.ids[3]
	code, out, errOut := runCLI(t, "audit", "show", "--dir", tl.dir, "--id", id.String(), "--sessions", tl.sessions)
	require.Equal(t, exitOK, code, errOut)
	var rep struct {
		Origin       string
		Seq          uint64
		Event        audit.Event
		Session      *showSession
		SessionCheck string `json:"session_check"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, id, rep.Event.ID)
	assert.Equal(t, "user-3", rep.Event.Principal.Subject)
	assert.Equal(t, tl.origin, rep.Origin)
	require.NotNil(t, rep.Session)
	assert.Equal(t, "prompt 3", rep.Session.Request)
	assert.Contains(t, rep.SessionCheck, "ok")

	// A session body swapped after the fact no longer matches.
	sessFile := filepath.Join(tl.sessions, id.String()+".json")
	var sr audit.SessionRecord
	data, err := os.ReadFile(sessFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &sr))
	sr.Request = []byte("prompt 4")
	data, err = json.Marshal(sr)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(sessFile, data, 0o600))
	code, out, _ = runCLI(t, "audit", "show", "--dir", tl.dir, "--id", id.String(), "--sessions", tl.sessions)
	require.Equal(t, exitFailed, code)
	assert.Contains(t, out, "MISMATCH")

	code, _, _ = runCLI(t, "audit", "show", "--dir", tl.dir, "--id", uuid.Must(uuid.NewV7()).String())
	require.Equal(t, exitFailed, code)
}

func TestVerifyPostgres(t *testing.T) {
	url := testenv.NewDatabase(t, testenv.PostgresURL(t))
	pool, err := pgxpool.New(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	tl := writeTestLog(t, 15, func(string) audit.Sink {
		s, err := audit.NewPostgresSink(pool)
		require.NoError(t, err)
		return s
	})
	code, out, errOut := runCLI(t, "audit", "verify", "--pg", url, "--origin", tl.origin, "--trusted-key", tl.keyFile)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "15 events")
	code, _, errOut = runCLI(t, "audit", "verify", "--pg", url, "--trusted-key", tl.keyFile)
	require.Equal(t, exitOK, code, errOut)

	code, _, errOut = runCLI(t, "audit", "prove", "--pg", url, "--id", tl.ids[4].String())
	require.Equal(t, exitOK, code, errOut)
}

func TestVerifyReportsProgress(t *testing.T) {
	tl := writeTestLog(t, 40, nil)
	defer func(old uint64) { progressEvery = old }(progressEvery)
	progressEvery = 10
	code, _, errOut := runCLI(t, "audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile)
	require.Equal(t, exitOK, code, errOut)
	assert.GreaterOrEqual(t, strings.Count(errOut, " records, "), 3, "progress lines: %s", errOut)
	code, _, errOut = runCLI(t, "audit", "verify", "--quiet", "--dir", tl.dir, "--trusted-key", tl.keyFile)
	require.Equal(t, exitOK, code)
	assert.Empty(t, errOut)
}

func TestVerifyPrunedLog(t *testing.T) {
	tl := writeTestLog(t, 200, func(dir string) audit.Sink {
		s, err := audit.NewFileSink(dir, audit.WithSegmentMaxBytes(8<<10), audit.WithRetention(0, 24<<10))
		require.NoError(t, err)
		return s
	})
	// Prune once more now that the log closed its last segment.
	s, err := audit.NewFileSink(tl.dir, audit.WithSegmentMaxBytes(8<<10), audit.WithRetention(0, 24<<10))
	require.NoError(t, err)
	require.NoError(t, s.Prune(t.Context()))
	require.NoError(t, s.Close())

	code, out, errOut := runCLI(t, "audit", "verify", "--dir", tl.dir, "--trusted-key", tl.keyFile, "--json")
	require.Equal(t, exitOK, code, "%s\n%s", out, errOut)
	var rep verifyReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Streams, 1)
	assert.Positive(t, rep.Streams[0].Pruned, "retention pruned records, and verify still passes")
	assert.Less(t, rep.Streams[0].Events, uint64(200), "events still held whole")
	assert.Positive(t, rep.Streams[0].Events)

	// The proof of a surviving event still verifies.
	proof := filepath.Join(t.TempDir(), "p.json")
	code, _, errOut = runCLI(t, "audit", "prove", "--dir", tl.dir, "--id", tl.ids[199].String(), "--out", proof)
	require.Equal(t, exitOK, code, errOut)
	code, _, errOut = runCLI(t, "audit", "verify-proof", proof, "--trusted-key", tl.keyFile)
	require.Equal(t, exitOK, code, errOut)
}
