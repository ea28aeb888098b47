package approval

import "time"

// Option configures a Queue.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	now            func() time.Time
	observers      []Observer
	defaultTimeout time.Duration
	retention      time.Duration
	maxPending     int
}

const (
	// DefaultTimeout is how long a Queue holds a request that arrives
	// without an ExpiresAt.
	DefaultTimeout = 15 * time.Minute
	// DefaultRetention is how long a Queue remembers a finished request, so
	// that a late Decide is told what happened to it.
	DefaultRetention = 10 * time.Minute
	// DefaultMaxPending is how many requests a Queue holds at once.
	DefaultMaxPending = 10000
)

func newConfig(opts []Option) config {
	c := config{
		now:            time.Now,
		defaultTimeout: DefaultTimeout,
		retention:      DefaultRetention,
		maxPending:     DefaultMaxPending,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithClock makes the Queue read the time from now instead of time.Now. The
// clock decides expiry and grant windows: a waiter whose timer fires before
// the clock says its request expired keeps waiting, and a request the clock
// says has expired is released with ErrTimeout on the next call to the Queue
// (Pending, Get, Decide or Approve). Tests use it to step time by hand. A nil
// now is ignored.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithObserver adds an Observer that is told about every request, vote and
// outcome, for example to write audit events. Several observers are called in
// the order they were added. A nil o is ignored.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) {
		if o != nil {
			c.observers = append(c.observers, o)
		}
	})
}

// WithDefaultTimeout sets how long a request without an ExpiresAt is held
// (DefaultTimeout otherwise). A request is never held forever. Values ≤ 0
// are ignored.
func WithDefaultTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.defaultTimeout = d
		}
	})
}

// WithRetention sets how long a finished request is remembered
// (DefaultRetention otherwise), so that a second Decide gets
// ErrAlreadyDecided or ErrTimeout rather than ErrNotFound. Values ≤ 0 are
// ignored.
func WithRetention(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.retention = d
		}
	})
}

// WithMaxPending caps how many requests wait at once (DefaultMaxPending
// otherwise); beyond it Approve fails with ErrQueueFull. Values ≤ 0 are
// ignored.
func WithMaxPending(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxPending = n
		}
	})
}
