package openaiserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
)

// Environment variables UpstreamFromEnv reads.
const (
	EnvBaseURL = "OPENAI_BASE_URL"
	EnvAPIKey  = "OPENAI_API_KEY"
)

// WithUpstream turns the server into a recording pass-through to a real
// OpenAI-compatible endpoint at baseURL (such as "https://host/v1"),
// authenticated with apiKey. Requests are still recorded, counted and
// checked against WithAPIKey, FailNext and WithErrorRule; everything else is
// forwarded and the endpoint's answer, streams included, is relayed as it
// arrives. Responders, chunking, delays and stalls do not apply. An empty
// baseURL is ignored.
func WithUpstream(baseURL, apiKey string) Option {
	return optionFunc(func(c *config) {
		if baseURL != "" {
			c.upstreamURL = strings.TrimRight(baseURL, "/")
			c.upstreamKey = apiKey
		}
	})
}

// UpstreamFromEnv returns WithUpstream for OPENAI_BASE_URL and
// OPENAI_API_KEY when both are set, and nil (which New ignores) otherwise,
// so that a suite runs against a real endpoint when a developer asks for it
// and against the scripted server by default.
func UpstreamFromEnv() Option {
	base, key := os.Getenv(EnvBaseURL), os.Getenv(EnvAPIKey)
	if base == "" || key == "" {
		return nil
	}
	return WithUpstream(base, key)
}

// Upstream reports whether the server relays to a real endpoint, in which
// case tests should not expect scripted answers.
func (s *Server) Upstream() bool { return s.cfg.upstreamURL != "" }

// hopHeaders (and the client's credentials) are not relayed in either
// direction.
var hopHeaders = []string{
	"Authorization", "Api-Key", "X-Api-Key", "Host", "Content-Length", "Connection",
	"Keep-Alive", "Transfer-Encoding", "Te", "Trailer", "Upgrade",
	"Proxy-Authorization", "Proxy-Connection", "Accept-Encoding",
}

// requestOnlyHeaders are dropped from relayed requests: the relay sends the
// body decompressed.
var requestOnlyHeaders = []string{"Content-Encoding"}

func (s *Server) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	target := s.cfg.upstreamURL + strings.TrimPrefix(r.URL.Path, "/v1")
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	// The relayed call ends when the client goes away or the server closes.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	out, err := http.NewRequestWithContext(ctx, r.Method, target, bytes.NewReader(body))
	if err != nil {
		ErrorReply{Status: http.StatusBadGateway, Type: "server_error", Message: "openaiserver: bad upstream request: " + err.Error()}.write(w)
		return
	}
	out.Header = r.Header.Clone()
	for _, h := range append(hopHeaders, requestOnlyHeaders...) {
		out.Header.Del(h)
	}
	if s.cfg.upstreamKey != "" {
		out.Header.Set("Authorization", "Bearer "+s.cfg.upstreamKey)
	}
	resp, err := http.DefaultClient.Do(out)
	if err != nil {
		ErrorReply{Status: http.StatusBadGateway, Type: "server_error", Message: "openaiserver: upstream unreachable: " + err.Error()}.write(w)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	for _, h := range hopHeaders {
		w.Header().Del(h)
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			// Relay each read at once so a stream keeps its pacing.
			_ = rc.Flush()
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			// The upstream body broke (or the server is closing): break the
			// client's body too instead of ending it cleanly.
			panic(http.ErrAbortHandler)
		}
	}
}
