package identity

import (
	"log/slog"
	"net/http"
)

// MiddlewareOption configures Middleware and the gRPC interceptors.
type MiddlewareOption interface{ apply(*middlewareConfig) }

type middlewareOptionFunc func(*middlewareConfig)

func (f middlewareOptionFunc) apply(c *middlewareConfig) { f(c) }

type middlewareConfig struct {
	logger       *slog.Logger
	apiKeyHeader string
}

func newMiddlewareConfig(opts []MiddlewareOption) middlewareConfig {
	var c middlewareConfig
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithLogger logs each refused request at Info level with the reason, which
// the caller never sees. Nil is ignored (the default logs nothing).
func WithLogger(l *slog.Logger) MiddlewareOption {
	return middlewareOptionFunc(func(c *middlewareConfig) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithAPIKeyHeader also reads a credential from the named header (for HTTP,
// e.g. "X-API-Key") or metadata key (for gRPC, lower-cased, e.g.
// "x-api-key"). A request that carries both this header and Authorization
// is refused as ambiguous. An empty name is ignored.
func WithAPIKeyHeader(name string) MiddlewareOption {
	return middlewareOptionFunc(func(c *middlewareConfig) {
		if name != "" {
			c.apiKeyHeader = http.CanonicalHeaderKey(name)
		}
	})
}
