// Package audit writes the evidence of every governed call: a signed,
// tamper-evident, append-only log of events, with the full (masked) request
// and response bodies kept apart as session records, and an offline
// verifier and inclusion prover for it.
//
// # Events
//
// An Event says who called (Principal), what they called (Call), what policy
// decided (Decision), who approved (Approval), what was masked (Masked —
// never the value), what it cost (Usage), how it ended (Outcome, ErrorCode)
// and which trace it belongs to. Log.Append encodes it once as RFC 8785
// canonical JSON (Canonicalize is the general implementation; events hold
// only strings, integers and booleans) and hashes those bytes; sinks store
// them and verifiers hash them again, never re-serialising. Values such as
// e-mail addresses can be stored as keyed HMACs instead of plaintext
// (WithHashedFields, Hasher.Match).
//
// # Streams
//
// Each Log writes one stream, named by its origin (a name plus a random
// suffix, so each process run has its own). A stream is a sequence of
// Records numbered from 0 without gaps:
//
//   - Seq 0 binds the stream: a fresh Ed25519 key, generated for the stream,
//     is vouched for by the long-term crypto.Signer given to WithSigner
//     (Ed25519, ECDSA or RSA; a KMS key works), under a key id so keys can
//     rotate.
//   - Events are the leaves of an RFC 6962 Merkle tree
//     (golang.org/x/mod/sumdb/tlog), together with the Seq 0 record and
//     the gap records.
//   - Checkpoints, every N events or every interval while events arrive, as
//     a heartbeat when idle, and once more on Close, sign the tree head as a
//     C2SP signed note (golang.org/x/mod/sumdb/note) with the stream key.
//     Besides origin, size and root hash, a checkpoint signs its own seq
//     (so it cannot be replayed elsewhere), the time, the number of events
//     the stream dropped, the tree's frontier, and — on Close — "final".
//   - Gap records report events a fail-open log dropped; as leaves, what
//     they report is signed by the next checkpoint.
//
// Record documents the exact bytes of each type; the sinks in this package
// (files, Postgres, OpenTelemetry logs, webhooks, slog) store Records as
// they are.
//
// # Sessions
//
// With WithSessionStore, the Session given to Append (the masked prompt and
// response, or query and result) is stored apart from the event, and the
// event carries salted SHA-256 commitments to both bodies. CheckSession
// ties a session back to its event; SessionStore.Erase deletes a body for
// retention while the log stays verifiable.
//
// # Delivery
//
// Three modes decide what "durable" means before Append returns:
//
//   - WAL (WithWAL): fail-closed. Append returns once its event is written
//     and fdatasynced to a local write-ahead log; concurrent Appends share
//     one sync (group commit). Sinks are fed in the background with what
//     the WAL holds and may lag or fail without failing calls — until
//     WithBacklog records wait for them, when Append fails closed;
//     WithAwaitSinks makes every Append wait for them too. On restart, what the WAL holds is delivered again (sinks
//     are idempotent on origin and seq) and the new stream's first record
//     seals each stream that was not closed — its exact end (next seq, tree
//     size, root) — under the long-term key. A crashed stream thus verifies
//     up to the last record its WAL held; every event whose Append returned
//     is in it.
//   - Sync (the default without WithWAL): fail-closed without a local log.
//     Append returns once every sink accepted the event (batched likewise).
//   - Fail-open (WithFailOpen): Append never waits; records queue in memory
//     for the sinks, and when the queue is full events are dropped, counted
//     (Stats, the ragguard.audit.dropped metric) and reported by a gap record.
//
// In both fail-closed modes an event that is not durable within the append
// timeout (WithAppendTimeout, or ctx's deadline if sooner) makes Append
// return an error wrapping ErrUnavailable — the governed call must then not
// proceed. A hung sink cannot hang Append: every Sink.Write gets a deadline
// (WithSinkTimeout) and is abandoned when it passes, even if the sink
// ignores ctx. Discard returns a Log that keeps nothing, for tests.
//
// # Verification
//
// Verify reads records (a slice through Records, or a reader's iterator) and
// checks the binding against trusted long-term keys, every checkpoint's
// signature, the recomputed tree against every checkpoint, seq continuity,
// checkpoint cadence and how each stream ends; the first failure is a
// *VerifyError naming origin, seq and reason. Ranges a sink's retention
// pruned arrive from its reader as a *PrunedError carrying their record
// hashes, so the tree is still recomputed and the range is counted, not
// failed. A single changed byte, a
// deleted, swapped or inserted record, a truncated tail, a checkpoint
// signed by another key or replayed from elsewhere all fail. Prove exports
// an InclusionProof for one event that VerifyProof checks with nothing but
// the long-term public key.
package audit
