package mask

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/corpus"
)

var streamTexts = []string{
	"Contact john.doe@example.com or call (555) 234-5678, SSN 123-45-6789.",
	"card 4111 1111 1111 1111 exp 12/25, IBAN DE89 3704 0044 0532 0130 00",
	"ip 192.168.1.10 and fe80::1ff:fe23:4567:890a mac 00:1A:2B:3C:4D:5E",
	"aws AKIAIOSFODNN7EXAMPLE secret aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"token ghp_abcdefghijklmnopqrstuvwxyz0123456789 and xoxb-1234567890-abcdefghij",
	"jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok",
	"password=Hunter2!x and the password is required",
	"born on March 5, 1984; NHS 943 476 5919; NINO AB 12 34 56 C; PAN ABCPE1234F; car MH 12 AB 1234",
	"CPF 123.456.789-09 CNPJ 11.222.333/0001-81 phone +44 20 7946 0958 and +1 415 555 2671",
	"Hello world, nothing here. Version 1.2.3 and order 12345.",
	"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nend",
	"visit https://example.com/path?q=1). Aadhaar 2341 2341 2346 mail a.b+c@sub.example.co.uk.",
	"postgres://admin:S3cr3tPassw0rd@db.internal:5432/app and Bearer abcDEF1234567890xyzXYZ",
}

// TestStreamEqualsBatch feeds each text in random chunkings and requires the
// streamed output to equal the batch output.
func TestStreamEqualsBatch(t *testing.T) {
	e, err := New()
	require.NoError(t, err)
	m, err := e.Masker(DefaultProfile, "t")
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, text := range streamTexts {
		want, _ := m.String(text, "x")
		for r := 0; r < 300; r++ {
			st := m.Stream("x")
			var got strings.Builder
			for i := 0; i < len(text); {
				n := 1 + rng.IntN(8)
				if i+n > len(text) {
					n = len(text) - i
				}
				got.Write(st.Write([]byte(text[i : i+n])))
				i += n
			}
			got.Write(st.Flush())
			require.Equal(t, want, got.String(), "text %q", text)
		}
	}
}

// TestLongStreamEqualsBatch covers texts long enough for the two-chain scan
// loop in batch mode while the stream scans short buffers.
func TestLongStreamEqualsBatch(t *testing.T) {
	e, err := New()
	require.NoError(t, err)
	m, err := e.Masker(DefaultProfile, "t")
	require.NoError(t, err)
	var b strings.Builder
	for _, d := range corpus.Generate(99, 120) {
		b.WriteString(d.Text)
		b.WriteString("\n")
	}
	text := b.String()
	require.Greater(t, len(text), 8192)
	want, sum := m.String(text, "x")
	require.Positive(t, sum.Total())
	rng := rand.New(rand.NewPCG(5, 6))
	for _, maxChunk := range []int{1, 7, 64, 5000} {
		st := m.Stream("x")
		var got strings.Builder
		for i := 0; i < len(text); {
			n := min(1+rng.IntN(maxChunk), len(text)-i)
			got.Write(st.Write([]byte(text[i : i+n])))
			i += n
		}
		got.Write(st.Flush())
		require.Equal(t, want, got.String(), "max chunk %d", maxChunk)
	}
}
