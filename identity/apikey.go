package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// APIKeyPrefix starts every ragguard API key, so secret scanners and
	// log filters can recognise one and Chain can route it without parsing.
	APIKeyPrefix = "rgk_"
	// APIKeyIssuer is the Principal.Issuer of API key principals.
	APIKeyIssuer = "ragguard:apikey"

	apiKeyIDBytes     = 8  // 16 hex characters: unique, not secret
	apiKeySecretBytes = 32 // 256 bits from crypto/rand
	apiKeyLen         = len(APIKeyPrefix) + 2*apiKeyIDBytes + 1 + 2*apiKeySecretBytes
)

// APIKeyHash is what a KeyStore keeps instead of the secret: SHA-256 over a
// version tag, the key id and the secret.
//
// A plain fast hash is enough here, unlike for passwords. Slow KDFs (bcrypt,
// scrypt, Argon2) exist to make guessing low-entropy human passwords from a
// stolen hash expensive. An API key secret is 256 bits from crypto/rand:
// there is nothing to guess, and inverting SHA-256 on a uniformly random
// 256-bit input is infeasible at any speed. A KDF would only add latency to
// every authenticated request. Hashing in the key id binds each hash to its
// id, so a hash copied onto another id's record does not verify.
type APIKeyHash [sha256.Size]byte

// APIKey is a generated or parsed API key: rgk_<id>_<secret>, with a
// 16-hex-digit id and a 64-hex-digit secret. It formats and logs redacted;
// only Reveal returns the secret credential.
type APIKey struct {
	id     string
	secret [apiKeySecretBytes]byte
}

// GenerateAPIKey makes a new key from crypto/rand. Show Reveal() to its
// owner once and store only Hash().
func GenerateAPIKey() (APIKey, error) {
	var idb [apiKeyIDBytes]byte
	var k APIKey
	if _, err := rand.Read(idb[:]); err != nil {
		return APIKey{}, fmt.Errorf("identity: generating API key: %w", err)
	}
	if _, err := rand.Read(k.secret[:]); err != nil {
		return APIKey{}, fmt.Errorf("identity: generating API key: %w", err)
	}
	k.id = hex.EncodeToString(idb[:])
	return k, nil
}

// ParseAPIKey checks the shape of credential and splits it into id and
// secret. Anything but rgk_ + 16 lower-case hex + _ + 64 lower-case hex is
// ErrMalformedAPIKey.
func ParseAPIKey(credential string) (APIKey, error) {
	if len(credential) != apiKeyLen || !strings.HasPrefix(credential, APIKeyPrefix) {
		return APIKey{}, fmt.Errorf("%w: want %s<16 hex>_<64 hex>", ErrMalformedAPIKey, APIKeyPrefix)
	}
	rest := credential[len(APIKeyPrefix):]
	id, secret := rest[:2*apiKeyIDBytes], rest[2*apiKeyIDBytes+1:]
	if rest[2*apiKeyIDBytes] != '_' || !isLowerHex(id) || !isLowerHex(secret) {
		return APIKey{}, fmt.Errorf("%w: want %s<16 hex>_<64 hex>", ErrMalformedAPIKey, APIKeyPrefix)
	}
	k := APIKey{id: id}
	if _, err := hex.Decode(k.secret[:], []byte(secret)); err != nil {
		return APIKey{}, fmt.Errorf("%w: %v", ErrMalformedAPIKey, err)
	}
	return k, nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ID is the key's public identifier, the KeyStore lookup key.
func (k APIKey) ID() string { return k.id }

// Reveal returns the full credential, secret included, to hand to the
// key's owner. Never log it.
func (k APIKey) Reveal() string {
	if k.id == "" {
		return ""
	}
	return APIKeyPrefix + k.id + "_" + hex.EncodeToString(k.secret[:])
}

// Hash returns the value a KeyStore stores for this key.
func (k APIKey) Hash() APIKeyHash { return hashAPIKey(k.id, k.secret[:]) }

func hashAPIKey(id string, secret []byte) APIKeyHash {
	h := sha256.New()
	h.Write([]byte("ragguard-apikey-v1\x00"))
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write(secret)
	var out APIKeyHash
	h.Sum(out[:0])
	return out
}

// String shows the prefix and id only.
func (k APIKey) String() string { return APIKeyPrefix + k.id + "_[REDACTED]" }

// GoString keeps %#v from printing the secret.
func (k APIKey) GoString() string { return "identity.APIKey{" + k.String() + "}" }

// LogValue logs the key id only.
func (k APIKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// APIKeyRecord is what a KeyStore holds for one key.
type APIKeyRecord struct {
	ID   string     // key id, the part between the prefix and the secret
	Hash APIKeyHash // APIKey.Hash(); the secret itself is never stored
	// Principal is the template of the authenticated principal. Subject
	// defaults to "apikey:<id>"; Issuer, Kind, AuthMethod and ExpiresAt are
	// always set by VerifyAPIKey.
	Principal Principal
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never expires
	RevokedAt time.Time // zero: not revoked
}

// KeyStore finds API key records by id. LookupAPIKey returns an error
// wrapping ErrUnknownAPIKey for an id it does not hold; other errors (a
// database down) pass through VerifyAPIKey wrapped.
type KeyStore interface {
	LookupAPIKey(ctx context.Context, id string) (APIKeyRecord, error)
}

// KeyStoreFunc adapts a function to KeyStore.
type KeyStoreFunc func(ctx context.Context, id string) (APIKeyRecord, error)

// LookupAPIKey calls f.
func (f KeyStoreFunc) LookupAPIKey(ctx context.Context, id string) (APIKeyRecord, error) {
	return f(ctx, id)
}

// MemoryKeyStore is an in-memory KeyStore, safe for concurrent use, for
// tests, examples and services whose keys come from configuration.
type MemoryKeyStore struct {
	mu   sync.RWMutex
	keys map[string]APIKeyRecord
}

var _ KeyStore = (*MemoryKeyStore)(nil)

// NewMemoryKeyStore returns an empty store.
func NewMemoryKeyStore() *MemoryKeyStore {
	return &MemoryKeyStore{keys: make(map[string]APIKeyRecord)}
}

// Add stores rec. It refuses a record without an id or hash, and an id that
// is already present.
func (s *MemoryKeyStore) Add(rec APIKeyRecord) error {
	if rec.ID == "" || rec.Hash == (APIKeyHash{}) {
		return fmt.Errorf("%w: API key record needs an id and a hash", ErrInvalidConfig)
	}
	rec.Principal = clonePrincipal(rec.Principal)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.keys[rec.ID]; dup {
		return fmt.Errorf("%w: API key id %s already stored", ErrInvalidConfig, rec.ID)
	}
	s.keys[rec.ID] = rec
	return nil
}

// Issue generates a key for template, stores its hash and returns the key;
// the caller hands key.Reveal() to the workload. A zero expiresAt never expires.
func (s *MemoryKeyStore) Issue(template Principal, expiresAt time.Time) (APIKey, error) {
	k, err := GenerateAPIKey()
	if err != nil {
		return APIKey{}, err
	}
	rec := APIKeyRecord{ID: k.ID(), Hash: k.Hash(), Principal: template, CreatedAt: time.Now(), ExpiresAt: expiresAt}
	if err := s.Add(rec); err != nil {
		return APIKey{}, err
	}
	return k, nil
}

// Revoke marks the key revoked at the given time; later verifications fail
// with ErrAPIKeyRevoked.
func (s *MemoryKeyStore) Revoke(id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.keys[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownAPIKey, id)
	}
	if at.IsZero() {
		at = time.Now()
	}
	rec.RevokedAt = at
	s.keys[id] = rec
	return nil
}

// LookupAPIKey implements KeyStore.
func (s *MemoryKeyStore) LookupAPIKey(_ context.Context, id string) (APIKeyRecord, error) {
	s.mu.RLock()
	rec, ok := s.keys[id]
	s.mu.RUnlock()
	if !ok {
		return APIKeyRecord{}, fmt.Errorf("%w: %s", ErrUnknownAPIKey, id)
	}
	rec.Principal = clonePrincipal(rec.Principal)
	return rec, nil
}

// VerifyAPIKey checks credential against store at time now and returns its
// service principal. The secret is hashed and compared with the stored hash
// in constant time. Rejections wrap ErrMalformedAPIKey, ErrUnknownAPIKey,
// ErrWrongAPIKeySecret, ErrAPIKeyRevoked or ErrAPIKeyExpired; revocation and
// expiry are only reported to a caller who holds the right secret. A zero
// now means the wall clock, so that an unset time does not make every
// expired key valid again.
func VerifyAPIKey(ctx context.Context, store KeyStore, credential string, now time.Time) (Principal, error) {
	if credential == "" {
		return Principal{}, ErrMissingToken
	}
	if now.IsZero() {
		now = time.Now()
	}
	if store == nil {
		return Principal{}, fmt.Errorf("%w: no key store", ErrInvalidConfig)
	}
	k, err := ParseAPIKey(credential)
	if err != nil {
		return Principal{}, err
	}
	rec, err := store.LookupAPIKey(ctx, k.id)
	if err != nil {
		return Principal{}, fmt.Errorf("identity: API key %s: %w", k.id, err)
	}
	got := k.Hash()
	if rec.ID != k.id || subtle.ConstantTimeCompare(got[:], rec.Hash[:]) != 1 {
		return Principal{}, fmt.Errorf("%w: key %s", ErrWrongAPIKeySecret, k.id)
	}
	if !rec.RevokedAt.IsZero() {
		return Principal{}, fmt.Errorf("%w: key %s at %s", ErrAPIKeyRevoked, k.id, rec.RevokedAt.UTC().Format(time.RFC3339))
	}
	if !rec.ExpiresAt.IsZero() && !now.Before(rec.ExpiresAt) {
		return Principal{}, fmt.Errorf("%w: key %s at %s", ErrAPIKeyExpired, k.id, rec.ExpiresAt.UTC().Format(time.RFC3339))
	}
	p := clonePrincipal(rec.Principal)
	if p.Subject == "" {
		p.Subject = "apikey:" + k.id
	}
	p.Issuer = APIKeyIssuer
	p.Kind = KindService
	p.AuthMethod = MethodAPIKey
	p.ExpiresAt = rec.ExpiresAt
	return p, nil
}

// APIKeyAuthenticator verifies API keys against store with the wall clock.
// A nil store refuses every key.
func APIKeyAuthenticator(store KeyStore) Authenticator {
	return AuthenticatorFunc(func(ctx context.Context, credential string) (Principal, error) {
		return VerifyAPIKey(ctx, store, credential, time.Now())
	})
}

// clonePrincipal copies p's slices so a template is never shared with (and
// mutated through) the principals made from it.
func clonePrincipal(p Principal) Principal {
	p.Groups = slices.Clone(p.Groups)
	p.Roles = slices.Clone(p.Roles)
	return p
}
