// Package identity says who is calling. It verifies the credential a request
// carries — an OpenID Connect token or a ragguard API key — turns it into a
// Principal, and puts that Principal in the request's context, where every
// governed call through ragguard finds it:
//
//	ctx = identity.NewContext(ctx, p)
//	p, ok := identity.FromContext(ctx) // ok is false: fail closed
//
// The package imports no other ragguard package. Identity travels only in
// the context, never as an option, so a call made on behalf of a user
// carries that user however many layers it passes through.
//
// # OpenID Connect
//
// NewOIDCVerifier discovers an issuer through its
// /.well-known/openid-configuration (github.com/coreos/go-oidc/v3) and
// returns an OIDCVerifier whose Verify checks, in this order:
//
//   - shape: a compact JWS of three strict base64url segments, a JSON header
//     with "alg", a JSON object payload, at most 16 KiB (ErrMissingToken,
//     ErrMalformedToken);
//   - algorithm: "alg" on the allow-list, by default RS256, ES256, PS256 and
//     EdDSA (ErrAlgorithmNotAllowed). "none" and HMAC can never be allowed: a
//     verifier that accepted HS256 could be fed a token "signed" with the
//     issuer's public key;
//   - signature, against the issuer's key set (ErrUnknownKey for a kid the
//     issuer does not publish, ErrBadSignature for a signature that does not
//     verify, ErrKeySetUnavailable when the keys cannot be fetched);
//   - issuer (ErrWrongIssuer) and audience (ErrWrongAudience): an audience is
//     required at construction unless WithoutAudienceCheck says otherwise;
//   - time: exp, and nbf and iat when present, within a clock skew of one
//     minute by default and five at most (ErrExpired, ErrNotYetValid; go-oidc
//     leaves nbf to its callers);
//   - claims: a subject and an expiry are required (ErrInvalidClaims).
//
// Each rejection wraps one sentinel, so callers and tests use errors.Is. The
// messages carry detail for logs; the middleware never shows them to the
// caller.
//
// Keys rotate without configuration. The verifier fetches the key set on
// first use and again when a token names a kid it has not seen, so a key the
// issuer publishes is picked up by the first token signed with it. Two
// bounds keep this safe: fetches are at least WithKeyRefreshInterval apart
// (5 s by default), so forged tokens with random kids cannot flood the
// identity provider; and a key set older than WithKeySetMaxAge (15 min) is
// fetched afresh, so a key the issuer withdrew stops verifying even if no
// new key ever appears.
//
// Groups come from a configurable claim — a name, or a dot path into nested
// objects such as Keycloak's "realm_access.roles" — and WithRoleMapping turns
// them into ragguard roles. WithTenantClaim fills Principal.Tenant, and
// WithServiceClaim marks machine tokens (e.g. "gty": "client-credentials")
// as KindService. The e-mail address is kept only when "email_verified" is
// true.
//
// # API keys
//
// Workloads that cannot hold an OIDC token use API keys of the form
//
//	rgk_<16 hex digit id>_<64 hex digit secret>
//
// The prefix makes a leaked key easy to recognise for secret scanners and
// lets Chain route it without parsing. GenerateAPIKey draws the id and a
// 256-bit secret from crypto/rand. A KeyStore keeps only APIKeyHash, SHA-256
// over the id and secret: a slow password hash (bcrypt, Argon2) protects
// guessable secrets, and a uniformly random 256-bit secret is not guessable,
// so it would only add latency to each request. VerifyAPIKey compares hashes
// in constant time and answers ErrMalformedAPIKey, ErrUnknownAPIKey,
// ErrWrongAPIKeySecret, ErrAPIKeyRevoked or ErrAPIKeyExpired; revocation
// and expiry are only told to a holder of the right secret. An APIKey
// prints and logs redacted; only Reveal returns the credential.
// MemoryKeyStore is the in-memory KeyStore; KeyStoreFunc adapts a lookup in
// a database.
//
// # Authenticators and middleware
//
// An Authenticator turns a credential into a Principal; OIDCVerifier is one,
// APIKeyAuthenticator makes one from a KeyStore, AuthenticatorFunc adapts a
// function, and RejectAll refuses everything. Chain routes by shape: API
// keys to the key store, JWTs to the OIDC verifier, anything else refused.
//
// Middleware protects an http.Handler: it reads "Authorization: Bearer" (and
// optionally an API key header), and answers a request it cannot
// authenticate with 401, "WWW-Authenticate: Bearer" and a body that does not
// say why. UnaryServerInterceptor and StreamServerInterceptor do the same
// for gRPC with the "authorization" metadata and codes.Unauthenticated; a
// stream handler finds the Principal in stream.Context(). A request that
// carries two credentials is refused rather than guessed at, and an
// Authenticator that returns a Principal without a subject is not trusted.
// WithLogger records each refusal's reason.
//
// Package identitytest runs a real OIDC issuer in process for tests and
// offline examples.
package identity
