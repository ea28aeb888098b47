package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Headers of a WebhookSink request. The signature is
//
//	Ragguard-Signature: v1=<hex of HMAC-SHA256(secret, timestamp + "." + body)>
//
// where timestamp is the Ragguard-Timestamp header (Unix seconds) and body
// the exact request body: record lines, the FileSink line format
// (application/x-ndjson), so a receiver can append the body to a file
// as it is.
//
// With WithWebhookEd25519 the sink adds
//
//	Ragguard-Signature-Ed25519: <base64 of the Ed25519 signature of
//	                             "ragguard-webhook-v1\n" + timestamp + "." + body>
const (
	WebhookSignatureHeader        = "Ragguard-Signature"
	WebhookEd25519SignatureHeader = "Ragguard-Signature-Ed25519"
	WebhookTimestampHeader        = "Ragguard-Timestamp"
	WebhookBatchHeader            = "Ragguard-Batch" // "origin first..last", informational
)

// WebhookTolerance is how far a request's timestamp may be from the
// receiver's clock for VerifyWebhook to accept it.
const WebhookTolerance = 5 * time.Minute

// webhookMinSecret is the shortest HMAC secret accepted.
const webhookMinSecret = 16

// maxWebhookBody bounds what VerifyWebhook reads.
const maxWebhookBody = 64 << 20

// ErrWebhookSignature matches every reason VerifyWebhook refuses a request:
// missing or malformed headers, a stale timestamp, a wrong signature.
var ErrWebhookSignature = errors.New("audit: webhook signature refused")

// WebhookError is a response WebhookSink did not accept: a 4xx (not
// retried) or the last of its retries.
type WebhookError struct {
	StatusCode int    // 0 when no response came (network error)
	Body       string // start of the response body
	Attempts   int
	Err        error // the network error, when StatusCode is 0
}

// Error gives the attempts and the last status or network error.
func (e *WebhookError) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("audit: webhook sink: %d attempt(s): %v", e.Attempts, e.Err)
	}
	return fmt.Sprintf("audit: webhook sink: %d attempt(s): HTTP %d: %s", e.Attempts, e.StatusCode, e.Body)
}

// Unwrap returns the network error, if any.
func (e *WebhookError) Unwrap() error { return e.Err }

// WebhookSink POSTs signed batches of records to a receiver, which checks
// them with VerifyWebhook. A 2xx response means stored. 409 Conflict means
// the receiver holds other bytes under a key of the batch (its body may be
// {"origin":…,"seq":…}) and becomes a *ConflictError. 408, 425, 429 and 5xx
// responses and network errors are retried with exponential backoff and
// full jitter (WithWebhookRetry), honouring Retry-After, for as long as
// ctx's deadline allows; other 4xx responses fail at once.
//
// Receivers must be idempotent on (origin, seq): after a timeout the same
// batch is sent again. WebhookSink remembers what it delivered
// (WithRedeliveryWindow) and skips records it already delivered.
type WebhookSink struct {
	url    string
	secret []byte // nil: no HMAC signature
	key    ed25519.PrivateKey
	cfg    sinkConfig
	client *http.Client
	window *redeliveryWindow
	closed atomic.Bool
}

var _ Sink = (*WebhookSink)(nil)

// NewWebhookSink returns a sink posting to endpoint (http or https),
// signing with the HMAC secret (at least 16 bytes; nil when
// WithWebhookEd25519 signs instead). Options: WithWebhookEd25519,
// WithWebhookClient, WithWebhookRetry, WithWebhookBatchSize,
// WithRedeliveryWindow, WithSinkClock.
func NewWebhookSink(endpoint string, secret []byte, opts ...SinkOption) (*WebhookSink, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("audit: NewWebhookSink: %q is not an http(s) URL", endpoint)
	}
	cfg := newSinkConfig(opts)
	switch {
	case secret == nil && cfg.webhookKey != nil:
	case len(secret) < webhookMinSecret:
		return nil, fmt.Errorf("audit: NewWebhookSink: secret of %d bytes, need at least %d (or nil with WithWebhookEd25519)",
			len(secret), webhookMinSecret)
	}
	hc := cfg.httpClient
	if hc == nil {
		// Signed audit batches go to the configured endpoint only: a
		// redirect is an answer (a failure), never a new destination.
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &WebhookSink{
		url:    endpoint,
		secret: bytes.Clone(secret),
		key:    cfg.webhookKey,
		cfg:    cfg,
		client: hc,
		window: newRedeliveryWindow(cfg.window),
	}, nil
}

// Write posts the records not delivered before, in batches.
func (s *WebhookSink) Write(ctx context.Context, recs []Record) error {
	if s.closed.Load() {
		return ErrSinkClosed
	}
	if err := sinkValidBatch(recs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: webhook sink: %w", err)
	}
	fresh, err := s.window.filter(recs, "webhook")
	if err != nil {
		return err
	}
	for i := 0; i < len(fresh); i += s.cfg.maxBatchSize {
		batch := fresh[i:min(i+s.cfg.maxBatchSize, len(fresh))]
		var body []byte
		for _, r := range batch {
			body = appendRecordLine(body, r)
		}
		label := fmt.Sprintf("%s %d..%d", batch[0].Origin, batch[0].Seq, batch[len(batch)-1].Seq)
		if err := s.post(ctx, body, label, batch[0]); err != nil {
			return err
		}
		s.window.add(batch)
	}
	return nil
}

// webhookEd25519Message is what the Ed25519 signature covers.
func webhookEd25519Message(timestamp string, body []byte) []byte {
	msg := make([]byte, 0, 21+len(timestamp)+len(body))
	msg = append(msg, "ragguard-webhook-v1\n"...)
	msg = append(msg, timestamp...)
	msg = append(msg, '.')
	return append(msg, body...)
}

// webhookSign computes the v1 signature.
func webhookSign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

func (s *WebhookSink) post(ctx context.Context, body []byte, label string, first Record) error {
	var last *WebhookError
	for attempt := 1; ; attempt++ {
		ts := strconv.FormatInt(s.cfg.now().Unix(), 10)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("audit: webhook sink: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("User-Agent", "ragguard-audit")
		req.Header.Set(WebhookTimestampHeader, ts)
		if s.secret != nil {
			req.Header.Set(WebhookSignatureHeader, webhookSign(s.secret, ts, body))
		}
		if s.key != nil {
			sig := ed25519.Sign(s.key, webhookEd25519Message(ts, body))
			req.Header.Set(WebhookEd25519SignatureHeader, base64.StdEncoding.EncodeToString(sig))
		}
		req.Header.Set(WebhookBatchHeader, strings.ToValidUTF8(label, "?"))

		var wait time.Duration
		resp, err := s.client.Do(req)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return fmt.Errorf("audit: webhook sink: %d attempt(s): %w", attempt, ctx.Err())
			}
			last = &WebhookError{Attempts: attempt, Err: err}
		default:
			snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			code := resp.StatusCode
			switch {
			case code >= 200 && code < 300:
				return nil
			case code == http.StatusConflict:
				ce := &ConflictError{Origin: first.Origin, Seq: first.Seq, Sink: "webhook"}
				var named struct {
					Origin string  `json:"origin"`
					Seq    *uint64 `json:"seq"`
				}
				if json.Unmarshal(snippet, &named) == nil && named.Origin != "" && named.Seq != nil {
					ce.Origin, ce.Seq = named.Origin, *named.Seq
				}
				return ce
			case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests, code >= 500:
				last = &WebhookError{StatusCode: code, Body: string(snippet), Attempts: attempt}
				if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && ra >= 0 {
					wait = min(time.Duration(ra)*time.Second, s.cfg.retryMax)
				}
			default:
				return &WebhookError{StatusCode: code, Body: string(snippet), Attempts: attempt}
			}
		}
		if attempt >= s.cfg.retryTries {
			return last
		}
		bound := s.cfg.retryBase << min(attempt-1, 30)
		if bound <= 0 || bound > s.cfg.retryMax {
			bound = s.cfg.retryMax
		}
		wait = max(wait, rand.N(bound)+time.Millisecond)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return fmt.Errorf("%w (no time left for a retry before ctx's deadline)", last)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("audit: webhook sink: %w after %v", ctx.Err(), last)
		case <-t.C:
		}
	}
}

// Close stops the sink.
func (s *WebhookSink) Close() error {
	s.closed.Store(true)
	return nil
}

// VerifyWebhook checks a WebhookSink request for a receiver: the timestamp
// is within WebhookTolerance of now and the HMAC-SHA256 signature over the
// timestamp and the exact body matches secret (compared in constant time).
// It returns the batch's records. r.Body is read and replaced by a reader
// over the same bytes. Every refusal matches ErrWebhookSignature; a body
// that is signed but not record lines is a *LineError.
//
// A receiver should answer 2xx once the records are stored, treat a
// redelivered (origin, seq) with the same bytes as success, and answer 409
// with {"origin":…,"seq":…} when it holds other bytes for a key
// (WebhookReceiver does all this).
func VerifyWebhook(r *http.Request, secret []byte) ([]Record, error) {
	if len(secret) == 0 {
		return nil, fmt.Errorf("%w: empty secret", ErrWebhookSignature)
	}
	return verifyWebhook(r, WebhookSignatureHeader, func(ts, sig string, body []byte) bool {
		return hmac.Equal([]byte(sig), []byte(webhookSign(secret, ts, body)))
	})
}

// VerifyWebhookEd25519 is VerifyWebhook for batches signed with
// WithWebhookEd25519: the receiver holds only the sender's public key.
func VerifyWebhookEd25519(r *http.Request, pub ed25519.PublicKey) ([]Record, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key of %d bytes", ErrWebhookSignature, len(pub))
	}
	return verifyWebhook(r, WebhookEd25519SignatureHeader, func(ts, sig string, body []byte) bool {
		raw, err := base64.StdEncoding.DecodeString(sig)
		return err == nil && ed25519.Verify(pub, webhookEd25519Message(ts, body), raw)
	})
}

func verifyWebhook(r *http.Request, header string, check func(ts, sig string, body []byte) bool) ([]Record, error) {
	ts := r.Header.Get(WebhookTimestampHeader)
	sig := r.Header.Get(header)
	if ts == "" || sig == "" {
		return nil, fmt.Errorf("%w: missing %s or %s header", ErrWebhookSignature, WebhookTimestampHeader, header)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed timestamp %q", ErrWebhookSignature, ts)
	}
	if d := time.Since(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return nil, fmt.Errorf("%w: timestamp %s is %v away from now", ErrWebhookSignature, ts, d.Round(time.Second))
	}
	if r.Body == nil {
		return nil, fmt.Errorf("%w: no body", ErrWebhookSignature)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("audit: read webhook body: %w", err)
	}
	if len(body) > maxWebhookBody {
		return nil, fmt.Errorf("%w: body over %d bytes", ErrWebhookSignature, maxWebhookBody)
	}
	if !check(ts, sig, body) {
		return nil, fmt.Errorf("%w: signature does not match", ErrWebhookSignature)
	}
	var recs []Record
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, maxWebhookBody)
	for n := 1; sc.Scan(); n++ {
		rec, err := parseRecordLine(sc.Bytes())
		if err != nil {
			return nil, &LineError{File: "webhook body", Line: n, Err: err}
		}
		recs = append(recs, rec)
	}
	if len(body) > 0 && body[len(body)-1] != '\n' {
		return nil, &LineError{File: "webhook body", Line: len(recs) + 1, Torn: true}
	}
	return recs, nil
}

// WebhookReceiver is the receiving end of WebhookSink as an http.Handler:
// it verifies each request with VerifyWebhook and writes its records to a
// Sink (a FileSink or PostgresSink of a central collector, say), answering
//
//   - 204 when the sink stored them (redeliveries included),
//   - 401 when the signature, timestamp or body is refused (the body does
//     not say which: the sender is not authenticated),
//   - 405 for methods other than POST,
//   - 409 with {"origin":…,"seq":…} when the sink reports a conflict,
//   - 503 for other sink errors, so that the sender retries.
//
// The sink's Write gets the request's context, so a client that gives up
// cancels it.
type WebhookReceiver struct {
	verify func(*http.Request) ([]Record, error)
	sink   Sink
}

var _ http.Handler = (*WebhookReceiver)(nil)

// NewWebhookReceiver returns a receiver storing into sink, checking
// signatures with secret (at least 16 bytes, as for NewWebhookSink).
func NewWebhookReceiver(secret []byte, sink Sink) (*WebhookReceiver, error) {
	if sink == nil {
		return nil, errors.New("audit: NewWebhookReceiver: nil sink")
	}
	if len(secret) < webhookMinSecret {
		return nil, fmt.Errorf("audit: NewWebhookReceiver: secret of %d bytes, need at least %d", len(secret), webhookMinSecret)
	}
	secret = bytes.Clone(secret)
	return &WebhookReceiver{sink: sink, verify: func(r *http.Request) ([]Record, error) { return VerifyWebhook(r, secret) }}, nil
}

// NewWebhookReceiverEd25519 returns a receiver storing into sink batches
// signed with the Ed25519 key whose public half is pub (WithWebhookEd25519).
func NewWebhookReceiverEd25519(pub ed25519.PublicKey, sink Sink) (*WebhookReceiver, error) {
	if sink == nil {
		return nil, errors.New("audit: NewWebhookReceiverEd25519: nil sink")
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("audit: NewWebhookReceiverEd25519: public key of %d bytes", len(pub))
	}
	pub = bytes.Clone(pub)
	return &WebhookReceiver{sink: sink, verify: func(r *http.Request) ([]Record, error) { return VerifyWebhookEd25519(r, pub) }}, nil
}

// ServeHTTP verifies one batch and stores it; see WebhookReceiver.
func (h *WebhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	recs, err := h.verify(r)
	if err != nil {
		// The sender is not authenticated yet: tell it no more than that.
		http.Error(w, ErrWebhookSignature.Error(), http.StatusUnauthorized)
		return
	}
	err = h.sink.Write(r.Context(), recs)
	var ce *ConflictError
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.As(err, &ce):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		json.NewEncoder(w).Encode(struct {
			Origin string `json:"origin"`
			Seq    uint64 `json:"seq"`
		}{ce.Origin, ce.Seq})
	case errors.Is(err, ErrInvalidRecord):
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		http.Error(w, "audit sink unavailable: "+err.Error(), http.StatusServiceUnavailable)
	}
}
