package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// pgliteWait bounds how long a test waits for another test to release
// PGlite before it fails.
const pgliteWait = 3 * time.Minute

var (
	holdersMu sync.Mutex
	holders   = map[string]*holder{} // by lock file path
)

type holder struct {
	t     testing.TB
	count int
	file  *os.File
}

// lockServer gives t exclusive use of the server at addr among all tests
// of all test binaries on this machine, until t's cleanup. PGlite has one
// session for all its connections: two tests setting its search_path at
// once would write into each other's schemas. A test may lock the same
// server more than once.
func lockServer(t testing.TB, addr string, wait time.Duration) error {
	path := lockPath(addr)

	holdersMu.Lock()
	if h := holders[path]; h != nil && h.t == t {
		h.count++
		holdersMu.Unlock()
		t.Cleanup(func() { release(path) })
		return nil
	}
	holdersMu.Unlock()

	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return fmt.Errorf("lock %s: %w", addr, err)
	}
	deadline := time.Now().Add(wait)
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return fmt.Errorf("lock %s: %w", addr, err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			f.Close()
			return fmt.Errorf("%s stayed in use by another test for %v (%s); a test holds it from NewSchema until it ends",
				addr, wait, holderName(path))
		}
		time.Sleep(20 * time.Millisecond)
	}
	holdersMu.Lock()
	holders[path] = &holder{t: t, count: 1, file: f}
	holdersMu.Unlock()
	t.Cleanup(func() { release(path) })
	return nil
}

func release(path string) {
	holdersMu.Lock()
	defer holdersMu.Unlock()
	h := holders[path]
	if h == nil {
		return
	}
	if h.count--; h.count > 0 {
		return
	}
	delete(holders, path)
	_ = unlock(h.file)
	_ = h.file.Close()
}

func holderName(path string) string {
	holdersMu.Lock()
	defer holdersMu.Unlock()
	if h := holders[path]; h != nil {
		return "held by " + h.t.Name() + " in this process"
	}
	return "held by another test process"
}

// lockPath is the machine-wide lock file of the server at addr.
func lockPath(addr string) string {
	sum := sha256.Sum256([]byte(addr))
	return filepath.Join(os.TempDir(), "ragguard-testenv-"+hex.EncodeToString(sum[:8])+".lock")
}
