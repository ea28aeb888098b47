package llm

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/ragguard/ragguard"
)

// Doer sends an HTTP request: the shape of *http.Client and of go-openai's
// ClientConfig.HTTPClient (openai.HTTPDoer).
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// DoerFunc adapts a function to Doer.
type DoerFunc func(req *http.Request) (*http.Response, error)

// Do calls f(req).
func (f DoerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// ErrMalformedResponse is wrapped by the error a call fails with when the
// upstream's answer cannot be parsed, so it cannot be masked: such an
// answer never reaches the caller.
var ErrMalformedResponse = errors.New("llm: malformed response from upstream")

// ErrUnsupported is wrapped by the error a call fails with when it asks for
// something the transport cannot govern, such as a compressed request body
// or an event stream from an endpoint allowed by WithEndpoint.
var ErrUnsupported = errors.New("llm: unsupported request")

// StatusError is the error an audit event records for an upstream answer
// with an HTTP error status. The caller does not see it: the (masked) error
// response reaches the client, which turns it into its own error type, such
// as go-openai's *openai.APIError.
type StatusError struct {
	StatusCode int
	Status     string
}

func (e *StatusError) Error() string { return "llm: upstream answered " + e.Status }

// transport is the governing RoundTripper.
type transport struct {
	base http.RoundTripper
	gv   *governor
}

// NewTransport returns an http.RoundTripper that governs the
// OpenAI-compatible calls it carries with g, and sends them with base (nil
// means http.DefaultTransport). See the package documentation for what it
// masks, refuses and records.
func NewTransport(base http.RoundTripper, g *ragguard.Guard, opts ...Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, gv: newGovernor(g, opts)}
}

// RoundTrip governs req and sends it with the base transport.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.gv.do(req, t.base.RoundTrip)
}

// CloseIdleConnections passes http.Client.CloseIdleConnections on to the
// base transport.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// NewHTTPClient returns a copy of base (nil means a zero http.Client) whose
// transport governs every call with g. Use it as go-openai's
// ClientConfig.HTTPClient or with any other OpenAI-compatible client.
func NewHTTPClient(base *http.Client, g *ragguard.Guard, opts ...Option) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	c.Transport = NewTransport(c.Transport, g, opts...)
	return c
}

// NewDoer returns a Doer that governs every call with g before d sends it.
// It serves clients configured with a Doer that is not an *http.Client; a
// nil d means a zero http.Client.
func NewDoer(d Doer, g *ragguard.Guard, opts ...Option) Doer {
	if d == nil {
		d = &http.Client{}
	}
	gv := newGovernor(g, opts)
	return DoerFunc(func(req *http.Request) (*http.Response, error) { return gv.do(req, d.Do) })
}

// governor holds what the transport and the Doer share.
type governor struct {
	g   *ragguard.Guard
	cfg config
}

func newGovernor(g *ragguard.Guard, opts []Option) *governor {
	if g == nil {
		panic("llm: nil *ragguard.Guard")
	}
	return &governor{g: g, cfg: newConfig(opts)}
}

// do governs one request: Begin, send the masked request, mask the answer,
// Finish.
func (gv *governor) do(req *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	ep := endpointOf(req.URL.Path)
	if ep == epUnknown || req.Method != http.MethodPost {
		if gv.cfg.extra(req.Method, req.URL.Path) {
			ep = epExtra
		} else {
			closeBody(req)
			return nil, gv.refuse(req)
		}
	}
	body, err := readRequestBody(req, gv.cfg.maxBody)
	if err != nil {
		return nil, gv.refuseMalformed(req, ep, err)
	}
	r, err := parseRequest(ep, req.URL.Path, body)
	if err != nil {
		return nil, gv.refuseMalformed(req, ep, err)
	}
	op, err := gv.g.Begin(req.Context(), &r.call)
	if err != nil {
		return nil, err
	}
	var masked []byte
	if r.doc != nil {
		if masked, err = r.masked(op.Inputs()); err != nil {
			return nil, op.Finish(fmt.Errorf("llm: encoding the masked request: %w", err))
		}
	}
	op.SetBodies(masked, nil)

	out := req.Clone(op.Context())
	setBody(out, masked)
	// The base transport then negotiates compression itself and decodes
	// the answer, which the transport must read to mask it.
	out.Header.Del("Accept-Encoding")

	resp, err := send(out)
	if err != nil {
		return nil, op.Finish(err)
	}
	return gv.answer(op, ep, out, resp)
}

// refuse audits and refuses a request to an endpoint the transport does not
// govern. The Guard sees it as operation "other", so the policy decides
// whether the attempt is a plain denial and the audit log records it.
func (gv *governor) refuse(req *http.Request) error {
	refusal := fmt.Errorf("%w: llm: %s %s is not an endpoint the transport governs (see llm.WithEndpoint)",
		ragguard.ErrPermissionDenied, req.Method, req.URL.Path)
	op, err := gv.g.Begin(req.Context(), &ragguard.Call{
		Kind:       ragguard.KindLLM,
		Operation:  "other",
		Attributes: map[string]any{"path": req.URL.Path, "method": req.Method},
	})
	if err != nil {
		return err
	}
	return op.Finish(refusal)
}

// refuseMalformed audits a request refused before the Guard could see it
// as a call (a body that cannot be read, parsed or masked): nothing is sent,
// and the attempt is on record.
func (gv *governor) refuseMalformed(req *http.Request, ep endpoint, err error) error {
	op, _ := ep.operation()
	return gv.g.Refuse(req.Context(), &ragguard.Call{
		Kind:       ragguard.KindLLM,
		Operation:  op,
		Attributes: map[string]any{"path": req.URL.Path, "method": req.Method},
	}, err)
}

// answer masks the upstream's response and finishes op (streams finish
// when they end).
func (gv *governor) answer(op *ragguard.Op, ep endpoint, req *http.Request, resp *http.Response) (*http.Response, error) {
	if err := decompress(resp); err != nil {
		resp.Body.Close()
		return nil, op.Finish(err)
	}
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return gv.errorAnswer(op, resp)
	case mediaType == "text/event-stream":
		if ep == epExtra {
			resp.Body.Close()
			return nil, op.Finish(fmt.Errorf("%w: an event stream from %s cannot be masked", ErrUnsupported, req.URL.Path))
		}
		return newStream(req.Context(), op, ep, resp, gv.cfg.maxBody), nil
	}
	raw, err := readAllSized(resp.Body, resp.ContentLength, gv.cfg.maxBody)
	resp.Body.Close()
	if err != nil {
		return nil, op.Finish(err)
	}
	masked, client, err := maskBody(op, ep, raw)
	if err != nil {
		return nil, op.Finish(err)
	}
	op.SetBodies(nil, masked)
	if err := op.Finish(nil); err != nil {
		return nil, err
	}
	return withBody(resp, client), nil
}

// mediaTypeOf returns the media type of a Content-Type value, as
// mime.ParseMediaType reads it ("" when it cannot), without parsing the
// values providers send most.
func mediaTypeOf(ct string) string {
	switch ct {
	case "application/json", "text/event-stream":
		return ct
	case "application/json; charset=utf-8":
		return "application/json"
	case "text/event-stream; charset=utf-8":
		return "text/event-stream"
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt
}

// maskBody masks a non-streamed response body. It returns the masked body
// for the session record and the body for the caller, which has tokens
// restored when the policy allows it.
func maskBody(op *ragguard.Op, ep endpoint, raw []byte) (masked, client []byte, err error) {
	texts := ep == epChat || ep == epCompletion || ep == epResponses
	doc, rd, err := readObjectDoc(raw, texts)
	var renamed bool
	if err == nil {
		renamed, err = canonRenames(doc, "")
	}
	exact := err == nil && texts && !rd.inexact && !renamed
	if !exact && (ep == epChat || ep == epCompletion) {
		if w, texts, ok := plainAnswer(raw, op.Decision().Mask != ""); ok {
			return maskPlainAnswer(op, w, texts)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
	}
	if um, ok := doc["usage"].(map[string]any); ok && exact {
		for k := range um {
			exact = exact && plainKey(k) // usageOf renames case variants
		}
	}
	if u, ok := usageOf(doc); ok {
		u.FinishReason = finishReasonOf(doc)
		op.SetUsage(u)
	} else if fr := finishReasonOf(doc); fr != "" {
		op.SetUsage(ragguard.Usage{FinishReason: fr})
	}
	switch ep {
	case epEmbeddings, epModeration:
		// Vectors, scores and categories: the answer carries no text.
		return raw, raw, nil
	case epExtra:
		masked, err := op.MaskJSON("body", raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
		return masked, masked, nil
	}
	var fs fields
	responseFields(ep, doc, &fs, op.Decision().Mask != "")
	if fs.err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformedResponse, fs.err)
	}
	// The answer goes out as the upstream's bytes with only the changed
	// strings replaced when that means what the re-encoded tree means
	// (see request.masked); else re-encoded.
	exact = exact && !fs.renamed && !fs.stripped
	var edits []edit
	orig := make([]string, len(fs.list))
	for i := range fs.list {
		f := &fs.list[i]
		orig[i] = f.text
		m := op.MaskText(f.loc, f.text)
		if m != f.text && exact {
			sp, ok := rd.spanOf(ownerOf(f.cont), f.key, f.idx)
			exact = ok
			edits = append(edits, edit{span: sp, text: m})
		}
		f.text = m
		f.put(m)
	}
	if masked, err = encodeOrSplice(doc, rd, exact, edits); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
	}
	client = masked
	if restores(op) {
		edits = edits[:0]
		for i, f := range fs.list {
			r, err := op.Restore(f.text)
			if err != nil {
				return nil, nil, fmt.Errorf("llm: restoring tokens in %s: %w", f.loc, err)
			}
			f.put(r)
			if exact && r != orig[i] {
				sp, ok := rd.spanOf(ownerOf(f.cont), f.key, f.idx)
				exact = ok
				edits = append(edits, edit{span: sp, text: r})
			}
		}
		if client, err = encodeOrSplice(doc, rd, exact, edits); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
	}
	return masked, client, nil
}

// encodeOrSplice returns rd's input with edits applied when exact, else
// doc encoded.
func encodeOrSplice(doc map[string]any, rd *jsonReader, exact bool, edits []edit) ([]byte, error) {
	if exact {
		if b, ok := rd.splice(edits); ok {
			return b, nil
		}
	}
	return encode(doc)
}

// maskPlainAnswer masks an answer decoded on the fast path.
func maskPlainAnswer(op *ragguard.Op, w *wireCompletion, texts []textField) (masked, client []byte, err error) {
	var u ragguard.Usage
	if len(w.Usage) > 0 {
		if in, out, ok := wireUsage(w.Usage); ok {
			u.InputTokens, u.OutputTokens = in, out
		}
	}
	for _, c := range w.Choices {
		if c.FinishReason != nil && *c.FinishReason != "" {
			u.FinishReason = *c.FinishReason
			break
		}
	}
	op.SetUsage(u)
	for i := range texts {
		f := &texts[i]
		f.text = op.MaskText(f.loc, f.text)
		f.put(f.text)
	}
	if masked, err = encode(w); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
	}
	client = masked
	if restores(op) {
		for _, f := range texts {
			r, err := op.Restore(f.text)
			if err != nil {
				return nil, nil, fmt.Errorf("llm: restoring tokens in %s: %w", f.loc, err)
			}
			f.put(r)
		}
		if client, err = encode(w); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
	}
	return masked, client, nil
}

// restores reports whether Op.Restore can change anything for this call.
func restores(op *ragguard.Op) bool {
	d := op.Decision()
	return d.Restore && !d.Observed && d.Mask != ""
}

// errorAnswer passes an upstream error through, masked: error messages
// can quote the request.
func (gv *governor) errorAnswer(op *ragguard.Op, resp *http.Response) (*http.Response, error) {
	statusErr := &StatusError{StatusCode: resp.StatusCode, Status: resp.Status}
	raw, err := readAll(resp.Body, gv.cfg.maxBody)
	resp.Body.Close()
	if err != nil {
		return nil, op.Finish(fmt.Errorf("%w (reading its body: %w)", statusErr, err))
	}
	var masked []byte
	if _, jerr := decodeObject(raw); jerr == nil {
		if masked, err = op.MaskJSON("error", raw); err != nil {
			masked = nil
		}
	}
	if masked == nil {
		masked = []byte(op.MaskText("error", string(raw)))
	}
	op.SetBodies(nil, masked)
	if err := op.Finish(statusErr); !errors.Is(err, statusErr) {
		return nil, err
	}
	return withBody(resp, masked), nil
}

// readRequestBody reads and closes req's body, refusing what the transport
// cannot read as JSON.
func readRequestBody(req *http.Request, max int64) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	if ce := req.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, fmt.Errorf("%w: request body with Content-Encoding %q", ErrUnsupported, ce)
	}
	b, err := readAllSized(req.Body, req.ContentLength, max)
	if err != nil {
		return nil, fmt.Errorf("llm: reading the request body: %w", err)
	}
	return b, nil
}

// readAllSized is readAll for a body that announces its size: the buffer
// is allocated once. The size is only a hint; the body decides, and a read
// error (a truncated body) is an error as with readAll.
func readAllSized(r io.Reader, size, max int64) ([]byte, error) {
	if size <= 0 || size > max {
		return readAll(r, max)
	}
	b := make([]byte, 0, min(size+512, max+1))
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return nil, fmt.Errorf("llm: body larger than %d bytes (WithMaxBodySize)", max)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			break
		}
	}
	// More than announced: read on, within max.
	rest, err := io.ReadAll(io.LimitReader(r, max+1-int64(len(b))))
	if err != nil {
		return nil, err
	}
	if b = append(b, rest...); int64(len(b)) > max {
		return nil, fmt.Errorf("llm: body larger than %d bytes (WithMaxBodySize)", max)
	}
	return b, nil
}

// readAll reads r up to max bytes; more is an error.
func readAll(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("llm: body larger than %d bytes (WithMaxBodySize)", max)
	}
	return b, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// setBody replaces a cloned request's body with b.
func setBody(req *http.Request, b []byte) {
	req.Header.Del("Content-Length")
	req.Header.Del("Content-Encoding")
	if b == nil {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
		return
	}
	req.ContentLength = int64(len(b))
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// withBody returns a copy of resp carrying b as its whole body.
func withBody(resp *http.Response, b []byte) *http.Response {
	out := *resp
	out.Header = resp.Header.Clone()
	out.Header.Set("Content-Length", strconv.Itoa(len(b)))
	out.ContentLength = int64(len(b))
	out.Body = io.NopCloser(bytes.NewReader(b))
	return &out
}

// decompress decodes a gzip response body, which a base transport leaves
// encoded when the caller asked for it. Other encodings cannot be masked.
func decompress(resp *http.Response) error {
	switch ce := strings.ToLower(resp.Header.Get("Content-Encoding")); ce {
	case "", "identity":
		return nil
	case "gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return fmt.Errorf("%w: gzip: %v", ErrMalformedResponse, err)
		}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{zr, resp.Body}
		resp.Header = resp.Header.Clone()
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
		return nil
	default:
		return fmt.Errorf("%w: response with Content-Encoding %q cannot be masked", ErrUnsupported, ce)
	}
}
