package identity_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/identity/identitytest"
)

// fakeClock is shared by the issuer (iat, nbf, exp) and the verifier.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	iss   *identitytest.Issuer
	clock *fakeClock
	v     *identity.OIDCVerifier
}

func newFixture(t testing.TB, opts ...identity.OIDCOption) *fixture {
	t.Helper()
	iss := identitytest.NewIssuer(t)
	clk := newFakeClock()
	iss.SetClock(clk.Now)
	opts = append([]identity.OIDCOption{
		identity.WithAudience(identitytest.DefaultAudience),
		identity.WithClock(clk.Now),
	}, opts...)
	v, err := identity.NewOIDCVerifier(context.Background(), iss.URL(), opts...)
	require.NoError(t, err)
	return &fixture{iss: iss, clock: clk, v: v}
}

func TestVerifyAcceptsRealTokens(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	es, err := f.iss.AddKey("ES256")
	require.NoError(t, err)
	ps, err := f.iss.AddKey("PS256")
	require.NoError(t, err)
	ed, err := f.iss.AddKey("EdDSA")
	require.NoError(t, err)

	for _, kid := range []string{f.iss.CurrentKey(), es, ps, ed} {
		t.Run(kid, func(t *testing.T) {
			tok := f.iss.MustToken(t, "alice", map[string]any{
				"email": "alice@example.com", "email_verified": true, "name": "Alice",
			}, identitytest.SignWith(kid))
			p, err := f.v.Verify(ctx, tok)
			require.NoError(t, err)
			assert.Equal(t, "alice", p.Subject)
			assert.Equal(t, f.iss.URL(), p.Issuer)
			assert.Equal(t, "alice@example.com", p.Email)
			assert.Equal(t, "Alice", p.Name)
			assert.Equal(t, identity.KindUser, p.Kind)
			assert.Equal(t, identity.MethodOIDC, p.AuthMethod)
			assert.True(t, p.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)), "ExpiresAt %v", p.ExpiresAt)
			assert.True(t, p.Valid(f.clock.Now()))
		})
	}
}

func TestVerifyRejections(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	rsKid := f.iss.CurrentKey()
	claims := func(edit func(map[string]any)) map[string]any {
		c := f.iss.Claims("mallory")
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(t *testing.T, c map[string]any, opts ...identitytest.SignOption) string {
		tok, err := f.iss.Sign(c, opts...)
		require.NoError(t, err)
		return tok
	}
	b64 := base64.RawURLEncoding.EncodeToString

	cases := []struct {
		name  string
		token func(t *testing.T) string
		want  error
	}{
		{"alg none", func(t *testing.T) string {
			tok, err := identitytest.UnsignedToken(claims(nil))
			require.NoError(t, err)
			return tok
		}, identity.ErrAlgorithmNotAllowed},
		{"alg none with a signature from the real key", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(nil)), ".")
			return b64([]byte(`{"alg":"none","kid":"`+rsKid+`"}`)) + "." + parts[1] + "." + parts[2]
		}, identity.ErrAlgorithmNotAllowed},
		{"HS256 keyed with the RSA public key PEM", func(t *testing.T) string {
			pub, err := f.iss.PublicKeyPEM(rsKid)
			require.NoError(t, err)
			tok, err := identitytest.HMACToken(claims(nil), pub, rsKid)
			require.NoError(t, err)
			return tok
		}, identity.ErrAlgorithmNotAllowed},
		{"HS256 keyed with the JWKS document", func(t *testing.T) string {
			tok, err := identitytest.HMACToken(claims(nil), f.iss.JWKS(), rsKid)
			require.NoError(t, err)
			return tok
		}, identity.ErrAlgorithmNotAllowed},
		{"expired beyond skew", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) {
				c["iat"] = now.Add(-2 * time.Hour).Unix()
				c["nbf"] = now.Add(-2 * time.Hour).Unix()
				c["exp"] = now.Add(-61 * time.Second).Unix()
			}))
		}, identity.ErrExpired},
		{"nbf in the future beyond skew", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { c["nbf"] = now.Add(2 * time.Minute).Unix() }))
		}, identity.ErrNotYetValid},
		{"iat in the future beyond skew", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { c["iat"] = now.Add(2 * time.Minute).Unix() }))
		}, identity.ErrNotYetValid},
		{"wrong issuer", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { c["iss"] = "https://evil.example" }))
		}, identity.ErrWrongIssuer},
		{"no issuer", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { delete(c, "iss") }))
		}, identity.ErrWrongIssuer},
		{"wrong audience", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { c["aud"] = "another-client" }))
		}, identity.ErrWrongAudience},
		{"no audience", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { delete(c, "aud") }))
		}, identity.ErrWrongAudience},
		{"unknown kid", func(t *testing.T) string {
			return sign(t, claims(nil), identitytest.WithHeader("kid", "no-such-key"))
		}, identity.ErrUnknownKey},
		{"tampered payload", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(nil)), ".")
			forged, err := json.Marshal(claims(func(c map[string]any) { c["sub"] = "admin" }))
			require.NoError(t, err)
			return parts[0] + "." + b64(forged) + "." + parts[2]
		}, identity.ErrBadSignature},
		{"tampered header: RS256 signature relabelled PS256", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(nil)), ".")
			return b64([]byte(`{"alg":"PS256","kid":"`+rsKid+`","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]
		}, identity.ErrBadSignature},
		{"signature of another token", func(t *testing.T) string {
			a := strings.Split(sign(t, claims(nil)), ".")
			b := strings.Split(sign(t, claims(func(c map[string]any) { c["sub"] = "other" })), ".")
			return a[0] + "." + a[1] + "." + b[2]
		}, identity.ErrBadSignature},
		{"missing token", func(*testing.T) string { return "" }, identity.ErrMissingToken},
		{"garbage", func(*testing.T) string { return "not a token" }, identity.ErrMalformedToken},
		{"two segments", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(nil)), ".")
			return parts[0] + "." + parts[1]
		}, identity.ErrMalformedToken},
		{"four segments", func(t *testing.T) string { return sign(t, claims(nil)) + ".x" }, identity.ErrMalformedToken},
		{"bad base64", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(nil)), ".")
			return parts[0] + ".%%%." + parts[2]
		}, identity.ErrMalformedToken},
		{"padded base64 header", func(t *testing.T) string {
			tok := sign(t, claims(nil))
			head, rest, _ := strings.Cut(tok, ".")
			return head + "==." + rest
		}, identity.ErrMalformedToken},
		{"header not JSON", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(nil)), ".")
			return b64([]byte("RS256")) + "." + parts[1] + "." + parts[2]
		}, identity.ErrMalformedToken},
		{"header without alg", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(nil)), ".")
			return b64([]byte(`{"kid":"`+rsKid+`"}`)) + "." + parts[1] + "." + parts[2]
		}, identity.ErrMalformedToken},
		{"payload not an object", func(t *testing.T) string {
			parts := strings.Split(sign(t, claims(nil)), ".")
			return parts[0] + "." + b64([]byte(`["sub"]`)) + "." + parts[2]
		}, identity.ErrMalformedToken},
		{"oversized", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { c["pad"] = strings.Repeat("x", 20<<10) }))
		}, identity.ErrMalformedToken},
		{"no subject", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { delete(c, "sub") }))
		}, identity.ErrInvalidClaims},
		{"no exp", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { delete(c, "exp") }))
		}, identity.ErrInvalidClaims},
		{"exp not a number", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { c["exp"] = "tomorrow" }))
		}, identity.ErrInvalidClaims},
		{"nbf not a number", func(t *testing.T) string {
			return sign(t, claims(func(c map[string]any) { c["nbf"] = true }))
		}, identity.ErrInvalidClaims},
	}
	sentinels := []error{
		identity.ErrMissingToken, identity.ErrMalformedToken, identity.ErrAlgorithmNotAllowed,
		identity.ErrUnknownKey, identity.ErrBadSignature, identity.ErrKeySetUnavailable,
		identity.ErrWrongIssuer, identity.ErrWrongAudience, identity.ErrExpired,
		identity.ErrNotYetValid, identity.ErrInvalidClaims,
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.v.Verify(ctx, tc.token(t))
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, identity.Principal{}, p, "a refused token yields no principal")
			for _, s := range sentinels {
				if s != tc.want {
					assert.NotErrorIs(t, err, s, "error matches more than one rejection: %v", err)
				}
			}
		})
	}
}

func TestVerifyClockSkew(t *testing.T) {
	f := newFixture(t, identity.WithClockSkew(30*time.Second))
	ctx := context.Background()
	now := f.clock.Now()
	at := func(exp, nbf time.Time) string {
		return f.iss.MustToken(t, "bob", map[string]any{"exp": exp.Unix(), "nbf": nbf.Unix(), "iat": nil})
	}
	_, err := f.v.Verify(ctx, at(now.Add(-20*time.Second), now.Add(-time.Hour)))
	assert.NoError(t, err, "expired 20s ago is within 30s skew")
	_, err = f.v.Verify(ctx, at(now.Add(-40*time.Second), now.Add(-time.Hour)))
	assert.ErrorIs(t, err, identity.ErrExpired)
	_, err = f.v.Verify(ctx, at(now.Add(time.Hour), now.Add(20*time.Second)))
	assert.NoError(t, err, "nbf 20s ahead is within 30s skew")
	_, err = f.v.Verify(ctx, at(now.Add(time.Hour), now.Add(40*time.Second)))
	assert.ErrorIs(t, err, identity.ErrNotYetValid)

	// A token that was valid stops being valid as the clock moves on.
	tok := f.iss.MustToken(t, "bob", nil)
	_, err = f.v.Verify(ctx, tok)
	require.NoError(t, err)
	f.clock.Add(time.Hour + 30*time.Second)
	_, err = f.v.Verify(ctx, tok)
	assert.ErrorIs(t, err, identity.ErrExpired)
}

func TestKeyRotation(t *testing.T) {
	const refresh = 10 * time.Second
	f := newFixture(t, identity.WithKeyRefreshInterval(refresh), identity.WithKeySetMaxAge(time.Hour))
	ctx := context.Background()
	oldKid := f.iss.CurrentKey()

	old := f.iss.MustToken(t, "carol", nil)
	_, err := f.v.Verify(ctx, old)
	require.NoError(t, err)
	_, err = f.v.Verify(ctx, old)
	require.NoError(t, err)
	assert.Equal(t, 1, f.iss.JWKSFetches(), "keys are cached between verifications")

	// The issuer rotates to a new key. Within the refresh interval the
	// verifier does not ask again, so the new kid is still unknown.
	newKid, err := f.iss.Rotate("ES256")
	require.NoError(t, err)
	fresh := f.iss.MustToken(t, "carol", nil)
	_, err = f.v.Verify(ctx, fresh)
	require.ErrorIs(t, err, identity.ErrUnknownKey)
	assert.Equal(t, 1, f.iss.JWKSFetches())

	// After the interval the unknown kid triggers a fetch and is accepted.
	f.clock.Add(refresh)
	p, err := f.v.Verify(ctx, fresh)
	require.NoError(t, err, "new key after rotation")
	assert.Equal(t, "carol", p.Subject)
	assert.Equal(t, 2, f.iss.JWKSFetches())

	// The issuer withdraws the old key; a new kid after the interval makes the
	// verifier refetch, and from then on the old key is unknown.
	f.iss.RemoveKey(oldKid)
	newer, err := f.iss.Rotate("RS256")
	require.NoError(t, err)
	f.clock.Add(refresh)
	_, err = f.v.Verify(ctx, f.iss.MustToken(t, "carol", nil))
	require.NoError(t, err)
	_, err = f.v.Verify(ctx, f.iss.MustToken(t, "carol", nil, identitytest.SignWith(oldKid)))
	require.ErrorIs(t, err, identity.ErrUnknownKey, "removed key after rotation")
	_, err = f.v.Verify(ctx, f.iss.MustToken(t, "carol", nil, identitytest.SignWith(newKid)))
	require.NoError(t, err, "keys still published keep working")
	assert.NotEqual(t, newer, oldKid)
}

func TestKeySetMaxAgeDropsWithdrawnKey(t *testing.T) {
	f := newFixture(t, identity.WithKeyRefreshInterval(time.Second), identity.WithKeySetMaxAge(time.Minute))
	ctx := context.Background()
	kid := f.iss.CurrentKey()
	_, err := f.v.Verify(ctx, f.iss.MustToken(t, "dave", nil))
	require.NoError(t, err)

	// No token with a new kid arrives, so only the age bound can take the
	// withdrawn key out. Until then the cached key set still trusts it.
	f.iss.RemoveKey(kid)
	_, err = f.v.Verify(ctx, f.iss.MustToken(t, "dave", nil))
	require.NoError(t, err, "within max age the cached key set is used")
	f.clock.Add(time.Minute)
	_, err = f.v.Verify(ctx, f.iss.MustToken(t, "dave", nil))
	require.ErrorIs(t, err, identity.ErrUnknownKey)
}

func TestUnknownKidFloodIsRateLimited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range 50 {
		tok := f.iss.MustToken(t, "eve", nil, identitytest.WithHeader("kid", fmt.Sprintf("forged-%d", i)))
		_, err := f.v.Verify(ctx, tok)
		require.ErrorIs(t, err, identity.ErrUnknownKey)
	}
	assert.Equal(t, 1, f.iss.JWKSFetches(), "forged kids within the refresh interval cost one fetch")
}

func TestKeySetUnavailable(t *testing.T) {
	iss, err := identitytest.StartIssuer()
	require.NoError(t, err)
	v, err := identity.NewOIDCVerifier(context.Background(), iss.URL(), identity.WithAudience(identitytest.DefaultAudience))
	require.NoError(t, err)
	tok, err := iss.Token("frank", nil)
	require.NoError(t, err)
	iss.Close() // the issuer goes away before the first key fetch

	_, err = v.Verify(context.Background(), tok)
	require.ErrorIs(t, err, identity.ErrKeySetUnavailable)
	assert.NotErrorIs(t, err, identity.ErrBadSignature)
}

func TestVerifyCanceledContext(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.v.Verify(ctx, f.iss.MustToken(t, "gina", nil))
	require.ErrorIs(t, err, context.Canceled)
}

func TestGroupsRolesTenantAndKind(t *testing.T) {
	ctx := context.Background()
	t.Run("default groups claim", func(t *testing.T) {
		f := newFixture(t, identity.WithRoleMapping(map[string][]string{
			"analysts": {"reader"}, "admins": {"reader", "admin"},
		}))
		p, err := f.v.Verify(ctx, f.iss.MustToken(t, "u1", map[string]any{
			"groups": []any{"admins", "analysts", "admins", "", 7},
		}))
		require.NoError(t, err)
		assert.Equal(t, []string{"admins", "analysts"}, p.Groups)
		assert.Equal(t, []string{"admin", "reader"}, p.Roles)
		assert.True(t, p.HasRole("admin"))
	})
	t.Run("nested path", func(t *testing.T) {
		f := newFixture(t,
			identity.WithGroupsClaim("realm_access.roles"),
			identity.WithRoleMapping(map[string][]string{"rag-user": {"reader"}}),
		)
		p, err := f.v.Verify(ctx, f.iss.MustToken(t, "u2", map[string]any{
			"groups":       []string{"ignored"},
			"realm_access": map[string]any{"roles": []string{"rag-user", "offline_access"}},
		}))
		require.NoError(t, err)
		assert.Equal(t, []string{"offline_access", "rag-user"}, p.Groups)
		assert.Equal(t, []string{"reader"}, p.Roles)
	})
	t.Run("namespaced claim name with dots", func(t *testing.T) {
		f := newFixture(t, identity.WithGroupsClaim("https://example.com/groups"))
		p, err := f.v.Verify(ctx, f.iss.MustToken(t, "u3", map[string]any{
			"https://example.com/groups": "solo",
		}))
		require.NoError(t, err)
		assert.Equal(t, []string{"solo"}, p.Groups)
		assert.Empty(t, p.Roles, "no mapping, no roles")
	})
	t.Run("missing or mistyped path gives no groups", func(t *testing.T) {
		f := newFixture(t, identity.WithGroupsClaim("realm_access.roles"))
		p, err := f.v.Verify(ctx, f.iss.MustToken(t, "u4", map[string]any{"realm_access": "roles"}))
		require.NoError(t, err)
		assert.Empty(t, p.Groups)
	})
	t.Run("tenant and service kind", func(t *testing.T) {
		f := newFixture(t,
			identity.WithTenantClaim("org.id"),
			identity.WithServiceClaim("gty", "client-credentials"),
		)
		p, err := f.v.Verify(ctx, f.iss.MustToken(t, "svc", map[string]any{
			"org": map[string]any{"id": "acme"}, "gty": "client-credentials",
		}))
		require.NoError(t, err)
		assert.Equal(t, "acme", p.Tenant)
		assert.Equal(t, identity.KindService, p.Kind)

		p, err = f.v.Verify(ctx, f.iss.MustToken(t, "human", map[string]any{"gty": "password"}))
		require.NoError(t, err)
		assert.Equal(t, identity.KindUser, p.Kind)
		assert.Empty(t, p.Tenant)
	})
	t.Run("unverified email is dropped", func(t *testing.T) {
		f := newFixture(t)
		p, err := f.v.Verify(ctx, f.iss.MustToken(t, "u5", map[string]any{
			"email": "spoof@example.com", "email_verified": false, "preferred_username": "u5name",
		}))
		require.NoError(t, err)
		assert.Empty(t, p.Email)
		assert.Equal(t, "u5name", p.Name)
	})
}

func TestAudienceOptions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, identity.WithAudience("api-a", "api-b"))
	_, err := f.v.Verify(ctx, f.iss.MustToken(t, "x", map[string]any{"aud": []string{"other", "api-b"}}))
	require.NoError(t, err, "any configured audience in an aud array")
	_, err = f.v.Verify(ctx, f.iss.MustToken(t, "x", map[string]any{"aud": "api-c"}))
	require.ErrorIs(t, err, identity.ErrWrongAudience)

	iss := identitytest.NewIssuer(t)
	v, err := identity.NewOIDCVerifier(ctx, iss.URL(), identity.WithoutAudienceCheck())
	require.NoError(t, err)
	_, err = v.Verify(ctx, iss.MustToken(t, "x", map[string]any{"aud": "anything"}))
	require.NoError(t, err)
}

func TestAlgorithmAllowList(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, identity.WithAlgorithms("ES256"))
	_, err := f.v.Verify(ctx, f.iss.MustToken(t, "x", nil)) // current key is RS256
	require.ErrorIs(t, err, identity.ErrAlgorithmNotAllowed)
	es, err := f.iss.AddKey("ES256")
	require.NoError(t, err)
	_, err = f.v.Verify(ctx, f.iss.MustToken(t, "x", nil, identitytest.SignWith(es)))
	require.NoError(t, err)
}

func TestNewOIDCVerifierRefusesBadConfig(t *testing.T) {
	iss := identitytest.NewIssuer(t)
	ctx := context.Background()
	aud := identity.WithAudience("a")
	cases := []struct {
		name string
		url  string
		opts []identity.OIDCOption
	}{
		{"no audience", iss.URL(), nil},
		{"empty audience", iss.URL(), []identity.OIDCOption{identity.WithAudience("")}},
		{"audience and no audience check", iss.URL(), []identity.OIDCOption{aud, identity.WithoutAudienceCheck()}},
		{"alg none", iss.URL(), []identity.OIDCOption{aud, identity.WithAlgorithms("none")}},
		{"HMAC", iss.URL(), []identity.OIDCOption{aud, identity.WithAlgorithms("RS256", "HS256")}},
		{"unknown alg", iss.URL(), []identity.OIDCOption{aud, identity.WithAlgorithms("RS1")}},
		{"skew too large", iss.URL(), []identity.OIDCOption{aud, identity.WithClockSkew(maxSkewPlus())}},
		{"negative skew", iss.URL(), []identity.OIDCOption{aud, identity.WithClockSkew(-time.Second)}},
		{"negative refresh", iss.URL(), []identity.OIDCOption{aud, identity.WithKeyRefreshInterval(-time.Second)}},
		{"service claim without value", iss.URL(), []identity.OIDCOption{aud, identity.WithServiceClaim("gty", "")}},
		{"not a URL", "issuer", []identity.OIDCOption{aud}},
		{"empty URL", "", []identity.OIDCOption{aud}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := identity.NewOIDCVerifier(ctx, tc.url, tc.opts...)
			require.ErrorIs(t, err, identity.ErrInvalidConfig)
			assert.Nil(t, v)
		})
	}

	t.Run("discovery names another issuer", func(t *testing.T) {
		// Same server, different spelling: discovery must name exactly the
		// configured issuer.
		_, err := identity.NewOIDCVerifier(ctx, iss.URL()+"/", aud)
		require.ErrorContains(t, err, "did not match the issuer")
	})
	t.Run("no discovery document", func(t *testing.T) {
		_, err := identity.NewOIDCVerifier(ctx, iss.URL()+"/nowhere", aud)
		require.ErrorContains(t, err, "404")
	})
	t.Run("nil options are ignored", func(t *testing.T) {
		v, err := identity.NewOIDCVerifier(ctx, iss.URL(), aud, nil, identity.WithHTTPClient(nil), identity.WithClock(nil))
		require.NoError(t, err)
		assert.Equal(t, iss.URL(), v.Issuer())
	})
	t.Run("custom HTTP client is used", func(t *testing.T) {
		rt := &countingTransport{base: http.DefaultTransport}
		v, err := identity.NewOIDCVerifier(ctx, iss.URL(), identity.WithAudience(identitytest.DefaultAudience),
			identity.WithHTTPClient(&http.Client{Transport: rt}))
		require.NoError(t, err)
		_, err = v.Verify(ctx, iss.MustToken(t, "x", nil))
		require.NoError(t, err)
		assert.Equal(t, 2, rt.count(), "discovery and one key set fetch through the given client")
	})
}

// maxSkewPlus is just past the largest skew accepted.
func maxSkewPlus() time.Duration { return identity.MaxClockSkew + time.Second }

type countingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestErrorsAreDistinct(t *testing.T) {
	all := []error{
		identity.ErrMissingToken, identity.ErrMalformedToken, identity.ErrAlgorithmNotAllowed,
		identity.ErrUnknownKey, identity.ErrBadSignature, identity.ErrKeySetUnavailable,
		identity.ErrWrongIssuer, identity.ErrWrongAudience, identity.ErrExpired,
		identity.ErrNotYetValid, identity.ErrInvalidClaims, identity.ErrMalformedAPIKey,
		identity.ErrUnknownAPIKey, identity.ErrWrongAPIKeySecret, identity.ErrAPIKeyRevoked,
		identity.ErrAPIKeyExpired, identity.ErrUnsupportedCredential, identity.ErrInvalidConfig,
	}
	for i, a := range all {
		for j, b := range all {
			assert.Equal(t, i == j, errors.Is(a, b), "%v vs %v", a, b)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, alg := range []string{"RS256", "ES256"} {
		b.Run(alg, func(b *testing.B) {
			iss := identitytest.NewIssuer(b)
			kid, err := iss.Rotate(alg)
			require.NoError(b, err)
			v, err := identity.NewOIDCVerifier(context.Background(), iss.URL(),
				identity.WithAudience(identitytest.DefaultAudience),
				identity.WithGroupsClaim("realm_access.roles"),
				identity.WithRoleMapping(map[string][]string{"rag-user": {"reader"}}))
			require.NoError(b, err)
			tok := iss.MustToken(b, "bench", map[string]any{
				"realm_access": map[string]any{"roles": []string{"rag-user"}},
			}, identitytest.SignWith(kid))
			ctx := context.Background()
			_, err = v.Verify(ctx, tok) // warm the key cache
			require.NoError(b, err)
			b.SetBytes(int64(len(tok)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestVerifyConcurrent(t *testing.T) {
	f := newFixture(t, identity.WithKeyRefreshInterval(0))
	ctx := context.Background()
	es, err := f.iss.AddKey("ES256")
	require.NoError(t, err)
	tokens := []string{
		f.iss.MustToken(t, "rs", nil),
		f.iss.MustToken(t, "es", nil, identitytest.SignWith(es)),
	}
	forged := f.iss.MustToken(t, "x", nil, identitytest.WithHeader("kid", "forged"))

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				tok := tokens[(g+i)%len(tokens)]
				p, err := f.v.Verify(ctx, tok)
				if assert.NoError(t, err) {
					assert.Contains(t, []string{"rs", "es"}, p.Subject)
				}
				_, err = f.v.Verify(ctx, forged)
				assert.ErrorIs(t, err, identity.ErrUnknownKey)
			}
		})
	}
	// Meanwhile the issuer rotates in a key and a token signed with it arrives.
	wg.Go(func() {
		kid, err := f.iss.Rotate("EdDSA")
		if !assert.NoError(t, err) {
			return
		}
		tok, err := f.iss.Token("ed", nil, identitytest.SignWith(kid))
		if assert.NoError(t, err) {
			p, err := f.v.Verify(ctx, tok)
			assert.NoError(t, err)
			assert.Equal(t, "ed", p.Subject)
		}
	})
	wg.Wait()
}

// brokenIssuer serves a valid discovery document whose key set endpoint
// misbehaves as jwks says.
func brokenIssuer(t *testing.T, jwks http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, srv.URL, srv.URL+"/jwks")
	})
	mux.HandleFunc("/jwks", jwks)
	return srv.URL
}

func TestBrokenKeySetEndpoint(t *testing.T) {
	// Tokens are signed by a real issuer but the verifier trusts the broken
	// one; only the key set fetch matters here.
	iss := identitytest.NewIssuer(t)
	cases := map[string]http.HandlerFunc{
		"500": func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		"not JSON": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("<html>"))
		},
		"oversized": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"keys":[],"pad":"` + strings.Repeat("x", 2<<20) + `"}`))
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			var hits int
			var mu sync.Mutex
			url := brokenIssuer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hits++
				mu.Unlock()
				h(w, r)
			})
			v, err := identity.NewOIDCVerifier(context.Background(), url, identity.WithoutAudienceCheck())
			require.NoError(t, err)
			tok := iss.MustToken(t, "x", map[string]any{"iss": url})
			for range 3 {
				_, err = v.Verify(context.Background(), tok)
				require.ErrorIs(t, err, identity.ErrKeySetUnavailable)
			}
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, 1, hits, "a failed fetch is not retried within the refresh interval")
		})
	}
}
