package mask

func (d *regexDetector) register(b *planBuilder, id int) {
	if d.prefix != "" {
		b.onAnchor(d.prefix, !d.foldPre, false, func(sc *scan, start, end int) {
			sc.tryRegex(d, id, start)
		})
		return
	}
	b.p.regexes = append(b.p.regexes, regexTrig{d: d, id: id})
	for c := 0; c < 256; c++ {
		if d.anyByte || d.first[c] {
			b.p.class[c] |= tcRegex
		}
	}
}

func (d *dictDetector) register(b *planBuilder, id int) {
	for _, t := range d.terms {
		b.onAnchor(t, false, false, func(sc *scan, start, end int) {
			s := sc.s
			if start > 0 && isWordByte(s[start-1]) {
				return
			}
			if !sc.past(end) && isWordByte(s[end]) {
				return
			}
			if len(d.cfg.context) > 0 && !sc.ctx(start, d.cfg.context) {
				return
			}
			sc.add(start, end, float32(d.cfg.confidence), id, d.ent)
		})
	}
}
