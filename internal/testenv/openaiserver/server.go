package openaiserver

import (
	"bytes"
	"compress/gzip"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Paths the server serves.
const (
	PathChat        = "/v1/chat/completions"
	PathCompletions = "/v1/completions"
	PathEmbeddings  = "/v1/embeddings"
	PathModerations = "/v1/moderations"
	PathResponses   = "/v1/responses"
)

// DefaultAPIKey is the key ClientConfig uses when the server requires none.
const DefaultAPIKey = "sk-openaiserver-test"

// Server is an OpenAI-compatible HTTP server on a loopback port. It is safe
// for concurrent use.
type Server struct {
	cfg  config
	ts   *httptest.Server
	rec  recorder
	seq  atomic.Uint64
	done chan struct{}
	once sync.Once

	failMu   sync.Mutex
	failNext []ErrorReply
}

// New starts a server on 127.0.0.1 with the given options. Close it when
// done.
func New(opts ...Option) *Server {
	s := &Server{cfg: defaultConfig(), done: make(chan struct{})}
	for _, o := range opts {
		if o != nil {
			o.apply(&s.cfg)
		}
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// httptest listens on 127.0.0.1 by default; make that explicit so the
	// server never binds another interface.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("openaiserver: listen on loopback: %v", err))
	}
	_ = s.ts.Listener.Close()
	s.ts.Listener = l
	s.ts.Start()
	return s
}

// URL returns the base URL for go-openai's ClientConfig.BaseURL, such as
// "http://127.0.0.1:40123/v1".
func (s *Server) URL() string { return s.ts.URL + "/v1" }

// ClientConfig returns a go-openai configuration pointing at the server, with
// the server's required API key (or DefaultAPIKey when none is required).
func (s *Server) ClientConfig() openai.ClientConfig {
	key := s.cfg.apiKey
	if key == "" {
		key = DefaultAPIKey
	}
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = s.URL()
	return cfg
}

// Close releases stalled and slow streams, then shuts the server down and
// waits for its handlers to return. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// FailNext makes the next n requests to known endpoints (to any path with
// WithUpstream), after the API key check, fail with e before any ErrorRule
// is consulted.
func (s *Server) FailNext(n int, e ErrorReply) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	for range n {
		s.failNext = append(s.failNext, e)
	}
}

func (s *Server) takeFailure() (ErrorReply, bool) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	if len(s.failNext) == 0 {
		return ErrorReply{}, false
	}
	e := s.failNext[0]
	s.failNext = s.failNext[1:]
	return e, true
}

func (s *Server) nextID(prefix string) string {
	return fmt.Sprintf("%s%06d", prefix, s.seq.Add(1))
}

type handler func(s *Server, w http.ResponseWriter, r *http.Request, body []byte)

var routes = map[string]handler{
	PathChat:        (*Server).chat,
	PathCompletions: (*Server).completions,
	PathEmbeddings:  (*Server).embeddings,
	PathModerations: (*Server).moderations,
	PathResponses:   (*Server).responses,
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.maxBodySize))
	// A compressed body is recorded decompressed, so that ReceivedContains
	// sees what left the client whatever its encoding.
	encoding := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	var encodingErr *ErrorReply
	switch encoding {
	case "", "identity":
	case "gzip":
		if readErr == nil {
			plain, err := gunzip(body, s.cfg.maxBodySize)
			if err != nil {
				e := BadRequest("Could not decompress the gzip request body: " + err.Error())
				encodingErr = &e
			} else {
				body = plain
			}
		}
	default:
		encodingErr = &ErrorReply{Status: http.StatusUnsupportedMediaType, Type: "invalid_request_error",
			Message: fmt.Sprintf("Content-Encoding %q is not supported.", encoding)}
	}
	rec := Request{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
		Received: time.Now(),
	}
	for _, h := range credentialHeaders {
		if rec.Header.Get(h) != "" {
			rec.Header.Set(h, redacted)
		}
	}
	s.rec.add(rec)

	if !s.authorized(r) {
		e := Unauthorized()
		if r.Header.Get("Authorization") == "" {
			e.Code = ""
			e.Message = "You didn't provide an API key. Provide it in an Authorization header (Bearer auth)."
		}
		e.write(w)
		return
	}
	route, ok := routes[r.URL.Path]
	if (!ok || r.Method != http.MethodPost) && !s.Upstream() {
		notFound(r).write(w)
		return
	}
	if readErr != nil {
		var tooBig *http.MaxBytesError
		if errors.As(readErr, &tooBig) {
			ErrorReply{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error",
				Message: fmt.Sprintf("Request body exceeds %d bytes.", tooBig.Limit)}.write(w)
			return
		}
		BadRequest("Could not read the request body.").write(w)
		return
	}
	if encodingErr != nil {
		encodingErr.write(w)
		return
	}
	if e, ok := s.takeFailure(); ok {
		e.write(w)
		return
	}
	if s.cfg.errorRule != nil {
		if e := s.cfg.errorRule.ErrorFor(rec.clone()); e != nil {
			e.write(w)
			return
		}
	}
	if s.Upstream() {
		s.forward(w, r, body)
		return
	}
	route(s, w, r, body)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.apiKey == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.apiKey)) == 1
}

// decode unmarshals a JSON request body, answering 400 when it is malformed
// or a field has the wrong type.
func decode(w http.ResponseWriter, body []byte, v any) bool {
	if !json.Valid(body) {
		BadRequest("We could not parse the JSON body of your request: it is not valid JSON.").write(w)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		BadRequest("Invalid request body: " + err.Error()).write(w)
		return false
	}
	return true
}

func gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	plain, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(plain)) > limit {
		return nil, fmt.Errorf("decompressed body exceeds %d bytes", limit)
	}
	return plain, nil
}
