package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// trustedKey is one long-term public key with its key id.
type trustedKey struct {
	id  string
	pub crypto.PublicKey
}

// loadTrustedKeys reads PEM "PUBLIC KEY" blocks from each file. It refuses
// one key id naming two different keys: which of them vouches for a stream
// must not depend on the order of the files.
func loadTrustedKeys(files []string) ([]trustedKey, error) {
	var keys []trustedKey
	byID := map[string]crypto.PublicKey{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("trusted key: %w", err)
		}
		defID := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		n := 0
		for {
			var b *pem.Block
			b, data = pem.Decode(data)
			if b == nil {
				break
			}
			if b.Type != "PUBLIC KEY" {
				continue
			}
			pub, err := x509.ParsePKIXPublicKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("trusted key %s: %w", f, err)
			}
			switch pub.(type) {
			case ed25519.PublicKey, *ecdsa.PublicKey, *rsa.PublicKey:
			default:
				return nil, fmt.Errorf("trusted key %s: unsupported key type %T", f, pub)
			}
			id := b.Headers["Key-Id"]
			if id == "" {
				id = defID
			}
			n++
			if prev, ok := byID[id]; ok {
				if !prev.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
					return nil, fmt.Errorf("trusted key %s: key id %q names two different keys", f, id)
				}
				continue
			}
			byID[id] = pub
			keys = append(keys, trustedKey{id: id, pub: pub})
		}
		if n == 0 {
			return nil, fmt.Errorf("trusted key %s: no PEM PUBLIC KEY block", f)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no trusted key")
	}
	return keys, nil
}

// encodeTrustedKey is the inverse of loadTrustedKeys for one key (tests
// and documentation).
func encodeTrustedKey(id string, pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Headers: map[string]string{"Key-Id": id}, Bytes: der}), nil
}
