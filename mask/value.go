package mask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Value masks a decoded JSON-like value — map[string]any, []any, string,
// json.Number, float64, bool, nil, as produced by encoding/json or a vector
// store payload — with the same field rules and content detection as JSON.
// It returns a new value and never modifies v; unchanged subtrees are
// shared. A value found in a map key is masked like any text; when two keys
// mask to the same name one entry is kept, as with a duplicate member in
// decoded JSON. Numbers in which a value is found become strings; drop
// removes map entries and slice elements. A value of any other type
// (map[string]string, []string, a struct) is masked as encoding/json
// encodes it and, when something in it is masked, replaced by its masked
// decoded form; one encoding/json refuses is masked as its fmt text.
func (m *Masker) Value(v any, loc string) (any, Summary) {
	w := valueWalker{fieldWalk{m: m, loc: loc}}
	out, _, _ := w.walk(v, nil)
	return out, w.sum
}

type valueWalker struct {
	fieldWalk
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
			name, renamed := w.member(k)
			w.push(elem{key: name})
			nv, changed, drop := w.child(val, w.rule(forced))
			w.pop()
			if !changed && !drop && !renamed {
				continue
			}
			if out == nil {
				out = maps.Clone(x)
			}
			if renamed {
				delete(out, k)
			}
			switch {
			case drop:
				delete(out, name)
			case changed:
				out[name] = nv
			default:
				out[name] = val
			}
		}
		if out == nil {
			return v, false, false
		}
		return out, true, false
	case []any:
		var out []any
		for i, val := range x {
			w.push(elem{idx: i, isIdx: true})
			nv, changed, drop := w.child(val, w.rule(forced))
			w.pop()
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
			return string(w.ruled(fmt.Sprint(x), forced)), true, false
		}
		return v, false, false
	case string:
		return w.leaf(x, forced)
	case json.Number:
		return w.leaf(string(x), forced)
	case float64:
		// Plain decimal, as JSON wrote it: encoding/json decodes a card
		// number to a float64 that fmt would print as 4.111111111111111e+15.
		return w.leaf(strconv.FormatFloat(x, 'f', -1, 64), forced)
	case float32:
		return w.leaf(strconv.FormatFloat(float64(x), 'f', -1, 32), forced)
	case int, int64, int32, uint, uint64, uint32:
		return w.leaf(fmt.Sprint(x), forced)
	}
	return w.other(v, forced)
}

// other masks a value of any other type (map[string]string, []string, a
// struct, ...) as encoding/json sees it, so that no rule or detected value
// is skipped for its Go type. It is kept as it is when nothing in it is
// masked; a value encoding/json refuses is masked as its fmt text.
func (w *valueWalker) other(v any, forced *fieldRule) (any, bool, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return w.leaf(fmt.Sprint(v), forced)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var generic any
	if err := d.Decode(&generic); err != nil {
		return w.leaf(fmt.Sprint(v), forced)
	}
	out, changed, drop := w.walk(generic, forced)
	if !changed {
		return v, false, drop
	}
	return out, true, drop
}

func (w *valueWalker) child(v any, r *fieldRule) (any, bool, bool) {
	if r != nil && r.strat.kind == skDrop {
		w.dropped(r)
		return nil, false, true
	}
	return w.walk(v, r)
}

func (w *valueWalker) leaf(text string, forced *fieldRule) (any, bool, bool) {
	if forced != nil {
		return string(w.ruled(text, forced)), true, false
	}
	masked, ok := w.detected(text, w.location())
	if !ok {
		return nil, false, false
	}
	return string(masked), true, false
}
