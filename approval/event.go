package approval

import "time"

// EventType says what happened to a request.
type EventType string

const (
	// EventRequested: the request entered the queue.
	EventRequested EventType = "requested"
	// EventVoted: an approver approved, but the quorum is not reached yet.
	EventVoted EventType = "voted"
	// EventDecided: the request was approved or denied. Decision.GrantedBy
	// is set when a just-in-time grant approved it without a vote.
	EventDecided EventType = "decided"
	// EventExpired: the request expired undecided.
	EventExpired EventType = "expired"
	// EventCancelled: the requester stopped waiting (its ctx was done).
	EventCancelled EventType = "cancelled"
)

// Event is one step in the life of a request, for auditing.
type Event struct {
	Type EventType `json:"type"`
	// Request is a copy of the request as the queue holds it.
	Request Request `json:"request"`
	// Vote is the vote that caused a voted or decided event, if any.
	Vote *Vote `json:"vote,omitempty"`
	// Decision is set on decided events.
	Decision *Decision `json:"decision,omitempty"`
	// Err is ErrTimeout on expired events and the context's error on
	// cancelled ones.
	Err error     `json:"-"`
	At  time.Time `json:"at"`
}

// Observer is told about each Event. A Queue calls it synchronously while it
// holds its lock, so events arrive in the order they happened; an Observer
// must therefore return quickly and must not call back into the Queue.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to the Observer interface.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }
