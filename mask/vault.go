package mask

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Vault holds the values behind reversible tokens, per tenant, for a TTL.
// Implementations must be safe for concurrent use.
type Vault interface {
	// Put stores value under (tenant, token) until ttl elapses; putting an
	// existing token again refreshes it.
	Put(ctx context.Context, tenant, token, value string, ttl time.Duration) error
	// Get returns the value, or ok=false when unknown or expired.
	Get(ctx context.Context, tenant, token string) (value string, ok bool, err error)
}

// ErrNoVault is returned by Engine.Restore when the engine has no vault.
var ErrNoVault = errors.New("mask: no token vault configured")

// MemoryVault is an in-process Vault with expiry and a background sweeper.
type MemoryVault struct {
	mu    sync.RWMutex
	items map[vaultKey]vaultItem
	now   func() time.Time
	stop  chan struct{}
	once  sync.Once
	done  chan struct{}
}

type vaultKey struct{ tenant, token string }

type vaultItem struct {
	value   string
	expires time.Time
}

// VaultOption configures a MemoryVault.
type VaultOption interface{ applyVault(*vaultConfig) }

type vaultConfig struct {
	sweep time.Duration
	now   func() time.Time
}

type vaultOptionFunc func(*vaultConfig)

func (f vaultOptionFunc) applyVault(c *vaultConfig) { f(c) }

// WithSweepInterval sets how often expired tokens are removed (default 1m;
// zero or negative disables the sweeper, expiry is still enforced on Get).
func WithSweepInterval(d time.Duration) VaultOption {
	return vaultOptionFunc(func(c *vaultConfig) { c.sweep = d })
}

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) VaultOption {
	return vaultOptionFunc(func(c *vaultConfig) {
		if now != nil {
			c.now = now
		}
	})
}

// NewMemoryVault returns an empty vault. Close stops its sweeper.
func NewMemoryVault(opts ...VaultOption) *MemoryVault {
	c := vaultConfig{sweep: time.Minute, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o.applyVault(&c)
		}
	}
	v := &MemoryVault{items: map[vaultKey]vaultItem{}, now: c.now, stop: make(chan struct{}), done: make(chan struct{})}
	if c.sweep > 0 {
		go v.sweeper(c.sweep)
	} else {
		close(v.done)
	}
	return v
}

func (v *MemoryVault) sweeper(every time.Duration) {
	defer close(v.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-v.stop:
			return
		case <-t.C:
			v.Sweep()
		}
	}
}

// Sweep removes expired tokens and returns how many it removed.
func (v *MemoryVault) Sweep() int {
	now := v.now()
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for k, it := range v.items {
		if !now.Before(it.expires) {
			delete(v.items, k)
			n++
		}
	}
	return n
}

// Len is the number of tokens held (expired ones included until swept).
func (v *MemoryVault) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.items)
}

// Put implements Vault.
func (v *MemoryVault) Put(ctx context.Context, tenant, token, value string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ttl <= 0 {
		return errors.New("mask: vault ttl must be positive")
	}
	v.mu.Lock()
	v.items[vaultKey{tenant, token}] = vaultItem{value: value, expires: v.now().Add(ttl)}
	v.mu.Unlock()
	return nil
}

// Get implements Vault.
func (v *MemoryVault) Get(ctx context.Context, tenant, token string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	v.mu.RLock()
	it, ok := v.items[vaultKey{tenant, token}]
	v.mu.RUnlock()
	if !ok || !v.now().Before(it.expires) {
		return "", false, nil
	}
	return it.value, true, nil
}

// Close stops the sweeper. The vault stays usable.
func (v *MemoryVault) Close() error {
	v.once.Do(func() { close(v.stop) })
	<-v.done
	return nil
}

// LogValue never logs the held values.
func (v *MemoryVault) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", "memory"), slog.Int("tokens", v.Len()))
}
