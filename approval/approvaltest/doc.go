// Package approvaltest helps test approval.Approver implementations and the
// code that calls them.
//
// Run is a conformance suite in the manner of gocloud.dev's drivertest
// packages: whoever implements an Approver that people decide through some
// channel (a queue, a console, a ticket system, a chat bot) writes a small
// Harness that submits through the Approver and decides through that
// channel, then calls Run from a test:
//
//	func TestConformance(t *testing.T) {
//		approvaltest.Run(t, func(t *testing.T) approvaltest.Harness {
//			return newMyHarness(t)
//		})
//	}
//
// The suite checks the guarantees callers rely on: a decision binds its
// request and never releases another one, even for the same call; the
// requester cannot decide its own request; approver groups and a quorum of
// distinct approvers are enforced; a denial is a Decision, not an error; an
// expired request fails with approval.ErrTimeout; and a cancelled context
// releases the waiter at once and withdraws its request. Refusals must wrap
// the matching approval sentinel errors.
//
// Recorder is a hand-written fake for the other side: it stands in for an
// Approver in tests of a caller, counts calls and keeps the context and
// request of each.
package approvaltest
