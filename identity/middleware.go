package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// errAmbiguousCredential: two credentials in one request. Refused rather
// than picking one, so a proxy and a client cannot disagree on who called.
var errAmbiguousCredential = errors.New("identity: more than one credential presented")

// errNoSubject guards against an Authenticator that returns no error and an
// empty Principal: that must not become an anonymous "authenticated" call.
var errNoSubject = errors.New("identity: authenticator returned a principal without subject")

// Middleware returns HTTP middleware that authenticates every request before
// it reaches the wrapped handler. It reads "Authorization: Bearer <credential>"
// (and, with WithAPIKeyHeader, an API key header), calls auth, and serves the
// handler with the Principal in the request context (see FromContext).
//
// A request without a valid credential gets 401 with "WWW-Authenticate:
// Bearer" and a body that does not say why; the reason goes to the
// WithLogger logger. A nil auth refuses every request.
func Middleware(auth Authenticator, opts ...MiddlewareOption) func(http.Handler) http.Handler {
	cfg := newMiddlewareConfig(opts)
	if auth == nil {
		auth = rejectAll
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			cred, err := httpCredential(r.Header, cfg.apiKeyHeader)
			var p Principal
			if err == nil {
				p, err = authenticate(ctx, auth, cred)
			}
			if err != nil {
				cfg.logRefusal(ctx, "http", r.Method+" "+r.URL.Path, err)
				h := w.Header()
				if errors.Is(err, ErrMissingToken) {
					h.Set("WWW-Authenticate", "Bearer")
				} else {
					// RFC 6750 section 3.1: the error code says only that the
					// credential was refused, not which check failed.
					h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				}
				h.Set("Cache-Control", "no-store")
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(ctx, p)))
		})
	}
}

// authenticate calls auth and refuses a subject-less success.
func authenticate(ctx context.Context, auth Authenticator, cred string) (Principal, error) {
	p, err := auth.Authenticate(ctx, cred)
	if err != nil {
		return Principal{}, err
	}
	if p.Subject == "" {
		return Principal{}, errNoSubject
	}
	return p, nil
}

// httpCredential extracts the one credential of a request.
func httpCredential(h http.Header, apiKeyHeader string) (string, error) {
	authz := h.Values("Authorization")
	var keys []string
	if apiKeyHeader != "" {
		keys = h.Values(apiKeyHeader)
	}
	return pickCredential(authz, keys)
}

// pickCredential applies the same rules to HTTP headers and gRPC metadata:
// at most one credential, Authorization must use the Bearer scheme.
func pickCredential(authz, keys []string) (string, error) {
	switch {
	case len(authz)+len(keys) == 0:
		return "", ErrMissingToken
	case len(authz)+len(keys) > 1:
		return "", errAmbiguousCredential
	case len(keys) == 1:
		if keys[0] == "" {
			return "", ErrMissingToken
		}
		return keys[0], nil
	}
	scheme, token, _ := strings.Cut(authz[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		if scheme == "" {
			return "", ErrMissingToken
		}
		return "", fmt.Errorf("%w: authorization scheme %q is not Bearer", ErrUnsupportedCredential, truncate(scheme))
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", ErrMissingToken
	}
	return token, nil
}

func (c *middlewareConfig) logRefusal(ctx context.Context, transport, target string, err error) {
	if c.logger == nil {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelInfo, "identity: request refused",
		slog.String("transport", transport),
		slog.String("target", target),
		slog.String("reason", err.Error()),
	)
}
