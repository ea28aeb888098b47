package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// maxJWKSBytes bounds what a key set response may make us read and parse.
const maxJWKSBytes = 1 << 20

// jwksTransport sits under go-oidc's RemoteKeySet, on the requests for the
// issuer's jwks_uri only. go-oidc refetches the key set whenever a token
// fails to verify against its cache; that is how a rotated-in key becomes
// known, but it also lets anyone holding garbage tokens make us hammer the
// identity provider. The transport therefore
//
//   - serves the last good key set again while it is younger than the
//     minimum refresh interval, instead of asking the provider;
//   - turns a failed fetch (network error, non-200, oversized body) into an
//     error wrapping ErrKeySetUnavailable, which go-oidc passes up with %w;
//   - remembers which key ids the provider published, so a failed signature
//     can be reported as ErrUnknownKey or ErrBadSignature (go-oidc's error
//     does not say which).
type jwksTransport struct {
	base        http.RoundTripper
	jwksURL     string
	minInterval time.Duration
	now         func() time.Time

	fetches atomic.Uint64 // fetches from the provider started so far
	last    atomic.Pointer[keySnapshot]

	fetchMu   sync.Mutex // one fetch at a time; readers of last never wait for it
	attempted time.Time  // last time we asked the provider; under fetchMu
}

// keySnapshot is one good key set document; never modified once stored.
type keySnapshot struct {
	body []byte
	kids map[string]struct{}
	gen  uint64 // the fetch that got it: the value of fetches when it started
}

func (t *jwksTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() != t.jwksURL {
		return t.base.RoundTrip(req)
	}
	t.fetchMu.Lock()
	defer t.fetchMu.Unlock()
	now := t.now()
	// A clock that went backwards counts as "interval over", never as a
	// reason to stop refreshing for good.
	if elapsed := now.Sub(t.attempted); !t.attempted.IsZero() && elapsed >= 0 && elapsed < t.minInterval {
		snap := t.last.Load()
		if snap == nil {
			return nil, fmt.Errorf("%w: refresh suppressed after a failed fetch", ErrKeySetUnavailable)
		}
		return cachedResponse(req, snap.body), nil
	}
	t.attempted = now
	gen := t.fetches.Add(1)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeySetUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: key set endpoint answered %s", ErrKeySetUnavailable, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading key set: %w", ErrKeySetUnavailable, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("%w: key set larger than %d bytes", ErrKeySetUnavailable, maxJWKSBytes)
	}
	var doc struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: key set is not JSON: %w", ErrKeySetUnavailable, err)
	}
	kids := make(map[string]struct{}, len(doc.Keys))
	for _, k := range doc.Keys {
		kids[k.Kid] = struct{}{}
	}
	t.last.Store(&keySnapshot{body: body, kids: kids, gen: gen})
	return cachedResponse(req, body), nil
}

// fetchesStarted counts the fetches from the provider started so far.
func (t *jwksTransport) fetchesStarted() uint64 { return t.fetches.Load() }

// snapshotGen identifies the fetch that got the latest key set, 0 for none.
// Fetches run one at a time, so a later fetch's snapshot replaces an
// earlier one's, never the other way round.
func (t *jwksTransport) snapshotGen() uint64 {
	if snap := t.last.Load(); snap != nil {
		return snap.gen
	}
	return 0
}

// knownKey reports whether the last key set published kid. A token without
// a kid is matched against every key, so it is "known" when any key exists.
func (t *jwksTransport) knownKey(kid string) bool {
	snap := t.last.Load()
	if snap == nil {
		return false
	}
	if kid == "" {
		return len(snap.kids) > 0
	}
	_, ok := snap.kids[kid]
	return ok
}

func cachedResponse(req *http.Request, body []byte) *http.Response {
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// sigResult is where recordingKeySet leaves the outcome of the signature
// check for the Verify call that owns it.
type sigResult struct {
	kid     string // in: the token's kid
	checked bool   // out: the key set was asked
	err     error  // out: its answer
}

type sigResultKey struct{}

// keySet wraps go-oidc's RemoteKeySet. It records the outcome of the
// signature check for the Verify call that owns the context, because
// oidc.IDTokenVerifier.Verify returns untyped errors for signature and claim
// failures alike. And it replaces the RemoteKeySet (whose cache then starts
// empty) once it is older than maxAge: go-oidc only refetches keys when a
// token fails against its cache, so without this a key the issuer withdrew
// would be trusted for as long as no token with an unknown kid arrived.
type keySet struct {
	newRemote func() *oidc.RemoteKeySet
	transport *jwksTransport
	maxAge    time.Duration
	now       func() time.Time

	mu      sync.Mutex
	remote  *oidc.RemoteKeySet
	created time.Time
}

func (k *keySet) current() *oidc.RemoteKeySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if age := now.Sub(k.created); k.remote == nil || age < 0 || (k.maxAge > 0 && age >= k.maxAge) {
		k.remote, k.created = k.newRemote(), now
	}
	return k.remote
}

// replace swaps old for a fresh RemoteKeySet unless another caller already did.
func (k *keySet) replace(old *oidc.RemoteKeySet) *oidc.RemoteKeySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.remote == old {
		k.remote = k.newRemote()
	}
	return k.remote
}

func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	r, _ := ctx.Value(sigResultKey{}).(*sigResult)
	kid := ""
	if r != nil {
		kid = r.kid
	}
	before := k.transport.fetchesStarted()
	remote := k.current()
	payload, err := remote.VerifySignature(ctx, jwt)
	if err != nil && ctx.Err() == nil && (k.transport.snapshotGen() <= before || k.transport.knownKey(kid)) {
		// go-oidc's answer may be stale. Its RemoteKeySet lets a caller join
		// a fetch that started before the key was published, and even one
		// that had already finished (it clears its in-flight marker
		// asynchronously): then the latest key set was fetched by a fetch
		// that started before this call (whatever other callers asked the
		// transport meanwhile), or it has the kid that go-oidc did not try.
		// Ask once more through a fresh RemoteKeySet, whose fetch goes
		// through the transport and so still obeys the refresh interval. A
		// genuinely bad signature fails again.
		payload, err = k.replace(remote).VerifySignature(ctx, jwt)
	}
	if r != nil {
		r.checked, r.err = true, err
	}
	return payload, err
}
