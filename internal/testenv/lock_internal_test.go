package testenv

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockServer(t *testing.T) {
	addr := fmt.Sprintf("test server %d", time.Now().UnixNano())

	t.Run("first", func(t *testing.T) {
		require.NoError(t, lockServer(t, addr, 0))
		require.NoError(t, lockServer(t, addr, 0), "the holder may lock again")

		// A subtest is another test: it must wait, and says who holds it.
		t.Run("other", func(t *testing.T) {
			err := lockServer(t, addr, 50*time.Millisecond)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "held by TestLockServer/first in this process")
		})
	})
	// first's cleanups released both holds.
	t.Run("second", func(t *testing.T) {
		require.NoError(t, lockServer(t, addr, 0))
	})
	holdersMu.Lock()
	defer holdersMu.Unlock()
	assert.NotContains(t, holders, lockPath(addr), "a lock left after its tests ended")
}
