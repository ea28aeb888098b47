package mask

// United States and medical identifiers.

var _ = def(&builtin{name: "us_ssn", ents: []Entity{USSSN},
	pos: []string{"ssn", "social security", "social sec", "ss#", "ss #", "ssa"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("3-2-4", "3 2 4", "3.2.4")
		b.onNum(digitRange(9, 9), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			t := sc.tok(dd)
			ds, end, formatted, ok := sc.fixed(t, 9, ls)
			if !ok {
				return
			}
			area := num(ds[:3])
			if area == 0 || area == 666 || area >= 900 || num(ds[3:5]) == 0 || num(ds[5:]) == 0 || allSame(ds) {
				return
			}
			conf := float32(0.3)
			if formatted {
				conf = 0.75
				if t.gsep[1] != '-' {
					conf = 0.5
				}
			}
			sc.add(dd, end, d.score(sc, dd, conf), id, USSSN)
		})
	}})

var _ = def(&builtin{name: "us_itin", ents: []Entity{USITIN}, pos: []string{"itin", "taxpayer", "tax id"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("3-2-4", "3 2 4")
		b.onNum(digitRange(9, 9), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			t := sc.tok(dd)
			ds, end, formatted, ok := sc.fixed(t, 9, ls)
			if !ok || ds[0] != 9 {
				return
			}
			g := num(ds[3:5])
			if !(g >= 50 && g <= 65 || g >= 70 && g <= 88 || g >= 90 && g <= 92 || g >= 94) {
				return
			}
			conf := float32(0.3)
			if formatted {
				conf = 0.8
			}
			sc.add(dd, end, d.score(sc, dd, conf), id, USITIN)
		})
	}})

var _ = def(&builtin{name: "us_passport", ents: []Entity{USPassport}, pos: []string{"passport"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(9, 9), numLed|letterLed, prefixes(1), lengths(9, 9), func(sc *scan, w, dd int) {
			word, ok := sc.word(w)
			if !ok || !(len(word) == 9 && allDigits(word) || pattern(word, "A99999999")) {
				return
			}
			if word[0] == '0' && w == dd {
				return
			}
			sc.add(w, w+len(word), d.score(sc, w, 0.1), id, USPassport)
		})
	}})

var _ = def(&builtin{name: "us_driver_license", ents: []Entity{USDriverLicense},
	pos: []string{"driver", "driver's", "drivers", "license", "licence", "dl", "dln", "dl#"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(7, 14), numLed|letterLed, prefixes(1, 2), lengths(7, 14), func(sc *scan, w, dd int) {
			word, ok := sc.word(w)
			if !ok || len(word) < 7 || len(word) > 14 || dd-w > 2 || !allDigits(word[dd-w:]) {
				return
			}
			sc.add(w, w+len(word), d.score(sc, w, 0.15), id, USDriverLicense)
		})
	}})

var _ = def(&builtin{name: "medical_license", ents: []Entity{MedicalLicense}, pos: []string{"dea", "registration", "prescriber", "license"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(2), lengths(9, 9), func(sc *scan, w, dd int) {
			word, ok := sc.word(w)
			if !ok || !pattern(word, "AA9999999") {
				return
			}
			if !isDEAFirst(word[0]) {
				return
			}
			ds := digitsOf(word, make([]byte, 0, 7))
			sum := int(ds[0]+ds[2]+ds[4]) + 2*int(ds[1]+ds[3]+ds[5])
			if sum%10 != int(ds[6]) {
				return
			}
			sc.add(w, w+9, d.score(sc, w, 0.6), id, MedicalLicense)
		})
	}})

func isDEAFirst(c byte) bool {
	switch c {
	case 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'P', 'R', 'S', 'T', 'U', 'X':
		return true
	}
	return false
}

var _ = def(&builtin{name: "us_npi", ents: []Entity{USNPI}, pos: []string{"npi", "provider", "national provider"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(10, 10), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			t := sc.tok(dd)
			ds, end, _, ok := sc.fixed(t, 10, nil)
			if !ok || (ds[0] != 1 && ds[0] != 2) {
				return
			}
			var full [15]byte
			copy(full[:], []byte{8, 0, 8, 4, 0})
			copy(full[5:], ds)
			if !luhn(full[:]) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, 0.3), id, USNPI)
		})
	}})

var _ = def(&builtin{name: "medical_code", ents: []Entity{MedicalCode},
	pos: []string{"icd", "icd-10", "icd10", "diagnosis", "diagnosed", "dx", "diagnostic", "condition"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(1), 0, func(sc *scan, w, dd int) {
			if dd-w != 1 || sc.s[w] == 'U' || !isUpper(sc.s[w]) {
				return
			}
			s := sc.s
			k := dd
			for !sc.past(k) && isAlnum(s[k]) && k-w < 4 {
				k++
			}
			if k-w != 3 || !isDigit(s[w+1]) || !isDigit(s[w+2]) && !(s[w+2] == 'A' || s[w+2] == 'B') {
				return
			}
			if !sc.past(k) && s[k] == '.' && !sc.past(k+1) && isAlnum(s[k+1]) {
				j := k + 1
				for !sc.past(j) && isAlnum(s[j]) && j-k <= 5 {
					j++
				}
				if j-k > 5 {
					return
				}
				k = j
			}
			if !sc.boundary(k) {
				return
			}
			sc.add(w, k, d.score(sc, w, 0.2), id, MedicalCode)
		})
	}})
