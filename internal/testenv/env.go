package testenv

import (
	"os"
	"strings"
	"testing"
)

// Environment variables read by this package.
const (
	// EnvPostgresURL holds a postgres:// URL of a real PostgreSQL server.
	EnvPostgresURL = "RAGGUARD_PG_URL"
	// EnvPGVectorURL holds a postgres:// URL of a server with pgvector.
	EnvPGVectorURL = "RAGGUARD_PGVECTOR_URL"
	// EnvRequireServices, set to 1, turns a missing service into a test
	// failure instead of a skip. `make test` sets it.
	EnvRequireServices = "RAGGUARD_REQUIRE_SERVICES"
	// EnvOpenAIBaseURL names a real OpenAI-compatible endpoint.
	EnvOpenAIBaseURL = "OPENAI_BASE_URL"
	// EnvOpenAIAPIKey is the API key for EnvOpenAIBaseURL.
	EnvOpenAIAPIKey = "OPENAI_API_KEY"
	// EnvQdrantAddr names a real Qdrant gRPC endpoint (host:port).
	EnvQdrantAddr = "QDRANT_ADDR"
)

// PostgresURL returns the URL of the real PostgreSQL server the tests may
// use (RAGGUARD_PG_URL). When it is unset the test is skipped, or fails if
// RAGGUARD_REQUIRE_SERVICES=1.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return serviceURL(t, EnvPostgresURL, "PostgreSQL")
}

// PGVectorURL returns the URL of a server with the pgvector extension
// available (RAGGUARD_PGVECTOR_URL), by default PGlite. When it is unset the
// test is skipped, or fails if RAGGUARD_REQUIRE_SERVICES=1.
func PGVectorURL(t testing.TB) string {
	t.Helper()
	return serviceURL(t, EnvPGVectorURL, "pgvector (PGlite)")
}

// RequireServices reports whether RAGGUARD_REQUIRE_SERVICES asks for every
// service to be present.
func RequireServices() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvRequireServices))) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// OpenAIBaseURL returns OPENAI_BASE_URL, or "" when unset.
func OpenAIBaseURL() string { return strings.TrimSpace(os.Getenv(EnvOpenAIBaseURL)) }

// OpenAIAPIKey returns OPENAI_API_KEY, or "" when unset.
func OpenAIAPIKey() string { return strings.TrimSpace(os.Getenv(EnvOpenAIAPIKey)) }

// QdrantAddr returns QDRANT_ADDR, or "" when unset.
func QdrantAddr() string { return strings.TrimSpace(os.Getenv(EnvQdrantAddr)) }

func serviceURL(t testing.TB, env, what string) string {
	t.Helper()
	if u := strings.TrimSpace(os.Getenv(env)); u != "" {
		return u
	}
	if RequireServices() {
		t.Fatalf("%s is required (%s=1) but %s is unset: run `make test`, or `make testenv-up` and source .testenv/env",
			what, EnvRequireServices, env)
	}
	t.Skipf("%s not available: %s is unset; run `make test` (or `make testenv-up` and source .testenv/env)", what, env)
	return ""
}
