package mask

import (
	"fmt"
	"strings"
	"time"
)

// Row masks one SQL row. Columns with a rule are masked whole, whatever
// their type (drop sets the cell to nil); string and []byte cells get
// content detection, and other cells (numbers, JSON and array columns,
// driver types) are masked as Value masks them. A bool or time.Time cell
// without a rule is kept. The input slice is never modified.
func (m *Masker) Row(columns []string, values []any) ([]any, Summary) {
	var sum Summary
	var out []any
	set := func(i int, v any) {
		if out == nil {
			out = make([]any, len(values))
			copy(out, values)
		}
		out[i] = v
	}
	for i, v := range values {
		if v == nil {
			continue
		}
		col := ""
		if i < len(columns) {
			col = columns[i]
		}
		loc := "column:" + col
		if r := m.columnRule(col); r != nil {
			if r.strat.kind == skDrop {
				set(i, nil)
				sum.add(r.ent, "column:"+r.pat, loc, Drop, "")
				continue
			}
			text := cellText(v)
			dst, used := m.replace(nil, r.ent, text, r.strat)
			sum.add(r.ent, "column:"+r.pat, loc, used, m.auditHash(r.ent, text))
			if _, isBytes := v.([]byte); isBytes {
				set(i, dst)
			} else {
				set(i, string(dst))
			}
			continue
		}
		switch x := v.(type) {
		case string:
			if s, su := m.String(x, loc); !su.Empty() {
				set(i, s)
				sum.Merge(su)
			}
		case []byte:
			if b, su := m.Bytes(x, loc); !su.Empty() {
				set(i, b)
				sum.Merge(su)
			}
		case bool, time.Time:
			// No detector finds a value in a bool or a timestamp.
		default:
			// Numbers, JSON columns (map[string]any, []any), arrays and
			// driver types are masked as Value masks them.
			if nv, su := m.Value(x, loc); !su.Empty() {
				set(i, nv)
				sum.Merge(su)
			}
		}
	}
	if out == nil {
		return values, sum
	}
	return out, sum
}

func (m *Masker) columnRule(col string) *columnRule {
	if len(m.p.columns) == 0 || col == "" {
		return nil
	}
	lc := strings.ToLower(col)
	if k := strings.LastIndexByte(lc, '.'); k >= 0 {
		lc = lc[k+1:] // table.column
	}
	for i := range m.p.columns {
		if globMatch(m.p.columns[i].pat, lc) {
			return &m.p.columns[i]
		}
	}
	return nil
}

func cellText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}
