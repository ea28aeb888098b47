package identity_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/identity/identitytest"
)

func TestGenerateAPIKey(t *testing.T) {
	k, err := identity.GenerateAPIKey()
	require.NoError(t, err)
	tok := k.Reveal()
	assert.Regexp(t, `^rgk_[0-9a-f]{16}_[0-9a-f]{64}$`, tok)

	parsed, err := identity.ParseAPIKey(tok)
	require.NoError(t, err)
	assert.Equal(t, k.ID(), parsed.ID())
	assert.Equal(t, k.Hash(), parsed.Hash())
	assert.Equal(t, tok, parsed.Reveal())

	k2, err := identity.GenerateAPIKey()
	require.NoError(t, err)
	assert.NotEqual(t, k.ID(), k2.ID())
	assert.NotEqual(t, k.Hash(), k2.Hash())
}

func TestAPIKeyNeverPrintsSecret(t *testing.T) {
	k, err := identity.GenerateAPIKey()
	require.NoError(t, err)
	secret := k.Reveal()[len(identity.APIKeyPrefix)+17:]

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("issued", "key", k)
	for _, s := range []string{
		fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s %q", k, k, k, k, k), logs.String(),
	} {
		assert.NotContains(t, s, secret)
		assert.Contains(t, s, k.ID())
	}
}

func TestParseAPIKeyMalformed(t *testing.T) {
	k, err := identity.GenerateAPIKey()
	require.NoError(t, err)
	good := k.Reveal()
	for name, s := range map[string]string{
		"empty":          "",
		"prefix only":    identity.APIKeyPrefix,
		"wrong prefix":   "rgx_" + good[4:],
		"short secret":   good[:len(good)-1],
		"long secret":    good + "0",
		"upper-case hex": strings.ToUpper(good[:4]) + strings.ToUpper(good[4:]),
		"no separator":   good[:20] + "0" + good[21:],
		"non-hex id":     good[:4] + "zzzzzzzzzzzzzzzz" + good[20:],
		"non-hex secret": good[:len(good)-1] + "g",
		"a JWT":          "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := identity.ParseAPIKey(s)
			require.ErrorIs(t, err, identity.ErrMalformedAPIKey)
		})
	}
}

func TestVerifyAPIKey(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	store := identity.NewMemoryKeyStore()
	template := identity.Principal{
		Subject: "indexer", Tenant: "acme", Roles: []string{"ingest"},
		// Whatever a template says, an API key principal is a service.
		Kind: identity.KindUser, AuthMethod: identity.MethodOIDC, Issuer: "spoofed",
	}
	good, err := store.Issue(template, now.Add(24*time.Hour))
	require.NoError(t, err)

	p, err := identity.VerifyAPIKey(ctx, store, good.Reveal(), now)
	require.NoError(t, err)
	assert.Equal(t, identity.Principal{
		Subject: "indexer", Issuer: identity.APIKeyIssuer, Tenant: "acme", Roles: []string{"ingest"},
		Kind: identity.KindService, AuthMethod: identity.MethodAPIKey, ExpiresAt: now.Add(24 * time.Hour),
	}, p)

	// The returned principal does not share the stored template's slices.
	p.Roles[0] = "admin"
	p2, err := identity.VerifyAPIKey(ctx, store, good.Reveal(), now)
	require.NoError(t, err)
	assert.Equal(t, []string{"ingest"}, p2.Roles)

	anonymous, err := store.Issue(identity.Principal{}, time.Time{})
	require.NoError(t, err)
	p, err = identity.VerifyAPIKey(ctx, store, anonymous.Reveal(), now.Add(100*365*24*time.Hour))
	require.NoError(t, err, "a zero expiry never expires")
	assert.Equal(t, "apikey:"+anonymous.ID(), p.Subject)
	assert.True(t, p.ExpiresAt.IsZero())

	unknown, err := identity.GenerateAPIKey()
	require.NoError(t, err)
	wrongSecret := good.Reveal()[:len(good.Reveal())-1] + flipHex(good.Reveal()[len(good.Reveal())-1])

	revoked, err := store.Issue(template, time.Time{})
	require.NoError(t, err)
	require.NoError(t, store.Revoke(revoked.ID(), now.Add(-time.Minute)))

	cases := []struct {
		name string
		cred string
		at   time.Time
		want error
	}{
		{"missing", "", now, identity.ErrMissingToken},
		{"malformed", "rgk_nope", now, identity.ErrMalformedAPIKey},
		{"unknown id", unknown.Reveal(), now, identity.ErrUnknownAPIKey},
		{"wrong secret", wrongSecret, now, identity.ErrWrongAPIKeySecret},
		{"revoked", revoked.Reveal(), now, identity.ErrAPIKeyRevoked},
		{"expired at the instant", good.Reveal(), now.Add(24 * time.Hour), identity.ErrAPIKeyExpired},
		{"expired later", good.Reveal(), now.Add(48 * time.Hour), identity.ErrAPIKeyExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := identity.VerifyAPIKey(ctx, store, tc.cred, tc.at)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, identity.Principal{}, p)
		})
	}
}

func TestVerifyAPIKeyStoreBehaviour(t *testing.T) {
	ctx := context.Background()
	k, err := identity.GenerateAPIKey()
	require.NoError(t, err)

	t.Run("hash bound to id", func(t *testing.T) {
		// A record that carries another key's hash does not verify.
		other, err := identity.GenerateAPIKey()
		require.NoError(t, err)
		store := identity.NewMemoryKeyStore()
		require.NoError(t, store.Add(identity.APIKeyRecord{ID: k.ID(), Hash: other.Hash()}))
		_, err = identity.VerifyAPIKey(ctx, store, k.Reveal(), time.Now())
		require.ErrorIs(t, err, identity.ErrWrongAPIKeySecret)
	})
	t.Run("store error passes through", func(t *testing.T) {
		down := errors.New("database down")
		store := identity.KeyStoreFunc(func(context.Context, string) (identity.APIKeyRecord, error) {
			return identity.APIKeyRecord{}, down
		})
		_, err := identity.VerifyAPIKey(ctx, store, k.Reveal(), time.Now())
		require.ErrorIs(t, err, down)
		assert.NotErrorIs(t, err, identity.ErrUnknownAPIKey)
	})
	t.Run("store returns a record for another id", func(t *testing.T) {
		store := identity.KeyStoreFunc(func(context.Context, string) (identity.APIKeyRecord, error) {
			return identity.APIKeyRecord{ID: "0000000000000000", Hash: k.Hash()}, nil
		})
		_, err := identity.VerifyAPIKey(ctx, store, k.Reveal(), time.Now())
		require.ErrorIs(t, err, identity.ErrWrongAPIKeySecret)
	})
	t.Run("zero time is the wall clock", func(t *testing.T) {
		store := identity.NewMemoryKeyStore()
		expired, err := store.Issue(identity.Principal{Subject: "old"}, time.Now().Add(-time.Minute))
		require.NoError(t, err)
		_, err = identity.VerifyAPIKey(ctx, store, expired.Reveal(), time.Time{})
		require.ErrorIs(t, err, identity.ErrAPIKeyExpired)
	})
	t.Run("nil store", func(t *testing.T) {
		_, err := identity.VerifyAPIKey(ctx, nil, k.Reveal(), time.Now())
		require.ErrorIs(t, err, identity.ErrInvalidConfig)
		_, err = identity.APIKeyAuthenticator(nil).Authenticate(ctx, k.Reveal())
		require.ErrorIs(t, err, identity.ErrInvalidConfig)
	})
	t.Run("memory store refuses bad records", func(t *testing.T) {
		store := identity.NewMemoryKeyStore()
		require.ErrorIs(t, store.Add(identity.APIKeyRecord{ID: k.ID()}), identity.ErrInvalidConfig)
		require.ErrorIs(t, store.Add(identity.APIKeyRecord{Hash: k.Hash()}), identity.ErrInvalidConfig)
		require.NoError(t, store.Add(identity.APIKeyRecord{ID: k.ID(), Hash: k.Hash()}))
		require.ErrorIs(t, store.Add(identity.APIKeyRecord{ID: k.ID(), Hash: k.Hash()}), identity.ErrInvalidConfig)
		require.ErrorIs(t, store.Revoke("ffffffffffffffff", time.Now()), identity.ErrUnknownAPIKey)
	})
	t.Run("authenticator uses the wall clock", func(t *testing.T) {
		store := identity.NewMemoryKeyStore()
		live, err := store.Issue(identity.Principal{Subject: "live"}, time.Now().Add(time.Hour))
		require.NoError(t, err)
		dead, err := store.Issue(identity.Principal{Subject: "dead"}, time.Now().Add(-time.Hour))
		require.NoError(t, err)
		auth := identity.APIKeyAuthenticator(store)
		p, err := auth.Authenticate(ctx, live.Reveal())
		require.NoError(t, err)
		assert.Equal(t, "live", p.Subject)
		_, err = auth.Authenticate(ctx, dead.Reveal())
		require.ErrorIs(t, err, identity.ErrAPIKeyExpired)
	})
}

func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func BenchmarkVerifyAPIKey(b *testing.B) {
	store := identity.NewMemoryKeyStore()
	k, err := store.Issue(identity.Principal{Subject: "bench", Roles: []string{"r"}}, time.Time{})
	require.NoError(b, err)
	cred := k.Reveal()
	ctx := context.Background()
	now := time.Now()
	b.SetBytes(int64(len(cred)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := identity.VerifyAPIKey(ctx, store, cred, now); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMemoryKeyStoreConformance(t *testing.T) {
	identitytest.TestKeyStore(t, func(t *testing.T, records []identity.APIKeyRecord) identity.KeyStore {
		s := identity.NewMemoryKeyStore()
		for _, r := range records {
			require.NoError(t, s.Add(r))
		}
		return s
	})
}
