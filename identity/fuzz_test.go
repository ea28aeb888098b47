package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/identity/identitytest"
)

// FuzzVerify feeds arbitrary strings to a verifier backed by a real issuer.
// No seed is a valid token (each is signed but refused, or forged), so any
// acceptance is a bug; so is a panic or a principal returned with an error.
func FuzzVerify(f *testing.F) {
	iss := identitytest.NewIssuer(f)
	clk := newFakeClock()
	iss.SetClock(clk.Now)
	// The clock never moves, so after the first key fetch every refresh is
	// served from the cache: the fuzzer does not hammer the issuer.
	v, err := identity.NewOIDCVerifier(context.Background(), iss.URL(),
		identity.WithAudience(identitytest.DefaultAudience), identity.WithClock(clk.Now))
	if err != nil {
		f.Fatal(err)
	}
	now := clk.Now()
	es, err := iss.AddKey("ES256")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(iss.MustToken(f, "a", map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": nil, "nbf": nil}))
	f.Add(iss.MustToken(f, "a", map[string]any{"aud": "other"}, identitytest.SignWith(es)))
	f.Add(iss.MustToken(f, "a", map[string]any{"iss": "https://evil.example"}))
	f.Add(iss.MustToken(f, "a", nil, identitytest.WithHeader("kid", "nope")))
	none, _ := identitytest.UnsignedToken(iss.Claims("a"))
	f.Add(none)
	pub, _ := iss.PublicKeyPEM(iss.CurrentKey())
	hs, _ := identitytest.HMACToken(iss.Claims("a"), pub, iss.CurrentKey())
	f.Add(hs)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.")
	f.Add(strings.Repeat(".", 3))

	ctx := context.Background()
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := v.Verify(ctx, tok)
		if err == nil {
			t.Fatalf("accepted %q as %+v", tok, p)
		}
		if p.Subject != "" || p.AuthMethod != "" {
			t.Fatalf("principal %+v returned with error %v", p, err)
		}
	})
}

// FuzzParseAPIKey: whatever parses must print back to exactly the input,
// so one key has one spelling.
func FuzzParseAPIKey(f *testing.F) {
	k, err := identity.GenerateAPIKey()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(k.Reveal())
	f.Add("rgk_")
	f.Add("rgk_0123456789abcdef_")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := identity.ParseAPIKey(s)
		if err != nil {
			return
		}
		if k.Reveal() != s {
			t.Fatalf("parsed %q, prints %q", s, k.Reveal())
		}
	})
}
