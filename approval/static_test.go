package approval_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/approval/approvaltest"
)

func TestStaticApprovers(t *testing.T) {
	req := approvaltest.NewRequest(t)

	d, err := approval.AllowAll().Approve(t.Context(), req)
	require.NoError(t, err)
	assert.True(t, d.Approved())
	assert.True(t, d.Binds(req))
	require.NoError(t, d.Check(req))
	assert.False(t, d.DecidedAt.IsZero())

	d, err = approval.DenyAll("approvals are not wired up").Approve(t.Context(), req)
	require.NoError(t, err, "a denial is a decision, not an error")
	assert.False(t, d.Approved())
	assert.Equal(t, approval.Denied, d.Verdict)
	assert.Equal(t, "approvals are not wired up", d.Reason)
	assert.True(t, d.Binds(req))
}

func TestStaticApproversRefuse(t *testing.T) {
	for name, a := range map[string]approval.Approver{
		"allow": approval.AllowAll(),
		"deny":  approval.DenyAll("no"),
	} {
		t.Run(name, func(t *testing.T) {
			d, err := a.Approve(t.Context(), nil)
			require.ErrorIs(t, err, approval.ErrInvalidRequest)
			assert.False(t, d.Approved())

			bad := approvaltest.NewRequest(t)
			bad.CallHash = ""
			d, err = a.Approve(t.Context(), bad)
			require.ErrorIs(t, err, approval.ErrInvalidRequest)
			assert.False(t, d.Approved())

			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			d, err = a.Approve(ctx, approvaltest.NewRequest(t))
			require.ErrorIs(t, err, context.Canceled)
			assert.False(t, d.Approved())
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*approval.Request)
		want   string // substring of the error; empty: valid
	}{
		{"valid", func(*approval.Request) {}, ""},
		{"upper-case hash", func(r *approval.Request) { r.CallHash = strings.ToUpper(r.CallHash) }, ""},
		{"no id", func(r *approval.Request) { r.ID = "" }, "missing id"},
		{"no subject", func(r *approval.Request) { r.Requester.Subject = "" }, "missing requester subject"},
		{"no hash", func(r *approval.Request) { r.CallHash = "" }, "missing call hash"},
		{"short hash", func(r *approval.Request) { r.CallHash = "abc123" }, "not a hex SHA-256"},
		{"non-hex hash", func(r *approval.Request) { r.CallHash = strings.Repeat("g", 64) }, "not a hex SHA-256"},
		{"negative quorum", func(r *approval.Request) { r.Quorum = -2 }, "negative quorum"},
		{"negative window", func(r *approval.Request) { r.GrantWindow = -time.Second }, "negative grant window"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := approvaltest.NewRequest(t)
			c.mutate(r)
			err := r.Validate()
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, approval.ErrInvalidRequest)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	var nilReq *approval.Request
	require.ErrorIs(t, nilReq.Validate(), approval.ErrInvalidRequest)
}

func TestEligible(t *testing.T) {
	r := approvaltest.NewRequest(t)
	require.NoError(t, r.Eligible(approvaltest.Approver1))
	require.ErrorIs(t, r.Eligible(approvaltest.Requester), approval.ErrSelfApproval)
	require.ErrorIs(t, r.Eligible(approval.Party{}), approval.ErrInvalidDecision)

	// Same subject at another issuer is another party.
	elsewhere := approvaltest.Requester
	elsewhere.Issuer = "https://other-idp.test"
	require.NoError(t, r.Eligible(elsewhere))

	r.ApproverGroups = []string{"dba"}
	require.ErrorIs(t, r.Eligible(approvaltest.Approver1), approval.ErrNotEligible)
	require.NoError(t, r.Eligible(approvaltest.Approver2))
	// Being in the group does not let the requester approve itself.
	self := approvaltest.Requester
	self.Groups = []string{"dba"}
	require.ErrorIs(t, r.Eligible(self), approval.ErrSelfApproval)
}

// fakeApprover is a hand-written fake: it counts calls, keeps the ctx it
// saw and answers with answer.
type fakeApprover struct {
	mu     sync.Mutex
	calls  int
	ctx    context.Context
	answer func(*approval.Request) (approval.Decision, error)
}

func (f *fakeApprover) Approve(ctx context.Context, req *approval.Request) (approval.Decision, error) {
	f.mu.Lock()
	f.calls++
	f.ctx = ctx
	f.mu.Unlock()
	return f.answer(req)
}

type ctxKey struct{}

func TestCheckedRefusesForeignDecision(t *testing.T) {
	other := approvaltest.NewRequest(t)
	// An approver that answers every request with the approval it once got
	// for another request: the replay Checked exists to stop.
	replay := approval.ApproverFunc(func(context.Context, *approval.Request) (approval.Decision, error) {
		return approval.Decision{RequestID: other.ID, CallHash: other.CallHash, Verdict: approval.Approved, DecidedAt: time.Now()}, nil
	})
	req := approvaltest.NewRequest(t)

	raw, err := replay.Approve(t.Context(), req)
	require.NoError(t, err)
	assert.True(t, raw.Approved())
	assert.False(t, raw.Binds(req), "Binds accepted a decision for another request")
	require.ErrorIs(t, raw.Check(req), approval.ErrMismatch)

	d, err := approval.Checked(replay).Approve(t.Context(), req)
	require.ErrorIs(t, err, approval.ErrMismatch)
	assert.False(t, d.Approved(), "Checked passed the foreign approval on")
	assert.Contains(t, err.Error(), other.ID)
}

func TestChecked(t *testing.T) {
	req := approvaltest.NewRequest(t)
	req.ApproverGroups = []string{"security"}
	bound := func(v approval.Verdict) approval.Decision {
		return approval.Decision{RequestID: req.ID, CallHash: req.CallHash, Verdict: v, DecidedAt: time.Now()}
	}
	boom := errors.New("ticket system unreachable")
	cases := []struct {
		name    string
		answer  func(*approval.Request) (approval.Decision, error)
		wantErr error
		want    approval.Verdict
	}{
		{"approved", func(*approval.Request) (approval.Decision, error) { return bound(approval.Approved), nil }, nil, approval.Approved},
		{"denied", func(*approval.Request) (approval.Decision, error) { return bound(approval.Denied), nil }, nil, approval.Denied},
		{"same id other call", func(*approval.Request) (approval.Decision, error) {
			d := bound(approval.Approved)
			d.CallHash = strings.Repeat("0", 64)
			return d, nil
		}, approval.ErrMismatch, ""},
		{"not final", func(*approval.Request) (approval.Decision, error) { return bound(approval.Pending), nil }, approval.ErrInvalidDecision, ""},
		{"empty verdict", func(*approval.Request) (approval.Decision, error) { return bound(""), nil }, approval.ErrInvalidDecision, ""},
		{"self vote", func(*approval.Request) (approval.Decision, error) {
			d := bound(approval.Approved)
			d.Votes = []approval.Vote{{Approver: approvaltest.Requester, Verdict: approval.Approved}}
			return d, nil
		}, approval.ErrSelfApproval, ""},
		{"vote from outside the approver groups", func(r *approval.Request) (approval.Decision, error) {
			d := bound(approval.Approved)
			d.Votes = []approval.Vote{{Approver: approvaltest.Outsider, Verdict: approval.Approved}}
			return d, nil
		}, approval.ErrNotEligible, ""},
		{"approving vote without subject", func(r *approval.Request) (approval.Decision, error) {
			d := bound(approval.Approved)
			d.Votes = []approval.Vote{{Approver: approval.Party{Groups: []string{"security"}}, Verdict: approval.Approved}}
			return d, nil
		}, approval.ErrInvalidDecision, ""},
		{"eligible votes", func(r *approval.Request) (approval.Decision, error) {
			d := bound(approval.Approved)
			d.Votes = []approval.Vote{
				{Approver: approvaltest.Approver1, Verdict: approval.Approved},
				{Approver: approvaltest.Outsider, Verdict: approval.Denied}, // a denial by anyone is no approval to check
			}
			return d, nil
		}, nil, approval.Approved},
		{"error passes through", func(*approval.Request) (approval.Decision, error) {
			return bound(approval.Approved), boom
		}, boom, ""},
		{"rewrites the request to fit its decision", func(r *approval.Request) (approval.Decision, error) {
			r.ApproverGroups[0] = "marketing"
			r.ApproverGroups = append(r.ApproverGroups, "sales")
			d := bound(approval.Approved)
			d.Votes = []approval.Vote{{Approver: approvaltest.Outsider, Verdict: approval.Approved}}
			return d, nil
		}, approval.ErrNotEligible, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeApprover{answer: c.answer}
			ctx := context.WithValue(t.Context(), ctxKey{}, c.name)
			d, err := approval.Checked(f).Approve(ctx, req)
			assert.Equal(t, 1, f.calls)
			assert.Equal(t, c.name, f.ctx.Value(ctxKey{}), "Checked did not pass the caller's ctx")
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				assert.False(t, d.Approved(), "an approval came with an error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, d.Verdict)
		})
	}
	assert.Equal(t, []string{"security"}, req.ApproverGroups, "the wrapped approver changed the caller's request")
}

func TestCheckedInvalidRequestSkipsApprover(t *testing.T) {
	f := &fakeApprover{answer: func(r *approval.Request) (approval.Decision, error) {
		return approval.Decision{Verdict: approval.Approved}, nil
	}}
	bad := approvaltest.NewRequest(t)
	bad.ID = ""
	_, err := approval.Checked(f).Approve(t.Context(), bad)
	require.ErrorIs(t, err, approval.ErrInvalidRequest)
	assert.Zero(t, f.calls, "the approver was asked about an invalid request")

	_, err = approval.Checked(nil).Approve(t.Context(), approvaltest.NewRequest(t))
	require.ErrorIs(t, err, approval.ErrInvalidDecision)
}

func TestCheckedQuorum(t *testing.T) {
	req := approvaltest.NewRequest(t)
	req.Quorum = 2
	vote := func(p approval.Party) approval.Vote { return approval.Vote{Approver: p, Verdict: approval.Approved} }
	cases := []struct {
		name    string
		verdict approval.Verdict
		votes   []approval.Vote
		wantErr error
	}{
		{"approved without votes", approval.Approved, nil, approval.ErrInvalidDecision},
		{"one approver counted twice", approval.Approved, []approval.Vote{vote(approvaltest.Approver1), vote(approvaltest.Approver1)}, approval.ErrInvalidDecision},
		{"two distinct approvers", approval.Approved, []approval.Vote{vote(approvaltest.Approver1), vote(approvaltest.Approver2)}, nil},
		{"denied without votes", approval.Denied, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := approval.Checked(approval.ApproverFunc(func(_ context.Context, r *approval.Request) (approval.Decision, error) {
				return approval.Decision{RequestID: r.ID, CallHash: r.CallHash, Verdict: c.verdict, Votes: c.votes, DecidedAt: time.Now()}, nil
			})).Approve(t.Context(), req)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				assert.Contains(t, err.Error(), "quorum is 2")
				assert.False(t, d.Approved())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.verdict, d.Verdict)
		})
	}
	_, err := approval.Checked(approval.AllowAll()).Approve(t.Context(), req)
	require.ErrorIs(t, err, approval.ErrInvalidDecision, "AllowAll asks nobody, so it cannot make a quorum of 2")
}
