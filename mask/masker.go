package mask

import (
	"context"
	"encoding/hex"
	"log/slog"
	"strings"
	"unsafe"
)

// Masker masks text, JSON, rows and streams for one profile and tenant. It
// is cheap to create and safe for concurrent use.
type Masker struct {
	e      *Engine
	p      *compiled
	tenant string
	keys   *tenantKeys
	ctx    context.Context
}

// WithContext returns a copy of m whose vault writes (tokenize) use ctx.
func (m *Masker) WithContext(ctx context.Context) *Masker {
	if ctx == nil {
		return m
	}
	c := *m
	c.ctx = ctx
	return &c
}

// Profile is the name of the masker's profile.
func (m *Masker) Profile() string { return m.p.Name }

// Tenant is the masker's tenant.
func (m *Masker) Tenant() string { return m.tenant }

// LogValue never logs keys.
func (m *Masker) LogValue() slog.Value {
	return slog.GroupValue(slog.String("profile", m.p.Name), slog.String("tenant", m.tenant))
}

// String masks s. loc names where the text came from ("prompt",
// "response") in the summary. When nothing is found it returns s itself
// and allocates nothing.
func (m *Masker) String(s, loc string) (string, Summary) {
	sc := getScan(m.p.plan, s, true)
	sc.run(0)
	if len(sc.cands) == 0 {
		putScan(sc)
		return s, Summary{}
	}
	m.p.filter(sc)
	sc.finishScores(m.p.minConf, false)
	sc.ms = resolve(sc.cands, m.p.minConf, m.p.plan.names, sc.ms[:0])
	if len(sc.ms) == 0 {
		putScan(sc)
		return s, Summary{}
	}
	var sum Summary
	out := make([]byte, 0, len(s)+16*len(sc.ms))
	out = m.appendMasked(out, s, 0, len(s), sc.ms, loc, &sum)
	putScan(sc)
	return unsafe.String(unsafe.SliceData(out), len(out)), sum
}

// Bytes is String for a byte slice. When nothing is found it returns b
// itself.
func (m *Masker) Bytes(b []byte, loc string) ([]byte, Summary) {
	if len(b) == 0 {
		return b, Summary{}
	}
	s := unsafe.String(unsafe.SliceData(b), len(b))
	out, sum := m.String(s, loc)
	if sum.Empty() {
		return b, sum
	}
	return []byte(out), sum
}

// Detect reports the matches the masker's profile finds in s.
func (m *Masker) Detect(s string) []Match { return m.p.detect(s, nil) }

// appendMasked writes s[from:to] to dst with the matches inside replaced.
func (m *Masker) appendMasked(dst []byte, s string, from, to int, ms []Match, loc string, sum *Summary) []byte {
	last := from
	for _, x := range ms {
		if x.Start < from || x.End > to {
			continue
		}
		dst = append(dst, s[last:x.Start]...)
		var used Strategy
		dst, used = m.replace(dst, x.Entity, s[x.Start:x.End], m.p.strategyFor(x.Entity))
		sum.add(x.Entity, x.Detector, loc, used, m.auditHash(x.Entity, s[x.Start:x.End]))
		last = x.End
	}
	return append(dst, s[last:to]...)
}

func (m *Masker) auditHash(e Entity, v string) string {
	if !m.e.audit || m.keys == nil {
		return ""
	}
	h := keyedSum(m.keys.audit, e, v, 'a')
	return hex.EncodeToString(h[:16])
}

// replace appends the replacement of value v and reports the strategy used
// (tokenize falls back to redact when the vault refuses the value).
func (m *Masker) replace(dst []byte, e Entity, v string, st strategy) ([]byte, Strategy) {
	switch st.kind {
	case skPartial:
		return partial(dst, v, st.keep), st.name
	case skPseudonym:
		if m.keys != nil {
			h := keyedSum(m.keys.pseudo, e, v, 'p')
			dst = append(dst, '<')
			dst = append(dst, e...)
			dst = append(dst, '_')
			dst = tokenLetters(dst, h[:], pseudoLen)
			return append(dst, '>'), Pseudonym
		}
	case skTokenize:
		if m.keys != nil && m.e.vault != nil {
			h := keyedSum(m.keys.token, e, v, 't')
			start := len(dst)
			dst = append(dst, '<')
			dst = append(dst, e...)
			dst = append(dst, "_TK_"...)
			dst = tokenLetters(dst, h[:], tokenLen)
			dst = append(dst, '>')
			if err := m.e.vault.Put(m.ctx, m.tenant, string(dst[start:]), strings.Clone(v), m.e.ttl); err == nil {
				return dst, Tokenize
			}
			dst = dst[:start]
		}
	}
	dst = append(dst, '[')
	dst = append(dst, e...)
	return append(dst, ']'), Redact
}
