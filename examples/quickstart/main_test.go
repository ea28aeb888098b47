package main

import (
	"bytes"
	"context"
	"os"
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
	assert.Contains(t, s, "by rule analysts-chat")
	assert.Contains(t, s, "provider saw alice@example.com: false, saw the card: false")
	assert.Contains(t, s, "sent:     Draft a reply to <EMAIL_", "the prompt left with a pseudonym")
	if os.Getenv("OPENAI_BASE_URL") == "" {
		assert.Contains(t, s, "answer:   Draft: Dear customer, we wrote to <EMAIL_")
		assert.Contains(t, s, "your card [CREDIT_CARD] was never charged.")
		assert.NotContains(t, s, "bob.jones@example.org", "the streamed answer was masked")
		assert.Contains(t, s, "masked EMAIL×1 at result:choices[0].delta.content")
	}
	assert.Contains(t, s, "DENIED   sql delete patients")
	assert.Contains(t, s, "code permission_denied")
	assert.Contains(t, s, "HELD     vector search patient-notes, then APPROVED; retrieval filter [{tenant [acme]}]")
	assert.Contains(t, s, `"INC-4711: patient asked for their records"`)
	assert.Contains(t, s, "audit log verified: 3 events")
	assert.Equal(t, 3, bytes.Count(out.Bytes(), []byte("  audit: ")), "one audit event per call:\n%s", s)
}
