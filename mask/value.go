package mask

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Value masks a decoded JSON-like value — map[string]any, []any, string,
// json.Number, float64, bool, nil, as produced by encoding/json or a vector
// store payload — with the same field rules and content detection as JSON.
// It returns a new value and never modifies v; unchanged subtrees are
// shared. Numbers in which a value is found become strings; drop removes
// map entries and slice elements. Other types pass through unchanged.
func (m *Masker) Value(v any, loc string) (any, Summary) {
	w := valueWalker{m: m, loc: loc}
	out, _, _ := w.walk(v, nil)
	return out, w.sum
}

type valueWalker struct {
	m    *Masker
	loc  string
	path []elem
	sum  Summary
}

func (w *valueWalker) location() string {
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

func (w *valueWalker) rule() *fieldRule {
	for i := range w.m.p.fields {
		if matchPath(w.m.p.fields[i].pat, w.path) {
			return &w.m.p.fields[i]
		}
	}
	return nil
}

// walk returns the masked value, whether it changed and whether it is to be
// dropped.
func (w *valueWalker) walk(v any, forced *fieldRule) (any, bool, bool) {
	switch x := v.(type) {
	case map[string]any:
		var out map[string]any
		// Sorted keys keep summaries in a stable order.
		for _, k := range slices.Sorted(maps.Keys(x)) {
			val := x[k]
			w.path = append(w.path, elem{key: k})
			r := forced
			if r == nil {
				r = w.rule()
			}
			nv, changed, drop := w.child(val, r)
			w.path = w.path[:len(w.path)-1]
			if !changed && !drop {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, v2 := range x {
					out[k2] = v2
				}
			}
			if drop {
				delete(out, k)
			} else {
				out[k] = nv
			}
		}
		if out == nil {
			return v, false, false
		}
		return out, true, false
	case []any:
		var out []any
		for i, val := range x {
			w.path = append(w.path, elem{idx: i, isIdx: true})
			r := forced
			if r == nil {
				r = w.rule()
			}
			nv, changed, drop := w.child(val, r)
			w.path = w.path[:len(w.path)-1]
			if !changed {
				nv = val
			}
			if out == nil && (changed || drop) {
				out = make([]any, i, len(x))
				copy(out, x[:i])
			}
			if out != nil && !drop {
				out = append(out, nv)
			}
		}
		if out == nil {
			return v, false, false
		}
		return out, true, false
	case nil:
		return nil, false, false
	case bool:
		if forced != nil {
			return w.forced(fmt.Sprint(x), forced), true, false
		}
		return v, false, false
	case string:
		return w.leaf(x, forced)
	case json.Number:
		return w.leaf(string(x), forced)
	case float64, float32, int, int64, int32, uint, uint64, uint32:
		return w.leaf(fmt.Sprint(x), forced)
	}
	return v, false, false
}

func (w *valueWalker) child(v any, r *fieldRule) (any, bool, bool) {
	if r != nil && r.strat.kind == skDrop {
		w.sum.add(r.ent, "field:"+r.src, w.location(), Drop, "")
		return nil, false, true
	}
	return w.walk(v, r)
}

func (w *valueWalker) forced(text string, r *fieldRule) string {
	dst, used := w.m.replace(nil, r.ent, text, r.strat)
	w.sum.add(r.ent, "field:"+r.src, w.location(), used, w.m.auditHash(r.ent, text))
	return string(dst)
}

func (w *valueWalker) leaf(text string, forced *fieldRule) (any, bool, bool) {
	if forced != nil {
		return w.forced(text, forced), true, false
	}
	ms := w.m.p.detect(text, nil)
	if len(ms) == 0 {
		return nil, false, false
	}
	return string(w.m.appendMasked(nil, text, 0, len(text), ms, w.location(), &w.sum)), true, false
}
