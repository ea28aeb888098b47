package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/internal/testenv"
)

// TestMultiSinkStreamsAllVerify sends one Log's stream to a FileSink, a
// PostgresSink and a webhook whose receiver stores what it gets in a
// FileSink of its own; every copy verifies with the CLI.
func TestMultiSinkStreamsAllVerify(t *testing.T) {
	pgURL := testenv.NewDatabase(t, testenv.PostgresURL(t))
	pool, err := pgxpool.New(t.Context(), pgURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	secret := []byte("receiver-secret-0123456789")
	recvDir := filepath.Join(t.TempDir(), "received")
	recvSink, err := audit.NewFileSink(recvDir)
	require.NoError(t, err)
	recv, err := audit.NewWebhookReceiver(secret, recvSink)
	require.NoError(t, err)
	receiver := httptest.NewServer(recv)
	defer receiver.Close()

	tl := writeTestLog(t, 40, func(dir string) audit.Sink {
		file, err := audit.NewFileSink(dir)
		require.NoError(t, err)
		pg, err := audit.NewPostgresSink(pool)
		require.NoError(t, err)
		hook, err := audit.NewWebhookSink(receiver.URL, secret)
		require.NoError(t, err)
		m, err := audit.Multi(3, 5*time.Second, file, pg, hook)
		require.NoError(t, err)
		return m
	})
	require.NoError(t, recvSink.Close())

	for name, src := range map[string][]string{
		"file":     {"--dir", tl.dir},
		"postgres": {"--pg", pgURL, "--origin", tl.origin},
		"webhook":  {"--dir", recvDir},
	} {
		args := append([]string{"audit", "verify", "--trusted-key", tl.keyFile}, src...)
		code, out, errOut := runCLI(t, args...)
		require.Equal(t, exitOK, code, "%s: %s%s", name, out, errOut)
		assert.Contains(t, out, "40 events", name)
	}
}
