// Package identitytest runs a real OpenID Connect issuer in process for
// tests and offline examples.
//
// An Issuer serves OpenID Connect discovery and a JSON Web Key Set on a
// loopback HTTP server and signs real JWTs (RS256, ES256, PS256, EdDSA...)
// with go-jose, so code under test verifies tokens exactly as it would
// against a production identity provider:
//
//	iss := identitytest.NewIssuer(t) // closed when the test ends
//	v, err := identity.NewOIDCVerifier(ctx, iss.URL(),
//		identity.WithAudience(identitytest.DefaultAudience))
//	tok := iss.MustToken(t, "alice", map[string]any{"groups": []string{"analysts"}})
//	p, err := v.Verify(ctx, tok)
//
// Token merges extra claims over valid defaults (a nil value deletes a
// claim); Sign signs exactly the claims given. Rotate, AddKey, UseKey and
// RemoveKey drive key rotation, and SignWith / WithHeader make tokens signed
// by an unpublished key or naming a key that does not exist. HMACToken and
// UnsignedToken make the tokens of the algorithm-confusion and "alg":"none"
// attacks. StartIssuer gives an Issuer outside a test; call Close.
//
// TestKeyStore is the conformance suite for identity.KeyStore
// implementations: a store backed by a database runs the same checks as the
// in-memory one.
//
// The package imports only the identity package, so any package's tests can
// use it.
package identitytest
