package audit

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The crash test re-runs this test binary as a child that appends in WAL
// (fail-closed) mode and prints "ack <origin> <seq>" after each Append
// returns; the parent kills it with SIGKILL at random points, several
// times, then checks that every acknowledged event reached the sink and
// that the whole log verifies (each killed stream sealed by its successor).

const (
	crashEnvDir  = "RAGGUARD_AUDIT_CRASH_DIR"
	crashEnvSeed = "RAGGUARD_AUDIT_CRASH_SEED"
	crashEnvMode = "RAGGUARD_AUDIT_CRASH_MODE"
)

// lineSink appends records as JSON lines to a file, one write per batch:
// what a process kill cannot lose once write returns. Redelivered records
// are written again; readLineSink dedupes them and refuses conflicts.
type lineSink struct {
	mu sync.Mutex
	f  *os.File
}

func openLineSink(path string) (*lineSink, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &lineSink{f: f}, nil
}

func (s *lineSink) Write(ctx context.Context, recs []Record) error {
	var buf []byte
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf = append(append(buf, b...), '\n')
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.f.Write(buf)
	return err
}

func (s *lineSink) Close() error { return s.f.Close() }

func readLineSink(t *testing.T, path string) []Record {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	type key struct {
		origin string
		seq    uint64
	}
	seen := map[key][]byte{}
	var recs []Record
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			break // a torn last line was never acknowledged by the sink
		}
		var rec Record
		require.NoError(t, json.Unmarshal(line, &rec))
		k := key{rec.Origin, rec.Seq}
		if old, ok := seen[k]; ok {
			require.Equal(t, string(old), string(rec.Data), "conflicting redelivery of %v", k)
			continue
		}
		seen[k] = rec.Data
		recs = append(recs, rec)
	}
	slices.SortStableFunc(recs, func(a, b Record) int {
		if c := strings.Compare(a.Origin, b.Origin); c != 0 {
			return c
		}
		return int(a.Seq) - int(b.Seq)
	})
	return recs
}

func crashLogOptions(dir string, seed []byte, sink Sink) []Option {
	return []Option{
		WithSigner("k1", ed25519.NewKeyFromSeed(seed)),
		WithSink(sink),
		WithWAL(filepath.Join(dir, "wal")),
		WithWALSegmentSize(16 << 10),
		WithCheckpoints(25, 10*time.Millisecond),
	}
}

// TestCrashChild is the child process; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("child process of TestCrashRecovery")
	}
	seed, _ := hex.DecodeString(os.Getenv(crashEnvSeed))
	sink, err := openLineSink(filepath.Join(dir, "sink.jsonl"))
	require.NoError(t, err)
	l, err := NewLog(crashLogOptions(dir, seed, sink)...)
	require.NoError(t, err)
	var out sync.Mutex
	fmt.Fprintf(os.Stdout, "origin %s\n", l.Origin())
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				rc, err := l.Append(context.Background(), testEvent(g*1_000_000+i), &Session{Request: []byte("q")})
				if err != nil {
					fmt.Fprintf(os.Stderr, "append: %v\n", err)
					return
				}
				// Acknowledge only after Append returned.
				out.Lock()
				fmt.Fprintf(os.Stdout, "ack %s %d\n", rc.Origin, rc.Seq)
				out.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i * 7)
	}
	type ack struct {
		origin string
		seq    uint64
	}
	var acked []ack
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 9))
	const rounds = 5
	for round := range rounds {
		cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvSeed+"="+hex.EncodeToString(seed))
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		// Kill after a random number of acknowledgements; the first round
		// may die before any (inside NewLog's recovery or first fsync).
		killAfter := 20 + rng.IntN(400)
		if round == 0 {
			killAfter = rng.IntN(3)
		}
		r := bufio.NewReader(stdout)
		n := 0
		killed := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				break // only whole lines count
			}
			f := strings.Fields(line)
			if len(f) == 3 && f[0] == "ack" {
				seq, perr := strconv.ParseUint(f[2], 10, 64)
				require.NoError(t, perr)
				acked = append(acked, ack{f[1], seq})
				n++
			}
			if !killed && n >= killAfter {
				require.NoError(t, cmd.Process.Kill()) // SIGKILL
				killed = true
			}
		}
		if !killed {
			cmd.Process.Kill()
		}
		cmd.Wait()
		t.Logf("round %d: killed after %d acks", round, n)
		assert.NotContains(t, stderr.String(), "append:", "child Append failed")
	}

	require.NotEmpty(t, acked, "no child acknowledged an event: there was nothing to check")

	// A last, clean run recovers what the killed children left and closes.
	sink, err := openLineSink(filepath.Join(dir, "sink.jsonl"))
	require.NoError(t, err)
	l, err := NewLog(crashLogOptions(dir, seed, sink)...)
	require.NoError(t, err)
	require.NoError(t, l.Close())

	recs := readLineSink(t, filepath.Join(dir, "sink.jsonl"))
	have := map[ack]RecordType{}
	for _, r := range recs {
		have[ack{r.Origin, r.Seq}] = r.Type
	}
	for _, a := range acked {
		require.Equal(t, TypeEvent, have[a], "acknowledged event %s/%d is missing", a.origin, a.seq)
	}
	res, err := Verify(context.Background(), Records(recs), WithTrustedKey("k1", ed25519.NewKeyFromSeed(seed).Public()))
	require.NoError(t, err)
	sealed := 0
	for _, s := range res.Streams {
		if s.SealedBy != "" {
			sealed++
		}
	}
	t.Logf("%d acknowledged events, %d streams (%d sealed after a crash), %d records verified", len(acked), len(res.Streams), sealed, res.Records)
	assert.GreaterOrEqual(t, len(res.Streams), 2)
	left, _ := filepath.Glob(filepath.Join(dir, "wal", "*.wal"))
	assert.Empty(t, left, "the clean run delivered and removed every WAL segment")
}
