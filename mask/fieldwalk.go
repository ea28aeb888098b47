package mask

import "strings"

// fieldWalk is what the JSON walker and the decoded-value walker share: the
// path walked so far, the field rule that applies there, and the masking of
// member names, ruled leaves and detected text, all recorded in one summary.
type fieldWalk struct {
	m    *Masker
	loc  string
	path []elem
	sum  Summary
}

func (w *fieldWalk) push(e elem) { w.path = append(w.path, e) }
func (w *fieldWalk) pop()        { w.path = w.path[:len(w.path)-1] }

// location renders the current path for summaries, with indices as [*].
func (w *fieldWalk) location() string {
	var b strings.Builder
	b.WriteString(w.loc)
	for _, e := range w.path {
		if e.isIdx {
			b.WriteString("[*]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
	}
	return b.String()
}

// rule returns the rule for the current path: the one inherited from an
// enclosing object or array if any, else the first field rule that matches.
func (w *fieldWalk) rule(inherited *fieldRule) *fieldRule {
	if inherited != nil {
		return inherited
	}
	for i := range w.m.p.fields {
		if matchPath(w.m.p.fields[i].pat, w.path) {
			return &w.m.p.fields[i]
		}
	}
	return nil
}

// dropped records that rule r removed the value at the current path.
func (w *fieldWalk) dropped(r *fieldRule) {
	w.sum.add(r.ent, "field:"+r.src, w.location(), Drop, "")
}

// ruled returns text replaced whole under rule r.
func (w *fieldWalk) ruled(text string, r *fieldRule) []byte {
	dst, used := w.m.replace(nil, r.ent, text, r.strat)
	w.sum.add(r.ent, "field:"+r.src, w.location(), used, w.m.auditHash(r.ent, text))
	return dst
}

// detected returns text with the values the profile finds in it masked,
// and false when there are none.
func (w *fieldWalk) detected(text, loc string) ([]byte, bool) {
	ms := w.m.p.detect(text, nil)
	if len(ms) == 0 {
		return nil, false
	}
	return w.m.appendMasked(nil, text, 0, len(text), ms, loc, &w.sum), true
}

// member masks the values found in a member name ({"alice@example.com": 1}
// as much as a map key). The summary names the enclosing path, never the
// value; the caller pushes the masked name, so the paths that rules match
// and later locations name never carry it either.
func (w *fieldWalk) member(name string) (string, bool) {
	masked, ok := w.detected(name, w.location()+".(key)")
	if !ok {
		return name, false
	}
	return string(masked), true
}
