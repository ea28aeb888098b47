package approval_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/ragguard/ragguard/approval"
)

// callHash stands in for the Guard's hash of the canonical, masked call.
func callHash(call string) string {
	sum := sha256.Sum256([]byte(call))
	return hex.EncodeToString(sum[:])
}

func exampleRequest(id string) *approval.Request {
	return &approval.Request{
		ID:        id,
		Requester: approval.Party{Subject: "alice", Issuer: "https://idp.example"},
		Kind:      "sql",
		Operation: "select",
		Resources: []string{"public.patients"},
		CallHash:  callHash("SELECT name, dob FROM patients WHERE id = $1"),
		Summary:   "SELECT name, dob FROM patients WHERE id = $1",
		ExpiresAt: time.Now().Add(time.Minute),
	}
}

// A Queue holds the call until a person decides. Here a goroutine plays the
// approver: the observer tells it when a request arrives.
func ExampleQueue() {
	arrived := make(chan approval.Request, 1)
	q := approval.NewQueue(approval.WithObserver(approval.ObserverFunc(func(e approval.Event) {
		if e.Type == approval.EventRequested {
			arrived <- e.Request
		}
	})))

	bob := approval.Party{Subject: "bob", Issuer: "https://idp.example", Groups: []string{"dba"}}
	go func() {
		req := <-arrived
		fmt.Printf("pending: %s wants to run %q\n", req.Requester.Subject, req.Summary)
		if _, err := q.Decide(context.Background(), req.ID, bob, approval.Approved, "ticket OPS-42"); err != nil {
			fmt.Println(err)
		}
	}()

	req := exampleRequest("req-1")
	d, err := q.Approve(context.Background(), req)
	if err != nil {
		fmt.Println("not decided:", err)
		return
	}
	fmt.Println("binds:", d.Binds(req))
	fmt.Println("verdict:", d.Verdict, "by", d.Votes[0].Approver.Subject, "-", d.Reason)
	// Output:
	// pending: alice wants to run "SELECT name, dob FROM patients WHERE id = $1"
	// binds: true
	// verdict: approved by bob - ticket OPS-42
}

// The requester can never decide its own request.
func ExampleQueue_Decide_selfApproval() {
	q := approval.NewQueue()
	req := exampleRequest("req-2")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := q.Approve(ctx, req)
		done <- err
	}()
	for len(q.Pending(ctx)) == 0 {
		time.Sleep(time.Millisecond)
	}

	_, err := q.Decide(ctx, req.ID, req.Requester, approval.Approved, "")
	fmt.Println(errors.Is(err, approval.ErrSelfApproval))

	cancel() // the requester gives up; the request leaves the queue
	fmt.Println(errors.Is(<-done, context.Canceled), len(q.Pending(context.Background())))
	// Output:
	// true
	// true 0
}

// A request nobody decides in time fails with ErrTimeout.
func ExampleQueue_Approve_timeout() {
	q := approval.NewQueue()
	req := exampleRequest("req-3")
	req.ExpiresAt = time.Now().Add(10 * time.Millisecond)
	_, err := q.Approve(context.Background(), req)
	fmt.Println(errors.Is(err, approval.ErrTimeout))
	// Output: true
}

// One approval with a grant window covers the same requester, kind,
// operation and resources for a while.
func ExampleQueue_grantWindow() {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	q := approval.NewQueue(approval.WithClock(func() time.Time { return now }))

	first := exampleRequest("req-4")
	first.GrantWindow = 30 * time.Minute
	first.ExpiresAt = now.Add(time.Hour)
	go func() {
		for {
			if _, err := q.Decide(context.Background(), first.ID, approval.Party{Subject: "bob"}, approval.Approved, "incident 7"); err == nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	d, _ := q.Approve(context.Background(), first)
	fmt.Println(d.Verdict, "grant until", d.GrantUntil.Format(time.Kitchen))

	// Another query on the same table, moments later: no one is asked.
	second := exampleRequest("req-5")
	second.CallHash = callHash("SELECT count(*) FROM patients")
	second.GrantWindow = 30 * time.Minute
	second.ExpiresAt = now.Add(time.Hour)
	d, _ = q.Approve(context.Background(), second)
	fmt.Println(d.Verdict, "by the grant of", d.GrantedBy)
	// Output:
	// approved grant until 9:30AM
	// approved by the grant of req-4
}

func ExampleAllowAll() {
	req := exampleRequest("req-6")
	d, err := approval.AllowAll().Approve(context.Background(), req)
	fmt.Println(d.Approved(), d.Binds(req), err)
	// Output: true true <nil>
}

func ExampleDenyAll() {
	d, err := approval.DenyAll("approvals are disabled").Approve(context.Background(), exampleRequest("req-7"))
	fmt.Println(d.Verdict, d.Reason, err)
	// Output: denied approvals are disabled <nil>
}

// Checked refuses a decision that was made for another call.
func ExampleChecked() {
	old := exampleRequest("req-8")
	replaying := approval.ApproverFunc(func(ctx context.Context, req *approval.Request) (approval.Decision, error) {
		return approval.Decision{RequestID: old.ID, CallHash: old.CallHash, Verdict: approval.Approved}, nil
	})
	_, err := approval.Checked(replaying).Approve(context.Background(), exampleRequest("req-9"))
	fmt.Println(errors.Is(err, approval.ErrMismatch))
	// Output: true
}
