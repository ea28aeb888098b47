package testenv_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// pgliteURL returns PGVectorURL when it is PGlite, the default, and skips
// otherwise: the tests that use it check what only PGlite does (one shared
// session, no CREATE DATABASE), which a real pgvector server would fail.
func pgliteURL(t *testing.T) string {
	t.Helper()
	url := testenv.PGVectorURL(t)
	var version string
	require.NoError(t, connect(t, url).QueryRow(t.Context(), "SELECT version()").Scan(&version))
	if !strings.Contains(version, "PGlite") {
		t.Skipf("%s is not PGlite (%s)", testenv.EnvPGVectorURL, version)
	}
	return url
}

func TestPostgresIsRealPostgreSQL(t *testing.T) {
	t.Parallel()
	conn := connect(t, testenv.PostgresURL(t))

	var versionNum int
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_setting('server_version_num')::int").Scan(&versionNum))
	assert.GreaterOrEqual(t, versionNum, 130000, "ragguard needs PostgreSQL 13 or later")

	var version string
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT version()").Scan(&version))
	assert.True(t, strings.HasPrefix(version, "PostgreSQL "), version)
	assert.NotContains(t, version, "PGlite", "RAGGUARD_PG_URL must name a real PostgreSQL server")
}

// TestPostgresConcurrentConnections shows the real server serving two
// sessions at once: isolation of an open transaction, and a row lock that a
// second session sees without waiting.
func TestPostgresConcurrentConnections(t *testing.T) {
	t.Parallel()
	url := testenv.NewDatabase(t, testenv.PostgresURL(t))
	ctx := t.Context()
	a, b := connect(t, url), connect(t, url)

	_, err := a.Exec(ctx, "CREATE TABLE jobs (id int PRIMARY KEY, state text NOT NULL)")
	require.NoError(t, err)
	_, err = a.Exec(ctx, "INSERT INTO jobs VALUES (1, 'pending')")
	require.NoError(t, err)

	txA, err := a.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = txA.Rollback(context.Background()) }()
	_, err = txA.Exec(ctx, "INSERT INTO jobs VALUES (2, 'pending')")
	require.NoError(t, err)
	var locked string
	require.NoError(t, txA.QueryRow(ctx, "SELECT state FROM jobs WHERE id = 1 FOR UPDATE").Scan(&locked))

	// b runs while a's transaction is open: it does not see the
	// uncommitted row, and finds row 1 locked.
	var n int
	require.NoError(t, b.QueryRow(ctx, "SELECT count(*) FROM jobs").Scan(&n))
	assert.Equal(t, 1, n, "uncommitted row visible to another session")

	txB, err := b.Begin(ctx)
	require.NoError(t, err)
	_, err = txB.Exec(ctx, "SELECT 1 FROM jobs WHERE id = 1 FOR UPDATE NOWAIT")
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "55P03", pgErr.Code, "want lock_not_available, got %v", err)
	require.NoError(t, txB.Rollback(ctx))

	require.NoError(t, txA.Commit(ctx))
	require.NoError(t, b.QueryRow(ctx, "SELECT count(*) FROM jobs").Scan(&n))
	assert.Equal(t, 2, n)
}

// TestNewDatabaseIsolatesParallelTests creates the same table in parallel
// subtests, each in its own database, and checks the databases are gone
// once the subtests have finished.
func TestNewDatabaseIsolatesParallelTests(t *testing.T) {
	t.Parallel()
	base := testenv.PostgresURL(t)
	var (
		mu    sync.Mutex
		names []string
	)
	t.Run("group", func(t *testing.T) {
		for i := range 4 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				conn := connect(t, testenv.NewDatabase(t, base))
				ctx := t.Context()
				_, err := conn.Exec(ctx, "CREATE TABLE items (v int)")
				require.NoError(t, err)
				_, err = conn.Exec(ctx, "INSERT INTO items VALUES ($1)", i)
				require.NoError(t, err)
				var vals []int
				rows, err := conn.Query(ctx, "SELECT v FROM items")
				require.NoError(t, err)
				vals, err = pgx.CollectRows(rows, pgx.RowTo[int])
				require.NoError(t, err)
				assert.Equal(t, []int{i}, vals)

				var name string
				require.NoError(t, conn.QueryRow(ctx, "SELECT current_database()").Scan(&name))
				assert.True(t, strings.HasPrefix(name, "rg_testnewdatabaseisolates"), name)
				mu.Lock()
				names = append(names, name)
				mu.Unlock()
			})
		}
	})
	require.Len(t, names, 4)

	conn := connect(t, base)
	var left int
	require.NoError(t, conn.QueryRow(t.Context(),
		"SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left))
	assert.Zero(t, left, "databases not dropped after their tests: %v", names)
}

func TestNewSchemaOnPostgres(t *testing.T) {
	t.Parallel()
	base := testenv.NewDatabase(t, testenv.PostgresURL(t))
	url := testenv.NewSchema(t, base)
	schema := testenv.SchemaOf(url)
	require.NotEmpty(t, schema)

	conn := connect(t, url)
	var current string
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_schema()").Scan(&current))
	assert.Equal(t, schema, current)
	_, err := conn.Exec(t.Context(), "CREATE TABLE notes (body text)")
	require.NoError(t, err)

	var inSchema int
	require.NoError(t, conn.QueryRow(t.Context(),
		"SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'notes'", schema).Scan(&inSchema))
	assert.Equal(t, 1, inSchema)
}

func TestPGVectorNearestNeighbour(t *testing.T) {
	url := testenv.NewSchema(t, testenv.PGVectorURL(t))
	ctx := t.Context()
	conn := connect(t, url)

	_, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector")
	require.NoError(t, err)
	var versionNum int
	var extVersion string
	require.NoError(t, conn.QueryRow(ctx,
		"SELECT current_setting('server_version_num')::int, extversion FROM pg_extension WHERE extname = 'vector'").Scan(&versionNum, &extVersion))
	assert.GreaterOrEqual(t, versionNum, 130000)
	assert.Regexp(t, `^0\.[5-9]|^[1-9]`, extVersion, "pgvector too old for the <=> and HNSW features ragguard uses")
	_, err = conn.Exec(ctx, "CREATE TABLE docs (id int PRIMARY KEY, body text, embedding vector(3))")
	require.NoError(t, err)
	docs := []struct {
		id  int
		vec []float32
	}{
		{1, []float32{1, 0, 0}},
		{2, []float32{0, 1, 0}},
		{3, []float32{0, 0, 1}},
		{4, []float32{0.7, 0.7, 0}},
		{5, []float32{10, 0, 10}}, // far away, but pointing between 1 and 3
	}
	for _, d := range docs {
		_, err := conn.Exec(ctx, "INSERT INTO docs (id, body, embedding) VALUES ($1, $2, $3)",
			d.id, fmt.Sprint("doc ", d.id), pgvector.NewVector(d.vec))
		require.NoError(t, err)
	}

	// The table went into the test's own schema.
	var schema string
	require.NoError(t, conn.QueryRow(ctx, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'docs'").Scan(&schema))
	assert.Equal(t, testenv.SchemaOf(url), schema)

	cases := []struct {
		query []float32
		want  []int
	}{
		{[]float32{0.9, 0.1, 0}, []int{1, 4}},
		{[]float32{0, 0.4, 0.9}, []int{3, 2}},
		{[]float32{0.6, 0.65, 0.1}, []int{4, 2}},
	}
	for _, c := range cases {
		rows, err := conn.Query(ctx, "SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 2", pgvector.NewVector(c.query))
		require.NoError(t, err)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int])
		require.NoError(t, err)
		assert.Equal(t, c.want, ids, "nearest to %v", c.query)
	}

	// Cosine distance, with the HNSW index the vector adapter creates.
	_, err = conn.Exec(ctx, "CREATE INDEX docs_embedding ON docs USING hnsw (embedding vector_cosine_ops)")
	require.NoError(t, err)
	query := pgvector.NewVector([]float32{1, 0, 0.9})
	var byL2, byCosine int
	require.NoError(t, conn.QueryRow(ctx, "SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 1", query).Scan(&byL2))
	require.NoError(t, conn.QueryRow(ctx, "SELECT id FROM docs ORDER BY embedding <=> $1 LIMIT 1", query).Scan(&byCosine))
	assert.Equal(t, 1, byL2, "closest point")
	assert.Equal(t, 5, byCosine, "closest direction, whatever the length")

	var got pgvector.Vector
	require.NoError(t, conn.QueryRow(ctx, "SELECT embedding FROM docs WHERE id = 4").Scan(&got))
	assert.Equal(t, []float32{0.7, 0.7, 0}, got.Slice())

	_, err = conn.Exec(ctx, "INSERT INTO docs (id, embedding) VALUES (9, '[1,2]')")
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, "a vector of the wrong dimension must be refused")
	assert.Contains(t, pgErr.Message, "dimensions")
}

// TestPGliteServesSeveralConnections checks the URL from testenv-up keeps
// several connections correct on PGlite's one shared session, and that an
// open transaction holds the others until it ends.
func TestPGliteServesSeveralConnections(t *testing.T) {
	base := pgliteURL(t)
	url := testenv.NewSchema(t, base)
	ctx := t.Context()

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close(context.Background())
			for i := range 25 {
				var sum int
				var label string
				if err := conn.QueryRow(ctx, "SELECT $1::int + $2::int, $3::text", g, i, fmt.Sprint("g", g)).Scan(&sum, &label); err != nil {
					errs <- err
					return
				}
				if sum != g+i || label != fmt.Sprint("g", g) {
					errs <- fmt.Errorf("connection %d got (%d, %q), want (%d, %q)", g, sum, label, g+i, fmt.Sprint("g", g))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	a, b := connect(t, url), connect(t, url)
	_, err := a.Exec(ctx, "CREATE TABLE counter (n int)")
	require.NoError(t, err)
	tx, err := a.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "INSERT INTO counter VALUES (1)")
	require.NoError(t, err)

	// b's query waits for a's transaction: whenever it runs, it runs after
	// the commit and sees the row.
	seen := make(chan int, 1)
	go func() {
		var n int
		if err := b.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{testenv.SchemaOf(url), "counter"}.Sanitize()).Scan(&n); err != nil {
			n = -1
		}
		seen <- n
	}()
	require.NoError(t, tx.Commit(ctx))
	assert.Equal(t, 1, <-seen)
}

func TestNewDatabaseRefusesPGlite(t *testing.T) {
	base := pgliteURL(t)
	rec := &fatalRecorder{TB: t}
	func() {
		defer rec.recover()
		testenv.NewDatabase(rec, base)
	}()
	assert.Contains(t, rec.fatal, "PGlite")
	assert.Contains(t, rec.fatal, "NewSchema")
}

func TestNewDatabaseBadURL(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	func() {
		defer rec.recover()
		testenv.NewDatabase(rec, "postgres://127.0.0.1:1/x?connect_timeout=2")
	}()
	assert.Contains(t, rec.fatal, "testenv: create database")
}

func TestServiceURLs(t *testing.T) {
	const pg = "postgres://u@127.0.0.1:5/db"
	tests := []struct {
		name      string
		get       func(testing.TB) string
		env       string
		value     string
		require   string
		want      string
		wantSkip  bool
		wantFatal bool
	}{
		{"pg set", testenv.PostgresURL, testenv.EnvPostgresURL, pg, "1", pg, false, false},
		{"pg unset", testenv.PostgresURL, testenv.EnvPostgresURL, "", "", "", true, false},
		{"pg required", testenv.PostgresURL, testenv.EnvPostgresURL, "", "1", "", false, true},
		{"pgvector set", testenv.PGVectorURL, testenv.EnvPGVectorURL, pg, "", pg, false, false},
		{"pgvector blank", testenv.PGVectorURL, testenv.EnvPGVectorURL, "  ", "", "", true, false},
		{"pgvector required", testenv.PGVectorURL, testenv.EnvPGVectorURL, "", "true", "", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			t.Setenv(testenv.EnvRequireServices, tc.require)
			rec := &fatalRecorder{TB: t}
			var got string
			func() {
				defer rec.recover()
				got = tc.get(rec)
			}()
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantSkip, rec.skip != "", "skip: %q", rec.skip)
			assert.Equal(t, tc.wantFatal, rec.fatal != "", "fatal: %q", rec.fatal)
			if tc.wantSkip || tc.wantFatal {
				assert.Contains(t, rec.skip+rec.fatal, "make test")
				assert.Contains(t, rec.skip+rec.fatal, tc.env)
			}
		})
	}
}

func TestOptionalEndpoints(t *testing.T) {
	t.Setenv(testenv.EnvOpenAIBaseURL, "")
	t.Setenv(testenv.EnvOpenAIAPIKey, "")
	t.Setenv(testenv.EnvQdrantAddr, "")
	assert.Empty(t, testenv.OpenAIBaseURL())
	assert.Empty(t, testenv.OpenAIAPIKey())
	assert.Empty(t, testenv.QdrantAddr())

	t.Setenv(testenv.EnvOpenAIBaseURL, "http://127.0.0.1:8080/v1 ")
	t.Setenv(testenv.EnvOpenAIAPIKey, "sk-test")
	t.Setenv(testenv.EnvQdrantAddr, "127.0.0.1:6334")
	assert.Equal(t, "http://127.0.0.1:8080/v1", testenv.OpenAIBaseURL())
	assert.Equal(t, "sk-test", testenv.OpenAIAPIKey())
	assert.Equal(t, "127.0.0.1:6334", testenv.QdrantAddr())
}

// fatalRecorder stands in for a test so that the helpers' Fatalf and Skipf
// can be observed instead of ending the real test.
type fatalRecorder struct {
	testing.TB
	fatal, skip string
}

var errStopped = errors.New("stopped")

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	panic(errStopped)
}

func (r *fatalRecorder) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
	panic(errStopped)
}

func (r *fatalRecorder) recover() {
	if v := recover(); v != nil && v != errStopped { //nolint:errorlint // identity of our own sentinel
		panic(v)
	}
}
