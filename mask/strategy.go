package mask

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
)

// Strategy says how a detected value is replaced.
//
//	redact      "[EMAIL]"
//	partial     keep the last 4 characters: "****1234"; "partial:N" keeps N (1..8)
//	pseudonym   keyed HMAC token, stable per tenant: "<EMAIL_kdpfmoab>"
//	tokenize    reversible token held in the Vault: "<EMAIL_TK_pcnbhkfaodmelgij>"
//	drop        JSON members and row cells are removed; in text it redacts
type Strategy string

// The strategies.
const (
	Redact    Strategy = "redact"
	Partial   Strategy = "partial"
	Pseudonym Strategy = "pseudonym"
	Tokenize  Strategy = "tokenize"
	Drop      Strategy = "drop"
)

type stratKind uint8

const (
	skRedact stratKind = iota
	skPartial
	skPseudonym
	skTokenize
	skDrop
)

type strategy struct {
	kind stratKind
	keep int
	name Strategy
}

// parseStrategy validates a strategy name ("" is redact).
func parseStrategy(s Strategy) (strategy, error) {
	name := Strategy(strings.ToLower(strings.TrimSpace(string(s))))
	switch name {
	case "", Redact:
		return strategy{kind: skRedact, name: Redact}, nil
	case Partial:
		return strategy{kind: skPartial, keep: 4, name: Partial}, nil
	case Pseudonym:
		return strategy{kind: skPseudonym, name: Pseudonym}, nil
	case Tokenize:
		return strategy{kind: skTokenize, name: Tokenize}, nil
	case Drop:
		return strategy{kind: skDrop, name: Drop}, nil
	}
	if rest, ok := strings.CutPrefix(string(name), "partial:"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 || n > 8 {
			return strategy{}, fmt.Errorf("partial keeps 1 to 8 characters, got %q", rest)
		}
		return strategy{kind: skPartial, keep: n, name: Partial}, nil
	}
	return strategy{}, fmt.Errorf("unknown strategy %q (want redact, partial, partial:N, pseudonym, tokenize or drop)", string(s))
}

// tokenLetters encodes bytes as letters a..p (4 bits each). Tokens made of
// letters only never trigger a detector, so masking is idempotent.
func tokenLetters(dst []byte, sum []byte, n int) []byte {
	for i := 0; i < n; i++ {
		b := sum[i/2]
		if i%2 == 0 {
			b >>= 4
		}
		dst = append(dst, 'a'+b&0x0f)
	}
	return dst
}

// normalize canonicalises a value before keyed hashing so that one value
// written two ways ("555-123-4567", "(555) 123 4567") gets one token.
func normalize(dst []byte, e Entity, v string) []byte {
	switch e {
	case Email, URL:
		for i := 0; i < len(v); i++ {
			dst = append(dst, foldByte(v[i]))
		}
		return dst
	case Secret, JWT, PrivateKey, APIKey, AWSAccessKey, AWSSecretKey, GCPAPIKey, AzureKey, GitHubToken,
		GitLabToken, CIToken, SlackToken, SlackWebhook, StripeKey, Sensitive:
		return append(dst, v...)
	}
	if !isStructured(v) {
		return append(dst, v...)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z':
			dst = append(dst, c-'a'+'A')
		case isAlnum(c) || c == '+':
			dst = append(dst, c)
		}
	}
	return dst
}

// isStructured reports whether v looks like an identifier (digits with
// separators), whose separators carry no meaning.
func isStructured(v string) bool {
	for i := 0; i < len(v); i++ {
		if isDigit(v[i]) {
			return true
		}
	}
	return false
}

// keyedSum is HMAC-SHA256(key, entity || 0 || normalized value).
func keyedSum(key []byte, e Entity, v string, label byte) [32]byte {
	var buf [256]byte
	b := append(buf[:0], label)
	b = append(b, e...)
	b = append(b, 0)
	b = normalize(b, e, v)
	mac := hmac.New(sha256.New, key)
	mac.Write(b)
	var out [32]byte
	mac.Sum(out[:0])
	return out
}

// partial keeps the last n letters or digits of v.
func partial(dst []byte, v string, n int) []byte {
	dst = append(dst, "****"...)
	var keep [8]byte
	k := 0
	total := 0
	for i := 0; i < len(v); i++ {
		if isAlnum(v[i]) {
			total++
		}
	}
	if total < 2*n {
		return dst // too short to show anything safely
	}
	for i := len(v) - 1; i >= 0 && k < n; i-- {
		if isAlnum(v[i]) {
			keep[n-1-k] = v[i]
			k++
		}
	}
	return append(dst, keep[n-k:n]...)
}
