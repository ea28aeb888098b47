package mask

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ragguard/ragguard/internal/corpus"
)

func fuzzMasker(t testing.TB) *Masker {
	e, err := New(WithKey([]byte("0123456789abcdef0123456789abcdef")),
		WithProfiles(Profile{Name: "pseudo", Default: Pseudonym}))
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.Masker(DefaultProfile, "fuzz")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fuzzSeeds(f *testing.F) {
	for _, s := range streamTexts {
		f.Add(s)
	}
	for _, d := range corpus.Generate(11, 40) {
		f.Add(d.Text)
	}
}

// FuzzMaskString: no panic, no detected value survives, and masking the
// output again changes nothing.
func FuzzMaskString(f *testing.F) {
	fuzzSeeds(f)
	m := fuzzMasker(f)
	f.Fuzz(func(t *testing.T, s string) {
		out, sum := m.String(s, "fuzz")
		ms := m.Detect(s)
		if len(ms) == 0 && out != s {
			t.Fatalf("nothing detected but output changed: %q -> %q", s, out)
		}
		if sum.Total() != len(ms) {
			t.Fatalf("summary counts %d, detected %d", sum.Total(), len(ms))
		}
		for _, x := range ms {
			// A detected value may only appear in the output as often as the
			// same bytes occur in the input outside every match (a glued or
			// context-less copy that was not a detection).
			v := s[x.Start:x.End]
			if len(v) >= 6 && strings.Count(out, v) > uncovered(s, v, ms) {
				t.Fatalf("%s value %q survives in %q", x.Entity, v, out)
			}
		}
		if again, _ := m.String(out, "fuzz"); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, again)
		}
	})
}

// FuzzStream: for splits derived from the input, the stream equals the batch.
func FuzzStream(f *testing.F) {
	fuzzSeeds(f)
	m := fuzzMasker(f)
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := m.String(s, "fuzz")
		var h uint64 = 1469598103934665603
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * 1099511628211
		}
		rng := rand.New(rand.NewPCG(h, uint64(len(s))))
		for r := 0; r < 4; r++ {
			st := m.Stream("fuzz")
			var b strings.Builder
			for i := 0; i < len(s); {
				n := min(1+rng.IntN(1+r*8), len(s)-i)
				b.Write(st.Write([]byte(s[i : i+n])))
				i += n
			}
			b.Write(st.Flush())
			if b.String() != want {
				t.Fatalf("stream %q != batch %q for %q", b.String(), want, s)
			}
		}
	})
}

// FuzzJSON: no panic; valid JSON stays valid, invalid JSON is an error with
// the input returned unchanged.
func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"email":"a@example.com","n":4111111111111111,"tags":["x",null,true]}`))
	f.Add([]byte(`[1,2,{"ssn":"123-45-6789"}]`))
	f.Add([]byte(`{"a":`))
	f.Add([]byte(`"\u00e9 +1 415 555 2671"`))
	f.Add([]byte(`{"error":{"alice@example.com":[{"to":"bob@example.com"}]},"secret":{"x":"ann@example.org"},"ssn":{"k":1}}`))
	e, err := New(WithProfiles(Profile{Name: "p", Fields: []FieldRule{{Path: "**.secret", Strategy: Drop}, {Path: "ssn"}}}))
	if err != nil {
		f.Fatal(err)
	}
	m, _ := e.Masker("p", "t")
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := string(data)
		out, _, err := m.JSON(data, "body")
		if json.Valid(data) {
			if err != nil {
				t.Fatalf("valid JSON rejected: %v", err)
			}
			if !json.Valid(out) {
				t.Fatalf("output is not JSON: %q -> %q", data, out)
			}
			// Fail-closed: no string or member name of the output, nor of
			// Value's output for the decoded input, still holds a value.
			if s, ok := unmasked(t, m, out, nil); ok {
				t.Fatalf("JSON left %q unmasked: %q -> %q", s, data, out)
			}
			in := decodeJSON(t, data)
			v, _ := m.Value(in, "body")
			if s, ok := unmasked(t, m, nil, v); ok {
				t.Fatalf("Value left %q unmasked: %q", s, data)
			}
		} else if err == nil || string(out) != orig {
			t.Fatalf("invalid JSON accepted or altered: %q -> %q, %v", data, out, err)
		}
	})
}

func decodeJSON(t *testing.T, data []byte) any {
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
	return v
}

// unmasked returns a string or map key in v (decoded from data when data is
// not nil) that masking would still change.
func unmasked(t *testing.T, m *Masker, data []byte, v any) (string, bool) {
	if data != nil {
		v = decodeJSON(t, data)
	}
	switch x := v.(type) {
	case string:
		if out, _ := m.String(x, "fuzz"); out != x {
			return x, true
		}
	case json.Number:
		if out, _ := m.String(string(x), "fuzz"); out != string(x) {
			return string(x), true
		}
	case []any:
		for _, e := range x {
			if s, ok := unmasked(t, m, nil, e); ok {
				return s, true
			}
		}
	case map[string]any:
		for k, e := range x {
			if out, _ := m.String(k, "fuzz"); out != k {
				return k, true
			}
			if s, ok := unmasked(t, m, nil, e); ok {
				return s, true
			}
		}
	}
	return "", false
}

// FuzzLinear repeats the input up to 8 KiB and checks that the scanner's
// work (bytes examined by matchers plus the main loop) stays within a
// linear bound: no input makes a match attempt rescan the text.
func FuzzLinear(f *testing.F) {
	fuzzSeeds(f)
	f.Add("1 ")
	f.Add("-----BEGIN RSA PRIVATE KEY-----")
	f.Add("eyJ")
	f.Add("a@")
	f.Add("password=")
	e, err := New()
	if err != nil {
		f.Fatal(err)
	}
	p := e.all
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		const size = 8 << 10
		text := strings.Repeat(s, size/len(s)+1)[:size]
		sc := getScan(p.plan, text, true)
		sc.run(0)
		work := sc.work
		putScan(sc)
		if bound := 400*len(text) + 1<<12; work > bound {
			t.Fatalf("work %d for %d bytes exceeds the linear bound %d (pattern %q)", work, len(text), bound, s)
		}
	})
}

// TestStreamChunkingsProperty: 100,000 random chunkings of texts whose
// values straddle chunk boundaries give exactly the batch output.
func TestStreamChunkingsProperty(t *testing.T) {
	m := fuzzMasker(t)
	var texts []string
	texts = append(texts, streamTexts...)
	for _, d := range corpus.Generate(3, 60) {
		if len(d.Labels) > 0 && len(d.Text) < 400 {
			texts = append(texts, d.Text)
		}
	}
	want := make([]string, len(texts))
	for i, s := range texts {
		want[i], _ = m.String(s, "p")
	}
	rng := rand.New(rand.NewPCG(42, 43))
	iters := 100_000
	if testing.Short() {
		iters = 10_000
	}
	var b strings.Builder
	for it := 0; it < iters; it++ {
		k := rng.IntN(len(texts))
		s := texts[k]
		st := m.Stream("p")
		b.Reset()
		for i := 0; i < len(s); {
			n := min(1+rng.IntN(24), len(s)-i)
			b.Write(st.Write([]byte(s[i : i+n])))
			i += n
		}
		b.Write(st.Flush())
		if b.String() != want[k] {
			t.Fatalf("iteration %d: stream %q\n batch %q", it, b.String(), want[k])
		}
	}
}

// uncovered counts occurrences of v in s that overlap no match.
func uncovered(s, v string, ms []Match) int {
	n := 0
	for i := 0; ; {
		k := strings.Index(s[i:], v)
		if k < 0 {
			return n
		}
		at := i + k
		hit := false
		for _, m := range ms {
			if at < m.End && at+len(v) > m.Start {
				hit = true
				break
			}
		}
		if !hit {
			n++
		}
		i = at + 1
	}
}

// TestWorkIsLinear: for repetitive adversarial inputs the work per byte
// stays flat as the input grows 16-fold.
func TestWorkIsLinear(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, pat := range []string{"1 ", "a@", "a.b@", "eyJ", "eyJhbGciOiJIUzI1NiJ9.", "-----BEGIN RSA PRIVATE KEY-----",
		"password=", "+1 ", "::", "AB 12 ", "http://x", "4111 ", "(555) ", "xoxb-", "Q~", "0x", "bc1"} {
		perByte := func(size int) float64 {
			text := strings.Repeat(pat, size/len(pat)+1)[:size]
			sc := getScan(e.all.plan, text, true)
			defer putScan(sc)
			sc.run(0)
			return float64(sc.work) / float64(size)
		}
		small, large := perByte(2048), perByte(32768)
		if large > small*1.25+1 {
			t.Errorf("%q: work per byte grows from %.1f to %.1f", pat, small, large)
		}
	}
}
