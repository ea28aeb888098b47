package identity

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

const (
	// DefaultClockSkew is how far the verifier's clock may disagree with the
	// issuer's when checking exp, nbf and iat.
	DefaultClockSkew = time.Minute
	// MaxClockSkew is the largest skew WithClockSkew accepts: beyond it an
	// expired token would stay usable for too long.
	MaxClockSkew = 5 * time.Minute
	// DefaultKeyRefreshInterval is the least time between two fetches of the
	// issuer's key set.
	DefaultKeyRefreshInterval = 5 * time.Second
	// DefaultKeySetMaxAge is how long a fetched key set is trusted before it
	// is fetched again, so keys the issuer withdrew stop verifying.
	DefaultKeySetMaxAge = 15 * time.Minute
	// DefaultGroupsClaim is the claim read for group membership.
	DefaultGroupsClaim = "groups"
)

// defaultAlgorithms are accepted when WithAlgorithms is not given: the
// asymmetric ones identity providers use.
var defaultAlgorithms = []string{"RS256", "ES256", "PS256", "EdDSA"}

// asymmetricAlgorithms are the only algorithms WithAlgorithms may name. HMAC
// ("HS256"...) is absent on purpose: with a public key set, an HMAC "secret"
// is whatever the attacker reads from the JWKS. "none" is absent too.
var asymmetricAlgorithms = []string{
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512",
	"EdDSA",
}

// OIDCOption configures NewOIDCVerifier.
type OIDCOption interface{ apply(*oidcConfig) }

type oidcOptionFunc func(*oidcConfig)

func (f oidcOptionFunc) apply(c *oidcConfig) { f(c) }

type oidcConfig struct {
	audiences    []string
	skipAudience bool
	algorithms   []string
	skew         time.Duration
	groupsClaim  string
	roles        map[string][]string
	tenantClaim  string
	serviceClaim string
	serviceValue string
	now          func() time.Time
	client       *http.Client
	keyRefresh   time.Duration
	keyMaxAge    time.Duration
}

func defaultOIDCConfig() oidcConfig {
	return oidcConfig{
		algorithms:  slices.Clone(defaultAlgorithms),
		skew:        DefaultClockSkew,
		groupsClaim: DefaultGroupsClaim,
		now:         time.Now,
		keyRefresh:  DefaultKeyRefreshInterval,
		keyMaxAge:   DefaultKeySetMaxAge,
	}
}

// WithAudience accepts tokens whose "aud" contains any of audiences.
// NewOIDCVerifier refuses to build a verifier without an audience unless
// WithoutAudienceCheck is given: a token minted for another client of the
// same issuer must not open this service. Empty strings are ignored.
func WithAudience(audiences ...string) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) {
		for _, a := range audiences {
			if a != "" && !slices.Contains(c.audiences, a) {
				c.audiences = append(c.audiences, a)
			}
		}
	})
}

// WithoutAudienceCheck accepts tokens for any audience of the issuer. Use it
// only when the issuer mints tokens for this service alone.
func WithoutAudienceCheck() OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) { c.skipAudience = true })
}

// WithAlgorithms replaces the allowed signing algorithms, by default RS256,
// ES256, PS256 and EdDSA. Each must be an
// asymmetric JWS algorithm (RS*, PS*, ES*, EdDSA); "none" and HMAC make
// NewOIDCVerifier fail. An empty call is ignored.
func WithAlgorithms(algs ...string) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) {
		if len(algs) > 0 {
			c.algorithms = slices.Clone(algs)
		}
	})
}

// WithClockSkew sets how far exp, nbf and iat may be off; between 0 and
// MaxClockSkew, otherwise NewOIDCVerifier fails.
func WithClockSkew(d time.Duration) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) { c.skew = d })
}

// WithGroupsClaim names the claim that lists the caller's groups: a claim
// name ("groups", "https://example.com/groups") or a dot path into nested
// objects ("realm_access.roles"). An empty name is ignored.
func WithGroupsClaim(path string) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) {
		if path != "" {
			c.groupsClaim = path
		}
	})
}

// WithRoleMapping maps groups to ragguard roles: a principal gets the union
// of the roles of its groups. Groups without an entry give no role. The map
// is copied; nil is ignored.
func WithRoleMapping(groupRoles map[string][]string) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) {
		if groupRoles == nil {
			return
		}
		if c.roles == nil {
			c.roles = make(map[string][]string, len(groupRoles))
		}
		for g, r := range maps.All(groupRoles) {
			c.roles[g] = append(c.roles[g], r...)
		}
	})
}

// WithTenantClaim names the claim (or dot path) that holds the tenant.
func WithTenantClaim(path string) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) { c.tenantClaim = path })
}

// WithServiceClaim makes a principal KindService when the claim at path
// equals value (or is an array containing it), for example
// WithServiceClaim("gty", "client-credentials") for machine-to-machine tokens.
// Every other token gives KindUser.
func WithServiceClaim(path, value string) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) { c.serviceClaim, c.serviceValue = path, value })
}

// WithClock sets the clock used for exp, nbf and iat and for the key
// refresh interval (tests). Nil is ignored.
func WithClock(now func() time.Time) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) {
		if now != nil {
			c.now = now
		}
	})
}

// WithHTTPClient sets the client for discovery and key set fetches. Nil is
// ignored; the default is a client with a 10 second timeout.
func WithHTTPClient(client *http.Client) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) {
		if client != nil {
			c.client = client
		}
	})
}

// WithKeyRefreshInterval sets the least time between two fetches of the
// issuer's key set. A token signed with a key id not yet seen triggers a
// fetch (that is how rotated-in keys are learnt); within the interval the
// last key set is used again, so a flood of forged tokens cannot turn into a
// flood of requests to the identity provider. Zero refetches on every miss.
func WithKeyRefreshInterval(d time.Duration) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) { c.keyRefresh = d })
}

// WithKeySetMaxAge sets how long a fetched key set is used before the next
// token makes the verifier fetch it again. Rotation brings new keys in on
// demand (an unknown kid triggers a fetch); this bound is what takes
// withdrawn keys out. Zero keeps a key set until a token misses it.
func WithKeySetMaxAge(d time.Duration) OIDCOption {
	return oidcOptionFunc(func(c *oidcConfig) { c.keyMaxAge = d })
}
