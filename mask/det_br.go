package mask

// Brazil.

func cpfValid(ds []byte) bool {
	return !allSame(ds) && brMod11(weighted(ds, 10, 9, 8, 7, 6, 5, 4, 3, 2)) == ds[9] &&
		brMod11(weighted(ds, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2)) == ds[10]
}

var _ = def(&builtin{name: "br_cpf", ents: []Entity{BRCPF}, pos: []string{"cpf", "cadastro de pessoas"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("3.3.3-2")
		b.onNum(digitRange(11, 11), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 11, ls)
			if ok && cpfValid(ds) {
				sc.add(dd, end, d.score(sc, dd, conf2(f, 0.85, 0.5)), id, BRCPF)
			}
		}))
	}})

var _ = def(&builtin{name: "br_cnpj", ents: []Entity{BRCNPJ}, pos: []string{"cnpj", "cadastro nacional"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("2.3.3/4-2")
		b.onNum(digitRange(14, 14), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 14, ls)
			if !ok || allSame(ds) ||
				brMod11(weighted(ds, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)) != ds[12] ||
				brMod11(weighted(ds, 6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)) != ds[13] {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.9, 0.5)), id, BRCNPJ)
		}))
	}})

var _ = def(&builtin{name: "br_rg", ents: []Entity{BRRG}, pos: []string{"rg", "registro geral", "identidade"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("2.3.3-1", "1.3.3-1")
		b.onNum(digitRange(7, 8), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			if _, end, f, ok := sc.fixed(t, 0, ls); ok && f {
				sc.add(dd, end, d.score(sc, dd, 0.4), id, BRRG)
				return
			}
			// "12.345.678-X"
			if t.ng == 3 && t.seps("..") && t.glen[1] == 3 && t.glen[2] == 3 && t.glen[0] <= 2 && !t.more {
				k := t.gend[2]
				s := sc.s
				if !sc.past(k+1) && s[k] == '-' && (s[k+1] == 'X' || s[k+1] == 'x') && sc.boundary(k+2) {
					sc.add(dd, k+2, d.score(sc, dd, 0.4), id, BRRG)
				}
			}
		}))
	}})

var _ = def(&builtin{name: "br_cnh", ents: []Entity{BRCNH}, pos: []string{"cnh", "habilitação", "habilitacao", "carteira de motorista"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(11, 11), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, _, ok := sc.fixed(t, 11, nil)
			if !ok || allSame(ds) {
				return
			}
			sum, dsc := 0, 0
			for i := 0; i < 9; i++ {
				sum += int(ds[i]) * (9 - i)
			}
			dv1 := sum % 11
			if dv1 >= 10 {
				dv1, dsc = 0, 2
			}
			sum = 0
			for i := 0; i < 9; i++ {
				sum += int(ds[i]) * (i + 1)
			}
			dv2 := sum % 11
			if dv2 >= 10 {
				dv2 = 0
			} else if dv2 -= dsc; dv2 < 0 {
				dv2 += 11
			}
			if dv1 != int(ds[9]) || dv2 != int(ds[10]) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, 0.25), id, BRCNH)
		}))
	}})

func pisValid(ds []byte) bool {
	return !allSame(ds) && brMod11(weighted(ds, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)) == ds[10]
}

var _ = def(&builtin{name: "br_pis", ents: []Entity{BRPIS}, pos: []string{"pis", "pasep", "nis", "nit"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("3.5.2-1")
		b.onNum(digitRange(11, 11), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 11, ls)
			if ok && pisValid(ds) {
				sc.add(dd, end, d.score(sc, dd, conf2(f, 0.8, 0.3)), id, BRPIS)
			}
		}))
	}})

var _ = def(&builtin{name: "br_cns", ents: []Entity{BRCNS}, pos: []string{"cns", "cartão nacional de saúde", "cartao nacional de saude", "sus"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("3 4 4 4")
		b.onNum(digitRange(15, 15), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 15, ls)
			if !ok {
				return
			}
			valid := false
			switch ds[0] {
			case 1, 2:
				sum := 0
				for i := 0; i < 11; i++ {
					sum += int(ds[i]) * (15 - i)
				}
				dv := 11 - sum%11
				if dv == 11 {
					dv = 0
				}
				block := 0
				if dv == 10 {
					dv = 11 - (sum+2)%11
					block = 1
				}
				valid = ds[11] == 0 && ds[12] == 0 && int(ds[13]) == block && int(ds[14]) == dv
			case 7, 8, 9:
				sum := 0
				for i := 0; i < 15; i++ {
					sum += int(ds[i]) * (15 - i)
				}
				valid = sum%11 == 0
			}
			if valid {
				sc.add(dd, end, d.score(sc, dd, conf2(f, 0.55, 0.35)), id, BRCNS)
			}
		}))
	}})

var _ = def(&builtin{name: "br_titulo_eleitor", ents: []Entity{BRTitulo}, pos: []string{"título", "titulo", "eleitor", "eleitoral", "tse"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("4 4 4")
		b.onNum(digitRange(12, 12), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, _, ok := sc.fixed(t, 12, ls)
			if !ok {
				return
			}
			if uf := int(ds[8])*10 + int(ds[9]); uf < 1 || uf > 28 {
				return
			}
			sum := 0
			for i := 0; i < 8; i++ {
				sum += int(ds[i]) * (i + 2)
			}
			dv1 := sum % 11
			if dv1 == 10 {
				dv1 = 0
			}
			dv2 := (int(ds[8])*7 + int(ds[9])*8 + dv1*9) % 11
			if dv2 == 10 {
				dv2 = 0
			}
			if dv1 == int(ds[10]) && dv2 == int(ds[11]) {
				sc.add(dd, end, d.score(sc, dd, 0.35), id, BRTitulo)
			}
		}))
	}})

var _ = def(&builtin{name: "br_renavam", ents: []Entity{BRRenavam}, pos: []string{"renavam", "veículo", "veiculo", "detran", "crlv"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(11, 11), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, _, ok := sc.fixed(t, 11, nil)
			if !ok || allSame(ds) {
				return
			}
			dv := 11 - weighted(ds, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)%11
			if dv >= 10 {
				dv = 0
			}
			if dv == int(ds[10]) {
				sc.add(dd, end, d.score(sc, dd, 0.25), id, BRRenavam)
			}
		}))
	}})

var _ = def(&builtin{name: "br_cep", ents: []Entity{BRCEP}, pos: []string{"cep", "código postal", "codigo postal", "endereço", "endereco"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("5-3")
		b.onNum(digitRange(8, 8), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			_, end, f, ok := sc.fixed(t, 8, ls)
			if ok {
				sc.add(dd, end, d.score(sc, dd, conf2(f, 0.5, 0.2)), id, BRCEP)
			}
		}))
	}})

var _ = def(&builtin{name: "br_placa", ents: []Entity{BRPlaca}, pos: []string{"placa", "veículo", "veiculo", "carro"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(4, 4), numLed|letterLed, prefixes(3), 0, func(sc *scan, w, dd int) {
			s := sc.s
			if dd-w == 3 {
				if word, ok := sc.word(w); ok && pattern(word, "AAA9A99") {
					sc.add(w, w+7, d.score(sc, w, 0.6), id, BRPlaca)
				}
				return
			}
			if w == dd && dd >= 4 && s[dd-1] == '-' && isUpper(s[dd-2]) && isUpper(s[dd-3]) && isUpper(s[dd-4]) && (dd == 4 || !isAlnum(s[dd-5])) {
				sc.trig = dd - 4
				t := sc.tok(dd)
				if t.glen[0] == 4 && t.ng == 1 && !t.more && sc.boundary(t.gend[0]) {
					sc.trig = dd - 4
					sc.add(dd-4, t.gend[0], d.score(sc, dd-4, 0.45), id, BRPlaca)
				}
			}
		})
	}})

var _ = def(&builtin{name: "br_pix_key", ents: []Entity{BRPixKey}, pos: []string{"pix", "evp", "chave pix"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(0, 63), numLed|letterLed, prefixes(1, 2, 3, 4, 5, 6, 7), 0, func(sc *scan, w, dd int) {
			s := sc.s
			if dd-w > 7 || sc.past(w+35) {
				return
			}
			if s[w+8] != '-' || s[w+13] != '-' || s[w+18] != '-' || s[w+23] != '-' {
				return // the dashes first: most tokens fail there
			}
			for i := 0; i < 36; i++ {
				c := s[w+i]
				if i == 8 || i == 13 || i == 18 || i == 23 {
					if c != '-' {
						return
					}
				} else if !isHex(c) {
					return
				}
			}
			if s[w+14] != '4' || strings8ab(s[w+19]) || !sc.boundary(w+36) {
				return
			}
			sc.add(w, w+36, d.score(sc, w, 0.15), id, BRPixKey)
		})
	}})

func strings8ab(c byte) bool {
	switch c | 0x20 {
	case '8', '9', 'a', 'b':
		return false
	}
	return true
}
