package mask_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv"
	"github.com/ragguard/ragguard/mask"
)

func TestPostgresVault(t *testing.T) {
	url := testenv.NewDatabase(t, testenv.PostgresURL(t))
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	_, err = mask.NewPostgresVault(pool, "bad name; drop")
	require.Error(t, err)
	v, err := mask.NewPostgresVault(pool, "")
	require.NoError(t, err)

	e, err := mask.New(mask.WithKey(testKey), mask.WithVault(v),
		mask.WithProfiles(mask.Profile{Name: "p", Default: mask.Tokenize}))
	require.NoError(t, err)
	m, err := e.Masker("p", "tenant-a")
	require.NoError(t, err)
	out, sum := m.WithContext(ctx).String("ssn 123-45-6789, mail jane@example.com", "x")
	require.Equal(t, mask.Tokenize, sum.Findings[0].Strategy)

	// Restore from a second engine sharing the table, as another replica would.
	v2, err := mask.NewPostgresVault(pool, "")
	require.NoError(t, err)
	e2, err := mask.New(mask.WithKey(testKey), mask.WithVault(v2))
	require.NoError(t, err)
	back, n, err := e2.Restore(ctx, "tenant-a", out)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, "ssn 123-45-6789, mail jane@example.com", back)
	_, n, err = e2.Restore(ctx, "tenant-b", out)
	require.NoError(t, err)
	assert.Zero(t, n)

	// Concurrent writers, refresh on conflict, expiry and sweep.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				assert.NoError(t, v.Put(ctx, "t", "<X_TK_aaaaaaaaaaaaaaaa>", "v", time.Millisecond))
				_ = g
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool {
		_, ok, err := v.Get(ctx, "t", "<X_TK_aaaaaaaaaaaaaaaa>")
		return err == nil && !ok
	}, 5*time.Second, 20*time.Millisecond)
	swept, err := v.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), swept)
	require.Error(t, v.Put(ctx, "t", "x", "v", 0))
}
