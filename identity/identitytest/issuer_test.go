package identitytest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/identity/identitytest"
)

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(body, v))
}

// verify checks tok with go-jose alone against the served JWKS, so the
// issuer is tested independently of the identity package.
func verify(t *testing.T, iss *identitytest.Issuer, tok string) (map[string]any, jose.Header) {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, iss.JWKSURL(), &set)
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.RS512, jose.ES256, jose.ES384, jose.PS256, jose.EdDSA})
	require.NoError(t, err)
	hdr := jws.Signatures[0].Header
	keys := set.Key(hdr.KeyID)
	require.Len(t, keys, 1, "kid %q published once", hdr.KeyID)
	payload, err := jws.Verify(keys[0].Key)
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	return claims, hdr
}

func TestDiscoveryAndJWKS(t *testing.T) {
	iss := identitytest.NewIssuer(t)
	assert.True(t, strings.HasPrefix(iss.URL(), "http://127.0.0.1:"), iss.URL())

	var doc struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	getJSON(t, iss.URL()+"/.well-known/openid-configuration", &doc)
	assert.Equal(t, iss.URL(), doc.Issuer)
	assert.Equal(t, iss.JWKSURL(), doc.JWKSURI)
	assert.Contains(t, doc.Algs, "RS256")

	var set jose.JSONWebKeySet
	getJSON(t, iss.JWKSURL(), &set)
	require.Len(t, set.Keys, 2, "an RS256 and an ES256 key to start with")
	for _, k := range set.Keys {
		assert.True(t, k.IsPublic(), "the JWKS holds public keys only")
		assert.Equal(t, "sig", k.Use)
	}
	assert.Equal(t, 1, iss.JWKSFetches(), "discovery is not a key set fetch")
}

func TestTokenDefaultsAndOverrides(t *testing.T) {
	iss := identitytest.NewIssuer(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	iss.SetClock(func() time.Time { return at })

	tok := iss.MustToken(t, "alice", map[string]any{"groups": []string{"g"}, "nbf": nil})
	claims, hdr := verify(t, iss, tok)
	assert.Equal(t, iss.URL(), claims["iss"])
	assert.Equal(t, identitytest.DefaultAudience, claims["aud"])
	assert.Equal(t, "alice", claims["sub"])
	assert.InDelta(t, at.Unix(), claims["iat"], 0)
	assert.InDelta(t, at.Add(time.Hour).Unix(), claims["exp"], 0)
	assert.NotContains(t, claims, "nbf", "a nil extra deletes the claim")
	assert.Equal(t, []any{"g"}, claims["groups"])
	assert.Equal(t, iss.CurrentKey(), hdr.KeyID)
	assert.Equal(t, "RS256", hdr.Algorithm)
	assert.Equal(t, "JWT", hdr.ExtraHeaders["typ"])
}

func TestKeyManagement(t *testing.T) {
	iss := identitytest.NewIssuer(t)
	first := iss.CurrentKey()
	for _, alg := range []string{"ES256", "PS256", "EdDSA", "ES384", "RS512"} {
		kid, err := iss.Rotate(alg)
		require.NoError(t, err)
		assert.Equal(t, kid, iss.CurrentKey())
		_, hdr := verify(t, iss, iss.MustToken(t, "x", nil))
		assert.Equal(t, kid, hdr.KeyID)
		assert.Equal(t, alg, hdr.Algorithm)
	}
	_, err := iss.Rotate("HS256")
	require.Error(t, err, "the issuer signs with asymmetric keys only")

	iss.RemoveKey(first)
	var set jose.JSONWebKeySet
	getJSON(t, iss.JWKSURL(), &set)
	assert.Empty(t, set.Key(first), "removed keys are not published")
	assert.Contains(t, iss.KeyIDs(), first, "but still known to the issuer")

	// A removed key can still sign, for rotation tests.
	tok, err := iss.Sign(iss.Claims("x"), identitytest.SignWith(first))
	require.NoError(t, err)
	hdr := decodeHeader(t, tok)
	assert.Equal(t, first, hdr["kid"])

	require.NoError(t, iss.UseKey(first))
	assert.Equal(t, first, iss.CurrentKey())
	require.Error(t, iss.UseKey("nope"))
	_, err = iss.Sign(iss.Claims("x"), identitytest.SignWith("nope"))
	require.Error(t, err)
}

func TestAttackTokens(t *testing.T) {
	iss := identitytest.NewIssuer(t)
	claims := iss.Claims("mallory")

	none, err := identitytest.UnsignedToken(claims)
	require.NoError(t, err)
	assert.Equal(t, "none", decodeHeader(t, none)["alg"])
	assert.True(t, strings.HasSuffix(none, "."), "empty signature")

	pub, err := iss.PublicKeyPEM(iss.CurrentKey())
	require.NoError(t, err)
	assert.Contains(t, string(pub), "BEGIN PUBLIC KEY")
	hs, err := identitytest.HMACToken(claims, pub, iss.CurrentKey())
	require.NoError(t, err)
	hdr := decodeHeader(t, hs)
	assert.Equal(t, "HS256", hdr["alg"])
	assert.Equal(t, iss.CurrentKey(), hdr["kid"])
	// It really is HMAC over the public key bytes.
	jws, err := jose.ParseSigned(hs, []jose.SignatureAlgorithm{jose.HS256})
	require.NoError(t, err)
	_, err = jws.Verify(pub)
	require.NoError(t, err)

	forged, err := iss.Sign(claims, identitytest.WithHeader("kid", "forged"))
	require.NoError(t, err)
	assert.Equal(t, "forged", decodeHeader(t, forged)["kid"])
}

func TestStartIssuerOutsideTests(t *testing.T) {
	iss, err := identitytest.StartIssuer()
	require.NoError(t, err)
	url := iss.URL()
	iss.Close()
	_, err = http.Get(url + "/jwks")
	require.Error(t, err, "Close stops the server")
}

func decodeHeader(t *testing.T, tok string) map[string]any {
	t.Helper()
	seg, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	var h map[string]any
	require.NoError(t, json.Unmarshal(b, &h))
	return h
}
