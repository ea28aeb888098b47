package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/audit/audittest"
)

var webhookSecret = []byte("0123456789abcdef-shared-secret")

// receiver is a webhook receiver as the docs describe one: it verifies,
// stores idempotently on (origin, seq), and answers 409 on conflicts.
// failFirst makes its first requests fail with the given status.
type receiver struct {
	mu       sync.Mutex
	stored   map[string]map[uint64]audit.Record
	order    []audit.Record
	requests atomic.Int32
	refused  atomic.Int32
	fail     func(n int32, w http.ResponseWriter) bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := rc.requests.Add(1)
	if rc.fail != nil && rc.fail(n, w) {
		return
	}
	recs, err := audit.VerifyWebhook(r, webhookSecret)
	if err != nil {
		rc.refused.Add(1)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.stored == nil {
		rc.stored = map[string]map[uint64]audit.Record{}
	}
	for _, rec := range recs {
		if old, ok := rc.stored[rec.Origin][rec.Seq]; ok {
			if old.Type != rec.Type || !bytes.Equal(old.Data, rec.Data) {
				w.WriteHeader(http.StatusConflict)
				fmt.Fprintf(w, `{"origin":%q,"seq":%d}`, rec.Origin, rec.Seq)
				return
			}
		}
	}
	for _, rec := range recs {
		if _, ok := rc.stored[rec.Origin][rec.Seq]; ok {
			continue
		}
		if rc.stored[rec.Origin] == nil {
			rc.stored[rec.Origin] = map[uint64]audit.Record{}
		}
		rc.stored[rec.Origin][rec.Seq] = rec
		rc.order = append(rc.order, rec)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) records() []audit.Record {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]audit.Record(nil), rc.order...)
}

func fastRetry() audit.SinkOption {
	return audit.WithWebhookRetry(time.Millisecond, 5*time.Millisecond, 5)
}

func TestWebhookSinkConformance(t *testing.T) {
	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		rc := &receiver{}
		srv := httptest.NewServer(rc)
		t.Cleanup(srv.Close)
		// A window of 1 makes redelivery reach the receiver's own check.
		s, err := audit.NewWebhookSink(srv.URL, webhookSecret, fastRetry(), audit.WithRedeliveryWindow(1),
			audit.WithWebhookBatchSize(16))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s, rc.records
	})
}

func TestWebhookSinkRetriesServerErrors(t *testing.T) {
	rc := &receiver{fail: func(n int32, w http.ResponseWriter) bool {
		switch n {
		case 1:
			http.Error(w, "down", http.StatusServiceUnavailable)
		case 2:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case 3:
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close() // a network error
		default:
			return false
		}
		return true
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, webhookSecret, fastRetry())
	require.NoError(t, err)
	recs := audittest.Stream("api-1", 0, 5)
	require.NoError(t, s.Write(t.Context(), recs))
	assert.Equal(t, int32(4), rc.requests.Load())
	assert.Equal(t, recs, rc.records())
}

func TestWebhookSinkGivesUpAfterAttempts(t *testing.T) {
	rc := &receiver{fail: func(n int32, w http.ResponseWriter) bool {
		http.Error(w, "always down", http.StatusBadGateway)
		return true
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, webhookSecret, audit.WithWebhookRetry(time.Millisecond, 2*time.Millisecond, 3))
	require.NoError(t, err)
	err = s.Write(t.Context(), audittest.Stream("api-1", 0, 2))
	var we *audit.WebhookError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, http.StatusBadGateway, we.StatusCode)
	assert.Equal(t, 3, we.Attempts)
	assert.Contains(t, we.Body, "always down")
	assert.Equal(t, int32(3), rc.requests.Load())
}

func TestWebhookSinkDoesNotRetryClientErrors(t *testing.T) {
	rc := &receiver{fail: func(n int32, w http.ResponseWriter) bool {
		http.Error(w, "bad request", http.StatusBadRequest)
		return true
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, webhookSecret, fastRetry())
	require.NoError(t, err)
	err = s.Write(t.Context(), audittest.Stream("api-1", 0, 2))
	var we *audit.WebhookError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, http.StatusBadRequest, we.StatusCode)
	assert.Equal(t, int32(1), rc.requests.Load())
}

func TestWebhookSinkWrongSecretIsRefused(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, []byte("another-secret-of-enough-length"), fastRetry())
	require.NoError(t, err)
	err = s.Write(t.Context(), audittest.Stream("api-1", 0, 2))
	var we *audit.WebhookError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, http.StatusUnauthorized, we.StatusCode)
	assert.Equal(t, int32(1), rc.refused.Load())
	assert.Empty(t, rc.records())
}

func TestWebhookSinkHungReceiverHonoursDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s, err := audit.NewWebhookSink(srv.URL, webhookSecret)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err = s.Write(ctx, audittest.Stream("api-1", 0, 2))
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// signedRequest builds a request as WebhookSink sends it, by capturing one.
func signedRequest(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	var captured *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		captured = r.Clone(context.Background())
	}))
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, webhookSecret)
	require.NoError(t, err)
	require.NoError(t, s.Write(t.Context(), audittest.Stream("api-1", 0, 3)))
	return captured, body
}

func TestVerifyWebhook(t *testing.T) {
	orig, body := signedRequest(t)
	build := func(b []byte, mutate func(h http.Header)) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(b))
		r.Header = orig.Header.Clone()
		if mutate != nil {
			mutate(r.Header)
		}
		return r
	}

	r := build(body, nil)
	recs, err := audit.VerifyWebhook(r, webhookSecret)
	require.NoError(t, err)
	require.Equal(t, audittest.Stream("api-1", 0, 3), recs)
	again, _ := io.ReadAll(r.Body)
	assert.Equal(t, body, again, "the body can be read again")

	tampered := bytes.Clone(body)
	tampered[len(tampered)/2] ^= 1
	cases := map[string]*http.Request{
		"tampered body": build(tampered, nil),
		"wrong secret":  nil,
		"no signature":  build(body, func(h http.Header) { h.Del(audit.WebhookSignatureHeader) }),
		"bad timestamp": build(body, func(h http.Header) { h.Set(audit.WebhookTimestampHeader, "soon") }),
		"stale timestamp": build(body, func(h http.Header) {
			h.Set(audit.WebhookTimestampHeader, strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10))
		}),
		"signature of old": build(body, func(h http.Header) { h.Set(audit.WebhookSignatureHeader, "v1=00") }),
	}
	for name, req := range cases {
		secret := webhookSecret
		if req == nil {
			req, secret = build(body, nil), []byte("not-the-secret-at-all")
		}
		_, err := audit.VerifyWebhook(req, secret)
		require.ErrorIs(t, err, audit.ErrWebhookSignature, name)
	}
}

func TestNewWebhookSinkRefusesBadConfig(t *testing.T) {
	for _, u := range []string{"", "ftp://x/", "127.0.0.1:80", "http://"} {
		_, err := audit.NewWebhookSink(u, webhookSecret)
		require.Error(t, err, u)
	}
	_, err := audit.NewWebhookSink("http://127.0.0.1:1/", []byte("short"))
	require.Error(t, err)
}

func TestWebhookSinkConflictFromReceiver(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	recs := audittest.Stream("api-1", 0, 5)
	s1, err := audit.NewWebhookSink(srv.URL, webhookSecret)
	require.NoError(t, err)
	require.NoError(t, s1.Write(t.Context(), recs))
	// Another sender (a fresh window) with a forged record 3.
	s2, err := audit.NewWebhookSink(srv.URL, webhookSecret)
	require.NoError(t, err)
	forged := recs[3]
	forged.Data = []byte(`{"forged":1}`)
	err = s2.Write(t.Context(), []audit.Record{recs[2], forged})
	var ce *audit.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, uint64(3), ce.Seq, "the receiver names the record")
}

func TestWebhookReceiverIntoFileSink(t *testing.T) {
	dir := t.TempDir()
	store, err := audit.NewFileSink(dir)
	require.NoError(t, err)
	defer store.Close()
	recv, err := audit.NewWebhookReceiver(webhookSecret, store)
	require.NoError(t, err)
	srv := httptest.NewServer(recv)
	defer srv.Close()

	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		s, err := audit.NewWebhookSink(srv.URL, webhookSecret, fastRetry(), audit.WithRedeliveryWindow(1))
		require.NoError(t, err)
		return s, func() []audit.Record {
			recs, errs := readAll(t, dir)
			require.Empty(t, errs)
			return recs
		}
	})

	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	_, err = audit.NewWebhookReceiver([]byte("short"), store)
	require.Error(t, err)
	_, err = audit.NewWebhookReceiver(webhookSecret, nil)
	require.Error(t, err)
}

// A receiver's redirect is a failed delivery, not a new destination for
// the signed records.
func TestWebhookSinkFollowsNoRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, webhookSecret, fastRetry())
	require.NoError(t, err)
	err = s.Write(t.Context(), audittest.Stream("o", 0, 1))
	var we *audit.WebhookError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, http.StatusTemporaryRedirect, we.StatusCode)
	assert.Zero(t, elsewhere.Load(), "the records were sent to the redirect target")
}

// An unauthenticated sender learns that it was refused, not which check
// refused it.
func TestWebhookReceiverRefusalSaysNoMore(t *testing.T) {
	recv, err := audit.NewWebhookReceiver(webhookSecret, audittest.NewRecorder())
	require.NoError(t, err)
	srv := httptest.NewServer(recv)
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, []byte("another-secret-of-enough-length"), fastRetry())
	require.NoError(t, err)
	err = s.Write(t.Context(), audittest.Stream("o", 0, 1))
	var we *audit.WebhookError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, http.StatusUnauthorized, we.StatusCode)
	assert.Equal(t, audit.ErrWebhookSignature.Error(), strings.TrimSpace(we.Body))
}

func TestWebhookReceiverAsksForRetryWhenSinkFails(t *testing.T) {
	rec := audittest.NewRecorder()
	rec.FailWith(fmt.Errorf("disk full"))
	recv, err := audit.NewWebhookReceiver(webhookSecret, rec)
	require.NoError(t, err)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 3 {
			rec.FailWith(nil) // the disk has room again
		}
		recv.ServeHTTP(w, r)
	}))
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, webhookSecret, fastRetry())
	require.NoError(t, err)
	recs := audittest.Stream("o", 0, 4)
	require.NoError(t, s.Write(t.Context(), recs))
	assert.Equal(t, int32(3), calls.Load(), "two 503s, then stored")
	assert.Equal(t, recs, rec.Records())
}

func TestWebhookEd25519(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	otherPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)

	_, err = audit.NewWebhookSink("http://127.0.0.1:1/", nil)
	require.Error(t, err, "no HMAC secret and no Ed25519 key")

	// Conformance through a receiver that holds only the public key.
	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		store := audittest.NewRecorder()
		recv, err := audit.NewWebhookReceiverEd25519(pub, store)
		require.NoError(t, err)
		srv := httptest.NewServer(recv)
		t.Cleanup(srv.Close)
		s, err := audit.NewWebhookSink(srv.URL, nil, audit.WithWebhookEd25519(priv), fastRetry(),
			audit.WithRedeliveryWindow(1))
		require.NoError(t, err)
		return s, store.Records
	})

	// Capture a request signed both ways.
	var captured *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		captured = r.Clone(context.Background())
	}))
	defer srv.Close()
	s, err := audit.NewWebhookSink(srv.URL, webhookSecret, audit.WithWebhookEd25519(priv))
	require.NoError(t, err)
	recs := audittest.Stream("api-1", 0, 3)
	require.NoError(t, s.Write(t.Context(), recs))
	req := func(b []byte) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(b))
		r.Header = captured.Header.Clone()
		return r
	}
	got, err := audit.VerifyWebhookEd25519(req(body), pub)
	require.NoError(t, err)
	assert.Equal(t, recs, got)
	got, err = audit.VerifyWebhook(req(body), webhookSecret)
	require.NoError(t, err, "the HMAC signature is there too")
	assert.Equal(t, recs, got)

	tampered := bytes.Clone(body)
	tampered[10] ^= 1
	_, err = audit.VerifyWebhookEd25519(req(tampered), pub)
	require.ErrorIs(t, err, audit.ErrWebhookSignature)
	_, err = audit.VerifyWebhookEd25519(req(body), otherPub)
	require.ErrorIs(t, err, audit.ErrWebhookSignature, "another key")
	_, err = audit.VerifyWebhookEd25519(req(body), pub[:5])
	require.ErrorIs(t, err, audit.ErrWebhookSignature, "a truncated key")

	_, err = audit.NewWebhookReceiverEd25519(pub[:5], audittest.NewRecorder())
	require.Error(t, err)
	_, err = audit.NewWebhookReceiverEd25519(pub, nil)
	require.Error(t, err)
}
