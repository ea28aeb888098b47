package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Event is one governed call as the audit log records it: who called, what
// they called, what policy decided, who approved, what was masked, and
// commitments to the full request and response bodies.
//
// The Log fills ID, Origin, Seq and Time when they are zero, and the two
// commitments always (from the Session given to Append). Its JSON form (the
// field tags) is the canonical form: the Log encodes an event once as RFC 8785
// JSON and hashes those bytes; ParseEvent reads them back.
//
// Events hold only strings, integers and booleans (no floating point), so
// their canonical form never depends on number formatting. Integers beyond
// ±2^53 lose precision, as they would in any JSON reader.
type Event struct {
	ID                 uuid.UUID     `json:"id"`     // UUIDv7, so ids sort by time
	Origin             string        `json:"origin"` // the stream that holds the event
	Seq                uint64        `json:"seq"`    // its position in that stream
	Time               time.Time     `json:"time"`   // UTC; when the call finished
	Principal          Principal     `json:"principal"`
	Call               Call          `json:"call"`
	Decision           Decision      `json:"decision"`
	Approval           *Approval     `json:"approval,omitempty"`
	Masking            []Masked      `json:"masking,omitempty"`
	Usage              Usage         `json:"usage,omitzero"`
	Latency            time.Duration `json:"latency_ns,omitempty"`
	Outcome            Outcome       `json:"outcome,omitempty"`
	ErrorCode          string        `json:"error_code,omitempty"`          // e.g. "permission_denied"
	TraceID            string        `json:"trace_id,omitempty"`            // W3C trace id, hex
	SpanID             string        `json:"span_id,omitempty"`             // W3C span id, hex
	RequestCommitment  string        `json:"request_commitment,omitempty"`  // "sha256:" + hex, see Session
	ResponseCommitment string        `json:"response_commitment,omitempty"` // "sha256:" + hex, see Session
}

// Principal is who made the call. It mirrors the identity package's
// principal without importing it; values may be keyed HMACs (see Hasher).
type Principal struct {
	Subject    string   `json:"subject,omitempty"`
	Issuer     string   `json:"issuer,omitempty"`
	Email      string   `json:"email,omitempty"`
	Groups     []string `json:"groups,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	Tenant     string   `json:"tenant,omitempty"`
	Kind       string   `json:"kind,omitempty"`        // "user" or "service"
	AuthMethod string   `json:"auth_method,omitempty"` // e.g. "oidc", "api_key"
}

// Call is what was called.
type Call struct {
	Kind       string            `json:"kind,omitempty"`      // "llm", "vector" or "sql"
	Operation  string            `json:"operation,omitempty"` // e.g. "chat", "search", "select"
	Resources  []string          `json:"resources,omitempty"` // models, collections, tables
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Effect is a policy decision.
type Effect string

// Policy decisions.
const (
	Allow           Effect = "allow"
	Deny            Effect = "deny"
	RequireApproval Effect = "require_approval"
)

// Decision is what policy decided, and by which rule.
type Decision struct {
	Effect Effect `json:"effect,omitempty"`
	Rule   string `json:"rule,omitempty"`
	// ObserveOnly is set when policy ran in dry-run mode: Effect is what
	// would have been enforced, and the call went ahead regardless.
	ObserveOnly bool `json:"observe_only,omitempty"`
}

// Approval is the receipt of a human approval.
type Approval struct {
	RequestID     string        `json:"request_id,omitempty"`
	RequestedAt   time.Time     `json:"requested_at,omitzero"`
	DecidedAt     time.Time     `json:"decided_at,omitzero"`
	Wait          time.Duration `json:"wait_ns,omitempty"`
	Justification string        `json:"justification,omitempty"`
	Verdicts      []Verdict     `json:"verdicts,omitempty"`
	// Reason is the decision's own reason, e.g. from an automated approver
	// that gives no individual verdicts.
	Reason string `json:"reason,omitempty"`
	// GrantedBy is the id of the earlier request whose approval opened the
	// just-in-time grant that approved this call; empty when someone
	// decided this request itself. Verdicts are then the grant's.
	GrantedBy string `json:"granted_by,omitempty"`
}

// Verdict is one approver's decision.
type Verdict struct {
	Approver string    `json:"approver,omitempty"`
	Verdict  string    `json:"verdict,omitempty"` // "approve" or "deny"
	Time     time.Time `json:"time,omitzero"`
	Comment  string    `json:"comment,omitempty"`
}

// Masked summarises what the masker did to one kind of value in one place;
// it never holds the value.
type Masked struct {
	Entity   string `json:"entity,omitempty"`   // e.g. "email", "us_ssn"
	Detector string `json:"detector,omitempty"` // the detector's name
	Location string `json:"location,omitempty"` // e.g. "prompt", "payload.notes", "column:ssn"
	Strategy string `json:"strategy,omitempty"` // e.g. "redact", "pseudonym"
	Count    int    `json:"count,omitempty"`
}

// Usage counts what the call consumed.
type Usage struct {
	InputTokens  int64 `json:"input_tokens,omitempty"`
	OutputTokens int64 `json:"output_tokens,omitempty"`
	Rows         int64 `json:"rows,omitempty"`
	Points       int64 `json:"points,omitempty"`
}

// Outcome is whether the governed call succeeded.
type Outcome string

// Outcomes.
const (
	OutcomeOK    Outcome = "ok"
	OutcomeError Outcome = "error"
)

// ParseEvent decodes an event from its canonical bytes (a TypeEvent
// record's Data).
func ParseEvent(data []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("audit: parse event: %w", err)
	}
	return &ev, nil
}

// AppendCanonical appends the RFC 8785 canonical JSON of e to out. The
// members are written in their sorted order by hand (a test checks the
// result against Canonicalize), which keeps appends cheap.
func (e *Event) AppendCanonical(out []byte) []byte {
	w := jw{out: out}
	w.open()
	if a := e.Approval; a != nil {
		w.key("approval")
		w.open()
		w.optTime("decided_at", a.DecidedAt)
		w.optStr("granted_by", a.GrantedBy)
		w.optStr("justification", a.Justification)
		w.optStr("reason", a.Reason)
		w.optStr("request_id", a.RequestID)
		w.optTime("requested_at", a.RequestedAt)
		if len(a.Verdicts) > 0 {
			w.key("verdicts")
			w.out = append(w.out, '[')
			for i, v := range a.Verdicts {
				if i > 0 {
					w.out = append(w.out, ',')
				}
				w.open()
				w.optStr("approver", v.Approver)
				w.optStr("comment", v.Comment)
				w.optTime("time", v.Time)
				w.optStr("verdict", v.Verdict)
				w.close()
			}
			w.out = append(w.out, ']')
		}
		w.optInt("wait_ns", int64(a.Wait))
		w.close()
	}
	w.key("call")
	w.open()
	if len(e.Call.Attributes) > 0 {
		w.key("attributes")
		w.open()
		keys := make([]string, 0, len(e.Call.Attributes))
		for k := range e.Call.Attributes {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		for _, k := range keys {
			w.str(k, e.Call.Attributes[k])
		}
		w.close()
	}
	w.optStr("kind", e.Call.Kind)
	w.optStr("operation", e.Call.Operation)
	w.optStrs("resources", e.Call.Resources)
	w.close()
	w.key("decision")
	w.open()
	w.optStr("effect", string(e.Decision.Effect))
	if e.Decision.ObserveOnly {
		w.key("observe_only")
		w.out = append(w.out, "true"...)
	}
	w.optStr("rule", e.Decision.Rule)
	w.close()
	w.optStr("error_code", e.ErrorCode)
	w.key("id")
	w.out = append(w.out, '"')
	w.out = appendUUID(w.out, e.ID)
	w.out = append(w.out, '"')
	w.optInt("latency_ns", int64(e.Latency))
	if len(e.Masking) > 0 {
		w.key("masking")
		w.out = append(w.out, '[')
		for i, m := range e.Masking {
			if i > 0 {
				w.out = append(w.out, ',')
			}
			w.open()
			w.optInt("count", int64(m.Count))
			w.optStr("detector", m.Detector)
			w.optStr("entity", m.Entity)
			w.optStr("location", m.Location)
			w.optStr("strategy", m.Strategy)
			w.close()
		}
		w.out = append(w.out, ']')
	}
	w.str("origin", e.Origin)
	w.optStr("outcome", string(e.Outcome))
	p := &e.Principal
	w.key("principal")
	w.open()
	w.optStr("auth_method", p.AuthMethod)
	w.optStr("email", p.Email)
	w.optStrs("groups", p.Groups)
	w.optStr("issuer", p.Issuer)
	w.optStr("kind", p.Kind)
	w.optStrs("roles", p.Roles)
	w.optStr("subject", p.Subject)
	w.optStr("tenant", p.Tenant)
	w.close()
	w.optStr("request_commitment", e.RequestCommitment)
	w.optStr("response_commitment", e.ResponseCommitment)
	w.key("seq")
	w.out = appendJSONInt(w.out, int64(e.Seq))
	w.optStr("span_id", e.SpanID)
	w.key("time")
	w.out = appendJSONTime(w.out, e.Time)
	w.optStr("trace_id", e.TraceID)
	if e.Usage != (Usage{}) {
		u := e.Usage
		w.key("usage")
		w.open()
		w.optInt("input_tokens", u.InputTokens)
		w.optInt("output_tokens", u.OutputTokens)
		w.optInt("points", u.Points)
		w.optInt("rows", u.Rows)
		w.close()
	}
	w.close()
	return w.out
}

// jw writes canonical JSON objects whose members the caller emits in
// sorted order.
type jw struct {
	out   []byte
	first bool
}

func (w *jw) open()  { w.out = append(w.out, '{'); w.first = true }
func (w *jw) close() { w.out = append(w.out, '}'); w.first = false }

func (w *jw) key(k string) {
	if !w.first {
		w.out = append(w.out, ',')
	}
	w.first = false
	w.out = appendJSONString(w.out, k)
	w.out = append(w.out, ':')
}

func (w *jw) str(k, v string) {
	w.key(k)
	w.out = appendJSONString(w.out, v)
}

func (w *jw) optStr(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *jw) optInt(k string, v int64) {
	if v != 0 {
		w.key(k)
		w.out = appendJSONInt(w.out, v)
	}
}

func (w *jw) optTime(k string, t time.Time) {
	if !t.IsZero() {
		w.key(k)
		w.out = appendJSONTime(w.out, t)
	}
}

func (w *jw) optStrs(k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	w.key(k)
	w.out = append(w.out, '[')
	for i, v := range vs {
		if i > 0 {
			w.out = append(w.out, ',')
		}
		w.out = appendJSONString(w.out, v)
	}
	w.out = append(w.out, ']')
}

func appendJSONTime(out []byte, t time.Time) []byte {
	out = append(out, '"')
	out = t.UTC().AppendFormat(out, time.RFC3339Nano)
	return append(out, '"')
}

func appendUUID(out []byte, id uuid.UUID) []byte {
	var buf [36]byte
	const h = hexDigits
	j := 0
	for i, b := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf[j] = '-'
			j++
		}
		buf[j], buf[j+1] = h[b>>4], h[b&0xf]
		j += 2
	}
	return append(out, buf[:]...)
}

// Hasher replaces sensitive values with keyed HMACs before they enter the
// log, the way Vault's audit devices hash secrets: the log never holds the
// plaintext, yet someone who holds a plaintext (and can use the key) can
// find the events that mention it. A stored value looks like
// "hmac-sha256:" followed by the unpadded base64url HMAC-SHA256.
type Hasher struct {
	key []byte
}

// HashPrefix starts every value a Hasher produced.
const HashPrefix = "hmac-sha256:"

// NewHasher returns a Hasher keyed with key, which must be at least 32
// bytes of secret randomness.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < 32 {
		return nil, errors.New("audit: hashing key must be at least 32 bytes")
	}
	return &Hasher{key: slices.Clone(key)}, nil
}

// Hash returns the stored form of plaintext.
func (h *Hasher) Hash(plaintext string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(plaintext))
	var sum [sha256.Size]byte
	return HashPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0]))
}

// Match reports whether stored is the stored form of plaintext. It compares
// in constant time.
func (h *Hasher) Match(plaintext, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(h.Hash(plaintext)), []byte(stored)) == 1
}

// Field names a sensitive event value that a Log can store as a keyed HMAC
// (see WithHashedFields).
type Field int

// Fields that can be hashed.
const (
	FieldSubject    Field = iota + 1 // Principal.Subject
	FieldEmail                       // Principal.Email
	FieldTenant                      // Principal.Tenant
	FieldResources                   // Call.Resources
	FieldAttributes                  // the values of Call.Attributes
	FieldApprovers                   // Approval.Verdicts[].Approver
)

// hashFields returns a copy of e with the given fields replaced by their
// HMACs. The caller's event and its slices and maps are never modified.
func hashFields(h *Hasher, fields []Field, e *Event) *Event {
	c := *e
	for _, f := range fields {
		switch f {
		case FieldSubject:
			c.Principal.Subject = hashNonEmpty(h, c.Principal.Subject)
		case FieldEmail:
			c.Principal.Email = hashNonEmpty(h, c.Principal.Email)
		case FieldTenant:
			c.Principal.Tenant = hashNonEmpty(h, c.Principal.Tenant)
		case FieldResources:
			if len(c.Call.Resources) > 0 {
				rs := make([]string, len(c.Call.Resources))
				for i, r := range c.Call.Resources {
					rs[i] = hashNonEmpty(h, r)
				}
				c.Call.Resources = rs
			}
		case FieldAttributes:
			if len(c.Call.Attributes) > 0 {
				m := make(map[string]string, len(c.Call.Attributes))
				for k, v := range c.Call.Attributes {
					m[k] = hashNonEmpty(h, v)
				}
				c.Call.Attributes = m
			}
		case FieldApprovers:
			if c.Approval != nil && len(c.Approval.Verdicts) > 0 {
				a := *c.Approval
				a.Verdicts = slices.Clone(a.Verdicts)
				for i := range a.Verdicts {
					a.Verdicts[i].Approver = hashNonEmpty(h, a.Verdicts[i].Approver)
				}
				c.Approval = &a
			}
		}
	}
	return &c
}

func hashNonEmpty(h *Hasher, s string) string {
	if s == "" {
		return ""
	}
	return h.Hash(s)
}
