// Package testenv gives ragguard's tests the addresses of the real services
// they talk to, and isolates tests that share them.
//
// The services are started by scripts/testenv-up (run by `make test` and
// `make testenv-up`), which writes their addresses to .testenv/env:
//
//   - RAGGUARD_PG_URL: a throwaway PostgreSQL cluster from Debian's
//     postgresql package, on a free loopback port. Use it for SQL, the
//     approval queue, the Postgres audit sink and anything concurrent.
//   - RAGGUARD_PGVECTOR_URL: PGlite with the pgvector extension (installed
//     in schema public), over the Postgres wire protocol. PGlite runs a
//     single backend session shared by every connection: an open
//     transaction on one connection holds up the others, session state (SET,
//     prepared statements) is shared, and connection parameters such as
//     search_path are ignored. The URL therefore selects pgx's simple
//     protocol (default_query_exec_mode=simple_protocol), the one mode in
//     which several connections stay correct. Use it for pgvector
//     behaviour; use RAGGUARD_PG_URL for concurrency.
//
// Either variable may point at a real server instead; the scripts then start
// nothing for it. PostgresURL and PGVectorURL skip the calling test when
// their variable is unset, so `go test ./...` works on a bare checkout, and
// fail it instead when RAGGUARD_REQUIRE_SERVICES=1 (as `make test` sets), so
// CI never passes by skipping.
//
// OpenAIBaseURL, OpenAIAPIKey and QdrantAddr return the optional real
// endpoints named by OPENAI_BASE_URL, OPENAI_API_KEY and QDRANT_ADDR, or ""
// when unset; tests then use the in-process stand-ins in the subpackages.
//
// NewDatabase creates a uniquely named database on a real PostgreSQL server
// and drops it when the test ends, so tests can run in parallel without
// seeing each other's tables. PGlite cannot serve several databases, so
// NewSchema creates a unique schema there instead and returns a URL whose
// search_path selects it. Since PGlite's one session has one search_path,
// NewSchema on PGlite also gives the test exclusive use of PGlite until it
// ends, across all test binaries running at once (a file lock), so that
// `go test ./...` can run several packages against it safely.
//
// A typical test:
//
//	func TestStore(t *testing.T) {
//		t.Parallel()
//		url := testenv.NewDatabase(t, testenv.PostgresURL(t))
//		pool, err := pgxpool.New(t.Context(), url)
//		require.NoError(t, err)
//		t.Cleanup(pool.Close)
//		// ...
//	}
package testenv
