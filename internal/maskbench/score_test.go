package maskbench

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/corpus"
)

// fixed is an engine that returns canned spans per text.
type fixed struct {
	spans map[string][]Span
	types map[string]bool
}

func (f fixed) Name() string                { return "fixed" }
func (f fixed) Supports(entity string) bool { return f.types[entity] }
func (f fixed) Detect(text string) []Span   { return f.spans[text] }

func TestEvaluateMatchingRule(t *testing.T) {
	text := "mail a@b.co card 4111 1111 1111 1111 order ORD-1 ip 10.0.0.1"
	doc := corpus.Doc{Kind: "t", Text: text,
		Labels: []corpus.Label{
			{Entity: corpus.Email, Start: 5, End: 11},
			{Entity: corpus.CreditCard, Start: 17, End: 36},
			{Entity: corpus.IPAddress, Start: 52, End: 60},
		},
		Negatives: []corpus.Label{{Entity: corpus.NegOrderID, Start: 43, End: 48}},
	}
	eng := fixed{spans: map[string][]Span{text: {
		{corpus.Email, 7, 11},          // partial overlap: counts
		{corpus.CreditCard, 17, 26},    // card split in two: both correct,
		{corpus.CreditCard, 27, 36},    // the label found once
		{corpus.USSSN, 43, 48},         // on a hard negative: false positive
		{corpus.Phone, 52, 60},         // wrong type: FP for phone, IP missed
		{corpus.Email, 0, 4},           // no label there: false positive
		{corpus.IPAddress, 60, 60 + 0}, // empty span at the end overlaps nothing
	}}}
	rep := Evaluate(eng, []corpus.Doc{doc}, 10)

	assert.Equal(t, Counts{Labels: 1, Found: 1, Preds: 2, Correct: 1}, rep.Get(corpus.Email))
	assert.Equal(t, Counts{Labels: 1, Found: 1, Preds: 2, Correct: 2}, rep.Get(corpus.CreditCard))
	assert.Equal(t, Counts{Labels: 1, Found: 0, Preds: 1, Correct: 0}, rep.Get(corpus.IPAddress))
	assert.Equal(t, Counts{Preds: 1}, rep.Get(corpus.Phone))
	assert.Equal(t, Counts{Preds: 1}, rep.Get(corpus.USSSN))
	assert.Equal(t, map[string]int{corpus.NegOrderID: 1}, rep.FPOnNegatives)
	require.Len(t, rep.Misses, 1)
	assert.Equal(t, "10.0.0.1", rep.Misses[0].Value)
	assert.Contains(t, rep.Misses[0].Context, "⟦10.0.0.1⟧")

	assert.Equal(t, Counts{Labels: 1, Found: 0}, *rep.Variants[corpus.IPAddress+"/"])
	var buf bytes.Buffer
	WriteVariants(&buf, []string{corpus.IPAddress, corpus.Email}, rep)
	assert.Contains(t, buf.String(), "| IP_ADDRESS/ | 1 | 0.0 |")
	assert.NotContains(t, buf.String(), "EMAIL_ADDRESS/", "fully found formats are not listed")

	buf.Reset()
	WriteKinds(&buf, []string{corpus.Email, corpus.CreditCard, corpus.IPAddress}, rep)
	assert.Contains(t, buf.String(), "| kind | labels | fixed P |")
	assert.NotContains(t, buf.String(), "| t |", "only corpus kinds are listed")
	assert.Equal(t, Counts{Labels: 1, Found: 1, Preds: 2, Correct: 2}, *rep.ByKind["t"][corpus.CreditCard])

	total := rep.Total([]string{corpus.Email, corpus.CreditCard, corpus.IPAddress})
	assert.Equal(t, Counts{Labels: 3, Found: 2, Preds: 5, Correct: 3}, total)
}

func TestCountsMetrics(t *testing.T) {
	c := Counts{Labels: 4, Found: 4, Preds: 8, Correct: 4} // P .5, R 1
	assert.InDelta(t, 0.5, c.Precision(), 1e-9)
	assert.InDelta(t, 1.0, c.Recall(), 1e-9)
	assert.InDelta(t, 5*0.5/(4*0.5+1), c.F2(), 1e-9)

	none := Counts{Labels: 3} // nothing predicted: P undefined, F2 0
	assert.True(t, math.IsNaN(none.Precision()))
	assert.Zero(t, none.F2())
	assert.True(t, math.IsNaN(Counts{}.F2()), "no labels: F2 undefined")
	assert.Zero(t, Counts{Labels: 2, Preds: 2}.F2())
}

func TestAlcatrazAdapter(t *testing.T) {
	a := NewAlcatraz(nil)
	text := "IBAN DE89370400440532013000 on 2024-01-02, see https://example.com"
	spans := a.Detect(text)
	require.Len(t, spans, 1, "DATE_TIME and URL are outside the vocabulary and dropped: %+v", spans)
	assert.Equal(t, Span{corpus.IBAN, 5, 27}, spans[0])
	assert.True(t, a.Supports(corpus.UKNHS))
	assert.True(t, a.Supports(corpus.SGNRIC))
	assert.False(t, a.Supports(corpus.MACAddress))
	assert.False(t, a.Supports(corpus.JWT))
}

func TestSharedAndTable(t *testing.T) {
	a := NewAlcatraz(nil)
	only := fixed{types: map[string]bool{corpus.Email: true, corpus.JWT: true}}
	assert.Equal(t, []string{corpus.Email}, Shared(a, only))

	docs := corpus.Generate(1, 40)
	rep := Evaluate(a, docs, 1)
	var buf bytes.Buffer
	WriteTable(&buf, []string{corpus.Email, corpus.IBAN}, rep)
	out := buf.String()
	assert.Contains(t, out, "| EMAIL_ADDRESS |")
	assert.Contains(t, out, "**overall (micro)**")
	buf.Reset()
	WriteExamples(&buf, rep, Shared(a))
	assert.Contains(t, buf.String(), "### alcatraz: missed values")
}
