package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// maxTokenBytes bounds the work an unauthenticated caller can ask of Verify.
// Real ID and access tokens are a few kilobytes.
const maxTokenBytes = 16 << 10

// OIDCVerifier checks OpenID Connect tokens (ID tokens, or JWT access tokens
// from the same issuer) and turns them into Principals. It is safe for
// concurrent use; build one per issuer and keep it.
type OIDCVerifier struct {
	issuer       string
	verifier     *oidc.IDTokenVerifier
	keys         *jwksTransport
	algorithms   []string
	audiences    []string
	skipAudience bool
	skew         time.Duration
	groupsClaim  string
	roles        map[string][]string
	tenantClaim  string
	serviceClaim string
	serviceValue string
	now          func() time.Time
}

var _ Authenticator = (*OIDCVerifier)(nil)

// NewOIDCVerifier discovers the issuer (its /.well-known/openid-configuration
// must name the same issuer) and returns a verifier for its tokens. The key
// set is fetched on first use and refreshed when a token names a key id it
// has not seen (key rotation), at most once per key refresh interval.
//
// It fails closed on configuration: no audience (unless WithoutAudienceCheck),
// an algorithm that is "none", HMAC or unknown, a clock skew outside
// [0, MaxClockSkew], or a negative refresh interval all return an error
// wrapping ErrInvalidConfig.
func NewOIDCVerifier(ctx context.Context, issuerURL string, opts ...OIDCOption) (*OIDCVerifier, error) {
	cfg := defaultOIDCConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if err := cfg.validate(issuerURL); err != nil {
		return nil, err
	}
	client := cfg.client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), issuerURL)
	if err != nil {
		return nil, fmt.Errorf("identity: discovering issuer %s: %w", issuerURL, err)
	}
	var meta struct {
		JWKSURL string `json:"jwks_uri"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKSURL == "" {
		return nil, fmt.Errorf("identity: issuer %s publishes no jwks_uri", issuerURL)
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	keys := &jwksTransport{base: base, jwksURL: meta.JWKSURL, minInterval: cfg.keyRefresh, now: cfg.now}
	keyClient := &http.Client{Transport: keys, Timeout: client.Timeout, CheckRedirect: client.CheckRedirect, Jar: client.Jar}
	// The key set outlives the constructor's ctx: it is used for every later
	// refresh, so keep its values and drop its cancellation.
	keyCtx := oidc.ClientContext(context.WithoutCancel(ctx), keyClient)
	ks := &keySet{
		newRemote: func() *oidc.RemoteKeySet { return oidc.NewRemoteKeySet(keyCtx, meta.JWKSURL) },
		transport: keys,
		maxAge:    cfg.keyMaxAge,
		now:       cfg.now,
	}
	verifier := oidc.NewVerifier(issuerURL, ks, &oidc.Config{
		// Audience and time claims are checked by Verify below: go-oidc takes
		// one client id and no skew, and does not report which check failed.
		SkipClientIDCheck:    true,
		SkipExpiryCheck:      true,
		SupportedSigningAlgs: cfg.algorithms,
		Now:                  cfg.now,
	})
	return &OIDCVerifier{
		issuer:       issuerURL,
		verifier:     verifier,
		keys:         keys,
		algorithms:   cfg.algorithms,
		audiences:    cfg.audiences,
		skipAudience: cfg.skipAudience,
		skew:         cfg.skew,
		groupsClaim:  cfg.groupsClaim,
		roles:        cfg.roles,
		tenantClaim:  cfg.tenantClaim,
		serviceClaim: cfg.serviceClaim,
		serviceValue: cfg.serviceValue,
		now:          cfg.now,
	}, nil
}

func (c *oidcConfig) validate(issuerURL string) error {
	u, err := url.Parse(issuerURL)
	if issuerURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: issuer URL %q is not an http(s) URL", ErrInvalidConfig, issuerURL)
	}
	if len(c.audiences) == 0 && !c.skipAudience {
		return fmt.Errorf("%w: no audience: use WithAudience, or WithoutAudienceCheck to accept any", ErrInvalidConfig)
	}
	if len(c.audiences) > 0 && c.skipAudience {
		return fmt.Errorf("%w: both WithAudience and WithoutAudienceCheck given", ErrInvalidConfig)
	}
	for _, a := range c.algorithms {
		if !slices.Contains(asymmetricAlgorithms, a) {
			return fmt.Errorf("%w: signing algorithm %q is not allowed (asymmetric JWS algorithms only)", ErrInvalidConfig, a)
		}
	}
	if c.skew < 0 || c.skew > MaxClockSkew {
		return fmt.Errorf("%w: clock skew %v outside [0, %v]", ErrInvalidConfig, c.skew, MaxClockSkew)
	}
	if c.keyRefresh < 0 || c.keyMaxAge < 0 {
		return fmt.Errorf("%w: negative key refresh interval or key set age", ErrInvalidConfig)
	}
	if c.serviceClaim != "" && c.serviceValue == "" {
		return fmt.Errorf("%w: service claim %q needs a value", ErrInvalidConfig, c.serviceClaim)
	}
	return nil
}

// Issuer returns the issuer URL tokens must carry in "iss".
func (v *OIDCVerifier) Issuer() string { return v.issuer }

// Authenticate implements Authenticator; it is Verify.
func (v *OIDCVerifier) Authenticate(ctx context.Context, credential string) (Principal, error) {
	return v.Verify(ctx, credential)
}

// Verify checks rawToken — shape, algorithm, signature against the issuer's
// key set, issuer, audience, exp, nbf and iat within the clock skew, and a
// non-empty subject — and returns the Principal it names, with AuthMethod
// MethodOIDC. Every rejection wraps one of the Err* sentinels of this package
// (errors.Is), with detail meant for logs, not for the caller.
func (v *OIDCVerifier) Verify(ctx context.Context, rawToken string) (Principal, error) {
	if rawToken == "" {
		return Principal{}, ErrMissingToken
	}
	if err := ctx.Err(); err != nil {
		return Principal{}, fmt.Errorf("identity: verify: %w", err)
	}
	hdr, payload, err := parseCompactJWS(rawToken)
	if err != nil {
		return Principal{}, err
	}
	if !slices.Contains(v.algorithms, hdr.Alg) {
		return Principal{}, fmt.Errorf("%w: %q", ErrAlgorithmNotAllowed, truncate(hdr.Alg))
	}
	res := &sigResult{kid: hdr.Kid}
	tok, err := v.verifier.Verify(context.WithValue(ctx, sigResultKey{}, res), rawToken)
	if err != nil {
		return Principal{}, v.classify(ctx, err, res, hdr.Kid, payload)
	}
	// go-oidc checks its cached keys first and updates that cache
	// asynchronously after a fetch, so for a moment it can still hold a key
	// the issuer has withdrawn. The transport's record of the latest key set
	// is updated before any caller sees the fetch, so it has the last word.
	if !v.keys.knownKey(hdr.Kid) {
		return Principal{}, fmt.Errorf("%w: kid %q is no longer published", ErrUnknownKey, truncate(hdr.Kid))
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidClaims, err)
	}
	return v.principal(claims)
}

// classify names the check that made go-oidc refuse the token.
func (v *OIDCVerifier) classify(ctx context.Context, err error, res *sigResult, kid string, payload []byte) error {
	switch {
	case !res.checked:
		// go-oidc refused before asking for the signature: go-jose could not
		// parse the JWS.
		return fmt.Errorf("%w: %v", ErrMalformedToken, err)
	case res.err != nil:
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("identity: verify interrupted: %w", ctxErr)
		}
		if errors.Is(res.err, ErrKeySetUnavailable) {
			return fmt.Errorf("identity: checking signature: %w", res.err)
		}
		if !v.keys.knownKey(kid) {
			return fmt.Errorf("%w: kid %q", ErrUnknownKey, truncate(kid))
		}
		return fmt.Errorf("%w: kid %q", ErrBadSignature, truncate(kid))
	}
	// The signature is good, so the payload is the issuer's; go-oidc refused
	// a claim. It checks the issuer and decodes iss, aud, exp, iat.
	var c struct {
		Iss any `json:"iss"`
	}
	if json.Unmarshal(payload, &c) == nil {
		if iss, ok := c.Iss.(string); !ok || iss != v.issuer {
			return fmt.Errorf("%w: %q", ErrWrongIssuer, truncate(fmt.Sprint(c.Iss)))
		}
	}
	return fmt.Errorf("%w: %v", ErrInvalidClaims, err)
}

func (v *OIDCVerifier) principal(claims map[string]any) (Principal, error) {
	now := v.now()
	if !v.skipAudience {
		auds := claimStrings(claims, "aud")
		if !slices.ContainsFunc(auds, func(a string) bool { return slices.Contains(v.audiences, a) }) {
			return Principal{}, fmt.Errorf("%w: %q", ErrWrongAudience, truncate(strings.Join(auds, ",")))
		}
	}
	exp, ok, err := numericDate(claims, "exp")
	if err != nil {
		return Principal{}, err
	}
	if !ok {
		return Principal{}, fmt.Errorf("%w: no exp", ErrInvalidClaims)
	}
	if !now.Before(exp.Add(v.skew)) {
		return Principal{}, fmt.Errorf("%w: at %s", ErrExpired, exp.UTC().Format(time.RFC3339))
	}
	for _, name := range []string{"nbf", "iat"} {
		t, ok, err := numericDate(claims, name)
		if err != nil {
			return Principal{}, err
		}
		if ok && t.After(now.Add(v.skew)) {
			return Principal{}, fmt.Errorf("%w: %s %s", ErrNotYetValid, name, t.UTC().Format(time.RFC3339))
		}
	}
	sub := claimString(claims, "sub")
	if sub == "" {
		return Principal{}, fmt.Errorf("%w: no sub", ErrInvalidClaims)
	}
	p := Principal{
		Subject:    sub,
		Issuer:     v.issuer,
		Name:       claimString(claims, "name"),
		Kind:       KindUser,
		AuthMethod: MethodOIDC,
		ExpiresAt:  exp,
	}
	if p.Name == "" {
		p.Name = claimString(claims, "preferred_username")
	}
	if emailVerified(claims) {
		p.Email = claimString(claims, "email")
	}
	p.Groups = claimStrings(claims, v.groupsClaim)
	p.Roles = mapRoles(p.Groups, v.roles)
	if v.tenantClaim != "" {
		p.Tenant = claimString(claims, v.tenantClaim)
	}
	if v.serviceClaim != "" && claimMatches(claims, v.serviceClaim, v.serviceValue) {
		p.Kind = KindService
	}
	return p, nil
}

// emailVerified accepts true, and "true" as some providers send it.
func emailVerified(claims map[string]any) bool {
	switch v := claims["email_verified"].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// numericDate reads a JWT NumericDate (seconds since the epoch, possibly
// fractional). A present claim of another type is ErrInvalidClaims.
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	raw, ok := claims[name]
	if !ok || raw == nil {
		return time.Time{}, false, nil
	}
	f, ok := raw.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return time.Time{}, false, fmt.Errorf("%w: %s is not a NumericDate", ErrInvalidClaims, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// b64 is strict: a segment with non-zero trailing bits is refused, so a
// token has exactly one encoding and cannot be altered without breaking it.
var b64 = base64.RawURLEncoding.Strict()

// parseCompactJWS checks the shape of a compact JWS (three base64url
// segments, a JSON object header naming an algorithm, a JSON object payload)
// before any key is involved, and returns the header and payload.
func parseCompactJWS(raw string) (jwsHeader, []byte, error) {
	if len(raw) > maxTokenBytes {
		return jwsHeader{}, nil, fmt.Errorf("%w: %d bytes", ErrMalformedToken, len(raw))
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return jwsHeader{}, nil, fmt.Errorf("%w: %d segments, want 3", ErrMalformedToken, len(parts))
	}
	var seg [3][]byte
	for i, p := range parts {
		b, err := b64.DecodeString(p)
		if err != nil {
			return jwsHeader{}, nil, fmt.Errorf("%w: segment %d: %v", ErrMalformedToken, i+1, err)
		}
		seg[i] = b
	}
	var hdr jwsHeader
	if err := json.Unmarshal(seg[0], &hdr); err != nil {
		return jwsHeader{}, nil, fmt.Errorf("%w: header: %v", ErrMalformedToken, err)
	}
	if hdr.Alg == "" {
		return jwsHeader{}, nil, fmt.Errorf("%w: header has no alg", ErrMalformedToken)
	}
	if !json.Valid(seg[1]) || !isObject(seg[1]) {
		return jwsHeader{}, nil, fmt.Errorf("%w: payload is not a JSON object", ErrMalformedToken)
	}
	return hdr, seg[1], nil
}

func isObject(b []byte) bool {
	s := strings.TrimLeft(string(b), " \t\r\n")
	return strings.HasPrefix(s, "{")
}

// truncate keeps attacker-chosen strings short in error messages and logs.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
