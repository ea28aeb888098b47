package identity_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/ragguard/ragguard/identity"
)

// recordingHealth is the real grpc health service that also remembers the
// principal each handler found in its context.
type recordingHealth struct {
	*health.Server
	mu   sync.Mutex
	seen []identity.Principal
}

func (h *recordingHealth) record(ctx context.Context) {
	p, _ := identity.FromContext(ctx)
	h.mu.Lock()
	h.seen = append(h.seen, p)
	h.mu.Unlock()
}

func (h *recordingHealth) last() identity.Principal {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.seen) == 0 {
		return identity.Principal{}
	}
	return h.seen[len(h.seen)-1]
}

func (h *recordingHealth) calls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.seen)
}

func (h *recordingHealth) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	h.record(ctx)
	return h.Server.Check(ctx, req)
}

func (h *recordingHealth) Watch(req *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	h.record(stream.Context())
	return h.Server.Watch(req, stream)
}

func TestGRPCInterceptors(t *testing.T) {
	s := newAuthSetup(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	opts := []identity.MiddlewareOption{identity.WithLogger(logger), identity.WithAPIKeyHeader("x-api-key")}

	svc := &recordingHealth{Server: health.NewServer()}
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(identity.UnaryServerInterceptor(s.auth, opts...)),
		grpc.StreamInterceptor(identity.StreamServerInterceptor(s.auth, opts...)),
	)
	healthpb.RegisterHealthServer(srv, svc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	client := healthpb.NewHealthClient(conn)

	good := s.iss.MustToken(t, "alice", map[string]any{"groups": []string{"analysts"}})
	withMD := func(kv ...string) context.Context {
		return metadata.AppendToOutgoingContext(context.Background(), kv...)
	}

	t.Run("unary with bearer token", func(t *testing.T) {
		resp, err := client.Check(withMD("authorization", "Bearer "+good), &healthpb.HealthCheckRequest{})
		require.NoError(t, err)
		assert.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus())
		p := svc.last()
		assert.Equal(t, "alice", p.Subject)
		assert.Equal(t, []string{"reader"}, p.Roles)
	})
	t.Run("unary with api key metadata", func(t *testing.T) {
		_, err := client.Check(withMD("x-api-key", s.apiKey.Reveal()), &healthpb.HealthCheckRequest{})
		require.NoError(t, err)
		assert.Equal(t, identity.MethodAPIKey, svc.last().AuthMethod)
	})
	t.Run("stream carries the principal in Context()", func(t *testing.T) {
		ctx, cancel := context.WithCancel(withMD("authorization", "Bearer "+good))
		defer cancel()
		stream, err := client.Watch(ctx, &healthpb.HealthCheckRequest{})
		require.NoError(t, err)
		resp, err := stream.Recv()
		require.NoError(t, err)
		assert.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus())
		assert.Equal(t, "alice", svc.last().Subject)
	})

	tampered := good[:len(good)-4] + "AAAA"
	refusals := []struct {
		name   string
		ctx    context.Context
		reason string
	}{
		{"no metadata", context.Background(), "missing token"},
		{"tampered token", withMD("authorization", "Bearer "+tampered), "bad signature"},
		{"wrong scheme", withMD("authorization", "Token "+good), "not Bearer"},
		{"two credentials", withMD("authorization", "Bearer "+good, "x-api-key", s.apiKey.Reveal()), "more than one credential"},
	}
	for _, tc := range refusals {
		t.Run("unary "+tc.name, func(t *testing.T) {
			logs.Reset()
			before := svc.calls()
			_, err := client.Check(tc.ctx, &healthpb.HealthCheckRequest{})
			st, ok := status.FromError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, codes.Unauthenticated, st.Code())
			assert.Equal(t, "unauthenticated", st.Message(), "the status never says why")
			assert.Equal(t, before, svc.calls(), "the handler was not reached")
			assert.Contains(t, logs.String(), tc.reason)
		})
		t.Run("stream "+tc.name, func(t *testing.T) {
			before := svc.calls()
			stream, err := client.Watch(tc.ctx, &healthpb.HealthCheckRequest{})
			if err == nil {
				_, err = stream.Recv()
			}
			assert.Equal(t, codes.Unauthenticated, status.Code(err))
			assert.Equal(t, "unauthenticated", status.Convert(err).Message())
			assert.Equal(t, before, svc.calls())
		})
	}
}
