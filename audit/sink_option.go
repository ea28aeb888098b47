package audit

import (
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"time"

	otellog "go.opentelemetry.io/otel/log"
)

// SinkOption configures a sink built by this package. Each constructor
// reads the options that concern it and ignores the others, so one option
// list can be shared; the doc of every With... function says which sinks
// use it.
type SinkOption interface{ applySink(*sinkConfig) }

type sinkOptionFunc func(*sinkConfig)

func (f sinkOptionFunc) applySink(c *sinkConfig) { f(c) }

// SyncPolicy tells FileSink when to fsync segment files.
type SyncPolicy int

const (
	// SyncEveryWrite fsyncs before Write returns: a stored record survives
	// a power cut. This is the default.
	SyncEveryWrite SyncPolicy = iota
	// SyncInterval fsyncs on a Write when the last fsync is older than the
	// interval given to WithFileSync, and on Close.
	SyncInterval
	// SyncNever leaves flushing to the operating system (and Close). A crash
	// of the machine can lose records Write reported as stored.
	SyncNever
)

type sinkConfig struct {
	now func() time.Time

	// FileSink
	segmentMaxBytes   int64
	segmentMaxAge     time.Duration
	sync              SyncPolicy
	syncInterval      time.Duration
	retentionMaxAge   time.Duration
	retentionMaxBytes int64

	// PostgresSink
	pgTable string

	// OTelSink
	loggerProvider otellog.LoggerProvider

	// SlogSink
	slogLevel slog.Level

	// WebhookSink
	httpClient   *http.Client
	retryBase    time.Duration
	retryMax     time.Duration
	retryTries   int
	maxBatchSize int
	webhookKey   ed25519.PrivateKey

	// OTel, slog and webhook sinks: records remembered per origin to make
	// redelivery idempotent.
	window int
}

func newSinkConfig(opts []SinkOption) sinkConfig {
	c := sinkConfig{
		now:             time.Now,
		segmentMaxBytes: 64 << 20,
		segmentMaxAge:   24 * time.Hour,
		sync:            SyncEveryWrite,
		pgTable:         "ragguard_audit_records",
		slogLevel:       slog.LevelInfo,
		retryBase:       100 * time.Millisecond,
		retryMax:        5 * time.Second,
		retryTries:      8,
		maxBatchSize:    1000,
		window:          4096,
	}
	for _, o := range opts {
		if o != nil {
			o.applySink(&c)
		}
	}
	return c
}

// WithSinkClock sets the clock sinks use for segment age, retention and
// timestamps (tests). Used by FileSink, WebhookSink and OTelSink. Nil is
// ignored.
func WithSinkClock(now func() time.Time) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if now != nil {
			c.now = now
		}
	})
}

// WithSegmentMaxBytes makes FileSink start a new segment once the current
// one holds n bytes (default 64 MiB). Values below 1 are ignored.
func WithSegmentMaxBytes(n int64) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if n > 0 {
			c.segmentMaxBytes = n
		}
	})
}

// WithSegmentMaxAge makes FileSink start a new segment once the current
// one was opened d ago (default 24h). Values below 1 are ignored.
func WithSegmentMaxAge(d time.Duration) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if d > 0 {
			c.segmentMaxAge = d
		}
	})
}

// WithFileSync sets FileSink's fsync policy; interval is used by
// SyncInterval only. Unknown policies are ignored.
func WithFileSync(p SyncPolicy, interval time.Duration) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		switch p {
		case SyncEveryWrite, SyncNever:
			c.sync = p
		case SyncInterval:
			if interval > 0 {
				c.sync, c.syncInterval = p, interval
			}
		}
	})
}

// WithRetention makes FileSink prune closed segments whose last write is
// older than maxAge, and the oldest closed segments while all segments
// together exceed maxBytes. Zero disables either rule (the default keeps
// everything). Pruned records are listed, with their RFC 6962 record
// hashes, in the directory's prune manifest, so a verifier reports the
// range and can still check the tree; stream keys, checkpoints and gap
// records are kept there whole.
func WithRetention(maxAge time.Duration, maxBytes int64) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if maxAge > 0 {
			c.retentionMaxAge = maxAge
		}
		if maxBytes > 0 {
			c.retentionMaxBytes = maxBytes
		}
	})
}

// WithPostgresTable sets the table PostgresSink and ReadPostgres use
// (default ragguard_audit_records). It may be schema-qualified
// ("audit.records"). Empty is ignored.
func WithPostgresTable(name string) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if name != "" {
			c.pgTable = name
		}
	})
}

// WithLoggerProvider sets the OpenTelemetry LoggerProvider OTelSink emits
// to (default: the global one). Nil is ignored.
func WithLoggerProvider(lp otellog.LoggerProvider) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if lp != nil {
			c.loggerProvider = lp
		}
	})
}

// WithSlogLevel sets the level of SlogSink's lines (default Info).
func WithSlogLevel(l slog.Level) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) { c.slogLevel = l })
}

// WithWebhookClient sets the HTTP client WebhookSink posts with (default: a
// client with no timeout of its own, the ctx of Write bounding each call,
// that follows no redirects). Nil is ignored.
func WithWebhookClient(hc *http.Client) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if hc != nil {
			c.httpClient = hc
		}
	})
}

// WithWebhookRetry sets WebhookSink's retry schedule: the first backoff
// base, the longest backoff max, and the most attempts per batch (first
// try included). Each backoff is drawn at random up to the exponential
// bound (full jitter), and retrying stops earlier when ctx's deadline
// would pass. Values below 1 are ignored.
func WithWebhookRetry(base, max time.Duration, attempts int) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if base > 0 {
			c.retryBase = base
		}
		if max > 0 {
			c.retryMax = max
		}
		if attempts > 0 {
			c.retryTries = attempts
		}
	})
}

// WithWebhookEd25519 makes WebhookSink also sign each batch with an
// Ed25519 key (header Ragguard-Signature-Ed25519), so that a receiver
// holding only the public key can check batches but not forge them
// (VerifyWebhookEd25519). With it, NewWebhookSink accepts a nil HMAC
// secret. A key of the wrong size is ignored.
func WithWebhookEd25519(key ed25519.PrivateKey) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if len(key) == ed25519.PrivateKeySize {
			c.webhookKey = key
		}
	})
}

// WithWebhookBatchSize caps how many records one POST carries (default
// 1000); a larger Write is sent as several requests. Values below 1 are
// ignored.
func WithWebhookBatchSize(n int) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if n > 0 {
			c.maxBatchSize = n
		}
	})
}

// WithRedeliveryWindow sets how many recent records per origin the OTel,
// slog and webhook sinks remember (default 4096), so that a redelivered
// record is not emitted twice and a conflicting one is refused with
// ErrConflict. Records older than the window are emitted again. Values
// below 1 are ignored.
func WithRedeliveryWindow(n int) SinkOption {
	return sinkOptionFunc(func(c *sinkConfig) {
		if n > 0 {
			c.window = n
		}
	})
}
