// Package ragguard makes a Retrieval-Augmented Generation service
// audit-ready from the inside.
//
// A RAG service talks to three kinds of backend: an LLM provider, a vector
// store and a SQL database. ragguard wraps the clients a Go service already
// uses — go-openai, the Qdrant client, pgvector, database/sql and pgx — in
// drop-in decorators (packages llm, vector and sqlstore). The service swaps a
// constructor; its call sites stay as they are. Every call through a
// decorator then runs one pipeline, the Guard, in this order:
//
//  1. Identify: the caller's identity.Principal comes from the context
//     (identity.NewContext; the identity package verifies OIDC tokens and API
//     keys and provides HTTP and gRPC middleware). No principal, no call:
//     ErrUnauthenticated.
//  2. Authorize: the Policy evaluates the principal and the Call — kind,
//     operation, resources, adapter attributes, detected entity types — with
//     ordered rules and CEL conditions, to Allow, Deny (ErrPermissionDenied)
//     or RequireApproval, plus a masking profile and a retrieval filter.
//     Nothing matches: deny.
//  3. Approve: a held call blocks on the approval.Approver until a decision,
//     the rule's timeout or the context's deadline. The request binds the
//     principal and a hash of the exact masked call, so a decision cannot be
//     replayed onto another call, and a requester never approves itself.
//  4. Mask egress: texts leaving the process are masked per profile.
//  5. Call the wrapped client, unchanged.
//  6. Mask results: answers, streamed deltas, payloads and rows.
//  7. Audit: one AuditEvent per call — allowed, denied, held, failed — and,
//     fail-closed, no result until it is durable (ErrAuditUnavailable).
//
// Adapters drive the pipeline through Guard.Begin, which performs steps 1–4
// and returns an Op, and Op.Finish, which performs step 7 exactly once —
// for unary calls and for streams, which finish when they end, fail or are
// abandoned.
//
// The Guard fails closed at construction too: New refuses to build without
// a policy or an auditor, with a policy that can hold calls but no approver,
// or with masking profiles the masker does not know.
//
// Errors that are ragguard's own outcomes wrap sentinel errors; CodeOf maps
// any error to a Code. Errors from the wrapped client pass through wrapped
// with %w, so errors.As still finds the client's own error types.
package ragguard
