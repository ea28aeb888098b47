package identitytest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ragguard/ragguard/identity"
)

// OpenKeyStore returns a KeyStore that holds exactly records, for one
// subtest of TestKeyStore. It should clean up after itself with t.Cleanup.
type OpenKeyStore func(t *testing.T, records []identity.APIKeyRecord) identity.KeyStore

// TestKeyStore is the conformance suite for identity.KeyStore
// implementations (a SQL table, a secrets manager...): run it from your own
// test with a function that opens your store preloaded with the given
// records. It checks that records come back intact, that an absent id is
// identity.ErrUnknownAPIKey, that identity.VerifyAPIKey reaches the right
// verdict for every kind of key through the store, and that concurrent
// lookups are safe (run it with -race).
func TestKeyStore(t *testing.T, open OpenKeyStore) {
	t.Helper()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mk := func(t *testing.T, p identity.Principal, expires, revoked time.Time) (identity.APIKey, identity.APIKeyRecord) {
		t.Helper()
		k, err := identity.GenerateAPIKey()
		if err != nil {
			t.Fatal(err)
		}
		return k, identity.APIKeyRecord{
			ID: k.ID(), Hash: k.Hash(), Principal: p,
			CreatedAt: now.Add(-time.Hour), ExpiresAt: expires, RevokedAt: revoked,
		}
	}

	t.Run("lookup returns the stored record", func(t *testing.T) {
		_, rec := mk(t, identity.Principal{Subject: "svc", Tenant: "acme", Roles: []string{"a", "b"}, Groups: []string{"g"}},
			now.Add(time.Hour), time.Time{})
		store := open(t, []identity.APIKeyRecord{rec})
		got, err := store.LookupAPIKey(context.Background(), rec.ID)
		if err != nil {
			t.Fatalf("LookupAPIKey(%s): %v", rec.ID, err)
		}
		if got.ID != rec.ID || got.Hash != rec.Hash || got.Principal.Subject != rec.Principal.Subject ||
			got.Principal.Tenant != rec.Principal.Tenant || !slices.Equal(got.Principal.Roles, rec.Principal.Roles) ||
			!slices.Equal(got.Principal.Groups, rec.Principal.Groups) ||
			!got.ExpiresAt.Equal(rec.ExpiresAt) || !got.RevokedAt.Equal(rec.RevokedAt) {
			t.Fatalf("LookupAPIKey returned %+v, stored %+v", got, rec)
		}
	})

	t.Run("absent id is ErrUnknownAPIKey", func(t *testing.T) {
		_, rec := mk(t, identity.Principal{Subject: "svc"}, time.Time{}, time.Time{})
		store := open(t, []identity.APIKeyRecord{rec})
		_, err := store.LookupAPIKey(context.Background(), "0123456789abcdef")
		if !errors.Is(err, identity.ErrUnknownAPIKey) {
			t.Fatalf("LookupAPIKey(absent) = %v, want ErrUnknownAPIKey", err)
		}
	})

	t.Run("verdicts through VerifyAPIKey", func(t *testing.T) {
		good, goodRec := mk(t, identity.Principal{Subject: "good"}, now.Add(time.Hour), time.Time{})
		forever, foreverRec := mk(t, identity.Principal{Subject: "forever"}, time.Time{}, time.Time{})
		expired, expiredRec := mk(t, identity.Principal{Subject: "expired"}, now.Add(-time.Second), time.Time{})
		revoked, revokedRec := mk(t, identity.Principal{Subject: "revoked"}, time.Time{}, now.Add(-time.Minute))
		absent, _ := mk(t, identity.Principal{Subject: "absent"}, time.Time{}, time.Time{})
		store := open(t, []identity.APIKeyRecord{goodRec, foreverRec, expiredRec, revokedRec})

		ctx := context.Background()
		for _, k := range []identity.APIKey{good, forever} {
			p, err := identity.VerifyAPIKey(ctx, store, k.Reveal(), now)
			if err != nil {
				t.Fatalf("VerifyAPIKey(%v): %v", k, err)
			}
			if p.Kind != identity.KindService || p.AuthMethod != identity.MethodAPIKey {
				t.Fatalf("VerifyAPIKey(%v) = %+v, want a service principal", k, p)
			}
		}
		wrong := flipLast(good.Reveal())
		for _, tc := range []struct {
			cred string
			want error
		}{
			{expired.Reveal(), identity.ErrAPIKeyExpired},
			{revoked.Reveal(), identity.ErrAPIKeyRevoked},
			{absent.Reveal(), identity.ErrUnknownAPIKey},
			{wrong, identity.ErrWrongAPIKeySecret},
		} {
			if _, err := identity.VerifyAPIKey(ctx, store, tc.cred, now); !errors.Is(err, tc.want) {
				t.Errorf("VerifyAPIKey = %v, want %v", err, tc.want)
			}
		}
	})

	t.Run("concurrent lookups", func(t *testing.T) {
		var keys []identity.APIKey
		var recs []identity.APIKeyRecord
		for range 4 {
			k, rec := mk(t, identity.Principal{Subject: "c"}, time.Time{}, time.Time{})
			keys = append(keys, k)
			recs = append(recs, rec)
		}
		store := open(t, recs)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					k := keys[(g+i)%len(keys)]
					if _, err := identity.VerifyAPIKey(context.Background(), store, k.Reveal(), now); err != nil {
						t.Errorf("VerifyAPIKey: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

// flipLast changes the last hex digit: same id, wrong secret.
func flipLast(cred string) string {
	last := "0"
	if cred[len(cred)-1] == '0' {
		last = "1"
	}
	return cred[:len(cred)-1] + last
}
