package identity_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/identity/identitytest"
)

// authSetup is a chain of a real OIDC verifier and a real key store.
type authSetup struct {
	iss    *identitytest.Issuer
	store  *identity.MemoryKeyStore
	apiKey identity.APIKey
	auth   identity.Authenticator
}

func newAuthSetup(t *testing.T) *authSetup {
	t.Helper()
	iss := identitytest.NewIssuer(t)
	v, err := identity.NewOIDCVerifier(context.Background(), iss.URL(),
		identity.WithAudience(identitytest.DefaultAudience),
		identity.WithRoleMapping(map[string][]string{"analysts": {"reader"}}))
	require.NoError(t, err)
	store := identity.NewMemoryKeyStore()
	k, err := store.Issue(identity.Principal{Subject: "indexer"}, time.Time{})
	require.NoError(t, err)
	return &authSetup{iss: iss, store: store, apiKey: k, auth: identity.Chain(v, identity.APIKeyAuthenticator(store))}
}

func TestChainRoutesByShape(t *testing.T) {
	s := newAuthSetup(t)
	ctx := context.Background()

	p, err := s.auth.Authenticate(ctx, s.iss.MustToken(t, "alice", nil))
	require.NoError(t, err)
	assert.Equal(t, identity.MethodOIDC, p.AuthMethod)

	p, err = s.auth.Authenticate(ctx, s.apiKey.Reveal())
	require.NoError(t, err)
	assert.Equal(t, identity.MethodAPIKey, p.AuthMethod)
	assert.Equal(t, "indexer", p.Subject)

	_, err = s.auth.Authenticate(ctx, "")
	require.ErrorIs(t, err, identity.ErrMissingToken)
	_, err = s.auth.Authenticate(ctx, "opaque-session-cookie")
	require.ErrorIs(t, err, identity.ErrUnsupportedCredential)
	_, err = s.auth.Authenticate(ctx, "rgk_short")
	require.ErrorIs(t, err, identity.ErrMalformedAPIKey, "the prefix routes to the key store")

	tokensOnly := identity.Chain(identity.AuthenticatorFunc(func(context.Context, string) (identity.Principal, error) {
		return identity.Principal{Subject: "jwt"}, nil
	}), nil)
	_, err = tokensOnly.Authenticate(ctx, s.apiKey.Reveal())
	require.ErrorIs(t, err, identity.ErrUnsupportedCredential, "no API key verifier configured")
	p, err = tokensOnly.Authenticate(ctx, "a.b.c")
	require.NoError(t, err)
	assert.Equal(t, "jwt", p.Subject)
	_, err = tokensOnly.Authenticate(ctx, "a.b .c")
	require.ErrorIs(t, err, identity.ErrUnsupportedCredential)

	_, err = identity.RejectAll().Authenticate(ctx, "x.y.z")
	require.ErrorIs(t, err, identity.ErrUnsupportedCredential)
	_, err = identity.RejectAll().Authenticate(ctx, "")
	require.ErrorIs(t, err, identity.ErrMissingToken)
}

// whoami answers with the principal the middleware put in the context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := identity.FromContext(r.Context())
	if !ok {
		http.Error(w, "no principal", http.StatusInternalServerError)
		return
	}
	_, _ = io.WriteString(w, p.Subject+" "+string(p.AuthMethod)+" "+strings.Join(p.Roles, ","))
})

func TestMiddleware(t *testing.T) {
	s := newAuthSetup(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	srv := httptest.NewServer(identity.Middleware(s.auth, identity.WithLogger(logger), identity.WithAPIKeyHeader("X-API-Key"))(whoami))
	t.Cleanup(srv.Close)

	do := func(t *testing.T, headers map[string][]string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/whoami", nil)
		require.NoError(t, err)
		for k, vs := range headers {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, string(body)
	}

	good := s.iss.MustToken(t, "alice", map[string]any{"groups": []string{"analysts"}})
	t.Run("bearer token", func(t *testing.T) {
		code, _, body := do(t, map[string][]string{"Authorization": {"Bearer " + good}})
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, "alice oidc reader", body)
	})
	t.Run("scheme is case-insensitive", func(t *testing.T) {
		code, _, body := do(t, map[string][]string{"Authorization": {"bearer  " + good}})
		require.Equal(t, http.StatusOK, code, body)
	})
	t.Run("api key header", func(t *testing.T) {
		code, _, body := do(t, map[string][]string{"X-Api-Key": {s.apiKey.Reveal()}})
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, "indexer api_key ", body)
	})
	t.Run("api key as bearer", func(t *testing.T) {
		code, _, body := do(t, map[string][]string{"Authorization": {"Bearer " + s.apiKey.Reveal()}})
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, "indexer api_key ", body)
	})

	expired := s.iss.MustToken(t, "alice", map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	wrongAud := s.iss.MustToken(t, "alice", map[string]any{"aud": "elsewhere"})
	refusals := []struct {
		name       string
		headers    map[string][]string
		challenge  string
		logsReason string
	}{
		{"no credential", nil, "Bearer", "missing token"},
		{"empty bearer", map[string][]string{"Authorization": {"Bearer "}}, "Bearer", "missing token"},
		{"basic auth", map[string][]string{"Authorization": {"Basic YWxpY2U6cHc="}}, `Bearer error="invalid_token"`, "not Bearer"},
		{"expired", map[string][]string{"Authorization": {"Bearer " + expired}}, `Bearer error="invalid_token"`, "token expired"},
		{"wrong audience", map[string][]string{"Authorization": {"Bearer " + wrongAud}}, `Bearer error="invalid_token"`, "wrong audience"},
		{"revoked-looking garbage key", map[string][]string{"X-Api-Key": {"rgk_00"}}, `Bearer error="invalid_token"`, "malformed API key"},
		{"two authorization headers", map[string][]string{"Authorization": {"Bearer " + good, "Bearer " + good}}, `Bearer error="invalid_token"`, "more than one credential"},
		{"token and api key", map[string][]string{"Authorization": {"Bearer " + good}, "X-Api-Key": {s.apiKey.Reveal()}}, `Bearer error="invalid_token"`, "more than one credential"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			code, h, body := do(t, tc.headers)
			assert.Equal(t, http.StatusUnauthorized, code)
			assert.Equal(t, tc.challenge, h.Get("WWW-Authenticate"))
			assert.Equal(t, "unauthorized\n", body, "the body never says why")
			assert.Contains(t, logs.String(), tc.logsReason, "the reason is logged")
			assert.NotContains(t, logs.String(), good, "credentials are not logged")
		})
	}
}

func TestMiddlewareFailsClosed(t *testing.T) {
	reached := false
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true })

	// A nil Authenticator refuses everything.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer a.b.c")
	identity.Middleware(nil)(next).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)

	// An Authenticator that "succeeds" without a subject is not trusted.
	empty := identity.AuthenticatorFunc(func(context.Context, string) (identity.Principal, error) {
		return identity.Principal{}, nil
	})
	rec = httptest.NewRecorder()
	identity.Middleware(empty)(next).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.False(t, reached)
}
