package audit

import (
	"crypto"
	"time"
)

// Option configures a Log.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type mode int

const (
	modeSync     mode = iota // fail-closed, no WAL: Append waits for the sinks
	modeWAL                  // fail-closed: Append waits for the WAL fsync
	modeFailOpen             // Append never waits; drops when the buffer is full
)

type config struct {
	origin, name  string
	keyID         string
	signer        crypto.Signer
	sinks         []Sink
	walDir        string
	failOpen      bool
	buffer        int
	backlog       int
	appendTimeout time.Duration
	sinkTimeout   time.Duration
	closeTimeout  time.Duration
	ckptEvery     int
	ckptInterval  time.Duration
	heartbeat     time.Duration
	segmentSize   int64
	awaitSinks    bool
	sessions      SessionStore
	hasher        *Hasher
	hashed        []Field
	now           func() time.Time
	maxBatch      int
	retryBackoff  time.Duration
	maxRetryWait  time.Duration
}

func defaultConfig() config {
	return config{
		name:          "ragguard",
		buffer:        1 << 16,
		backlog:       1 << 16,
		appendTimeout: 2 * time.Second,
		sinkTimeout:   5 * time.Second,
		closeTimeout:  10 * time.Second,
		ckptEvery:     1000,
		ckptInterval:  time.Second,
		heartbeat:     30 * time.Second,
		segmentSize:   16 << 20,
		now:           time.Now,
		maxBatch:      4096,
		retryBackoff:  50 * time.Millisecond,
		maxRetryWait:  5 * time.Second,
	}
}

func (c *config) mode() mode {
	switch {
	case c.failOpen:
		return modeFailOpen
	case c.walDir != "":
		return modeWAL
	}
	return modeSync
}

// WithSigner sets the long-term key that vouches for each stream's signing
// key, and its key id (which verifiers use to pick the public key, so keys
// can rotate). Ed25519, ECDSA and RSA signers are accepted, including
// KMS-backed crypto.Signers. Required.
func WithSigner(keyID string, s crypto.Signer) Option {
	if s == nil {
		return optionFunc(func(*config) {})
	}
	return optionFunc(func(c *config) { c.keyID, c.signer = keyID, s })
}

// WithName sets the prefix of the stream's origin; the Log appends "-" and
// a random suffix so that every process run gets its own stream. The
// default is "ragguard".
func WithName(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.name = name
		}
	})
}

// WithOrigin sets the stream's origin exactly. It must be unique per process
// run: two streams with one origin cannot both verify.
func WithOrigin(origin string) Option {
	return optionFunc(func(c *config) {
		if origin != "" {
			c.origin = origin
		}
	})
}

// WithSink adds a sink. Given several times, every sink must accept every
// record (for N-of-M rules, give one sink that implements them).
func WithSink(s Sink) Option {
	if s == nil {
		return optionFunc(func(*config) {})
	}
	return optionFunc(func(c *config) { c.sinks = append(c.sinks, s) })
}

// WithWAL makes delivery fail-closed through a write-ahead log in dir:
// Append returns once its event is fsynced there (concurrent Appends share
// one fsync), and sinks are fed from it in the background. Without WithWAL
// (and without WithFailOpen) the Log is fail-closed without a WAL: Append
// returns once every sink has accepted the event.
//
// The directory belongs to one Log at a time (it is locked). On start the
// Log reads what earlier processes left there into memory and delivers it
// again; segments are deleted once the sinks hold them.
func WithWAL(dir string) Option {
	return optionFunc(func(c *config) {
		if dir != "" {
			c.walDir = dir
		}
	})
}

// WithFailOpen makes delivery fail-open: Append never waits for storage;
// records queue in memory (at most buffer of them) for the sinks, and when
// the queue is full events are dropped, counted (Stats, and the
// ragguard.audit.dropped metric) and reported by a TypeGap record once
// there is room again. Only for logs whose loss is acceptable. It cannot be
// combined with WithWAL: NewLog refuses the pair.
func WithFailOpen(buffer int) Option {
	return optionFunc(func(c *config) {
		c.failOpen = true
		if buffer > 0 {
			c.buffer = buffer
		}
	})
}

// WithBacklog bounds how many records may wait in memory in the fail-closed
// modes (default 65,536): for the sinks, in sync mode, or behind the WAL on
// their way to the sinks. Beyond it Append fails with ErrUnavailable at
// once rather than grow memory while a sink is down. (In WAL mode those
// records are already durable locally; the next process redelivers them.)
func WithBacklog(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.backlog = n
		}
	})
}

// WithAppendTimeout bounds how long a fail-closed Append waits for its event
// to become durable before it gives up with ErrUnavailable (default 2s; the
// caller's ctx deadline applies too).
func WithAppendTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.appendTimeout = d
		}
	})
}

// WithSinkTimeout bounds each Sink.Write call (default 5s).
func WithSinkTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.sinkTimeout = d
		}
	})
}

// WithCloseTimeout bounds how long Close waits for the sinks to take the
// remaining records (default 10s). What they did not take stays in the WAL.
func WithCloseTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.closeTimeout = d
		}
	})
}

// WithCheckpoints sets the checkpoint cadence: after every n events, and
// every interval while events arrive (defaults 1000 and 1s). Zero keeps a
// default.
func WithCheckpoints(n int, interval time.Duration) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.ckptEvery = n
		}
		if interval > 0 {
			c.ckptInterval = interval
		}
	})
}

// WithHeartbeat sets how often an idle stream writes a checkpoint anyway
// (default 30s), so a verifier can tell a quiet stream from a cut one.
// A negative d disables heartbeats.
func WithHeartbeat(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d != 0 {
			c.heartbeat = d
		}
	})
}

// WithWALSegmentSize sets the size of WAL segment files (default 16 MiB).
// Once a stream has written a MiB, the next segment is written full of
// zeros in the background ahead of use (when GOMAXPROCS > 1), so that
// commits overwrite allocated blocks and their fdatasync needs no journal
// commit. Segments are deleted once the sinks hold them.
func WithWALSegmentSize(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.segmentSize = n
		}
	})
}

// WithAwaitSinks makes a WAL-mode Append also wait until the sinks accepted
// its event, so "durable" means fsynced locally and stored remotely.
func WithAwaitSinks() Option {
	return optionFunc(func(c *config) { c.awaitSinks = true })
}

// WithSessionStore stores the Session given to Append there, and puts
// salted commitments to its bodies into the event. Without a store the
// Session is ignored and events carry no commitments.
func WithSessionStore(s SessionStore) Option {
	if s == nil {
		return optionFunc(func(*config) {})
	}
	return optionFunc(func(c *config) { c.sessions = s })
}

// WithHashedFields stores the given event fields as keyed HMACs made by h
// instead of plaintext (see Hasher). NewLog refuses an unknown Field, a
// call naming no field, and fields named with a nil h, rather than leave
// the values in plaintext. A nil h with no fields is ignored.
func WithHashedFields(h *Hasher, fields ...Field) Option {
	return optionFunc(func(c *config) {
		if h != nil {
			c.hasher = h
		}
		c.hashed = append(c.hashed, fields...)
	})
}

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option {
	if now == nil {
		return optionFunc(func(*config) {})
	}
	return optionFunc(func(c *config) { c.now = now })
}
