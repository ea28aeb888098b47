package ragguard

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Kind is the kind of client a governed call goes through.
type Kind string

const (
	KindLLM    Kind = "llm"    // an LLM provider: chat, completion, embeddings, moderation
	KindVector Kind = "vector" // a vector store: search, upsert, ...
	KindSQL    Kind = "sql"    // a SQL database: select, insert, ...
)

// operations lists, per kind, the operations a Call and a policy rule may name.
// A policy naming any other operation is rejected at load, so a typo cannot
// silently make a rule dead.
var operations = map[Kind][]string{
	KindLLM:    {"chat", "completion", "embeddings", "moderation", "responses", "other"},
	KindVector: {"search", "query", "get", "scroll", "count", "upsert", "update", "delete", "create_collection", "delete_collection", "other"},
	KindSQL:    {"select", "insert", "update", "delete", "merge", "ddl", "dcl", "transaction", "call", "copy", "other"},
}

// Operations returns the operations known for kind k, or nil for an unknown kind.
func Operations(k Kind) []string { return slices.Clone(operations[k]) }

func validOperation(k Kind, op string) bool { return slices.Contains(operations[k], op) }

// Input is one piece of text in a call that leaves the trust boundary — a
// chat message, an embedding input, a query text. The Guard masks it before
// the call goes out.
type Input struct {
	// Location names where the text sits, e.g. "messages[2].content".
	// It appears in masking summaries, never with the value.
	Location string
	Text     string
}

// Call describes one governed call. Adapters build it from the client call
// they intercept and hand it to Guard.Begin. The Guard never modifies it.
type Call struct {
	Kind      Kind
	Operation string
	// Resources are the models, collections or tables the call touches.
	Resources []string
	// Inputs are the texts that leave the process; see Op.Inputs for the
	// masked versions to send instead.
	Inputs []Input
	// Attributes are adapter facts that CEL conditions can read as
	// call.attributes, e.g. "statement_class", "limit", "stream".
	// Values must be bool, int, int64, finite float64, string or []string.
	Attributes map[string]any
	// System names the provider or database per OpenTelemetry's semantic
	// conventions: "openai" (gen_ai.provider.name), "qdrant" or
	// "postgresql" (db.system.name).
	System string
	// SpanName overrides the OpenTelemetry span name (e.g. "chat gpt-4o").
	SpanName string
}

func (c *Call) validate() error {
	if c == nil {
		return fmt.Errorf("%w: nil call", ErrInvalidCall)
	}
	if _, ok := operations[c.Kind]; !ok {
		return fmt.Errorf("%w: unknown kind %q", ErrInvalidCall, c.Kind)
	}
	if !validOperation(c.Kind, c.Operation) {
		return fmt.Errorf("%w: unknown %s operation %q", ErrInvalidCall, c.Kind, c.Operation)
	}
	for k, v := range c.Attributes {
		switch v := v.(type) {
		case bool, int, int64, string, []string:
		case float64:
			// JSON has no NaN or infinity: the call's hash (which binds an
			// approval to it) must be able to encode every attribute.
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: attribute %q is %v, not a finite number", ErrInvalidCall, k, v)
			}
		default:
			return fmt.Errorf("%w: attribute %q has unsupported type %T", ErrInvalidCall, k, v)
		}
	}
	return nil
}

type justificationKey struct{}

// WithJustification returns a copy of ctx carrying the caller's reason for
// the calls made with it. Policies can require a justification before a
// call is sent for approval; approvers read it.
func WithJustification(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, justificationKey{}, reason)
}

// JustificationFrom returns the justification stored in ctx, if any.
func JustificationFrom(ctx context.Context) string {
	s, _ := ctx.Value(justificationKey{}).(string)
	return s
}
