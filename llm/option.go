package llm

import (
	"path"
	"strings"
)

// Option configures NewTransport, NewHTTPClient, NewDoer and NewClient.
type Option interface{ apply(*config) }

type config struct {
	endpoints []extraEndpoint
	maxBody   int64
}

type extraEndpoint struct {
	method  string
	pattern string
	depth   int // number of path segments in pattern
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// DefaultMaxBodySize bounds a request body, a non-streamed response body and
// one server-sent event that the transport reads into memory.
const DefaultMaxBodySize = 64 << 20

// WithEndpoint lets the transport forward requests it does not know as an
// OpenAI endpoint: method (such as "GET") to a path whose last segments
// match pattern (path.Match syntax, such as "/models" or "/responses/*").
// Such calls are governed as operation "other" with the endpoint's path as
// attribute "path": every string in a JSON request body is masked before it
// leaves, and the JSON response is masked as a whole document. A response
// that is not JSON (an event stream, a file) fails the call instead of
// reaching the caller unmasked. Without this option, requests to endpoints
// the transport does not know are refused. An empty method or pattern is
// ignored.
func WithEndpoint(method, pattern string) Option {
	return optionFunc(func(c *config) {
		method = strings.ToUpper(strings.TrimSpace(method))
		pattern = "/" + strings.Trim(strings.TrimSpace(pattern), "/")
		if method == "" || pattern == "/" {
			return
		}
		if _, err := path.Match(pattern, ""); err != nil {
			return
		}
		c.endpoints = append(c.endpoints, extraEndpoint{method: method, pattern: pattern, depth: strings.Count(pattern, "/")})
	})
}

// WithMaxBodySize bounds what the transport reads into memory at once: a
// request body, a non-streamed response body, one server-sent event. Larger
// ones fail the call. The default is DefaultMaxBodySize; values below 1 are
// ignored.
func WithMaxBodySize(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	})
}

func newConfig(opts []Option) config {
	c := config{maxBody: DefaultMaxBodySize}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// extra reports whether an option allows method on urlPath.
func (c *config) extra(method, urlPath string) bool {
	for _, e := range c.endpoints {
		if e.method != method {
			continue
		}
		if ok, _ := path.Match(e.pattern, lastSegments(urlPath, e.depth)); ok {
			return true
		}
	}
	return false
}

// lastSegments returns the last n segments of p, with a leading slash.
func lastSegments(p string, n int) string {
	p = strings.TrimRight(p, "/")
	i := len(p)
	for ; n > 0 && i > 0; n-- {
		i = strings.LastIndexByte(p[:i], '/')
		if i < 0 {
			return "/" + p
		}
	}
	return p[i:]
}
