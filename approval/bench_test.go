package approval_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/approval/approvaltest"
)

// One held call: Approve waits, an approver decides, the waiter wakes.
func BenchmarkQueueRoundTrip(b *testing.B) {
	arrived := make(chan string, 1)
	q := approval.NewQueue(approval.WithObserver(approval.ObserverFunc(func(e approval.Event) {
		if e.Type == approval.EventRequested {
			arrived <- e.Request.ID
		}
	})))
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for id := range arrived {
			if _, err := q.Decide(ctx, id, approvaltest.Approver1, approval.Approved, ""); err != nil {
				panic(err)
			}
		}
	}()
	base := approvaltest.NewRequest(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := *base
		req.ID = base.ID + "-" + strconv.Itoa(i)
		i++
		if d, err := q.Approve(ctx, &req); err != nil || !d.Approved() {
			b.Fatal(d, err)
		}
	}
	close(arrived)
	<-done
}

// A call covered by a just-in-time grant: no one is asked.
func BenchmarkQueueGrantHit(b *testing.B) {
	q := approval.NewQueue(approval.WithRetention(time.Millisecond))
	ctx := context.Background()
	first := approvaltest.NewRequest(b)
	first.GrantWindow = time.Hour
	go func() {
		for {
			if _, err := q.Decide(ctx, first.ID, approvaltest.Approver1, approval.Approved, ""); err == nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	if d, err := q.Approve(ctx, first); err != nil || !d.Approved() {
		b.Fatal(d, err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := *first
		req.ID = first.ID + "-" + strconv.Itoa(i)
		i++
		if d, err := q.Approve(ctx, &req); err != nil || d.GrantedBy != first.ID {
			b.Fatal(d, err)
		}
	}
}
