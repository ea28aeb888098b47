package maskbench

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ragguard/ragguard/internal/corpus"
)

// Counts are the tallies for one entity type.
//
// Matching rule: a prediction matches a label when it has the same canonical
// type and the byte spans overlap by at least one byte. Recall counts labels
// matched by at least one prediction; precision counts predictions that
// match at least one label. So a value split into two predictions, or two
// adjacent values covered by one prediction, are not penalised twice; a
// prediction of the wrong type is a false positive for the type it names
// and leaves the label missed.
type Counts struct {
	Labels  int // ground-truth values
	Found   int // labels matched by a prediction
	Preds   int // predictions
	Correct int // predictions that match a label
}

// Add accumulates o into c.
func (c *Counts) Add(o Counts) {
	c.Labels += o.Labels
	c.Found += o.Found
	c.Preds += o.Preds
	c.Correct += o.Correct
}

// Precision is Correct/Preds, or NaN with no predictions.
func (c Counts) Precision() float64 { return ratio(c.Correct, c.Preds) }

// Recall is Found/Labels, or NaN with no labels.
func (c Counts) Recall() float64 { return ratio(c.Found, c.Labels) }

// F2 weighs recall twice as much as precision: 5PR / (4P + R). With no
// predictions precision counts as 1 (nothing wrong was said), so F2 is 0
// when there were labels to find.
func (c Counts) F2() float64 {
	p, r := c.Precision(), c.Recall()
	if math.IsNaN(r) {
		return math.NaN()
	}
	if math.IsNaN(p) {
		p = 1
	}
	if p == 0 && r == 0 {
		return 0
	}
	return 5 * p * r / (4*p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Example is one miss or false positive with its surroundings.
type Example struct {
	Doc     int
	Kind    string
	Entity  string
	Variant string // the label's format, for misses
	Value   string
	Context string
	// Negative names the hard-negative kind a false positive hit, if any.
	Negative string
}

// Report is one engine's result on a corpus.
type Report struct {
	Engine   string
	Entities map[string]*Counts
	// Variants counts labels and found labels per "ENTITY/variant" (the
	// generator's format, e.g. "PHONE_NUMBER/GB", "CREDIT_CARD/amex/spaced").
	Variants map[string]*Counts
	// ByKind holds the per-entity counts of each document kind.
	ByKind map[string]map[string]*Counts
	// FPOnNegatives counts false positives overlapping each hard-negative
	// kind.
	FPOnNegatives  map[string]int
	Misses         []Example
	FalsePositives []Example
}

// Evaluate runs e over docs and scores every canonical entity type. It keeps
// up to maxExamples misses and false positives per entity type.
func Evaluate(e Engine, docs []corpus.Doc, maxExamples int) *Report {
	rep := &Report{Engine: e.Name(), Entities: map[string]*Counts{}, Variants: map[string]*Counts{}, ByKind: map[string]map[string]*Counts{}, FPOnNegatives: map[string]int{}}
	missSeen, fpSeen := map[string]int{}, map[string]int{}
	for i, d := range docs {
		preds := e.Detect(d.Text)
		kind := rep.ByKind[d.Kind]
		if kind == nil {
			kind = map[string]*Counts{}
			rep.ByKind[d.Kind] = kind
		}
		kc := func(entity string) *Counts {
			c, ok := kind[entity]
			if !ok {
				c = &Counts{}
				kind[entity] = c
			}
			return c
		}
		for _, l := range d.Labels {
			c := rep.counts(l.Entity)
			c.Labels++
			kc(l.Entity).Labels++
			vk := l.Entity + "/" + l.Variant
			v, ok := rep.Variants[vk]
			if !ok {
				v = &Counts{}
				rep.Variants[vk] = v
			}
			v.Labels++
			if slices.ContainsFunc(preds, func(p Span) bool { return p.Entity == l.Entity && overlaps(p.Start, p.End, l.Start, l.End) }) {
				c.Found++
				v.Found++
				kc(l.Entity).Found++
				continue
			}
			if missSeen[l.Entity] < maxExamples {
				missSeen[l.Entity]++
				rep.Misses = append(rep.Misses, Example{Doc: i, Kind: d.Kind, Entity: l.Entity, Variant: l.Variant,
					Value: d.Value(l), Context: snippet(d.Text, l.Start, l.End)})
			}
		}
		for _, p := range preds {
			c := rep.counts(p.Entity)
			c.Preds++
			kc(p.Entity).Preds++
			if slices.ContainsFunc(d.Labels, func(l corpus.Label) bool { return p.Entity == l.Entity && overlaps(p.Start, p.End, l.Start, l.End) }) {
				c.Correct++
				kc(p.Entity).Correct++
				continue
			}
			neg := ""
			for _, n := range d.Negatives {
				if overlaps(p.Start, p.End, n.Start, n.End) {
					neg = n.Entity
					rep.FPOnNegatives[neg]++
					break
				}
			}
			if fpSeen[p.Entity] < maxExamples {
				fpSeen[p.Entity]++
				rep.FalsePositives = append(rep.FalsePositives, Example{Doc: i, Kind: d.Kind, Entity: p.Entity,
					Value: d.Text[p.Start:p.End], Context: snippet(d.Text, p.Start, p.End), Negative: neg})
			}
		}
	}
	return rep
}

func (r *Report) counts(entity string) *Counts {
	c, ok := r.Entities[entity]
	if !ok {
		c = &Counts{}
		r.Entities[entity] = c
	}
	return c
}

// Get returns the counts for entity (zero when never seen).
func (r *Report) Get(entity string) Counts {
	if c, ok := r.Entities[entity]; ok {
		return *c
	}
	return Counts{}
}

// Total sums the counts over entities.
func (r *Report) Total(entities []string) Counts {
	var t Counts
	for _, e := range entities {
		t.Add(r.Get(e))
	}
	return t
}

// MacroF2 averages F2 over entities that have labels.
func (r *Report) MacroF2(entities []string) float64 {
	sum, n := 0.0, 0
	for _, e := range entities {
		if f := r.Get(e).F2(); !math.IsNaN(f) {
			sum += f
			n++
		}
	}
	return sum / float64(max(n, 1))
}

func overlaps(a0, a1, b0, b1 int) bool { return a0 < b1 && b0 < a1 }

// snippet shows the value in brackets with up to 32 bytes either side, on
// rune boundaries, newlines shown as ⏎.
func snippet(s string, start, end int) string {
	from, to := max(start-32, 0), min(end+32, len(s))
	for from > 0 && !utf8.RuneStart(s[from]) {
		from--
	}
	for to < len(s) && !utf8.RuneStart(s[to]) {
		to++
	}
	out := s[from:start] + "⟦" + s[start:end] + "⟧" + s[end:to]
	return strings.ReplaceAll(out, "\n", "⏎")
}

// Shared lists the canonical entity types every engine supports, in
// vocabulary order.
func Shared(engines ...Engine) []string {
	var out []string
	for _, e := range corpus.Entities {
		ok := true
		for _, eng := range engines {
			ok = ok && eng.Supports(e.Name)
		}
		if ok {
			out = append(out, e.Name)
		}
	}
	return out
}

// WriteTable prints a markdown table of precision, recall and F2 for the
// entities, one column group per report, and micro/macro totals.
func WriteTable(w io.Writer, entities []string, reports ...*Report) {
	fmt.Fprint(w, "| entity | labels |")
	for _, r := range reports {
		fmt.Fprintf(w, " %s P | %s R | %s F2 |", r.Engine, r.Engine, r.Engine)
	}
	fmt.Fprint(w, "\n|---|---:|")
	for range reports {
		fmt.Fprint(w, "---:|---:|---:|")
	}
	fmt.Fprintln(w)
	for _, e := range entities {
		seen := false
		for _, r := range reports {
			c := r.Get(e)
			seen = seen || c.Labels > 0 || c.Preds > 0
		}
		if !seen {
			continue
		}
		fmt.Fprintf(w, "| %s | %d |", e, reports[0].Get(e).Labels)
		for _, r := range reports {
			c := r.Get(e)
			fmt.Fprintf(w, " %s | %s | %s |", pct(c.Precision()), pct(c.Recall()), pct(c.F2()))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| **overall (micro)** | %d |", reports[0].Total(entities).Labels)
	for _, r := range reports {
		t := r.Total(entities)
		fmt.Fprintf(w, " **%s** | **%s** | **%s** |", pct(t.Precision()), pct(t.Recall()), pct(t.F2()))
	}
	fmt.Fprint(w, "\n| macro F2 | |")
	for _, r := range reports {
		fmt.Fprintf(w, " | | %s |", pct(r.MacroF2(entities)))
	}
	fmt.Fprintln(w)
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "—"
	}
	return fmt.Sprintf("%.1f", 100*f)
}

// WriteExamples prints a report's misses and false positives, grouped by
// entity.
func WriteExamples(w io.Writer, r *Report, entities []string) {
	keep := map[string]bool{}
	for _, e := range entities {
		keep[e] = true
	}
	sortEx := func(xs []Example) {
		slices.SortStableFunc(xs, func(a, b Example) int { return cmp.Compare(a.Entity, b.Entity) })
	}
	sortEx(r.Misses)
	sortEx(r.FalsePositives)
	fmt.Fprintf(w, "\n### %s: missed values\n\n", r.Engine)
	for _, x := range r.Misses {
		if keep[x.Entity] {
			fmt.Fprintf(w, "- %s (%s, %s): `%s`\n", x.Entity, x.Variant, x.Kind, x.Context)
		}
	}
	fmt.Fprintf(w, "\n### %s: false positives\n\n", r.Engine)
	for _, x := range r.FalsePositives {
		if keep[x.Entity] {
			neg := ""
			if x.Negative != "" {
				neg = " on hard negative " + x.Negative
			}
			fmt.Fprintf(w, "- %s (%s)%s: `%s`\n", x.Entity, x.Kind, neg, x.Context)
		}
	}
	if len(r.FPOnNegatives) > 0 {
		fmt.Fprintf(w, "\n%s false positives on hard negatives: ", r.Engine)
		keys := make([]string, 0, len(r.FPOnNegatives))
		for k := range r.FPOnNegatives {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprintf(w, "%s %d", k, r.FPOnNegatives[k])
		}
		fmt.Fprintln(w)
	}
}

// WriteVariants prints recall per entity format for the formats where some
// report found fewer than all labels.
func WriteVariants(w io.Writer, entities []string, reports ...*Report) {
	keep := map[string]bool{}
	for _, e := range entities {
		keep[e] = true
	}
	var keys []string
	for k := range reports[0].Variants {
		ent, _, _ := strings.Cut(k, "/")
		if !keep[ent] {
			continue
		}
		for _, r := range reports {
			if c := r.Variants[k]; c != nil && c.Found < c.Labels {
				keys = append(keys, k)
				break
			}
		}
	}
	slices.Sort(keys)
	fmt.Fprint(w, "| entity/format | labels |")
	for _, r := range reports {
		fmt.Fprintf(w, " %s R |", r.Engine)
	}
	fmt.Fprint(w, "\n|---|---:|")
	for range reports {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, k := range keys {
		fmt.Fprintf(w, "| %s | %d |", k, reports[0].Variants[k].Labels)
		for _, r := range reports {
			c := Counts{}
			if v := r.Variants[k]; v != nil {
				c = *v
			}
			fmt.Fprintf(w, " %s |", pct(c.Recall()))
		}
		fmt.Fprintln(w)
	}
}

// WriteKinds prints micro precision, recall and F2 over entities for each
// document kind.
func WriteKinds(w io.Writer, entities []string, reports ...*Report) {
	fmt.Fprint(w, "| kind | labels |")
	for _, r := range reports {
		fmt.Fprintf(w, " %s P | %s R | %s F2 |", r.Engine, r.Engine, r.Engine)
	}
	fmt.Fprint(w, "\n|---|---:|")
	for range reports {
		fmt.Fprint(w, "---:|---:|---:|")
	}
	fmt.Fprintln(w)
	for _, k := range corpus.Kinds {
		if _, ok := reports[0].ByKind[k]; !ok {
			continue
		}
		row := make([]Counts, len(reports))
		for i, r := range reports {
			for _, e := range entities {
				if c := r.ByKind[k][e]; c != nil {
					row[i].Add(*c)
				}
			}
		}
		fmt.Fprintf(w, "| %s | %d |", k, row[0].Labels)
		for _, c := range row {
			fmt.Fprintf(w, " %s | %s | %s |", pct(c.Precision()), pct(c.Recall()), pct(c.F2()))
		}
		fmt.Fprintln(w)
	}
}
