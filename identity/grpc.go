package identity

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// errUnauthenticated is the only thing a refused gRPC caller learns.
var errUnauthenticated = status.Error(codes.Unauthenticated, "unauthenticated")

// UnaryServerInterceptor authenticates each unary call from its
// "authorization: Bearer <credential>" metadata (and, with WithAPIKeyHeader,
// an API key metadata key) and calls the handler with the Principal in ctx.
// A refused call gets codes.Unauthenticated with no reason; the reason goes
// to the WithLogger logger. A nil auth refuses every call.
func UnaryServerInterceptor(auth Authenticator, opts ...MiddlewareOption) grpc.UnaryServerInterceptor {
	g := newGRPCAuth(auth, opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := g.authenticate(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streams: the
// handler's stream returns the Principal-carrying context from Context().
func StreamServerInterceptor(auth Authenticator, opts ...MiddlewareOption) grpc.StreamServerInterceptor {
	g := newGRPCAuth(auth, opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := g.authenticate(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &principalStream{ServerStream: ss, ctx: ctx})
	}
}

type grpcAuth struct {
	auth   Authenticator
	cfg    middlewareConfig
	keyKey string // API key metadata key, lower-case as gRPC stores it
}

func newGRPCAuth(auth Authenticator, opts []MiddlewareOption) *grpcAuth {
	if auth == nil {
		auth = rejectAll
	}
	g := &grpcAuth{auth: auth, cfg: newMiddlewareConfig(opts)}
	g.keyKey = strings.ToLower(g.cfg.apiKeyHeader)
	return g
}

func (g *grpcAuth) authenticate(ctx context.Context, method string) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var keys []string
	if g.keyKey != "" {
		keys = md.Get(g.keyKey)
	}
	cred, err := pickCredential(md.Get("authorization"), keys)
	var p Principal
	if err == nil {
		p, err = authenticate(ctx, g.auth, cred)
	}
	if err != nil {
		g.cfg.logRefusal(ctx, "grpc", method, err)
		return nil, errUnauthenticated
	}
	return NewContext(ctx, p), nil
}

// principalStream makes Context() carry the Principal.
type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *principalStream) Context() context.Context { return s.ctx }
