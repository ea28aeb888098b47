package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out))
	s := out.String()
	assert.Contains(t, s, "authenticated alice (roles [analyst], tenant acme) with a oidc token")
	assert.Contains(t, s, "ALLOWED  chat gpt-4o-mini by rule analysts-chat")
	assert.Contains(t, s, "DENIED   sql delete patients")
	assert.Contains(t, s, "code permission_denied")
	assert.Contains(t, s, "HELD     vector search patient-notes, then APPROVED; retrieval filter [{tenant [acme]}]")
	assert.Contains(t, s, `"INC-4711: patient asked for their records"`)
	assert.Contains(t, s, "audit log verified: 3 events")
	assert.Equal(t, 3, bytes.Count(out.Bytes(), []byte("  audit: ")), "one audit event per call:\n%s", s)
}
