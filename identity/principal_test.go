package identity_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/identity"
)

func TestPrincipal(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := identity.Principal{
		Subject: "alice", Issuer: "https://idp.example", Groups: []string{"analysts"},
		Roles: []string{"reader"}, ExpiresAt: now.Add(time.Minute),
	}
	assert.Equal(t, "https://idp.example#alice", p.ID())
	assert.Equal(t, "bob", identity.Principal{Subject: "bob"}.ID(), "no issuer, subject alone")
	assert.True(t, p.HasRole("reader"))
	assert.False(t, p.HasRole("admin"))
	assert.True(t, p.InGroup("analysts"))
	assert.False(t, p.InGroup("admins"))

	assert.True(t, p.Valid(now))
	assert.False(t, p.Valid(now.Add(time.Minute)), "expired at ExpiresAt")
	assert.True(t, identity.Principal{Subject: "svc"}.Valid(now.Add(1000*time.Hour)), "zero expiry never expires")
	assert.False(t, identity.Principal{}.Valid(now), "no subject is never valid")
}

func TestPrincipalLogValue(t *testing.T) {
	var buf bytes.Buffer
	p := identity.Principal{Subject: "alice", Issuer: "iss", Tenant: "acme", Email: "alice@example.com",
		Kind: identity.KindUser, AuthMethod: identity.MethodOIDC}
	slog.New(slog.NewTextHandler(&buf, nil)).Info("call", "principal", p)
	out := buf.String()
	assert.Contains(t, out, "principal.subject=alice")
	assert.Contains(t, out, "principal.tenant=acme")
	assert.Contains(t, out, "principal.auth_method=oidc")
	assert.NotContains(t, out, "alice@example.com", "personal data stays out of logs")
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	_, ok := identity.FromContext(ctx)
	assert.False(t, ok)

	p := identity.Principal{Subject: "alice"}
	ctx = identity.NewContext(ctx, p)
	got, ok := identity.FromContext(ctx)
	require.True(t, ok)
	assert.Equal(t, p, got)

	// An inner NewContext shadows, the outer context is unchanged.
	inner := identity.NewContext(ctx, identity.Principal{Subject: "bob"})
	got, _ = identity.FromContext(inner)
	assert.Equal(t, "bob", got.Subject)
	got, _ = identity.FromContext(ctx)
	assert.Equal(t, "alice", got.Subject)

	// Another package's value under a look-alike key is not a principal.
	type principalKey struct{}
	spoof := context.WithValue(context.Background(), principalKey{}, p)
	_, ok = identity.FromContext(spoof)
	assert.False(t, ok)
}
