package identity

import (
	"context"
	"log/slog"
	"slices"
	"time"
)

// Kind says whether a Principal is a person or a workload.
type Kind string

const (
	// KindUser is a human end user, typically authenticated with OIDC.
	KindUser Kind = "user"
	// KindService is a workload: an API key or a workload token.
	KindService Kind = "service"
)

// Method names how a Principal proved who it is.
type Method string

const (
	// MethodOIDC is a verified OpenID Connect ID or access token.
	MethodOIDC Method = "oidc"
	// MethodAPIKey is a service API key checked against its stored hash.
	MethodAPIKey Method = "api_key"
	// MethodWorkloadToken is a signed token issued to a workload.
	MethodWorkloadToken Method = "workload_token"
	// MethodStatic is a principal placed in the context by the program
	// itself (tests, batch jobs). Policies can refuse it by method.
	MethodStatic Method = "static"
)

// Principal is the authenticated caller of a governed call. It is a value:
// copy it freely, but do not mutate slices you did not create.
type Principal struct {
	Subject    string    // stable subject identifier ("sub" claim, or the key id)
	Issuer     string    // token issuer URL, or "ragguard:apikey" for API keys
	Email      string    // verified e-mail address when known
	Name       string    // display name when known
	Groups     []string  // groups from the configured claim
	Roles      []string  // ragguard roles mapped from groups
	Tenant     string    // tenant the caller acts for; scopes pseudonyms and vaults
	Kind       Kind      // user or service
	AuthMethod Method    // how the principal authenticated
	ExpiresAt  time.Time // credential expiry; zero when it has none
}

// ID is the principal's globally unique name: issuer and subject together,
// because a subject is only unique within its issuer.
func (p Principal) ID() string {
	if p.Issuer == "" {
		return p.Subject
	}
	return p.Issuer + "#" + p.Subject
}

// HasRole reports whether the principal holds role r.
func (p Principal) HasRole(r string) bool { return slices.Contains(p.Roles, r) }

// InGroup reports whether the principal is a member of group g.
func (p Principal) InGroup(g string) bool { return slices.Contains(p.Groups, g) }

// Valid reports whether the principal names someone and has not expired at now.
func (p Principal) Valid(now time.Time) bool {
	if p.Subject == "" {
		return false
	}
	return p.ExpiresAt.IsZero() || now.Before(p.ExpiresAt)
}

// LogValue keeps log lines to who the caller is, never credentials.
func (p Principal) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("subject", p.Subject),
		slog.String("issuer", p.Issuer),
		slog.String("tenant", p.Tenant),
		slog.String("kind", string(p.Kind)),
		slog.String("auth_method", string(p.AuthMethod)),
	)
}

type principalKey struct{}

// NewContext returns a copy of ctx that carries p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the Principal stored in ctx by NewContext, if any.
// The Principal is a copy, but its Groups and Roles slices are shared with
// every other holder of ctx: treat them as read-only.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
