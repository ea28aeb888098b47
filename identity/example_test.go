package identity_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/identity/identitytest"
)

func ExampleNewContext() {
	ctx := identity.NewContext(context.Background(), identity.Principal{
		Subject: "alice", Issuer: "https://idp.example", Roles: []string{"reader"},
		Kind: identity.KindUser, AuthMethod: identity.MethodStatic,
	})

	// Deep in a call, whoever needs the caller asks the context.
	p, ok := identity.FromContext(ctx)
	fmt.Println(ok, p.ID(), p.HasRole("reader"), p.HasRole("admin"))

	_, ok = identity.FromContext(context.Background())
	fmt.Println(ok)
	// Output:
	// true https://idp.example#alice true false
	// false
}

func ExampleNewOIDCVerifier() {
	// An in-process issuer stands in for Keycloak, Okta, Entra ID...
	iss, err := identitytest.StartIssuer()
	if err != nil {
		panic(err)
	}
	defer iss.Close()

	ctx := context.Background()
	v, err := identity.NewOIDCVerifier(ctx, iss.URL(),
		identity.WithAudience(identitytest.DefaultAudience),
		identity.WithGroupsClaim("realm_access.roles"),
		identity.WithRoleMapping(map[string][]string{"rag-analysts": {"reader"}}),
		identity.WithTenantClaim("tenant"),
	)
	if err != nil {
		panic(err)
	}

	tok, _ := iss.Token("alice", map[string]any{
		"realm_access": map[string]any{"roles": []string{"rag-analysts", "offline_access"}},
		"tenant":       "acme",
	})
	p, err := v.Verify(ctx, tok)
	fmt.Println(err, p.Subject, p.Tenant, p.Groups, p.Roles, p.Kind, p.AuthMethod)

	// Every rejection names its reason for errors.Is.
	stale, _ := iss.Token("alice", map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	_, err = v.Verify(ctx, stale)
	fmt.Println(errors.Is(err, identity.ErrExpired))

	forged, _ := identitytest.UnsignedToken(iss.Claims("admin"))
	_, err = v.Verify(ctx, forged)
	fmt.Println(errors.Is(err, identity.ErrAlgorithmNotAllowed))
	// Output:
	// <nil> alice acme [offline_access rag-analysts] [reader] user oidc
	// true
	// true
}

func ExampleMemoryKeyStore_Issue() {
	store := identity.NewMemoryKeyStore()
	key, err := store.Issue(identity.Principal{Subject: "nightly-indexer", Tenant: "acme"}, time.Time{})
	if err != nil {
		panic(err)
	}
	// key.Reveal() is shown to the workload once; the store keeps a hash.
	credential := key.Reveal()
	fmt.Println(strings.HasPrefix(credential, identity.APIKeyPrefix), len(credential))
	fmt.Println(strings.Contains(fmt.Sprint(key), credential[21:]))

	ctx := context.Background()
	p, err := identity.VerifyAPIKey(ctx, store, credential, time.Now())
	fmt.Println(err, p.Subject, p.Tenant, p.Kind, p.AuthMethod)

	_ = store.Revoke(key.ID(), time.Now())
	_, err = identity.VerifyAPIKey(ctx, store, credential, time.Now())
	fmt.Println(errors.Is(err, identity.ErrAPIKeyRevoked))
	// Output:
	// true 85
	// false
	// <nil> nightly-indexer acme service api_key
	// true
}

func ExampleMiddleware() {
	store := identity.NewMemoryKeyStore()
	key, _ := store.Issue(identity.Principal{Subject: "batch-job"}, time.Time{})

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := identity.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", p.Subject)
	})
	// A real service chains an OIDC verifier in front of the key store:
	// identity.Chain(oidcVerifier, identity.APIKeyAuthenticator(store)).
	srv := httptest.NewServer(identity.Middleware(identity.Chain(nil, identity.APIKeyAuthenticator(store)))(hello))
	defer srv.Close()

	for _, authz := range []string{"Bearer " + key.Reveal(), "Bearer rgk_forged", ""} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %q %q\n", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), strings.TrimSpace(string(body)))
	}
	// Output:
	// 200 "" "hello batch-job"
	// 401 "Bearer error=\"invalid_token\"" "unauthorized"
	// 401 "Bearer" "unauthorized"
}

func ExampleUnaryServerInterceptor() {
	store := identity.NewMemoryKeyStore()
	key, _ := store.Issue(identity.Principal{Subject: "probe"}, time.Time{})
	auth := identity.Chain(nil, identity.APIKeyAuthenticator(store))

	// Unary handlers get the Principal in ctx, stream handlers in
	// stream.Context().
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(identity.UnaryServerInterceptor(auth)),
		grpc.StreamInterceptor(identity.StreamServerInterceptor(auth)),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)

	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key.Reveal())
	_, err = client.Check(ctx, &healthpb.HealthCheckRequest{})
	fmt.Println(status.Code(err))
	_, err = client.Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(status.Code(err), status.Convert(err).Message())
	// Output:
	// OK
	// Unauthenticated unauthenticated
}
