package corpus

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Label marks one inserted value: Text[Start:End] is the value, Entity its
// canonical type (or, in Doc.Negatives, the hard-negative kind). Variant
// names the generator's format (for example "visa/spaced" or "DE/print")
// so misses can be grouped.
type Label struct {
	Entity  string
	Start   int
	End     int
	Variant string
}

// Doc is one labelled document.
type Doc struct {
	Kind string
	Lang string
	Text string
	// Labels are the values a masker must find, in text order.
	Labels []Label
	// Negatives are values that look like an entity but are not one; an
	// engine that reports one has produced a false positive.
	Negatives []Label
}

// Value returns the text a label covers.
func (d Doc) Value(l Label) string { return d.Text[l.Start:l.End] }

// Option configures Generate.
type Option interface{ apply(*config) }

type config struct {
	kinds   []string
	langs   []string
	holdout bool
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithKinds restricts the document kinds generated (default: all Kinds).
// Unknown kinds are ignored.
func WithKinds(kinds ...string) Option {
	return optionFunc(func(c *config) {
		c.kinds = nil
		for _, k := range kinds {
			if slices.Contains(Kinds, k) {
				c.kinds = append(c.kinds, k)
			}
		}
	})
}

// WithLanguages restricts the languages of the natural-language kinds
// (default: all Languages). Unknown languages are ignored.
func WithLanguages(langs ...string) Option {
	return optionFunc(func(c *config) {
		c.langs = nil
		for _, l := range langs {
			if slices.Contains(Languages, l) {
				c.langs = append(c.langs, l)
			}
		}
	})
}

// WithHoldout generates from the held-out templates and value formats
// instead of the default ones: a second corpus to check that a detector was
// not tuned to the default templates.
func WithHoldout() Option { return optionFunc(func(c *config) { c.holdout = true }) }

// kindWeights is how often each kind appears when all are enabled.
var kindWeights = map[string]int{
	KindChat: 20, KindAnswer: 10, KindTicket: 14, KindClinical: 9, KindSQL: 10,
	KindJSON: 10, KindConfig: 9, KindLog: 10, KindClean: 8,
}

// Generate returns n documents built from seed. The same seed, n and
// options always give the same documents.
func Generate(seed int64, n int, opts ...Option) []Doc {
	cfg := config{kinds: Kinds, langs: Languages}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if len(cfg.kinds) == 0 {
		cfg.kinds = Kinds
	}
	if len(cfg.langs) == 0 {
		cfg.langs = Languages
	}
	total := 0
	for _, k := range cfg.kinds {
		total += kindWeights[k]
	}
	g := newGen(seed)
	g.holdout = cfg.holdout
	docs := make([]Doc, 0, n)
	for range n {
		w := g.intn(total)
		kind := cfg.kinds[0]
		for _, k := range cfg.kinds {
			if w < kindWeights[k] {
				kind = k
				break
			}
			w -= kindWeights[k]
		}
		docs = append(docs, g.doc(kind, g.pick(cfg.langs)))
	}
	return docs
}

func (g *gen) doc(kind, lang string) Doc {
	bd := &builder{g: g, doc: Doc{Kind: kind, Lang: lang}}
	// Quotes, brackets and emphasis around a value belong to prose, not to
	// machine formats.
	switch kind {
	case KindSQL, KindJSON, KindConfig, KindLog:
		bd.noWrap = true
	}
	switch kind {
	case KindChat:
		g.chat(bd, lang)
	case KindAnswer:
		bd.doc.Lang = "multi"
		bd.render(g.pick(g.choose(answerTemplates, holdoutAnswers)))
	case KindTicket:
		bd.doc.Lang = "multi"
		bd.render(g.pick(g.choose(ticketTemplates, holdoutTickets)))
	case KindClinical:
		bd.doc.Lang = "multi"
		bd.render(g.pick(g.choose(clinicalTemplates, holdoutClinical)))
	case KindSQL:
		bd.doc.Lang = "sql"
		g.sql(bd)
	case KindJSON:
		bd.doc.Lang = "json"
		bd.render(g.pick(g.choose(jsonTemplates, holdoutPayloads)))
	case KindConfig:
		bd.doc.Lang = "config"
		bd.render(g.pick(g.choose(configTemplates, holdoutConfigs)))
	case KindLog:
		bd.doc.Lang = "log"
		for i, n := 0, g.between(3, 12); i < n; i++ {
			if g.chance(0.35) {
				bd.render(g.pick(cleanLogs))
			} else {
				bd.render(g.pick(g.choose(logTemplates, holdoutLogs)))
			}
			bd.lit("\n")
		}
	case KindClean:
		bd.doc.Lang = "en"
		g.cleanParagraph(bd)
	default:
		panic("corpus: unknown kind " + kind)
	}
	bd.doc.Text = bd.b.String()
	return bd.doc
}

var negativeMentions = []string{
	"my order {{!order}} hasn't arrived", "tracking says {{!tracking}}", "invoice {{!invoice}} is wrong",
	"we're on {{!version}}", "it broke after commit {{!githash}}", "request id {{!uuid}}", "I was charged {{!price}}",
	"the test card {{!luhnfail}} got rejected (expected)", "the book is {{!isbn}}", "it happened at {{!ts}}",
	"the SSN field showed {{!ssnbad}} which is obviously a placeholder",
	"the IBAN {{!ibanfail}} bounced, wrong check digits?", "attached the screenshot {{!b64}}",
	"the checksum is {{!digest}}", "coordinates 52.52{{~n}}, 13.40{{~n}}", "we hit 99.9{{~n}}% uptime",
	"port {{~port}} is blocked", "ticket {{!order}} was merged into {{!order}}",
}

func (g *gen) chat(bd *builder, lang string) {
	if g.chance(0.25) {
		for i, n := 0, g.between(1, 3); i < n; i++ {
			bd.lit(g.proseSentence())
			bd.lit(" ")
		}
		bd.lit("\n\n")
	}
	bd.render(g.pick(g.chooseLang(intros, holdoutIntros, lang)))
	n := g.between(1, 3)
	for i := range n {
		if i > 0 {
			bd.lit(g.pick(separators))
		}
		var m string
		switch {
		case g.chance(0.15):
			m = g.pick(negativeMentions)
		case lang != "en" && g.chance(0.25):
			m = g.pick(g.chooseLang(mentions, holdoutMentions, "en"))
		default:
			m = g.pick(g.chooseLang(mentions, holdoutMentions, lang))
		}
		if i == 0 && g.chance(0.5) {
			m = capitalise(m)
		}
		bd.render(m)
	}
	if g.chance(0.6) {
		bd.lit(g.pick([]string{".", "!", "", ".\n", " :)", "..."}))
	}
	bd.render(g.pick(g.chooseLang(asks, holdoutAsks, lang)))
}

// choose returns the held-out list in holdout mode, the default otherwise.
func (g *gen) choose(def, held []string) []string {
	if g.holdout {
		return held
	}
	return def
}

func (g *gen) chooseLang(def, held map[string][]string, lang string) []string {
	if g.holdout {
		return held[lang]
	}
	return def[lang]
}

func (g *gen) sql(bd *builder) {
	t := sqlTables[g.intn(len(sqlTables))]
	rows := g.between(2, 6)
	if g.holdout {
		g.sqlHoldout(bd, t.columns, t.cells, rows)
		return
	}
	switch g.intn(3) {
	case 0: // INSERT statements
		for range rows {
			bd.lit("INSERT INTO " + t.name + " (" + strings.Join(t.columns, ", ") + ") VALUES (")
			for i, c := range t.cells {
				if i > 0 {
					bd.lit(", ")
				}
				bd.lit("'")
				bd.render(c)
				bd.lit("'")
			}
			bd.lit(");\n")
		}
	case 1: // psql aligned output
		bd.lit(" " + strings.Join(t.columns, " | ") + "\n")
		bd.lit(strings.Repeat("-", 12*len(t.columns)) + "\n")
		for range rows {
			for i, c := range t.cells {
				if i > 0 {
					bd.lit(" | ")
				} else {
					bd.lit(" ")
				}
				bd.render(c)
			}
			bd.lit("\n")
		}
		bd.lit(fmt.Sprintf("(%d rows)\n", rows))
	default: // CSV export
		bd.lit(strings.Join(t.columns, ",") + "\n")
		for range rows {
			for i, c := range t.cells {
				if i > 0 {
					bd.lit(",")
				}
				quoted := g.chance(0.3)
				if quoted {
					bd.lit("\"")
				}
				bd.render(c)
				if quoted {
					bd.lit("\"")
				}
			}
			bd.lit("\n")
		}
	}
}

// sqlHoldout renders rows as tab-separated client output or JSON lines.
func (g *gen) sqlHoldout(bd *builder, columns, cells []string, rows int) {
	if g.chance(0.5) {
		bd.lit(strings.Join(columns, "\t") + "\n")
		for range rows {
			for i, c := range cells {
				if i > 0 {
					bd.lit("\t")
				}
				bd.render(c)
			}
			bd.lit("\n")
		}
		return
	}
	for range rows {
		bd.lit("{")
		for i, c := range cells {
			if i > 0 {
				bd.lit(", ")
			}
			bd.lit("\"" + columns[i] + "\": \"")
			bd.render(c)
			bd.lit("\"")
		}
		bd.lit("}\n")
	}
}

// cleanParagraph writes prose, a code block or log lines with no PII.
func (g *gen) cleanParagraph(bd *builder) {
	switch g.intn(6) {
	case 0:
		bd.lit("```\n" + g.pick(cleanCode) + "\n```\n")
	case 1:
		for i, n := 0, g.between(2, 6); i < n; i++ {
			bd.render(g.pick(cleanLogs))
			bd.lit("\n")
		}
	default:
		for i, n := 0, g.between(3, 8); i < n; i++ {
			if i > 0 {
				bd.lit(" ")
			}
			bd.lit(g.proseSentence())
		}
		bd.lit("\n\n")
	}
}

// Blob seeds. Fixed so every benchmark run scans the same bytes.
const (
	cleanSeed  = 1
	sparseSeed = 2
	denseSeed  = 3
)

// Clean returns size bytes of realistic prose, code and log lines with no
// PII at all (timestamps, versions, hashes and UUIDs do appear).
func Clean(size int) []byte { return CleanDoc(size).text() }

// Sparse returns size bytes of clean text with about one labelled value per
// 2 KiB.
func Sparse(size int) []byte { return SparseDoc(size).text() }

// Dense returns size bytes of log lines and table rows carrying several
// values per line.
func Dense(size int) []byte { return DenseDoc(size).text() }

func (d Doc) text() []byte { return []byte(d.Text) }

// CleanDoc is Clean with its (empty) labels and its hard negatives.
func CleanDoc(size int) Doc {
	g := newGen(cleanSeed)
	bd := &builder{g: g, doc: Doc{Kind: KindClean, Lang: "en"}}
	for bd.b.Len() < size {
		g.cleanParagraph(bd)
	}
	return bd.finish(size)
}

// SparseDoc is Sparse with its labels.
func SparseDoc(size int) Doc {
	g := newGen(sparseSeed)
	bd := &builder{g: g, doc: Doc{Kind: "sparse", Lang: "en"}}
	next := 1024
	for bd.b.Len() < size {
		g.cleanParagraph(bd)
		if bd.b.Len() >= next {
			m := g.pick(mentions["en"])
			bd.render(capitalise(m))
			bd.lit(".\n\n")
			next += 2048
		}
	}
	return bd.finish(size)
}

// DenseDoc is Dense with its labels.
func DenseDoc(size int) Doc {
	g := newGen(denseSeed)
	bd := &builder{g: g, doc: Doc{Kind: "dense", Lang: "multi"}, noWrap: true}
	for bd.b.Len() < size {
		if g.chance(0.5) {
			bd.render(g.pick(logTemplates))
			bd.lit("\n")
			continue
		}
		t := sqlTables[g.intn(len(sqlTables)-1)] // every table but releases
		for i, c := range t.cells {
			if i > 0 {
				bd.lit(",")
			}
			bd.render(c)
		}
		bd.lit("\n")
	}
	return bd.finish(size)
}

// finish cuts the document to exactly size bytes on a rune boundary
// (padding with newlines), dropping labels the cut would split.
func (bd *builder) finish(size int) Doc {
	s := bd.b.String()
	cut := len(s)
	if cut > size {
		cut = size
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + strings.Repeat("\n", size-cut)
	}
	d := bd.doc
	d.Text = s
	d.Labels = within(d.Labels, cut)
	d.Negatives = within(d.Negatives, cut)
	return d
}

func within(ls []Label, end int) []Label {
	out := ls[:0]
	for _, l := range ls {
		if l.End <= end {
			out = append(out, l)
		}
	}
	return out
}

// capitalise upper-cases the first rune of s.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// Row is one table row: a cell per column, each a small labelled Doc.
type Row struct {
	Table   string
	Columns []string
	Cells   []Doc
}

// Rows returns n table rows (customers, payments, employees, patients, KYC
// records, sessions, releases...) built from seed, for row and SQL
// benchmarks. About a third of the cells carry no value at all.
func Rows(seed int64, n int) []Row {
	g := newGen(seed)
	rows := make([]Row, 0, n)
	for range n {
		t := sqlTables[g.intn(len(sqlTables))]
		r := Row{Table: t.name, Columns: t.columns, Cells: make([]Doc, len(t.cells))}
		for i, c := range t.cells {
			bd := &builder{g: g, doc: Doc{Kind: KindSQL, Lang: "sql"}, noWrap: true}
			bd.render(c)
			bd.doc.Text = bd.b.String()
			r.Cells[i] = bd.doc
		}
		rows = append(rows, r)
	}
	return rows
}
