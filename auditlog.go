package ragguard

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/audit"
)

// AuditLog returns an Auditor that appends every event to l, the signed,
// tamper-evident audit stream of package audit, with the call's masked
// request and response bodies as its session. Record returns once l says
// the event is durable (in fail-closed modes), so a broken log refuses calls
// with ErrAuditUnavailable instead of losing their record.
func AuditLog(l *audit.Log) Auditor {
	return AuditorFunc(func(ctx context.Context, ev *AuditEvent) error {
		if l == nil {
			return audit.ErrUnavailable
		}
		// In fail-open mode a full buffer drops the event without error: the
		// log counts the drop and records a gap, as the operator chose.
		_, err := l.Append(ctx, toAuditEvent(ev), &audit.Session{Request: ev.Request, Response: ev.Response})
		return err
	})
}

func toAuditEvent(ev *AuditEvent) *audit.Event {
	out := &audit.Event{
		Time: ev.Time.UTC(),
		Call: audit.Call{
			Kind:       string(ev.Kind),
			Operation:  ev.Operation,
			Resources:  slices.Clone(ev.Resources),
			Attributes: auditAttributes(ev),
		},
		Decision: audit.Decision{
			Effect:      audit.Effect(ev.Decision.Effect),
			Rule:        ev.Decision.Rule,
			ObserveOnly: ev.Decision.Observed,
		},
		Usage: audit.Usage{
			InputTokens:  ev.Usage.InputTokens,
			OutputTokens: ev.Usage.OutputTokens,
			Rows:         ev.Usage.Rows,
			Points:       ev.Usage.Points,
		},
		Latency: ev.Latency,
		TraceID: ev.TraceID,
		SpanID:  ev.SpanID,
		Outcome: audit.OutcomeOK,
	}
	if ev.Code != CodeOK {
		out.Outcome = audit.OutcomeError
		out.ErrorCode = ev.Code.String()
	}
	if p := ev.Principal; p != nil {
		out.Principal = audit.Principal{
			Subject:    p.Subject,
			Issuer:     p.Issuer,
			Email:      p.Email,
			Groups:     slices.Clone(p.Groups),
			Roles:      slices.Clone(p.Roles),
			Tenant:     p.Tenant,
			Kind:       string(p.Kind),
			AuthMethod: string(p.AuthMethod),
		}
	}
	for _, f := range ev.Masking {
		out.Masking = append(out.Masking, audit.Masked{Entity: f.Entity, Detector: f.Detector, Location: f.Location, Strategy: f.Strategy, Count: f.Count})
	}
	if r := ev.Approval; r != nil {
		a := &audit.Approval{
			RequestID:     r.Request.ID,
			RequestedAt:   r.Request.CreatedAt.UTC(),
			Wait:          r.Wait,
			Justification: r.Request.Justification,
		}
		if d := r.Decision; d != nil {
			a.DecidedAt = d.DecidedAt.UTC()
			a.Reason = d.Reason
			a.GrantedBy = d.GrantedBy
			for _, v := range d.Votes {
				verdict := "deny"
				if v.Verdict == approval.Approved {
					verdict = "approve"
				}
				a.Verdicts = append(a.Verdicts, audit.Verdict{Approver: v.Approver.ID(), Verdict: verdict, Time: v.At.UTC(), Comment: v.Reason})
			}
		}
		out.Approval = a
	}
	return out
}

// auditAttributes flattens the call's attributes to strings and adds what
// the Guard learnt about the result under "result.".
func auditAttributes(ev *AuditEvent) map[string]string {
	n := len(ev.Attributes)
	if n == 0 && ev.Usage.FinishReason == "" && ev.Restored == 0 && ev.Decision.Reason == "" {
		return nil
	}
	m := make(map[string]string, n+3)
	for k, v := range ev.Attributes {
		switch v := v.(type) {
		case string:
			m[k] = v
		case []string:
			m[k] = strings.Join(v, ",")
		case bool:
			m[k] = strconv.FormatBool(v)
		default:
			m[k] = fmt.Sprint(v)
		}
	}
	if ev.Usage.FinishReason != "" {
		m["result.finish_reason"] = ev.Usage.FinishReason
	}
	if ev.Restored > 0 {
		m["result.restored_tokens"] = strconv.Itoa(ev.Restored)
	}
	if ev.Decision.Reason != "" {
		m["decision.reason"] = ev.Decision.Reason
	}
	return m
}
