package mask

// acMachine is an Aho–Corasick automaton compiled to a dense DFA over a
// compressed, ASCII-case-folded alphabet. Every byte of the text costs one
// table load; a state with output has the acOut bit set in the transition so
// the scan loop tests the output without a second load.
type acMachine struct {
	cls   [256]uint8 // byte -> alphabet class (0: byte occurs in no pattern)
	ncls  uint32
	trans []uint32 // (state*ncls + class) -> next state*ncls, | acOut
	out   [][]int32
	depth []int32
	pats  []string
	maxL  int
}

const acOut = 1 << 31

func foldByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// newAC compiles the patterns (matched ASCII-case-insensitively). Pattern i
// is reported with id i. Empty patterns are ignored.
func newAC(pats []string) *acMachine {
	m := &acMachine{pats: pats}
	ncls := uint32(1)
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			c := foldByte(p[i])
			if m.cls[c] == 0 {
				if ncls == 255 {
					continue // alphabet full: the byte shares class 0 and simply never matches
				}
				m.cls[c] = uint8(ncls)
				if c >= 'a' && c <= 'z' {
					m.cls[c-'a'+'A'] = uint8(ncls)
				}
				ncls++
			}
		}
		if len(p) > m.maxL {
			m.maxL = len(p)
		}
	}
	m.ncls = ncls
	// Trie.
	type node struct {
		next map[uint8]int32
		fail int32
		out  []int32
		dep  int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	for id, p := range pats {
		if p == "" {
			continue
		}
		cur := int32(0)
		ok := true
		for i := 0; i < len(p); i++ {
			k := m.cls[foldByte(p[i])]
			if k == 0 {
				ok = false
				break
			}
			nx, has := nodes[cur].next[k]
			if !has {
				nodes = append(nodes, node{next: map[uint8]int32{}, dep: nodes[cur].dep + 1})
				nx = int32(len(nodes) - 1)
				nodes[cur].next[k] = nx
			}
			cur = nx
		}
		if ok {
			nodes[cur].out = append(nodes[cur].out, int32(id))
		}
	}
	// BFS for failure links and the dense transition table.
	m.trans = make([]uint32, len(nodes)*int(ncls))
	m.out = make([][]int32, len(nodes))
	m.depth = make([]int32, len(nodes))
	queue := make([]int32, 0, len(nodes))
	for k := uint32(1); k < ncls; k++ {
		if nx, ok := nodes[0].next[uint8(k)]; ok {
			nodes[nx].fail = 0
			queue = append(queue, nx)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		u := queue[qi]
		for k := uint32(1); k < ncls; k++ {
			nx, ok := nodes[u].next[uint8(k)]
			if !ok {
				continue
			}
			f := nodes[u].fail
			for f != 0 {
				if _, ok := nodes[f].next[uint8(k)]; ok {
					break
				}
				f = nodes[f].fail
			}
			if g, ok := nodes[f].next[uint8(k)]; ok && g != nx {
				nodes[nx].fail = g
			} else {
				nodes[nx].fail = 0
			}
			nodes[nx].out = append(nodes[nx].out, nodes[nodes[nx].fail].out...)
			queue = append(queue, nx)
		}
	}
	order := append([]int32{0}, queue...)
	for _, u := range order {
		m.out[u] = nodes[u].out
		m.depth[u] = nodes[u].dep
		for k := uint32(0); k < ncls; k++ {
			var to int32
			if k == 0 {
				to = 0
			} else if nx, ok := nodes[u].next[uint8(k)]; ok {
				to = nx
			} else if u != 0 {
				// BFS order guarantees the fail state's row is complete.
				to = int32(m.trans[uint32(nodes[u].fail)*ncls+k] &^ acOut / ncls)
			}
			v := uint32(to) * ncls
			if len(nodes[to].out) > 0 {
				v |= acOut
			}
			m.trans[uint32(u)*ncls+k] = v
		}
	}
	return m
}

// state returns the automaton state index of a premultiplied transition value.
func (m *acMachine) state(v uint32) int { return int((v &^ acOut) / m.ncls) }
