// Package openaiserver is an OpenAI-compatible HTTP server for tests: an
// honest stand-in for the real endpoint that tests reach over real HTTP on a
// loopback port with the real go-openai client (or any other
// OpenAI-compatible client).
//
// New starts the server; URL is the base URL go-openai's ClientConfig.BaseURL
// expects ("http://127.0.0.1:port/v1"), and ClientConfig builds that
// configuration. The server answers:
//
//   - POST /v1/chat/completions, plain and streamed as server-sent events
//     (chat.completion.chunk objects, then "data: [DONE]"), with
//     stream_options.include_usage, tool calls, refusals and finish reasons;
//   - POST /v1/completions, plain and streamed;
//   - POST /v1/embeddings, with deterministic vectors (see Vector) in float
//     or base64 encoding;
//   - POST /v1/moderations;
//   - POST /v1/responses, non-streamed, with the answer as an output message.
//
// Bodies follow the real service's JSON, nulls included. Unknown paths get a
// 404 and malformed JSON a 400, both in the service's error shape. Sampling
// parameters (n, max_tokens, stop, temperature, ...) are accepted and left
// to the responder, which sees them; every answer has one choice. The legacy
// functions/function_call fields and streamed Responses are not served.
//
// # Scripted answers
//
// A ChatResponder sees each chat request and returns a Reply: text, refusal,
// tool calls, finish reason, usage, or an ErrorReply. The default, Echo,
// answers "You said: " and the last user message. A CompletionResponder
// does the same for legacy completions and a Moderator for moderations.
//
// # Streams
//
// A Chunker decides how streamed text is cut into chunks: ChunkBytes,
// ChunkRunes, ChunkAt, ChunkCuts, ChunkRandom, or SplitInside, which cuts
// every occurrence of given values in two so that tests can check that a
// streaming masker never lets a value through whole. Tool-call arguments are
// cut the same way. WithChunkDelay slows a stream down; WithStallAfter makes
// it hang after some events until the client goes away or the server
// closes, for cancellation tests.
//
// # Errors and authentication
//
// FailNext, WithErrorRule and Reply.Error make the server answer with an
// ErrorReply (BadRequest, Unauthorized, RateLimited with Retry-After,
// ServerError, or any status), which go-openai returns as *openai.APIError,
// or as *openai.RequestError when the body is not in the service's shape.
// WithAPIKey requires a bearer key and answers 401 otherwise.
//
// # Recording
//
// Every request is recorded in order — method, path, headers with
// credentials redacted, raw body — whatever its outcome. Requests returns
// copies, Count and Counts give per-path counters, Reset clears them, and
// ReceivedContains scans everything received (JSON-decoded strings
// included), so a test can assert that an unmasked value never left the
// process. The server is safe for concurrent use.
//
// # A real endpoint instead
//
// WithUpstream (or UpstreamFromEnv, which reads OPENAI_BASE_URL and
// OPENAI_API_KEY) turns the server into a recording relay to a real
// endpoint: a suite keeps its recording assertions and runs against the real
// service when a developer asks for it. Upstream reports the mode, so tests
// that depend on scripted answers can skip.
package openaiserver
