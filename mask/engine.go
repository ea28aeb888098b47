package mask

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// MinKeyLen is the shortest master key New accepts.
const MinKeyLen = 32

// DefaultProfile is the profile used when none is configured: every
// detector, redact.
const DefaultProfile = "default"

// Option configures an Engine.
type Option interface{ apply(*config) }

type config struct {
	detectors   []Detector
	profiles    []Profile
	key         []byte
	keySet      bool
	vault       Vault
	ttl         time.Duration
	auditHashes bool
	noBuiltins  bool
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithDetectors adds custom detectors (a custom detector named like a
// built-in replaces it). Nil detectors are ignored.
func WithDetectors(ds ...Detector) Option {
	return optionFunc(func(c *config) {
		for _, d := range ds {
			if d != nil {
				c.detectors = append(c.detectors, d)
			}
		}
	})
}

// WithoutBuiltins leaves only the custom detectors registered.
func WithoutBuiltins() Option { return optionFunc(func(c *config) { c.noBuiltins = true }) }

// WithProfiles adds masking profiles.
func WithProfiles(ps ...Profile) Option {
	return optionFunc(func(c *config) { c.profiles = append(c.profiles, ps...) })
}

// WithKey sets the master key from which per-tenant pseudonym and token
// keys are derived (HMAC-SHA256). It must be at least MinKeyLen bytes; the
// engine keeps its own copy. A nil key is ignored.
func WithKey(key []byte) Option {
	return optionFunc(func(c *config) {
		if key != nil {
			c.key = append([]byte(nil), key...)
			c.keySet = true
		}
	})
}

// WithVault sets the vault for the tokenize strategy. Nil is ignored.
func WithVault(v Vault) Option {
	return optionFunc(func(c *config) {
		if v != nil {
			c.vault = v
		}
	})
}

// WithTokenTTL sets how long tokenized values stay restorable (default 24h).
func WithTokenTTL(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.ttl = d
		}
	})
}

// WithAuditHashes adds a keyed HMAC of every masked value to summaries, so
// auditors can ask "was this value masked?" without storing it.
func WithAuditHashes(on bool) Option { return optionFunc(func(c *config) { c.auditHashes = on }) }

// Engine detects and masks sensitive values. It is safe for concurrent use.
type Engine struct {
	reg      *detRegistry
	profiles map[string]*compiled
	all      *compiled
	key      []byte
	vault    Vault
	ttl      time.Duration
	audit    bool
	tkeys    sync.Map // tenant -> *tenantKeys
}

type tenantKeys struct {
	pseudo, token, audit []byte
}

// Errors returned by New and Engine methods.
var (
	ErrShortKey       = fmt.Errorf("mask: master key shorter than %d bytes", MinKeyLen)
	ErrUnknownProfile = errors.New("mask: unknown profile")
)

// New builds an engine. It fails when a profile is invalid, when a profile
// uses pseudonym or tokenize without a key, tokenize without a vault, or
// when the key is too short.
func New(opts ...Option) (*Engine, error) {
	c := config{ttl: 24 * time.Hour}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.keySet && len(c.key) < MinKeyLen {
		return nil, ErrShortKey
	}
	names := map[string]bool{}
	for _, d := range c.detectors {
		if d.Name() == "" {
			return nil, errors.New("mask: detector without a name")
		}
		if names[d.Name()] {
			return nil, fmt.Errorf("mask: detector %q registered twice", d.Name())
		}
		names[d.Name()] = true
		for _, e := range d.Entities() {
			if !e.valid() {
				return nil, fmt.Errorf("mask: detector %q: invalid entity %q", d.Name(), e)
			}
		}
	}
	e := &Engine{reg: registry(!c.noBuiltins, c.detectors), profiles: map[string]*compiled{}, key: c.key, vault: c.vault, ttl: c.ttl, audit: c.auditHashes}
	if len(e.reg.order) == 0 {
		return nil, errors.New("mask: no detectors")
	}
	ps := c.profiles
	has := false
	for _, p := range ps {
		if p.Name == DefaultProfile {
			has = true
		}
	}
	if !has {
		ps = append(ps, Profile{Name: DefaultProfile})
	}
	for _, p := range ps {
		if _, dup := e.profiles[p.Name]; dup {
			return nil, fmt.Errorf("mask: profile %q: defined twice", p.Name)
		}
		cp, err := compileProfile(p, e.reg)
		if err != nil {
			return nil, err
		}
		if cp.needKey && !c.keySet {
			return nil, fmt.Errorf("mask: profile %q: pseudonym and tokenize need a key (WithKey)", p.Name)
		}
		if cp.needVlt && c.vault == nil {
			return nil, fmt.Errorf("mask: profile %q: tokenize needs a vault (WithVault)", p.Name)
		}
		e.profiles[p.Name] = cp
	}
	if c.auditHashes && !c.keySet {
		return nil, errors.New("mask: audit hashes need a key (WithKey)")
	}
	all, err := compileProfile(Profile{Name: "*"}, e.reg)
	if err != nil {
		return nil, err
	}
	e.all = all
	return e, nil
}

// Profile returns the named profile as configured.
func (e *Engine) Profile(name string) (Profile, bool) {
	p, ok := e.profiles[name]
	if !ok {
		return Profile{}, false
	}
	return p.Profile, true
}

// ProfileNames lists the configured profiles, sorted.
func (e *Engine) ProfileNames() []string {
	out := make([]string, 0, len(e.profiles))
	for n := range e.profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Detectors lists the registered detector names in registration order.
func (e *Engine) Detectors() []string {
	out := make([]string, len(e.reg.order))
	for i, d := range e.reg.order {
		out[i] = d.Name()
	}
	return out
}

// Detect reports the sensitive values in s, with every detector and the
// default confidence threshold. Matches do not overlap and are sorted.
func (e *Engine) Detect(s string) []Match {
	return e.all.detect(s, nil)
}

// DetectProfile is Detect with a profile's detectors and threshold.
func (e *Engine) DetectProfile(profile, s string) ([]Match, error) {
	p, ok := e.profiles[profile]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownProfile, profile)
	}
	return p.detect(s, nil), nil
}

func (c *compiled) detect(s string, dst []Match) []Match {
	sc := getScan(c.plan, s, true)
	sc.run(0)
	c.filter(sc)
	sc.finishScores(0, true)
	dst = resolve(sc.cands, c.minConf, c.plan.names, dst)
	putScan(sc)
	return dst
}

// filter drops candidates of entities the profile did not select.
func (c *compiled) filter(sc *scan) {
	if c.ents == nil {
		return
	}
	k := 0
	for _, x := range sc.cands {
		if c.ents[x.ent] {
			sc.cands[k] = x
			k++
		}
	}
	sc.cands = sc.cands[:k]
}

// Masker returns a masker for one profile and tenant. Pseudonyms and tokens
// are keyed per tenant, so two tenants never share a token for one value.
func (e *Engine) Masker(profile, tenant string) (*Masker, error) {
	p, ok := e.profiles[profile]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownProfile, profile)
	}
	m := &Masker{e: e, p: p, tenant: tenant, ctx: context.Background()}
	if e.key != nil {
		m.keys = e.tenantKeys(tenant)
	}
	return m, nil
}

func (e *Engine) tenantKeys(tenant string) *tenantKeys {
	if k, ok := e.tkeys.Load(tenant); ok {
		return k.(*tenantKeys)
	}
	derive := func(label string) []byte {
		mac := hmac.New(sha256.New, e.key)
		mac.Write([]byte("ragguard/mask/v1/" + label + "\x00" + tenant))
		return mac.Sum(nil)
	}
	k := &tenantKeys{pseudo: derive("pseudonym"), token: derive("token"), audit: derive("audit")}
	got, _ := e.tkeys.LoadOrStore(tenant, k)
	return got.(*tenantKeys)
}

// Restore replaces tokenize tokens in text with the values held in the
// vault for tenant. Unknown or expired tokens stay as they are. It returns
// the text and how many tokens it restored. Pseudonyms are one-way and are
// never restored. The caller decides who may restore.
func (e *Engine) Restore(ctx context.Context, tenant, text string) (string, int, error) {
	if e.vault == nil {
		return text, 0, ErrNoVault
	}
	var b strings.Builder
	n := 0
	last := 0
	for i := 0; i < len(text); {
		k := strings.Index(text[i:], "_TK_")
		if k < 0 {
			break
		}
		at := i + k
		start, end, ok := tokenAround(text, at)
		if !ok {
			i = at + 4
			continue
		}
		v, found, err := e.vault.Get(ctx, tenant, text[start:end])
		if err != nil {
			return text, 0, fmt.Errorf("mask: restore: %w", err)
		}
		if found {
			if b.Len() == 0 {
				b.Grow(len(text))
			}
			b.WriteString(text[last:start])
			b.WriteString(v)
			last = end
			n++
		}
		i = end
	}
	if n == 0 {
		return text, 0, nil
	}
	b.WriteString(text[last:])
	return b.String(), n, nil
}

// tokenAround checks for "<ENTITY_TK_xxxxxxxxxxxxxxxx>" around the "_TK_" at i.
func tokenAround(s string, i int) (int, int, bool) {
	j := i
	for j > 0 && (isUpper(s[j-1]) || isDigit(s[j-1]) || s[j-1] == '_') && i-j < 48 {
		j--
	}
	if j == 0 || s[j-1] != '<' || j == i {
		return 0, 0, false
	}
	end := i + 4 + tokenLen
	if end >= len(s) || s[end] != '>' {
		return 0, 0, false
	}
	for k := i + 4; k < end; k++ {
		if s[k] < 'a' || s[k] > 'p' {
			return 0, 0, false
		}
	}
	return j - 1, end + 1, true
}

const (
	pseudoLen = 8
	tokenLen  = 16
)

// LogValue never logs the key.
func (e *Engine) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("detectors", len(e.reg.order)),
		slog.Any("profiles", e.ProfileNames()),
		slog.Bool("key", e.key != nil),
		slog.Bool("vault", e.vault != nil))
}
