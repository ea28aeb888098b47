package identity

import "errors"

// Rejections of a bearer token. Verify wraps exactly one of these with detail
// for logs, so callers branch with errors.Is and never on message text.
var (
	// ErrMissingToken: no credential was presented at all.
	ErrMissingToken = errors.New("identity: missing token")
	// ErrMalformedToken: the credential is not a compact JWS with a JSON
	// header and payload (wrong segment count, bad base64, bad JSON, too large).
	ErrMalformedToken = errors.New("identity: malformed token")
	// ErrAlgorithmNotAllowed: the token's "alg" is not on the allow-list.
	// "none" and HMAC algorithms are never on it.
	ErrAlgorithmNotAllowed = errors.New("identity: signing algorithm not allowed")
	// ErrUnknownKey: no key in the issuer's current key set has the token's "kid",
	// even after a refresh of the key set.
	ErrUnknownKey = errors.New("identity: unknown signing key")
	// ErrBadSignature: a key with the token's "kid" exists but the signature
	// does not verify with it (tampered header or payload, wrong key).
	ErrBadSignature = errors.New("identity: bad signature")
	// ErrKeySetUnavailable: the issuer's key set could not be fetched, so the
	// signature could not be checked. The token is refused (fail closed).
	ErrKeySetUnavailable = errors.New("identity: issuer key set unavailable")
	// ErrWrongIssuer: the "iss" claim is not the configured issuer.
	ErrWrongIssuer = errors.New("identity: wrong issuer")
	// ErrWrongAudience: none of the token's "aud" values is an accepted audience.
	ErrWrongAudience = errors.New("identity: wrong audience")
	// ErrExpired: "exp" is in the past by more than the allowed clock skew.
	ErrExpired = errors.New("identity: token expired")
	// ErrNotYetValid: "nbf" or "iat" is in the future by more than the allowed
	// clock skew.
	ErrNotYetValid = errors.New("identity: token not yet valid")
	// ErrInvalidClaims: a required claim ("sub", "exp") is missing, or a claim
	// has the wrong JSON type.
	ErrInvalidClaims = errors.New("identity: invalid claims")
)

// Rejections of an API key.
var (
	// ErrMalformedAPIKey: the credential has the API key prefix but not the
	// rgk_<id>_<secret> shape.
	ErrMalformedAPIKey = errors.New("identity: malformed API key")
	// ErrUnknownAPIKey: the key store has no key with this id.
	ErrUnknownAPIKey = errors.New("identity: unknown API key")
	// ErrWrongAPIKeySecret: the key id exists but the secret does not match
	// its stored hash.
	ErrWrongAPIKeySecret = errors.New("identity: wrong API key secret")
	// ErrAPIKeyRevoked: the key was revoked.
	ErrAPIKeyRevoked = errors.New("identity: API key revoked")
	// ErrAPIKeyExpired: the key's expiry has passed.
	ErrAPIKeyExpired = errors.New("identity: API key expired")
)

// ErrUnsupportedCredential is returned by an Authenticator that has no
// verifier for the shape of the credential it was given (for example an API
// key sent to a chain configured for OIDC tokens only).
var ErrUnsupportedCredential = errors.New("identity: unsupported credential")

// ErrInvalidConfig is wrapped by constructor errors for bad options, so a
// misconfiguration fails at start-up rather than accepting tokens it should not.
var ErrInvalidConfig = errors.New("identity: invalid configuration")
