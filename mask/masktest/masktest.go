// Package masktest is a conformance suite for mask.Detector implementations,
// in the manner of testing/slogtest: a third party that writes a detector
// runs the same checks the built-in detectors pass.
//
//	func TestMyDetector(t *testing.T) {
//		masktest.TestDetector(t, myDetector,
//			[]string{"EMP-123456", "badge ⟦EMP-654321⟧ expired"},
//			[]string{"EMP-12", "TEMP-123456"})
//	}
//
// A positive is either a bare value, which the suite embeds in neutral
// sentences, or a text with the value between ⟦ and ⟧, used as given (for
// detectors that need context words). Negatives must produce no match in
// any embedding.
package masktest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/ragguard/ragguard/mask"
)

// Markers delimit the value inside a positive text.
const (
	Open  = "⟦"
	Close = "⟧"
)

var templates = []string{"%s", "value: %s.", "(%s)", "see %s here", "\"%s\"", "a\n%s\nb"}

type sample struct {
	text       string
	start, end int
}

func samples(value string) []sample {
	if i := strings.Index(value, Open); i >= 0 {
		j := strings.Index(value, Close)
		if j > i {
			text := value[:i] + value[i+len(Open):j] + value[j+len(Close):]
			return []sample{{text: text, start: i, end: j - len(Open)}}
		}
	}
	out := make([]sample, 0, len(templates))
	for _, tpl := range templates {
		k := strings.Index(tpl, "%s")
		out = append(out, sample{text: fmt.Sprintf(tpl, value), start: k, end: k + len(value)})
	}
	return out
}

// TestDetector runs the conformance checks on d.
func TestDetector(t *testing.T, d mask.Detector, positives, negatives []string) {
	t.Helper()
	if d == nil {
		t.Fatal("masktest: nil detector")
	}
	t.Run("Identity", func(t *testing.T) {
		if d.Name() == "" {
			t.Error("Name is empty")
		}
		if len(d.Entities()) == 0 {
			t.Error("Entities is empty")
		}
		for _, e := range d.Entities() {
			if e == "" || strings.ToUpper(string(e)) != string(e) || strings.ContainsAny(string(e), " []<>") {
				t.Errorf("entity %q is not an upper-case label", e)
			}
		}
	})
	ents := map[mask.Entity]bool{}
	for _, e := range d.Entities() {
		ents[e] = true
	}
	t.Run("Empty", func(t *testing.T) {
		if ms := d.Find(""); len(ms) != 0 {
			t.Errorf("Find(\"\") = %v, want nothing", ms)
		}
	})
	t.Run("Positives", func(t *testing.T) {
		for _, p := range positives {
			for _, smp := range samples(p) {
				ms := d.Find(smp.text)
				if !covers(ms, smp.start, smp.end) {
					t.Errorf("%q: no match covers %q (got %s)", smp.text, smp.text[smp.start:smp.end], render(smp.text, ms))
					continue
				}
				for _, m := range ms {
					if m.Start < 0 || m.End > len(smp.text) || m.Start >= m.End {
						t.Errorf("%q: match out of bounds: %+v", smp.text, m)
					} else if !ents[m.Entity] {
						t.Errorf("%q: entity %q not in Entities() %v", smp.text, m.Entity, d.Entities())
					}
				}
			}
		}
	})
	t.Run("Negatives", func(t *testing.T) {
		for _, n := range negatives {
			for _, smp := range samples(n) {
				if ms := d.Find(smp.text); len(ms) != 0 {
					t.Errorf("%q: negative matched: %s", smp.text, render(smp.text, ms))
				}
			}
		}
	})
	t.Run("Deterministic", func(t *testing.T) {
		for _, p := range positives {
			for _, smp := range samples(p) {
				a, b := d.Find(smp.text), d.Find(smp.text)
				if fmt.Sprint(sorted(a)) != fmt.Sprint(sorted(b)) {
					t.Errorf("%q: two calls disagree: %v vs %v", smp.text, a, b)
				}
			}
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, p := range positives {
					for _, smp := range samples(p) {
						d.Find(smp.text)
					}
				}
			}()
		}
		wg.Wait()
	})
	t.Run("Masking", func(t *testing.T) {
		e, err := mask.New(mask.WithoutBuiltins(), mask.WithDetectors(d),
			mask.WithProfiles(mask.Profile{Name: "t", MinConfidence: 0.01}))
		if err != nil {
			t.Fatalf("engine with the detector: %v", err)
		}
		m, err := e.Masker("t", "tenant")
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, 11))
		for _, p := range positives {
			for _, smp := range samples(p) {
				value := smp.text[smp.start:smp.end]
				out, sum := m.String(smp.text, "test")
				if strings.Contains(out, value) {
					t.Errorf("%q: masked output %q still contains %q", smp.text, out, value)
				}
				if sum.Total() == 0 {
					t.Errorf("%q: empty summary", smp.text)
				}
				if again, _ := m.String(out, "test"); again != out {
					t.Errorf("%q: masking is not idempotent: %q then %q", smp.text, out, again)
				}
				// Streaming in random chunks gives the batch output.
				for r := 0; r < 20; r++ {
					st := m.Stream("test")
					var b strings.Builder
					for i := 0; i < len(smp.text); {
						n := 1 + rng.IntN(6)
						n = min(n, len(smp.text)-i)
						b.Write(st.Write([]byte(smp.text[i : i+n])))
						i += n
					}
					b.Write(st.Flush())
					if b.String() != out {
						t.Errorf("%q: streamed %q, batch %q", smp.text, b.String(), out)
						break
					}
				}
			}
		}
	})
}

func covers(ms []mask.Match, start, end int) bool {
	for _, m := range ms {
		if m.Start <= start && m.End >= end {
			return true
		}
	}
	return false
}

func render(text string, ms []mask.Match) string {
	if len(ms) == 0 {
		return "no match"
	}
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.Start >= 0 && m.End <= len(text) && m.Start < m.End {
			parts = append(parts, fmt.Sprintf("%s %q", m.Entity, text[m.Start:m.End]))
		} else {
			parts = append(parts, fmt.Sprintf("%s [%d,%d)", m.Entity, m.Start, m.End))
		}
	}
	return strings.Join(parts, ", ")
}

func sorted(ms []mask.Match) []mask.Match {
	out := append([]mask.Match(nil), ms...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Start < out[j-1].Start || out[j].Start == out[j-1].Start && out[j].End < out[j-1].End); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
