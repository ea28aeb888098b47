package openaiserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Request is one request as the server received it.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	// Header holds the request headers; the values of credential headers
	// (Authorization, Api-Key, X-Api-Key, Proxy-Authorization) are replaced
	// by "[redacted]" so recordings can be printed.
	Header http.Header
	// Body holds the raw body bytes (up to the size limit).
	Body     []byte
	Received time.Time
}

// DecodeJSON unmarshals the body into v.
func (r Request) DecodeJSON(v any) error { return json.Unmarshal(r.Body, v) }

func (r Request) clone() Request {
	r.Header = r.Header.Clone()
	r.Body = slices.Clone(r.Body)
	return r
}

// contains reports whether s occurs in the body, in the decoded string
// values and keys of a JSON body, in the path or query, or in a recorded
// header value. Decoding matters: encoding/json escapes <, > and &, and
// other encoders may escape any non-ASCII rune, so a value can leave the
// process without its bytes appearing verbatim in the body.
func (r Request) contains(s string) bool {
	if bytes.Contains(r.Body, []byte(s)) || strings.Contains(r.Path, s) || strings.Contains(r.RawQuery, s) {
		return true
	}
	for _, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, s) {
				return true
			}
		}
	}
	// Without a backslash no JSON string is escaped, so every decoded string
	// is a run of the raw body, which did not contain s.
	if bytes.IndexByte(r.Body, '\\') < 0 {
		return false
	}
	var doc any
	if json.Unmarshal(r.Body, &doc) != nil {
		return false
	}
	return jsonContains(doc, s)
}

func jsonContains(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, s)
	case []any:
		for _, e := range v {
			if jsonContains(e, s) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.Contains(k, s) || jsonContains(e, s) {
				return true
			}
		}
	}
	return false
}

const redacted = "[redacted]"

// credentialHeaders are recorded with their values redacted.
var credentialHeaders = []string{"Authorization", "Api-Key", "X-Api-Key", "Proxy-Authorization"}

type recorder struct {
	mu       sync.Mutex
	requests []Request
	counts   map[string]int
}

func (rec *recorder) add(r Request) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.requests = append(rec.requests, r)
	if rec.counts == nil {
		rec.counts = make(map[string]int)
	}
	rec.counts[r.Path]++
}

// Requests returns copies of every request received since the server
// started or was last Reset, in the order they arrived.
func (s *Server) Requests() []Request {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	out := make([]Request, len(s.rec.requests))
	for i, r := range s.rec.requests {
		out[i] = r.clone()
	}
	return out
}

// Count returns how many requests arrived for path (such as PathChat),
// whatever their outcome.
func (s *Server) Count(path string) int {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	return s.rec.counts[path]
}

// Counts returns the number of requests received per path.
func (s *Server) Counts() map[string]int {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	out := make(map[string]int, len(s.rec.counts))
	for k, v := range s.rec.counts {
		out[k] = v
	}
	return out
}

// ReceivedContains reports whether s reached the server in any recorded
// request: in a raw body, in a string decoded from a JSON body (so escaped
// forms such as \u0026 are caught), in a path or query, or in a header value
// other than the redacted credentials. Tests use it to prove that an
// unmasked value never left the process. An empty s is never contained.
func (s *Server) ReceivedContains(sub string) bool {
	if sub == "" {
		return false
	}
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	for _, r := range s.rec.requests {
		if r.contains(sub) {
			return true
		}
	}
	return false
}

// Reset forgets the recorded requests and counters. Pending FailNext
// errors stay queued.
func (s *Server) Reset() {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.requests = nil
	s.rec.counts = nil
}
