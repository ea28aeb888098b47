// Package llm governs the calls a service makes to an LLM provider through
// an OpenAI-compatible HTTP API: every call runs the ragguard.Guard pipeline
// (identity, policy, approval, masking, audit) on its way out and back.
//
// # One mechanism, two ways in
//
// The governing happens in an http.RoundTripper, NewTransport, so that it
// covers whatever speaks the OpenAI wire format: go-openai, other SDKs, a
// hand-written client. NewHTTPClient wraps an *http.Client and NewDoer any
// Doer (the shape of go-openai's ClientConfig.HTTPClient).
//
// For go-openai users, NewClient builds a Client from an
// openai.ClientConfig and a Guard. Its methods have go-openai's exact
// signatures and return go-openai's types, streams included, and the API
// interface lists them; both *openai.Client and *Client satisfy API, so a
// service that holds an API changes one constructor and no call site:
//
//	var ai llm.API = openai.NewClientWithConfig(cfg) // before
//	var ai llm.API = llm.NewClient(cfg, guard)       // after
//
// A Client is built from the configuration, not from an existing
// *openai.Client: go-openai keeps its configuration private, and governing
// streamed bytes needs the transport underneath the client.
//
// # What happens to a call
//
// The transport recognises the endpoint by the end of the URL path, so any
// base URL, proxy prefix or Azure deployment path works: POST
// .../chat/completions (operation "chat"), .../completions ("completion"),
// .../embeddings ("embeddings"), .../moderations ("moderation") and
// .../responses ("responses"). It decodes the JSON body, keeping unknown
// members and exact numbers, and builds a ragguard.Call whose resource is the
// model and whose inputs are every text that would leave the process:
// message contents (strings and the text parts of multi-part contents),
// refusals, tool-call and function-call arguments, tool and function
// descriptions, completion prompts and suffixes, embedding and moderation
// inputs, Responses API instructions and inputs, the end-user id ("user")
// and metadata values — and then every other string of the body (predicted
// outputs, stop sequences, members newer than this code) outside the
// members that name, select or configure things (model, role, type, name,
// ids, tool_choice, response_format). Parameter schemas are code and pass
// unchanged; parts
// that are not text (images, audio, files) cannot be masked and are counted
// in the attribute "media_parts" so that a policy can refuse them. Other
// attributes a policy condition can read: "path", "stream", "messages",
// "inputs", "max_tokens".
//
// Guard.Begin then identifies the caller from the request's context (put
// the principal there with identity.NewContext or the identity middleware),
// applies the policy, waits for an approver when the policy holds the call,
// and masks the inputs. The transport writes the masked texts back in place
// and sends the body with Content-Length fixed. When its reading of the
// body was exact — no object repeats a member name, no member name was
// matched by case only, every string read as written (valid UTF-8, no lone
// surrogate) — the body sent is the caller's bytes with only the changed
// strings replaced, which means to any parser exactly what the transport
// read. Otherwise it sends the re-encoded body, so duplicate or
// case-variant members, which a parser upstream might read differently
// from the transport, cannot smuggle an unmasked text. A denied,
// unauthenticated or refused call sends nothing: RoundTrip returns an
// error wrapping ragguard.ErrPermissionDenied, ErrUnauthenticated,
// ErrApprovalDenied or ErrApprovalTimeout, and go-openai keeps the chain,
// so errors.Is and ragguard.CodeOf work on what its methods return.
//
// The answer is masked before the caller sees it: every string of each
// choice (message contents, refusals, reasoning, tool-call arguments,
// completion texts, and members the transport does not know, such as audio
// transcripts or annotations) and of each Responses API output item, except
// the members that identify or name things (ids, types, roles, names,
// statuses, finish reasons). Token log-probabilities are
// dropped when the call is masked, since they spell the answer out token by
// token. For principals whose rule sets restore, reversible tokens in the
// masked answer are restored to the original values (each restore is
// counted in the audit event); the session record keeps the masked answer.
// As with requests, an answer read exactly reaches the caller as the
// upstream's bytes with only the changed strings replaced; one whose
// log-probabilities were dropped is re-encoded.
// Embedding and moderation answers carry no text and pass as they are.
//
// Member names are read the way encoding/json fills structs, ignoring case,
// so that what the transport masks is what a Go client decodes; two members
// differing only in case, or a text member of an unexpected type, make the
// answer malformed rather than letting one of them through unmasked.
//
// # Streams
//
// A streamed answer (text/event-stream) is parsed event by event: data
// lines (several per event are joined), CRLF line ends, comments and other
// fields, which are dropped. Each chat.completion.chunk or text completion
// chunk is masked with one ragguard.StreamMasker per choice and text (the
// content, the refusal, the arguments of each tool call), so a value split
// across chunks is held back until it can be masked whole and is never
// delivered in pieces. What a masker still holds is released into the chunk
// that carries that choice's finish reason, or into a chunk of its own
// before [DONE]. The caller reads re-encoded events only, one data line
// each; usage chunks pass and are recorded. A member of a choice, delta,
// tool call or function that the transport does not know and that holds a
// string is dropped, since it cannot tell whether that string is streamed
// text (go-openai decodes no such member anyway); top-level members pass.
//
// Streamed Responses API answers are typed events. Every string delta is
// masked with one StreamMasker per event family and output position
// (output_index, content_index or summary_index, item_id), and what a
// masker holds is released, in a delta event of its own, before the
// family's ".done" event; every other string of an event — the full texts
// of ".done" events, items, parts and the response objects of
// "response.created" and "response.completed" — is masked whole, except
// members that identify or name things (ids, types, statuses, roles, names).
//
// A stream finishes its audit event exactly once, whichever comes first:
// [DONE] or the end of the body, an upstream error event (passed on,
// masked, so go-openai still returns an *openai.APIError), a malformed
// event (dropped: the stream fails with ErrMalformedResponse and nothing
// held back is released), a read error, the caller's Close before the end
// (recorded as cancelled), or the request's context ending (recorded as
// cancelled).
//
// # Errors from the provider
//
// An answer with an HTTP error status passes through with its body masked
// (error messages can quote the request), so go-openai still returns
// *openai.APIError (or *openai.RequestError) through errors.As. The audit
// event records a StatusError.
//
// # Audit and fail-closed
//
// Each call produces one audit event with the policy decision, the masking
// summary, usage (input and output tokens, finish reason), latency and the
// masked request and response bodies for the session record. When the
// auditor cannot make the event durable, a non-streamed call returns an
// error wrapping ragguard.ErrAuditUnavailable instead of its result. A
// stream's event is written when the stream ends, so in fail-closed mode a
// stream's answer reaches the caller before its event is durable; the
// transport withholds the final [DONE] until it is, and the caller's last
// Recv returns ErrAuditUnavailable instead of io.EOF when it cannot be.
//
// # Other endpoints
//
// Requests to endpoints the transport does not know, and requests other
// than POST to those it knows, are refused (after the Guard has seen and
// audited them as operation "other"). WithEndpoint allows more: such calls
// have every string of their JSON body masked and their JSON answer masked
// as a whole document; answers that are not JSON fail the call.
//
// # Limits
//
// Restoring tokens in a stream assumes tokens are written "<...>", as the
// mask package writes them: for a caller whose tokens are restored, a
// stream holds back up to 63 bytes that may begin a token the model split
// across chunks, and restores it once complete.
// Compressed request bodies are refused; gzip answers are decoded.
package llm
