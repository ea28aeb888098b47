package main

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadTrustedKeys(t *testing.T) {
	dir := t.TempDir()
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	// No Key-Id header: the file name is the id (as openssl writes it).
	der, err := x509.MarshalPKIXPublicKey(edPub)
	require.NoError(t, err)
	plain := filepath.Join(dir, "ops-2026.pem")
	require.NoError(t, os.WriteFile(plain, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600))

	// Two blocks with ids, after a block of another type.
	a, err := encodeTrustedKey("kms-a", &ecKey.PublicKey)
	require.NoError(t, err)
	b, err := encodeTrustedKey("ed-b", edPub)
	require.NoError(t, err)
	other := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{1}})
	multi := filepath.Join(dir, "ring.pem")
	require.NoError(t, os.WriteFile(multi, append(append(other, a...), b...), 0o600))

	keys, err := loadTrustedKeys([]string{plain, multi})
	require.NoError(t, err)
	require.Len(t, keys, 3)
	assert.Equal(t, "ops-2026", keys[0].id)
	assert.Equal(t, edPub, keys[0].pub)
	assert.Equal(t, "kms-a", keys[1].id)
	assert.True(t, ecKey.PublicKey.Equal(keys[1].pub))
	assert.Equal(t, "ed-b", keys[2].id)

	// The same key given twice is one key; one id for two keys is refused.
	keys, err = loadTrustedKeys([]string{plain, multi, plain})
	require.NoError(t, err)
	require.Len(t, keys, 3)
	clash, err := encodeTrustedKey("kms-a", edPub)
	require.NoError(t, err)
	clashFile := filepath.Join(dir, "clash.pem")
	require.NoError(t, os.WriteFile(clashFile, clash, 0o600))
	_, err = loadTrustedKeys([]string{multi, clashFile})
	require.ErrorContains(t, err, `key id "kms-a" names two different keys`)

	// Refusals.
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	xder, err := x509.MarshalPKIXPublicKey(x.PublicKey())
	require.NoError(t, err)
	bad := map[string][]byte{
		"empty.pem":   nil,
		"garbage.pem": []byte("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n"),
		"x25519.pem":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: xder}),
	}
	for name, data := range bad {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		_, err := loadTrustedKeys([]string{p})
		require.Error(t, err, name)
	}
	_, err = loadTrustedKeys([]string{filepath.Join(dir, "absent.pem")})
	require.Error(t, err)
	_, err = loadTrustedKeys(nil)
	require.Error(t, err)
}
