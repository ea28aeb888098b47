package openaiserver

import "time"

// An Option configures a Server built by New.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	apiKey      string
	chat        ChatResponder
	completion  CompletionResponder
	moderator   Moderator
	errorRule   ErrorRule
	chunker     Chunker
	chunkDelay  time.Duration
	stallAfter  int // number of SSE events before the stream hangs; <0 never
	embedDim    int
	maxBodySize int64
	upstreamURL string
	upstreamKey string
}

const (
	defaultEmbeddingDimension = 64
	defaultMaxBodySize        = 16 << 20
)

func defaultConfig() config {
	return config{
		chat:        Echo(),
		completion:  EchoCompletion(),
		moderator:   ModeratorFunc(func(string) []string { return nil }),
		chunker:     ChunkRunes(4),
		stallAfter:  -1,
		embedDim:    defaultEmbeddingDimension,
		maxBodySize: defaultMaxBodySize,
	}
}

// WithAPIKey makes the server require "Authorization: Bearer key" on every
// request and answer 401 otherwise, as the real service does. An empty key
// leaves authentication off.
func WithAPIKey(key string) Option {
	return optionFunc(func(c *config) { c.apiKey = key })
}

// WithChatResponder sets what /v1/chat/completions and /v1/responses answer.
// The default is Echo. A nil responder is ignored.
func WithChatResponder(r ChatResponder) Option {
	return optionFunc(func(c *config) {
		if r != nil {
			c.chat = r
		}
	})
}

// WithCompletionResponder sets what /v1/completions answers for each prompt.
// The default is EchoCompletion. A nil responder is ignored.
func WithCompletionResponder(r CompletionResponder) Option {
	return optionFunc(func(c *config) {
		if r != nil {
			c.completion = r
		}
	})
}

// WithModerator sets how /v1/moderations classifies each input. The default
// flags nothing. A nil moderator is ignored.
func WithModerator(m Moderator) Option {
	return optionFunc(func(c *config) {
		if m != nil {
			c.moderator = m
		}
	})
}

// WithErrorRule consults rule for every authenticated request to a known
// endpoint before it is served; a non-nil ErrorReply is sent instead of the
// answer. A nil rule is ignored.
func WithErrorRule(rule ErrorRule) Option {
	return optionFunc(func(c *config) {
		if rule != nil {
			c.errorRule = rule
		}
	})
}

// WithChunker sets how streamed text (content, refusals, tool-call arguments,
// completion text) is cut into SSE chunks. The default is ChunkRunes(4).
// A nil chunker is ignored.
func WithChunker(ch Chunker) Option {
	return optionFunc(func(c *config) {
		if ch != nil {
			c.chunker = ch
		}
	})
}

// WithChunkDelay makes streams wait d between consecutive SSE events (not
// before the first one), for slow-stream and time-to-first-token tests.
// The wait ends early when the client goes away or the server closes.
func WithChunkDelay(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.chunkDelay = d
		}
	})
}

// WithStallAfter makes every stream send n SSE events (counting the first,
// role-only chunk; n may be 0) and then hang, sending nothing more, until the
// client goes away or the server closes. Negative n turns stalling off.
func WithStallAfter(n int) Option {
	return optionFunc(func(c *config) { c.stallAfter = max(n, -1) })
}

// WithEmbeddingDimension sets the length of the vectors /v1/embeddings
// returns when the request does not ask for "dimensions". The default is 64.
// Values below 1 are ignored.
func WithEmbeddingDimension(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.embedDim = n
		}
	})
}

// WithMaxBodySize bounds the request body the server reads; larger bodies get
// 413. The default is 16 MiB. Values below 1 are ignored.
func WithMaxBodySize(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxBodySize = n
		}
	})
}
