package mask_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/mask"
	"github.com/ragguard/ragguard/mask/masktest"
)

var testKey = []byte("k3y-for-tests-0123456789abcdefghij")

func newMasker(t *testing.T, p mask.Profile, opts ...mask.Option) (*mask.Engine, *mask.Masker) {
	t.Helper()
	opts = append([]mask.Option{mask.WithKey(testKey), mask.WithProfiles(p)}, opts...)
	e, err := mask.New(opts...)
	require.NoError(t, err)
	m, err := e.Masker(p.Name, "tenant-a")
	require.NoError(t, err)
	return e, m
}

func TestNewFailsClosed(t *testing.T) {
	_, err := mask.New(mask.WithKey([]byte("short")))
	require.ErrorIs(t, err, mask.ErrShortKey)

	_, err = mask.New(mask.WithProfiles(mask.Profile{Name: "p", Default: mask.Pseudonym}))
	require.ErrorContains(t, err, `profile "p": pseudonym and tokenize need a key`)

	_, err = mask.New(mask.WithKey(testKey), mask.WithProfiles(mask.Profile{Name: "p", Strategies: map[mask.Entity]mask.Strategy{mask.Email: mask.Tokenize}}))
	require.ErrorContains(t, err, "tokenize needs a vault")

	_, err = mask.New(mask.WithProfiles(mask.Profile{Name: "p", Detectors: []string{"email", "no_such"}}))
	require.ErrorContains(t, err, `profile "p": detectors[1]: unknown detector or entity "no_such"`)

	_, err = mask.New(mask.WithProfiles(mask.Profile{Name: "p", Default: "scramble"}))
	require.ErrorContains(t, err, `profile "p": default: unknown strategy "scramble"`)

	_, err = mask.New(mask.WithProfiles(mask.Profile{Name: "p", Fields: []mask.FieldRule{{Path: "a..b"}}}))
	require.ErrorContains(t, err, `profile "p": fields[0].path`)

	_, err = mask.New(mask.WithProfiles(mask.Profile{Name: "p"}, mask.Profile{Name: "p"}))
	require.ErrorContains(t, err, "defined twice")

	_, err = mask.New(mask.WithAuditHashes(true))
	require.Error(t, err)

	e, err := mask.New()
	require.NoError(t, err)
	_, err = e.Masker("nope", "t")
	require.ErrorIs(t, err, mask.ErrUnknownProfile)
	assert.Equal(t, []string{mask.DefaultProfile}, e.ProfileNames())
}

func TestCleanTextIsReturnedWithoutAllocating(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p"})
	s := strings.Repeat("The quarterly review is scheduled for next week; please bring the slides. ", 14)
	out, sum := m.String(s, "prompt")
	assert.True(t, sum.Empty())
	assert.Equal(t, unsafe.StringData(s), unsafe.StringData(out), "clean text must be returned as is")
	allocs := testing.AllocsPerRun(200, func() { m.String(s, "prompt") })
	assert.Zero(t, allocs)
}

func TestStrategies(t *testing.T) {
	text := "mail jane@example.com card 4111 1111 1111 1111 ssn 123-45-6789"
	_, m := newMasker(t, mask.Profile{Name: "p", Strategies: map[mask.Entity]mask.Strategy{
		mask.Email: mask.Pseudonym, mask.CreditCard: "partial", mask.USSSN: mask.Drop,
	}})
	out, sum := m.String(text, "prompt")
	assert.Regexp(t, `^mail <EMAIL_[a-p]{8}> card \*\*\*\*1111 ssn \[US_SSN\]$`, out)
	assert.Equal(t, 3, sum.Total())
	var strat []string
	for _, f := range sum.Findings {
		strat = append(strat, string(f.Entity)+":"+string(f.Strategy)+":"+f.Location)
	}
	assert.ElementsMatch(t, []string{"EMAIL:pseudonym:prompt", "CREDIT_CARD:partial:prompt", "US_SSN:redact:prompt"}, strat)

	_, m6 := newMasker(t, mask.Profile{Name: "p", Default: "partial:6"})
	out, _ = m6.String("card 4111 1111 1111 1111", "x")
	assert.Equal(t, "card ****111111", out)
}

func TestPseudonymsAreStablePerTenantAcrossSurfaces(t *testing.T) {
	e, m := newMasker(t, mask.Profile{Name: "p", Default: mask.Pseudonym,
		Columns: []mask.ColumnRule{{Column: "contact", Entity: mask.Email}}})
	a, _ := m.String("write to Jane@Example.com", "x")
	b, _ := m.String("cc jane@example.com too", "x")
	tok := a[len("write to "):]
	assert.Equal(t, "cc "+tok+" too", b, "same value (case-folded) gives the same token")

	js, _, err := m.JSON([]byte(`{"user":{"email":"jane@example.com"}}`), "payload")
	require.NoError(t, err)
	assert.Contains(t, string(js), tok)

	row, _ := m.Row([]string{"id", "contact"}, []any{int64(7), "jane@example.com"})
	assert.Equal(t, tok, row[1])

	other, err := e.Masker("p", "tenant-b")
	require.NoError(t, err)
	c, _ := other.String("write to jane@example.com", "x")
	assert.NotEqual(t, a, c, "another tenant gets another token")

	p1, _ := m.String("call 415-555-2671", "x")
	p2, _ := m.String("call (415) 555 2671", "x")
	assert.Equal(t, p1, p2, "separators do not change a phone's token")
}

func TestTokenizeAndRestore(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v := mask.NewMemoryVault(mask.WithClock(clock), mask.WithSweepInterval(0))
	defer v.Close()
	e, m := newMasker(t, mask.Profile{Name: "p", Default: mask.Tokenize}, mask.WithVault(v), mask.WithTokenTTL(time.Hour))
	out, sum := m.String("ssn 123-45-6789 and jane@example.com", "x")
	assert.Regexp(t, `^ssn <US_SSN_TK_[a-p]{16}> and <EMAIL_TK_[a-p]{16}>$`, out)
	assert.Equal(t, mask.Tokenize, sum.Findings[0].Strategy)
	assert.Equal(t, 2, v.Len())

	back, n, err := e.Restore(context.Background(), "tenant-a", "reply: "+out)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, "reply: ssn 123-45-6789 and jane@example.com", back)

	same, n, err := e.Restore(context.Background(), "tenant-b", out)
	require.NoError(t, err)
	assert.Zero(t, n, "tokens are per tenant")
	assert.Equal(t, out, same)

	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	_, n, err = e.Restore(context.Background(), "tenant-a", out)
	require.NoError(t, err)
	assert.Zero(t, n, "expired tokens are not restored")
	assert.Equal(t, 2, v.Sweep())
	assert.Zero(t, v.Len())

	plain, err := mask.New()
	require.NoError(t, err)
	_, _, err = plain.Restore(context.Background(), "t", out)
	require.ErrorIs(t, err, mask.ErrNoVault)
}

func TestTokenizeFallsBackToRedactWhenVaultFails(t *testing.T) {
	v := failingVault{}
	_, m := newMasker(t, mask.Profile{Name: "p", Default: mask.Tokenize}, mask.WithVault(v))
	out, sum := m.String("ssn 123-45-6789", "x")
	assert.Equal(t, "ssn [US_SSN]", out)
	assert.Equal(t, mask.Redact, sum.Findings[0].Strategy)
}

type failingVault struct{}

func (failingVault) Put(context.Context, string, string, string, time.Duration) error {
	return fmt.Errorf("down")
}
func (failingVault) Get(context.Context, string, string) (string, bool, error) {
	return "", false, fmt.Errorf("down")
}

func TestJSONFieldRulesAndContent(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p", Fields: []mask.FieldRule{
		{Path: "patients[*].ssn", Entity: mask.USSSN},
		{Path: "*.email", Entity: mask.Email, Strategy: mask.Pseudonym},
		{Path: "**.password", Strategy: mask.Drop},
		{Path: "notes", Entity: "NOTE"},
	}})
	in := []byte(`{
	  "patients": [{"name": "A", "ssn": 123456789, "password": "x"}, {"name": "B", "ssn": "987-65-4321"}],
	  "owner": {"email": "ops@example.com", "phone": "+1 415 555 2671"},
	  "notes": {"a": ["free", 1, true]},
	  "card": 4111111111111111,
	  "ok": [1.5e3, null, false, "fine"]
	}`)
	out, sum, err := m.JSON(in, "payload")
	require.NoError(t, err)
	require.True(t, json.Valid(out), string(out))
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got))
	p := got["patients"].([]any)
	assert.Equal(t, "[US_SSN]", p[0].(map[string]any)["ssn"])
	assert.NotContains(t, p[0].(map[string]any), "password")
	assert.Equal(t, "[US_SSN]", p[1].(map[string]any)["ssn"])
	owner := got["owner"].(map[string]any)
	assert.Regexp(t, `^<EMAIL_[a-p]{8}>$`, owner["email"])
	assert.Equal(t, "[PHONE]", owner["phone"])
	assert.Equal(t, []any{"[NOTE]", "[NOTE]", "[NOTE]"}, got["notes"].(map[string]any)["a"])
	assert.Equal(t, "[CREDIT_CARD]", got["card"])
	assert.Equal(t, []any{1500.0, nil, false, "fine"}, got["ok"])
	locs := map[string]int{}
	for _, f := range sum.Findings {
		locs[f.Location] += f.Count
	}
	assert.Equal(t, 2, locs["payload.patients[*].ssn"])
	assert.Equal(t, 1, locs["payload.patients[*].password"])
	assert.Equal(t, 1, locs["payload.card"])

	clean := []byte(`{"a": [1, 2, "three"]}`)
	same, sum, err := m.JSON(clean, "x")
	require.NoError(t, err)
	assert.True(t, sum.Empty())
	assert.Equal(t, unsafe.SliceData(clean), unsafe.SliceData(same), "unchanged JSON is returned as is")

	bad := []byte(`{"a": "jane@example.com",`)
	kept, _, err := m.JSON(bad, "x")
	require.ErrorIs(t, err, mask.ErrMalformedJSON)
	assert.Equal(t, bad, kept)
}

func TestRows(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p", Columns: []mask.ColumnRule{
		{Column: "*_ssn", Entity: mask.USSSN, Strategy: "partial"},
		{Column: "secret", Strategy: mask.Drop},
	}})
	cols := []string{"id", "users.tax_ssn", "secret", "bio", "blob"}
	in := []any{int64(1), "123-45-6789", "hunter2", "mail me at a@example.com", []byte("call 415-555-2671")}
	snapshot := fmt.Sprint(in)
	out, sum := m.Row(cols, in)
	assert.Equal(t, snapshot, fmt.Sprint(in), "input row is not modified")
	assert.Equal(t, int64(1), out[0])
	assert.Equal(t, "****6789", out[1])
	assert.Nil(t, out[2])
	assert.Equal(t, "mail me at [EMAIL]", out[3])
	assert.Equal(t, []byte("call [PHONE]"), out[4])
	assert.Equal(t, 4, sum.Total())

	clean := []any{int64(2), "nothing here"}
	got, sum := m.Row([]string{"id", "bio"}, clean)
	assert.True(t, sum.Empty())
	assert.Equal(t, clean, got)
}

func TestLoadProfiles(t *testing.T) {
	yml := `
profiles:
  - name: support
    detectors: [email, phone, CREDIT_CARD]
    default: redact
    strategies:
      EMAIL: pseudonym
      CREDIT_CARD: partial:4
    fields:
      - path: "tickets[*].customer.email"
        entity: EMAIL
    columns:
      - column: ssn
        strategy: drop
    min_confidence: 0.6
  - name: strict
`
	ps, err := mask.LoadProfiles(strings.NewReader(yml), mask.FormatAuto)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, mask.Strategy("partial:4"), ps[0].Strategies[mask.CreditCard])

	js := `[{"name":"j","detectors":["email"],"fields":[{"path":"a.b"}]}]`
	pj, err := mask.ParseProfiles([]byte(js), mask.FormatAuto)
	require.NoError(t, err)
	assert.Equal(t, "j", pj[0].Name)

	e, err := mask.New(mask.WithKey(testKey), mask.WithProfiles(ps...))
	require.NoError(t, err)
	p, ok := e.Profile("support")
	require.True(t, ok)
	assert.Equal(t, 0.6, p.MinConfidence)
	m, err := e.Masker("support", "t")
	require.NoError(t, err)
	out, _ := m.String("ssn 123-45-6789, mail a@example.com", "x")
	assert.Contains(t, out, "123-45-6789", "us_ssn is not among the profile's detectors")
	assert.NotContains(t, out, "a@example.com")

	for _, tc := range []struct{ doc, want string }{
		{`profiles: [{name: x, detectors: [nope]}]`, `profile "x": detectors[0]: unknown detector or entity "nope"`},
		{`profiles: [{name: x, strategies: {EMAIL: shred}}]`, `profile "x": strategies.EMAIL: unknown strategy "shred"`},
		{`profiles: [{name: x, strategies: {NOT_AN_ENTITY: redact}}]`, `profile "x": strategies: unknown entity "NOT_AN_ENTITY"`},
		{`profiles: [{name: x, fields: [{path: "a[x]"}]}]`, `profile "x": fields[0].path`},
		{`profiles: [{name: x, columns: [{column: ""}]}]`, `profile "x": columns[0].column`},
		{`profiles: [{name: x, min_confidence: 2}]`, `profile "x": min_confidence`},
		{`profiles: [{name: x, colour: red}]`, `colour`},
		{`profiles: [{name: x}, {name: x}]`, `defined twice`},
		{`profiles: []`, `none defined`},
		{`{"profiles": [{"name": "x", "detectors": ["nope"]}]}`, `unknown detector`},
	} {
		_, err := mask.ParseProfiles([]byte(tc.doc), mask.FormatAuto)
		assert.ErrorContains(t, err, tc.want, tc.doc)
	}

	custom, err := mask.Dictionary("codenames", "PROJECT", []string{"bluebird"})
	require.NoError(t, err)
	_, err = mask.ParseProfiles([]byte(`profiles: [{name: x, detectors: [codenames]}]`), mask.FormatYAML, custom)
	require.NoError(t, err, "custom detectors are known to the loader when passed")
}

func TestCustomDetectors(t *testing.T) {
	re, err := mask.Regex("employee_id", "EMPLOYEE_ID", `EMP-\d{6}`)
	require.NoError(t, err)
	masktest.TestDetector(t, re, []string{"EMP-123456", "badge ⟦EMP-654321⟧ expired"}, []string{"EMP-12", "EMP-12345"})

	re2, err := mask.Regex("ticket", "TICKET", `\b[A-Z]{3}\d{5}\b`)
	require.NoError(t, err)
	masktest.TestDetector(t, re2, []string{"ABC12345"}, []string{"xABC12345", "AB12345"})

	dict, err := mask.Dictionary("codenames", "PROJECT", []string{"Bluebird", "night owl", "bluebird"})
	require.NoError(t, err)
	masktest.TestDetector(t, dict, []string{"bluebird", "Night Owl", "BLUEBIRD"}, []string{"bluebirds", "nightowl"})

	fn := mask.DetectorFunc("ticket_fn", []mask.Entity{"TICKET"}, func(text string) []mask.Match {
		var out []mask.Match
		for i := 0; ; {
			k := strings.Index(text[i:], "TKT#")
			if k < 0 {
				return out
			}
			start := i + k
			end := start + 4
			for end < len(text) && text[end] >= '0' && text[end] <= '9' {
				end++
			}
			if end > start+4 {
				out = append(out, mask.Match{Start: start, End: end})
			}
			i = end
		}
	}, mask.WithMaxLen(32))
	masktest.TestDetector(t, fn, []string{"TKT#4821"}, []string{"TKT#"})

	_, err = mask.Regex("bad", "X", `(`)
	require.Error(t, err)
	_, err = mask.Regex("bad", "lower", `x`)
	require.Error(t, err)
	_, err = mask.Dictionary("empty", "X", nil)
	require.Error(t, err)

	e, err := mask.New(mask.WithDetectors(re, dict, fn))
	require.NoError(t, err)
	m, _ := e.Masker(mask.DefaultProfile, "t")
	out, _ := m.String("EMP-123456 works on Bluebird, see TKT#77 and mail a@example.com", "x")
	assert.Equal(t, "[EMPLOYEE_ID] works on [PROJECT], see [TICKET] and mail [EMAIL]", out)
}

func TestOverlapsResolveToOneSpan(t *testing.T) {
	e, err := mask.New()
	require.NoError(t, err)
	s := "see https://user:S3cretPassw0rd@example.com/path and jane@example.com"
	ms := e.Detect(s)
	require.Len(t, ms, 2)
	assert.Equal(t, "https://user:S3cretPassw0rd@example.com/path", s[ms[0].Start:ms[0].End])
	assert.Equal(t, mask.Secret, ms[0].Entity, "the more confident detector labels the merged span")
	assert.Equal(t, mask.Email, ms[1].Entity)
	for i := 0; i < 20; i++ {
		assert.Equal(t, ms, e.Detect(s))
	}
}

func TestUTF8OffsetsAreBytes(t *testing.T) {
	e, err := mask.New()
	require.NoError(t, err)
	s := "Grüße — José's email é jose@exämple.com? no: josé@example.com, 电话 +86 138 0013 8000"
	for _, m := range e.Detect(s) {
		v := s[m.Start:m.End]
		assert.NotContains(t, v, "—")
		assert.True(t, strings.ToValidUTF8(v, "?") == v, "match %q cuts a rune", v)
	}
}

func TestSummaryAndLogValues(t *testing.T) {
	e, m := newMasker(t, mask.Profile{Name: "p"}, mask.WithAuditHashes(true))
	_, a := m.String("ssn 123-45-6789 and 123-45-6789", "prompt")
	_, b := m.String("jane@example.com", "answer")
	require.Len(t, a.Findings, 1)
	assert.Equal(t, 2, a.Findings[0].Count)
	require.Len(t, a.Findings[0].Hashes, 2)
	assert.Equal(t, a.Findings[0].Hashes[0], a.Findings[0].Hashes[1], "one value, one audit hash")
	a.Merge(b)
	a.Merge(b)
	assert.Equal(t, 4, a.Total())
	require.Len(t, a.Findings, 2)

	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("masked", "summary", a, "engine", e, "masker", m)
	logged := buf.String()
	assert.Contains(t, logged, `"entity":"US_SSN"`)
	assert.NotContains(t, logged, "123-45-6789")
	assert.NotContains(t, logged, "jane@example.com")
	assert.NotContains(t, logged, a.Findings[0].Hashes[0])
	assert.NotContains(t, logged, string(testKey))
}

func TestConcurrentMasking(t *testing.T) {
	v := mask.NewMemoryVault()
	defer v.Close()
	_, m := newMasker(t, mask.Profile{Name: "p", Default: mask.Tokenize}, mask.WithVault(v))
	var wg sync.WaitGroup
	outs := make([]string, 8)
	streamed := make([]string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				outs[g], _ = m.String("ssn 123-45-6789 mail jane@example.com", "x")
				st := m.Stream("s")
				var b strings.Builder
				b.Write(st.Write([]byte("card 4111 1111 ")))
				b.Write(st.Write([]byte("1111 1111 done")))
				b.Write(st.Flush())
				streamed[g] = b.String()
			}
		}()
	}
	wg.Wait()
	assert.NotContains(t, outs[0], "jane@example.com")
	assert.NotContains(t, outs[0], "123-45-6789")
	assert.NotContains(t, streamed[0], "4111")
	assert.Regexp(t, `^card <CREDIT_CARD_TK_[^>]+> done$`, streamed[0])
	for g := range outs {
		assert.Equal(t, outs[0], outs[g])
		assert.Equal(t, streamed[0], streamed[g])
	}
}

func TestStreamSurface(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p"})
	st := m.Stream("answer")
	var out []byte
	out = append(out, st.Write([]byte("Your card 4111 1111"))...)
	assert.NotContains(t, string(out), "4111", "a value in progress is held back")
	assert.Positive(t, st.Held())
	out = append(out, st.Write([]byte(" 1111 1111 is on file. Thanks for"))...)
	out = append(out, st.Write([]byte(" waiting."))...)
	out = append(out, st.Flush()...)
	assert.Equal(t, "Your card [CREDIT_CARD] is on file. Thanks for waiting.", string(out))
	assert.Equal(t, 1, st.Summary().Total())
	assert.Nil(t, st.Write([]byte("late")))
	assert.Nil(t, st.Flush())
	assert.Zero(t, st.Held())
}

func TestMemoryVaultConcurrentAndSweeper(t *testing.T) {
	v := mask.NewMemoryVault(mask.WithSweepInterval(5 * time.Millisecond))
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				tok := fmt.Sprintf("t%d-%d", g, i)
				require.NoError(t, v.Put(ctx, "ten", tok, "v", time.Millisecond))
				_, _, err := v.Get(ctx, "ten", tok)
				require.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { return v.Len() == 0 }, 2*time.Second, 5*time.Millisecond, "sweeper removes expired tokens")
	require.NoError(t, v.Close())
	require.NoError(t, v.Close())
	require.Error(t, v.Put(ctx, "t", "x", "v", 0))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, v.Put(cctx, "t", "x", "v", time.Second), context.Canceled)
}

func TestCustomRegexOnDigitsAlongsideBuiltins(t *testing.T) {
	re, err := mask.Regex("order", "ORDER_ID", `\d{3}-\d{3}`)
	require.NoError(t, err)
	e, err := mask.New(mask.WithDetectors(re))
	require.NoError(t, err)
	m, _ := e.Masker(mask.DefaultProfile, "t")
	out, _ := m.String("order 123-456 shipped, ssn 123-45-6789", "x")
	assert.Equal(t, "order [ORDER_ID] shipped, ssn [US_SSN]", out)
}

func TestValueMasksDecodedPayloads(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p", Fields: []mask.FieldRule{
		{Path: "patient.ssn", Entity: mask.USSSN},
		{Path: "tags[*]", Strategy: mask.Drop},
		{Path: "**.token", Strategy: mask.Drop},
	}})
	in := map[string]any{
		"patient": map[string]any{"ssn": json.Number("123456789"), "name": "Ann", "age": 41.0},
		"tags":    []any{"a", "b"},
		"chunks":  []any{"plain", "mail ann@example.org", nil, true, map[string]any{"token": "x"}},
		"score":   0.93,
	}
	out, sum := m.Value(in, "payload")
	got := out.(map[string]any)
	assert.Equal(t, "[US_SSN]", got["patient"].(map[string]any)["ssn"])
	assert.Equal(t, "Ann", got["patient"].(map[string]any)["name"])
	assert.Equal(t, 41.0, got["patient"].(map[string]any)["age"])
	assert.Equal(t, []any{}, got["tags"])
	assert.Equal(t, []any{"plain", "mail [EMAIL]", nil, true, map[string]any{}}, got["chunks"])
	assert.Equal(t, 0.93, got["score"])
	assert.Equal(t, json.Number("123456789"), in["patient"].(map[string]any)["ssn"], "input untouched")
	assert.Equal(t, []any{"a", "b"}, in["tags"])
	assert.Equal(t, 5, sum.Total())

	same, sum := m.Value(map[string]any{"a": []any{"x", 1.0}}, "p")
	assert.True(t, sum.Empty())
	assert.Equal(t, map[string]any{"a": []any{"x", 1.0}}, same)
}

func TestLeadingStarPathMatchesAnyDepth(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p", Fields: []mask.FieldRule{{Path: "*.email", Entity: mask.Email}, {Path: "a.*.code", Entity: "CODE"}}})
	out, _, err := m.JSON([]byte(`{"email":"x","u":{"email":"y","v":[{"email":"z"}]},"a":{"b":{"code":"1"},"code":"2"}}`), "j")
	require.NoError(t, err)
	assert.JSONEq(t, `{"email":"[EMAIL]","u":{"email":"[EMAIL]","v":[{"email":"[EMAIL]"}]},"a":{"b":{"code":"[CODE]"},"code":"2"}}`, string(out))
}

// A value in a member name is masked like any text, and the summary's
// location names the masked key, never the value.
func TestJSONMasksValuesInMemberNames(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p"})
	out, sum, err := m.JSON([]byte(`{"error":{"alice@example.com":"unknown user","code":7}}`), "body")
	require.NoError(t, err)
	assert.Equal(t, `{"error":{"[EMAIL]":"unknown user","code":7}}`, string(out))
	assert.True(t, json.Valid(out))
	require.Len(t, sum.Findings, 1)
	assert.Equal(t, mask.Email, sum.Findings[0].Entity)
	assert.NotContains(t, sum.Findings[0].Location, "alice")
	again, _, err := m.JSON(out, "body")
	require.NoError(t, err)
	assert.Equal(t, string(out), string(again), "idempotent")
}

// A dropped value is cut unread: the summary has the drop and nothing found
// inside it, and what it held is never tokenized or hashed; JSON and Value
// agree.
func TestDroppedValueIsNotScanned(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p", Fields: []mask.FieldRule{{Path: "secret", Strategy: mask.Drop}}})
	out, sum, err := m.JSON([]byte(`{"secret":{"bob@example.com":["ann@example.org",{"card":"4111111111111111"}]},"ok":1}`), "j")
	require.NoError(t, err)
	assert.Equal(t, `{"ok":1}`, string(out))
	require.Len(t, sum.Findings, 1)
	assert.Equal(t, mask.Drop, sum.Findings[0].Strategy)
	assert.Equal(t, "j.secret", sum.Findings[0].Location)

	v, vsum := m.Value(map[string]any{"secret": map[string]any{"bob@example.com": []any{"ann@example.org"}}, "ok": 1.0}, "j")
	assert.Equal(t, map[string]any{"ok": 1.0}, v)
	assert.Equal(t, sum.Findings, vsum.Findings)
}

// Value masks a value found in a map key as JSON does in a member name:
// same output, same summary, the key's value named nowhere.
func TestValueMasksValuesInMapKeys(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p", Fields: []mask.FieldRule{{Path: "error.*.code", Entity: "CODE"}}})
	doc := `{"error":{"alice@example.com":{"msg":"unknown user","code":7}},"ok":true}`
	jout, jsum, err := m.JSON([]byte(doc), "body")
	require.NoError(t, err)
	var in map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &in))
	out, sum := m.Value(in, "body")
	assert.Equal(t, map[string]any{"error": map[string]any{"[EMAIL]": map[string]any{"msg": "unknown user", "code": "[CODE]"}}, "ok": true}, out)
	assert.JSONEq(t, string(jout), mustJSON(t, out))
	assert.Equal(t, jsum.Findings, sum.Findings)
	require.Len(t, sum.Findings, 2)
	for _, f := range sum.Findings {
		assert.NotContains(t, f.Location, "alice")
	}
	assert.Contains(t, in["error"], "alice@example.com", "input untouched")

	again, sum := m.Value(out, "body")
	assert.Equal(t, out, again, "idempotent")
	assert.Len(t, sum.Findings, 1, "only the rule applies again")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// A payload value of a type outside the decoded-JSON set is neither skipped
// by rules nor by detection.
func TestValueMasksOtherTypes(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p", Fields: []mask.FieldRule{{Path: "ssn", Entity: mask.USSSN}}})
	type contact struct {
		Mail string `json:"mail"`
		Age  int    `json:"age"`
	}
	in := map[string]any{
		"ssn":     int16(1234),
		"headers": map[string]string{"from": "ann@example.org", "x": "y"},
		"to":      []string{"bob@example.com", "plain"},
		"contact": contact{Mail: "eve@example.net", Age: 30},
		"clean":   []string{"nothing here"},
		"ch":      make(chan int),
	}
	out, sum := m.Value(in, "p")
	got := out.(map[string]any)
	assert.Equal(t, "[US_SSN]", got["ssn"])
	assert.Equal(t, map[string]any{"from": "[EMAIL]", "x": "y"}, got["headers"])
	assert.Equal(t, []any{"[EMAIL]", "plain"}, got["to"])
	assert.Equal(t, map[string]any{"mail": "[EMAIL]", "age": json.Number("30")}, got["contact"])
	assert.Equal(t, []string{"nothing here"}, got["clean"], "kept as it is when nothing is masked")
	assert.Equal(t, in["ch"], got["ch"])
	assert.Equal(t, 4, sum.Total())
}

// A cell that is neither text nor bytes (a JSON column decoded by the
// driver, an array, a number) gets the same detection as text.
func TestRowMasksNonTextCells(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p"})
	cols := []string{"id", "meta", "cc", "tags", "at", "ok"}
	at := time.Date(2026, 11, 28, 19, 0, 0, 0, time.UTC)
	in := []any{int64(7), map[string]any{"owner": "ann@example.org"}, int64(4111111111111111), []string{"bob@example.com"}, at, true}
	out, sum := m.Row(cols, in)
	assert.Equal(t, int64(7), out[0])
	assert.Equal(t, map[string]any{"owner": "[EMAIL]"}, out[1])
	assert.Equal(t, "[CREDIT_CARD]", out[2])
	assert.Equal(t, []any{"[EMAIL]"}, out[3])
	assert.Equal(t, at, out[4])
	assert.Equal(t, true, out[5])
	assert.Equal(t, 3, sum.Total())
	assert.Equal(t, "column:meta.owner", sum.Findings[0].Location)
}

// encoding/json decodes numbers to float64 by default: a card number there
// is found as it is in the JSON text, and pseudonymised alike.
func TestValueFindsValuesInFloat64(t *testing.T) {
	_, m := newMasker(t, mask.Profile{Name: "p", Default: mask.Pseudonym})
	doc := []byte(`{"card":4111111111111111,"score":0.93}`)
	var in any
	require.NoError(t, json.Unmarshal(doc, &in))
	out, sum := m.Value(in, "p")
	jout, _, err := m.JSON(doc, "p")
	require.NoError(t, err)
	assert.JSONEq(t, string(jout), mustJSON(t, out))
	assert.Regexp(t, `^<CREDIT_CARD_[a-p]{8}>$`, out.(map[string]any)["card"])
	assert.Equal(t, 0.93, out.(map[string]any)["score"])
	assert.Equal(t, 1, sum.Total())
}
