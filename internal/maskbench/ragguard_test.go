package maskbench

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/corpus"
	"github.com/ragguard/ragguard/mask"
)

// unlabelled are mask entity types the corpus has no labels for; every
// other built-in type must map onto the vocabulary, or a new detector would
// silently go unscored.
var unlabelled = map[mask.Entity]bool{
	mask.URL: true, mask.DateTime: true, mask.USBankNumber: true, mask.USPassport: true,
	mask.USDriverLicense: true, mask.MedicalLicense: true, mask.USNPI: true, mask.MedicalCode: true,
	mask.INPassport: true, mask.INVehicleRegistration: true, mask.INVoter: true,
	mask.ITIdentityCard: true, mask.ITDriverLicense: true, mask.ITPassport: true, mask.SGUEN: true,
	mask.DETaxID: true, mask.DEIDCard: true, mask.FRNIR: true, mask.BRRG: true, mask.BRCNH: true,
	mask.BRCNS: true, mask.BRTitulo: true, mask.BRRenavam: true, mask.BRCEP: true, mask.BRPlaca: true,
	mask.BRPixKey: true, mask.AzureKey: true, mask.CIToken: true, mask.APIKey: true, mask.Sensitive: true,
}

func TestEveryBuiltinEntityIsMapped(t *testing.T) {
	for _, d := range mask.Builtins() {
		for _, e := range d.Entities() {
			_, mapped := toCanonical[e]
			assert.True(t, mapped || unlabelled[e], "detector %s: entity %s neither mapped nor listed as unlabelled", d.Name(), e)
		}
	}
	for e, c := range toCanonical {
		_, ok := corpus.Entity(c)
		assert.True(t, ok, "%s maps to unknown canonical type %s", e, c)
	}
}

func TestRagguardAdapter(t *testing.T) {
	r, err := NewRagguard()
	require.NoError(t, err)
	text := "IBAN DE89370400440532013000, mail jane@example.com"
	spans := r.Detect(text)
	assert.Contains(t, spans, Span{corpus.IBAN, 5, 27})
	assert.Contains(t, spans, Span{corpus.Email, 34, 50})
	assert.True(t, r.Supports(corpus.IBAN))
	assert.False(t, r.Supports(corpus.MRN))
	fn, err := r.Masker()
	require.NoError(t, err)
	out := fn(text)
	assert.NotContains(t, out, "DE89370400440532013000")
	assert.NotContains(t, out, "jane@example.com")
}

// On the corpus, the masked text never contains a value the engine
// detected, and streaming in token-sized chunks gives the batch output.
func TestMaskingOnCorpus(t *testing.T) {
	r, err := NewRagguard()
	require.NoError(t, err)
	m := r.DefaultMasker()
	docs := append(corpus.Generate(77, 400), corpus.Generate(78, 200, corpus.WithHoldout())...)
	for i, d := range docs {
		batch, _ := m.String(d.Text, "doc")
		for _, s := range r.Engine.Detect(d.Text) {
			v := d.Text[s.Start:s.End]
			if len(v) >= 6 {
				assert.NotContains(t, batch, v, "doc %d: detected value left in the masked text", i)
			}
		}
		var sb strings.Builder
		st := m.Stream("doc")
		for j, k := 0, 0; j < len(d.Text); k++ {
			n := min(1+(k*5+i)%13, len(d.Text)-j)
			sb.Write(st.WriteString(d.Text[j : j+n]))
			j += n
		}
		sb.Write(st.Flush())
		require.Equal(t, batch, sb.String(), "doc %d: stream differs from batch", i)
	}
}
