package approvaltest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/approval/approvaltest"
)

// queueHarness drives an approval.Queue through its own Decide and Pending.
type queueHarness struct{ q *approval.Queue }

func (h queueHarness) Approver() approval.Approver { return h.q }

func (h queueHarness) Decide(ctx context.Context, id string, p approval.Party, v approval.Verdict, reason string) (approval.Decision, error) {
	return h.q.Decide(ctx, id, p, v, reason)
}

func (h queueHarness) Pending(ctx context.Context) ([]approval.Request, error) {
	return h.q.Pending(ctx), ctx.Err()
}

func (queueHarness) Close() {}

func TestQueueConformance(t *testing.T) {
	approvaltest.Run(t, func(*testing.T) approvaltest.Harness {
		return queueHarness{approval.NewQueue()}
	})
}

type ctxKey struct{}

func TestRecorder(t *testing.T) {
	var r approvaltest.Recorder
	ctx := context.WithValue(t.Context(), ctxKey{}, "marker")
	req := approvaltest.NewRequest(t)

	// With no Next, the recorder denies: a fake must not allow by accident.
	d, err := r.Approve(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, approval.Denied, d.Verdict)
	assert.True(t, d.Binds(req))

	r.Next = approval.AllowAll()
	d, err = r.Approve(ctx, req)
	require.NoError(t, err)
	assert.True(t, d.Approved())

	require.Equal(t, 2, r.Count())
	last, ok := r.Last()
	require.True(t, ok)
	assert.Equal(t, "marker", last.Ctx.Value(ctxKey{}), "recorder lost the caller's ctx")
	assert.Equal(t, req.ID, last.Request.ID)

	// The recorded request is a copy, not an alias of the caller's.
	req.Resources[0] = "changed"
	assert.Equal(t, "public.patients", r.Calls()[0].Request.Resources[0])
}

func TestRecorderPassesErrors(t *testing.T) {
	boom := errors.New("ticket system down")
	r := approvaltest.Recorder{Next: approval.ApproverFunc(func(context.Context, *approval.Request) (approval.Decision, error) {
		return approval.Decision{}, boom
	})}
	_, err := r.Approve(t.Context(), approvaltest.NewRequest(t))
	require.ErrorIs(t, err, boom)
	_, ok := (&approvaltest.Recorder{}).Last()
	assert.False(t, ok)
	assert.Equal(t, 1, r.Count())
}
