package identitytest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultAudience is the "aud" of tokens from Issuer.Token.
const DefaultAudience = "ragguard-test"

// Issuer is an OpenID Connect issuer on a loopback HTTP server: it serves
// /.well-known/openid-configuration and a JWKS, and signs real JWTs with
// real keys. It starts with an RS256 key (the current one) and an ES256 key,
// both published. It is safe for concurrent use.
type Issuer struct {
	srv     *httptest.Server
	fetches atomic.Int64

	mu      sync.Mutex
	keys    map[string]*issuerKey
	order   []string // kids in creation order, for a stable JWKS
	current string
	seq     int
	now     func() time.Time
}

type issuerKey struct {
	kid       string
	alg       jose.SignatureAlgorithm
	priv      crypto.Signer
	published bool
}

// NewIssuer starts an Issuer that is closed when the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	iss, err := StartIssuer()
	if err != nil {
		t.Fatalf("identitytest: starting issuer: %v", err)
	}
	t.Cleanup(iss.Close)
	return iss
}

// StartIssuer starts an Issuer outside a test (examples, the quickstart).
// Call Close when done.
func StartIssuer() (*Issuer, error) {
	iss := &Issuer{keys: make(map[string]*issuerKey), now: time.Now}
	if _, err := iss.Rotate("RS256"); err != nil {
		return nil, err
	}
	if _, err := iss.AddKey("ES256"); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", iss.serveDiscovery)
	mux.HandleFunc("GET /jwks", iss.serveJWKS)
	// Listen on IPv4 loopback explicitly: tests never leave 127.0.0.1.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("identitytest: listen: %w", err)
	}
	iss.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	iss.srv.Start()
	return iss, nil
}

// Close stops the server.
func (i *Issuer) Close() { i.srv.Close() }

// URL is the issuer identifier, the "iss" of its tokens.
func (i *Issuer) URL() string { return i.srv.URL }

// JWKSURL is where the key set is served.
func (i *Issuer) JWKSURL() string { return i.srv.URL + "/jwks" }

// JWKSFetches counts the key set requests served so far.
func (i *Issuer) JWKSFetches() int { return int(i.fetches.Load()) }

// SetClock sets the clock Claims and Token use for iat, nbf and exp. Nil
// restores time.Now.
func (i *Issuer) SetClock(now func() time.Time) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	i.now = now
}

func (i *Issuer) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	doc := map[string]any{
		"issuer":                                i.URL(),
		"jwks_uri":                              i.JWKSURL(),
		"authorization_endpoint":                i.URL() + "/authorize",
		"token_endpoint":                        i.URL() + "/token",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "PS256", "EdDSA"},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	i.fetches.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(i.JWKS())
}

// JWKS returns the published key set document.
func (i *Issuer) JWKS() []byte {
	i.mu.Lock()
	var set jose.JSONWebKeySet
	for _, kid := range i.order {
		k := i.keys[kid]
		if k.published {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"})
		}
	}
	i.mu.Unlock()
	b, err := json.Marshal(set)
	if err != nil {
		panic(fmt.Sprintf("identitytest: marshal JWKS: %v", err)) // only for a key type go-jose cannot encode: a bug here
	}
	return b
}

// AddKey generates and publishes a key for alg (RS256, RS384, RS512, PS256,
// ES256, ES384, ES512 or EdDSA) and returns its kid. The current signing key
// does not change.
func (i *Issuer) AddKey(alg string) (string, error) {
	priv, err := generateKey(jose.SignatureAlgorithm(alg))
	if err != nil {
		return "", err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.seq++
	kid := fmt.Sprintf("%s-%d", alg, i.seq)
	i.keys[kid] = &issuerKey{kid: kid, alg: jose.SignatureAlgorithm(alg), priv: priv, published: true}
	i.order = append(i.order, kid)
	return kid, nil
}

// Rotate adds a key for alg and makes it the current signing key. The old
// keys stay published until RemoveKey.
func (i *Issuer) Rotate(alg string) (string, error) {
	kid, err := i.AddKey(alg)
	if err != nil {
		return "", err
	}
	i.mu.Lock()
	i.current = kid
	i.mu.Unlock()
	return kid, nil
}

// UseKey makes kid the current signing key.
func (i *Issuer) UseKey(kid string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, ok := i.keys[kid]; !ok {
		return fmt.Errorf("identitytest: no key %q", kid)
	}
	i.current = kid
	return nil
}

// RemoveKey stops publishing kid. The issuer can still sign with it (SignWith),
// which is how a test makes a token whose key was rotated out.
func (i *Issuer) RemoveKey(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if k, ok := i.keys[kid]; ok {
		k.published = false
	}
}

// CurrentKey is the kid tokens are signed with by default.
func (i *Issuer) CurrentKey() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.current
}

// KeyIDs lists every key id, published or not, in creation order.
func (i *Issuer) KeyIDs() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(i.order)
}

// PublicKeyPEM returns kid's public key as PEM (PKIX). Attack tests use it
// as an HMAC secret, as in the classic RS256-to-HS256 confusion attack.
func (i *Issuer) PublicKeyPEM(kid string) ([]byte, error) {
	i.mu.Lock()
	k, ok := i.keys[kid]
	i.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("identitytest: no key %q", kid)
	}
	der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// Claims returns the claims of a valid token for subject: iss, aud
// (DefaultAudience), sub, iat and nbf now, exp in one hour. Edit the map and
// pass it to Sign to make any variant.
func (i *Issuer) Claims(subject string) map[string]any {
	i.mu.Lock()
	now := i.now()
	i.mu.Unlock()
	return map[string]any{
		"iss": i.URL(),
		"aud": DefaultAudience,
		"sub": subject,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

// Token signs Claims(subject) with extra merged over it; a nil value in
// extra deletes that claim.
func (i *Issuer) Token(subject string, extra map[string]any, opts ...SignOption) (string, error) {
	c := i.Claims(subject)
	for k, v := range maps.All(extra) {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return i.Sign(c, opts...)
}

// MustToken is Token that fails the test on error.
func (i *Issuer) MustToken(t testing.TB, subject string, extra map[string]any, opts ...SignOption) string {
	t.Helper()
	tok, err := i.Token(subject, extra, opts...)
	if err != nil {
		t.Fatalf("identitytest: minting token: %v", err)
	}
	return tok
}

// SignOption changes how Sign signs one token.
type SignOption interface{ apply(*signConfig) }

type signOptionFunc func(*signConfig)

func (f signOptionFunc) apply(c *signConfig) { f(c) }

type signConfig struct {
	kid     string
	headers map[jose.HeaderKey]any
}

// SignWith signs with key kid instead of the current key, published or not.
func SignWith(kid string) SignOption {
	return signOptionFunc(func(c *signConfig) { c.kid = kid })
}

// WithHeader sets a protected header field, overriding what the signer
// would write (for example "kid" to name a key that does not exist).
func WithHeader(name string, value any) SignOption {
	return signOptionFunc(func(c *signConfig) {
		if c.headers == nil {
			c.headers = make(map[jose.HeaderKey]any)
		}
		c.headers[jose.HeaderKey(name)] = value
	})
}

// Sign signs exactly claims (no defaults added) as a compact JWS.
func (i *Issuer) Sign(claims map[string]any, opts ...SignOption) (string, error) {
	var cfg signConfig
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	i.mu.Lock()
	if cfg.kid == "" {
		cfg.kid = i.current
	}
	k, ok := i.keys[cfg.kid]
	i.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("identitytest: no key %q", cfg.kid)
	}
	so := (&jose.SignerOptions{}).WithType("JWT")
	for name, v := range cfg.headers {
		so = so.WithHeader(name, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}}, so)
	if err != nil {
		return "", fmt.Errorf("identitytest: signer: %w", err)
	}
	return signCompact(signer, claims)
}

// HMACToken signs claims with HS256 and secret, with header kid if not
// empty: the token an attacker makes from a public key in the
// algorithm-confusion attack. A verifier must refuse it.
func HMACToken(claims map[string]any, secret []byte, kid string) (string, error) {
	so := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		so = so.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, so)
	if err != nil {
		return "", fmt.Errorf("identitytest: HMAC signer: %w", err)
	}
	return signCompact(signer, claims)
}

// UnsignedToken returns claims as an "alg":"none" JWT with an empty
// signature. A verifier must refuse it.
func UnsignedToken(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return hdr + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
}

func signCompact(signer jose.Signer, claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("identitytest: claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("identitytest: sign: %w", err)
	}
	return jws.CompactSerialize()
}

func generateKey(alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	switch alg {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
		return rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.ES384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case jose.ES512:
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case jose.EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("identitytest: unsupported algorithm %q", alg)
}
