package mask

// Poland, Korea, Finland, Thailand, China, Germany and France.

var _ = def(&builtin{name: "pl_pesel", ents: []Entity{PLPESEL}, pos: []string{"pesel"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(11, 11), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, _, ok := sc.fixed(t, 11, nil)
			if !ok || (10-weighted(ds, 1, 3, 7, 9, 1, 3, 7, 9, 1, 3)%10)%10 != int(ds[10]) {
				return
			}
			m := num(ds[2:4])
			y := num(ds[:2])
			switch {
			case m > 80:
				y, m = y+1800, m-80
			case m > 60:
				y, m = y+2200, m-60
			case m > 40:
				y, m = y+2100, m-40
			case m > 20:
				y, m = y+2000, m-20
			default:
				y += 1900
			}
			if !validDate(y, m, num(ds[4:6])) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, 0.35), id, PLPESEL)
		}))
	}})

var _ = def(&builtin{name: "kr_rrn", ents: []Entity{KRRRN}, pos: []string{"rrn", "resident registration", "주민등록번호", "주민번호"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("6-7")
		b.onNum(digitRange(13, 13), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 13, ls)
			if !ok || ds[6] < 1 || ds[6] > 8 {
				return
			}
			y := 1900 + num(ds[:2])
			if ds[6] >= 3 && ds[6] <= 4 || ds[6] >= 7 {
				y += 100
			}
			if !validDate(y, num(ds[2:4]), num(ds[4:6])) {
				return
			}
			if (11-weighted(ds, 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)%11)%10 != int(ds[12]) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.85, 0.35)), id, KRRRN)
		}))
	}})

const hetuChecks = "0123456789ABCDEFHJKLMNPRSTUVWXY"

var _ = def(&builtin{name: "fi_personal_identity_code", ents: []Entity{FIHETU}, pos: []string{"henkilötunnus", "hetu", "personal identity code", "sotu"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(6, 6), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			s := sc.s
			if sc.past(dd + 10) {
				return
			}
			v := s[dd : dd+11]
			for _, i := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9} {
				if !isDigit(v[i]) {
					return
				}
			}
			var century int
			switch v[6] {
			case '+':
				century = 1800
			case '-', 'Y', 'X', 'W', 'V', 'U':
				century = 1900
			case 'A', 'B', 'C', 'D', 'E', 'F':
				century = 2000
			default:
				return
			}
			ds := digitsOf(v[:6], make([]byte, 0, 9))
			if !validDate(century+num(ds[4:6]), num(ds[2:4]), num(ds[:2])) {
				return
			}
			ds = digitsOf(v[7:10], ds)
			if hetuChecks[num(ds)%31] != v[10] || !sc.boundary(dd+11) {
				return
			}
			sc.add(dd, dd+11, d.score(sc, dd, 0.85), id, FIHETU)
		}))
	}})

var _ = def(&builtin{name: "th_tnin", ents: []Entity{THTNIN}, pos: []string{"thai", "th", "tnin", "national id", "citizen id", "บัตรประชาชน"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("1-4-5-2-1", "1 4 5 2 1")
		b.onNum(digitRange(13, 13), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 13, ls)
			if !ok || ds[0] < 1 || ds[0] > 8 {
				return
			}
			if (11-weighted(ds, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2)%11)%10 != int(ds[12]) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.85, 0.35)), id, THTNIN)
		}))
	}})

var _ = def(&builtin{name: "cn_id_card", ents: []Entity{CNIDCard}, pos: []string{"身份证", "resident identity", "id card", "chinese id"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(17, 18), numLed, wordDetector(func(sc *scan, w, dd int, word string) {
			if w != dd || len(word) != 18 || !allDigits(word[:17]) {
				return
			}
			ds := digitsOf(word[:17], make([]byte, 0, 17))
			if !validDate(num(ds[6:10]), num(ds[10:12]), num(ds[12:14])) || num(ds[6:10]) < 1900 {
				return
			}
			if "10X98765432"[weighted(ds, 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)%11] != upperX(word[17]) {
				return
			}
			sc.add(w, w+18, d.score(sc, w, 0.85), id, CNIDCard)
		}))
	}})

var _ = def(&builtin{name: "de_tax_id", ents: []Entity{DETaxID}, pos: []string{"steuer", "steuerid", "steuer-id", "idnr", "identifikationsnummer", "steueridentifikationsnummer", "tax id", "tin"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("2 3 3 3")
		b.onNum(digitRange(11, 11), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 11, ls)
			if !ok || ds[0] == 0 {
				return
			}
			var cnt [10]int
			for _, x := range ds[:10] {
				cnt[x]++
			}
			rep := 0
			for _, c := range cnt {
				if c == 2 || c == 3 {
					rep++
				} else if c > 3 {
					return
				}
			}
			if rep != 1 || !iso7064Mod1110(ds) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.5, 0.3)), id, DETaxID)
		}))
	}})

const deIDAlphabet = "CFGHJKLMNPRTVWXYZ"

func deIDValue(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	return int(c-'A') + 10
}

var _ = def(&builtin{name: "de_id_card", ents: []Entity{DEIDCard}, pos: []string{"personalausweis", "ausweis", "ausweisnummer", "id card", "identity card"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(1, 2, 3, 4, 5, 6, 7, 8, 9), lengths(9, 10), wordDetector(func(sc *scan, w, dd int, word string) {
			if (len(word) != 9 && len(word) != 10) || w == dd {
				return
			}
			for i := 0; i < 9; i++ {
				c := word[i]
				if !isDigit(c) && (c < 'A' || c > 'Z' || indexByte(deIDAlphabet, c) < 0) {
					return
				}
			}
			base := float32(0.2)
			if len(word) == 10 {
				if !isDigit(word[9]) {
					return
				}
				sum := 0
				for i := 0; i < 9; i++ {
					sum += deIDValue(word[i]) * [3]int{7, 3, 1}[i%3]
				}
				if sum%10 != int(word[9]-'0') {
					return
				}
				base = 0.4
			}
			sc.add(w, w+len(word), d.score(sc, w, base), id, DEIDCard)
		}))
	}})

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

var _ = def(&builtin{name: "fr_nir", ents: []Entity{FRNIR}, pos: []string{"sécurité sociale", "securite sociale", "sécu", "nir", "insee", "carte vitale"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("1_2_2_2_3_3_2")
		b.onNum(digitRange(15, 15), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 15, ls)
			if !ok || len(ds) != 15 || (ds[0] != 1 && ds[0] != 2 && ds[0] != 7 && ds[0] != 8) {
				return
			}
			if m := num(ds[3:5]); m < 1 || m > 12 && m < 20 || m > 42 {
				return
			}
			r := 0
			for _, x := range ds[:13] {
				r = (r*10 + int(x)) % 97
			}
			if 97-r != num(ds[13:]) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.85, 0.55)), id, FRNIR)
		}))
	}})

func upperX(c byte) byte {
	if c == 'x' {
		return 'X'
	}
	return c
}
