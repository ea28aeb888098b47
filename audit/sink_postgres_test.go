package audit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/audit/audittest"
	"github.com/ragguard/ragguard/internal/testenv"
)

func newTestPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	url := testenv.NewDatabase(t, testenv.PostgresURL(t))
	pool, err := pgxpool.New(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

func readPostgresAll(t *testing.T, pool *pgxpool.Pool, opts ...audit.SinkOption) []audit.Record {
	t.Helper()
	origins, err := audit.PostgresOrigins(context.Background(), pool, opts...)
	require.NoError(t, err)
	var out []audit.Record
	for _, o := range origins {
		for r, err := range audit.ReadPostgres(context.Background(), pool, o, opts...) {
			require.NoError(t, err)
			out = append(out, r)
		}
	}
	return out
}

func TestPostgresSinkConformance(t *testing.T) {
	pool := newTestPool(t)
	var n atomic.Int32
	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		name := fmt.Sprintf("audit_conf_%d", n.Add(1))
		table := audit.WithPostgresTable(name)
		s, err := audit.NewPostgresSink(pool, table)
		require.NoError(t, err)
		if n.Load()%2 == 0 {
			// Half the sinks migrate explicitly, half on first use.
			require.NoError(t, s.Migrate(t.Context()))
		}
		t.Cleanup(func() { s.Close() })
		return s, func() []audit.Record {
			var exists bool
			require.NoError(t, pool.QueryRow(context.Background(), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists))
			if !exists {
				return nil // not migrated yet: nothing stored
			}
			return readPostgresAll(t, pool, table)
		}
	})
}

func TestPostgresSinkDuplicateAndConflictingDelivery(t *testing.T) {
	pool := newTestPool(t)
	s, err := audit.NewPostgresSink(pool)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(t.Context()))
	require.NoError(t, s.Migrate(t.Context()), "Migrate is idempotent")

	recs := audittest.Stream("api-1", 0, 2500) // more than one INSERT batch
	require.NoError(t, s.Write(t.Context(), recs))
	require.NoError(t, s.Write(t.Context(), recs), "duplicate delivery of the whole stream")
	require.NoError(t, s.Write(t.Context(), []audit.Record{recs[7], recs[7]}), "a duplicate inside one batch")

	var count int
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(*) FROM ragguard_audit_records`).Scan(&count))
	assert.Equal(t, len(recs), count)

	forged := recs[1200]
	forged.Data = []byte(`{"id":"forged"}`)
	err = s.Write(t.Context(), append([]audit.Record{recs[1199]}, forged, recs[1201]))
	var ce *audit.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "api-1", ce.Origin)
	assert.Equal(t, uint64(1200), ce.Seq)
	require.NoError(t, s.Write(t.Context(), []audit.Record{recs[3], recs[3]}), "the conflict stored nothing new")

	newKey := audittest.Stream("api-1", 2500, 2)
	conflictingPair := []audit.Record{newKey[0], {Origin: "api-1", Seq: 2500, Type: audit.TypeEvent, Data: []byte(`{"x":2}`)}}
	require.ErrorIs(t, s.Write(t.Context(), conflictingPair), audit.ErrConflict, "two versions of a new record in one batch")

	got := readPostgresAll(t, pool)
	require.Equal(t, recs, got[:len(recs)])
}

func TestPostgresSinkTableIsAppendOnly(t *testing.T) {
	pool := newTestPool(t)
	s, err := audit.NewPostgresSink(pool, audit.WithPostgresTable("audit.records"))
	require.NoError(t, err)
	require.Error(t, s.Write(t.Context(), audittest.Stream("a", 0, 1)), "schema audit does not exist yet")
	_, err = pool.Exec(t.Context(), `CREATE SCHEMA audit`)
	require.NoError(t, err)
	require.NoError(t, s.Write(t.Context(), audittest.Stream("a", 0, 3)))

	for _, q := range []string{
		`UPDATE audit.records SET data = 'x' WHERE seq = 1`,
		`DELETE FROM audit.records WHERE seq = 1`,
		`TRUNCATE audit.records`,
	} {
		_, err := pool.Exec(t.Context(), q)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr, q)
		assert.Equal(t, "42501", pgErr.Code, q)
		assert.Contains(t, pgErr.Message, "append-only", q)
	}
	assert.Len(t, readPostgresAll(t, pool, audit.WithPostgresTable("audit.records")), 3)
}

func TestPostgresSinkConcurrentWritersAndMigrations(t *testing.T) {
	pool := newTestPool(t)
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			s, err := audit.NewPostgresSink(pool) // each migrates on first use
			if err != nil {
				errs[i] = err
				return
			}
			recs := audittest.Stream(fmt.Sprintf("replica-%d", i), 0, 200)
			for j := 0; j < len(recs); j += 20 {
				if err := s.Write(context.Background(), recs[j:j+20]); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	for i := range writers {
		o := fmt.Sprintf("replica-%d", i)
		var got []audit.Record
		for r, err := range audit.ReadPostgres(t.Context(), pool, o) {
			require.NoError(t, err)
			got = append(got, r)
		}
		require.Equal(t, audittest.Stream(o, 0, 200), got)
	}
}

func TestPostgresSinkBadConfig(t *testing.T) {
	_, err := audit.NewPostgresSink(nil)
	require.Error(t, err)
	pool, err := pgxpool.New(t.Context(), "postgres://127.0.0.1:1/x")
	require.NoError(t, err)
	defer pool.Close()
	for _, name := range []string{"a;drop", "a.b.c", `x"y`, "1abc", ""} {
		_, err := audit.NewPostgresSink(pool, audit.WithPostgresTable(name))
		if name == "" {
			require.NoError(t, err, "empty is ignored")
			continue
		}
		require.Error(t, err, name)
	}
}

// BenchmarkPostgresSinkWrite inserts batches of 64 records.
func BenchmarkPostgresSinkWrite(b *testing.B) {
	url := testenv.NewDatabase(b, testenv.PostgresURL(b))
	pool, err := pgxpool.New(b.Context(), url)
	require.NoError(b, err)
	b.Cleanup(pool.Close)
	s, err := audit.NewPostgresSink(pool)
	require.NoError(b, err)
	require.NoError(b, s.Migrate(b.Context()))
	benchSinkWrite(b, s)
}

func TestPostgresSinkHonoursDeadlineWhenBlocked(t *testing.T) {
	pool := newTestPool(t)
	s, err := audit.NewPostgresSink(pool)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(t.Context()))

	// Another session holds the table: inserts wait for its lock.
	tx, err := pool.Begin(t.Context())
	require.NoError(t, err)
	defer tx.Rollback(context.Background())
	_, err = tx.Exec(t.Context(), `LOCK TABLE ragguard_audit_records IN ACCESS EXCLUSIVE MODE`)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err = s.Write(ctx, audittest.Stream("blocked", 0, 3))
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, tx.Rollback(t.Context()))
	require.NoError(t, s.Write(t.Context(), audittest.Stream("blocked", 0, 3)), "works once the lock is gone")
}
