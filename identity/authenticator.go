package identity

import (
	"context"
	"strings"
)

// Authenticator turns a presented credential (a bearer token or an API key)
// into a Principal, or refuses it with an error. Implementations must be safe
// for concurrent use and must return a zero Principal with every error.
type Authenticator interface {
	Authenticate(ctx context.Context, credential string) (Principal, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(ctx context.Context, credential string) (Principal, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(ctx context.Context, credential string) (Principal, error) {
	return f(ctx, credential)
}

// RejectAll returns the fail-closed Authenticator: it refuses every
// credential with ErrUnsupportedCredential (ErrMissingToken when there is
// none). It is a function, not a variable, so no package can swap it out.
func RejectAll() Authenticator { return rejectAll }

var rejectAll = AuthenticatorFunc(func(_ context.Context, credential string) (Principal, error) {
	if credential == "" {
		return Principal{}, ErrMissingToken
	}
	return Principal{}, ErrUnsupportedCredential
})

// Chain returns an Authenticator that routes each credential by its shape:
// API keys (the "rgk_" prefix) go to apiKeys, JWT-shaped credentials (three
// dot-separated segments) go to tokens. Either may be nil, and then that shape
// is refused with ErrUnsupportedCredential, as is any other shape. An empty
// credential is ErrMissingToken. Routing by shape rather than trying each
// verifier in turn means an API key is never sent to an identity provider's
// key set and a token never to the key store.
func Chain(tokens, apiKeys Authenticator) Authenticator {
	return AuthenticatorFunc(func(ctx context.Context, credential string) (Principal, error) {
		var next Authenticator
		switch {
		case credential == "":
			return Principal{}, ErrMissingToken
		case strings.HasPrefix(credential, APIKeyPrefix):
			next = apiKeys
		case looksLikeJWT(credential):
			next = tokens
		}
		if next == nil {
			return Principal{}, ErrUnsupportedCredential
		}
		return next.Authenticate(ctx, credential)
	})
}

// looksLikeJWT is a cheap shape test: exactly two dots, no whitespace. The
// verifier does the real parsing.
func looksLikeJWT(s string) bool {
	return strings.Count(s, ".") == 2 && !strings.ContainsAny(s, " \t\r\n")
}
