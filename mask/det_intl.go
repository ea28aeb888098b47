package mask

import "strings"

// National identifiers outside the US. Shapes come from the issuing
// authorities; every identifier with a published check digit is validated.

func numericOnly(fn func(sc *scan, t *numTok, dd int)) numFn {
	return func(sc *scan, w, dd int) {
		if w == dd {
			fn(sc, sc.tok(dd), dd)
		}
	}
}

func conf2(formatted bool, f, b float32) float32 {
	if formatted {
		return f
	}
	return b
}

var _ = def(&builtin{name: "uk_nhs", ents: []Entity{UKNHS}, pos: []string{"nhs", "health service", "patient"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("3_3_4")
		b.onNum(digitRange(10, 10), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 10, ls)
			if !ok || allSame(ds) {
				return
			}
			c := 11 - weighted(ds, 10, 9, 8, 7, 6, 5, 4, 3, 2)%11
			if c == 11 {
				c = 0
			}
			if c == 10 || c != int(ds[9]) {
				return
			}
			conf := conf2(f, 0.55, 0.5)
			if !f && (ds[0] < 3 || ds[0] > 7) {
				conf = 0.3 // outside the issued ranges: a bare one needs the word NHS
			}
			if f && t.gsep[1] == ' ' {
				conf = 0.75 // the NHS's own print format
			}
			sc.add(dd, end, d.score(sc, dd, conf), id, UKNHS)
		}))
	}})

var _ = def(&builtin{name: "uk_nino", ents: []Entity{UKNINO}, pos: []string{"national insurance", "nino", "ni number", "ni no"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(6, 6), numLed|letterLed, prefixes(2), 0, func(sc *scan, w, dd int) {
			s := sc.s
			var start, end int
			var pre string
			var suf byte
			if dd-w == 2 {
				word, ok := sc.word(w)
				if ok && pattern(word, "AA999999A") {
					start, end, pre, suf = w, w+9, word[:2], word[8]
				} else if !ok && pattern(word, "AA99") {
					// "AB12 34 56 C"
					k := w + 4
					for g := 0; g < 2; g++ {
						if sc.past(k+2) || s[k] != ' ' || !isDigit(s[k+1]) || !isDigit(s[k+2]) {
							return
						}
						k += 3
					}
					if sc.past(k+1) || s[k] != ' ' || !isUpper(s[k+1]) || !sc.boundary(k+2) {
						return
					}
					start, end, pre, suf = w, k+2, word[:2], s[k+1]
				} else {
					return
				}
			} else if w == dd && dd >= 3 && s[dd-1] == ' ' && isUpper(s[dd-2]) && isUpper(s[dd-3]) && (dd == 3 || !isAlnum(s[dd-4])) {
				// "AB 12 34 56 C"
				sc.trig = dd - 3
				k := dd
				for g := 0; g < 3; g++ {
					if sc.past(k+1) || !isDigit(s[k]) || !isDigit(s[k+1]) {
						return
					}
					k += 2
					if g < 2 {
						if sc.past(k) || s[k] != ' ' {
							return
						}
						k++
					}
				}
				if sc.past(k+1) || s[k] != ' ' || !isUpper(s[k+1]) || !sc.boundary(k+2) {
					return
				}
				start, end, pre, suf = dd-3, k+2, s[dd-3:dd-1], s[k+1]
				sc.trig = start
			} else {
				return
			}
			if strings.IndexByte("DFIQUV", pre[0]) >= 0 || strings.IndexByte("DFIOQUV", pre[1]) >= 0 || suf < 'A' || suf > 'D' {
				return
			}
			switch pre {
			case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
				return
			}
			sc.add(start, end, d.score(sc, start, 0.8), id, UKNINO)
		})
	}})

// Australia.

var _ = def(&builtin{name: "au_tfn", ents: []Entity{AUTFN}, pos: []string{"tfn", "tax file"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("3_3_3")
		b.onNum(digitRange(9, 9), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 9, ls)
			if !ok || allSame(ds) || weighted(ds, 1, 4, 3, 7, 5, 8, 6, 9, 10)%11 != 0 {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.5, 0.3)), id, AUTFN)
		}))
	}})

var _ = def(&builtin{name: "au_abn", ents: []Entity{AUABN}, pos: []string{"abn", "business number"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("2_3_3_3")
		b.onNum(digitRange(11, 11), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 11, ls)
			if !ok || ds[0] == 0 {
				return
			}
			var x [11]byte
			copy(x[:], ds)
			x[0]--
			if weighted(x[:], 10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)%89 != 0 {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.6, 0.3)), id, AUABN)
		}))
	}})

var _ = def(&builtin{name: "au_acn", ents: []Entity{AUACN}, pos: []string{"acn", "company number"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("3_3_3")
		b.onNum(digitRange(9, 9), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 9, ls)
			if !ok || allSame(ds) {
				return
			}
			if (10-weighted(ds, 8, 7, 6, 5, 4, 3, 2, 1)%10)%10 != int(ds[8]) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.4, 0.2)), id, AUACN)
		}))
	}})

var _ = def(&builtin{name: "au_medicare", ents: []Entity{AUMedicare}, pos: []string{"medicare"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("4_5_1", "4_5_1_1")
		b.onNum(digitRange(10, 11), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 10, ls)
			if !ok {
				ds, end, f, ok = sc.fixed(t, 11, nil)
			}
			if !ok || ds[0] < 2 || ds[0] > 6 || weighted(ds, 1, 3, 7, 9, 1, 3, 7, 9)%10 != int(ds[8]) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.55, 0.3)), id, AUMedicare)
		}))
	}})

// India.

var _ = def(&builtin{name: "in_aadhaar", ents: []Entity{INAadhaar}, pos: []string{"aadhaar", "aadhar", "uidai", "uid"},
	reg: func(d *builtin, b *planBuilder, id int) {
		ls := lays("4_4_4")
		b.onNum(digitRange(12, 12), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			ds, end, f, ok := sc.fixed(t, 12, ls)
			if !ok || ds[0] < 2 || allSame(ds) || !verhoeff(ds) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, conf2(f, 0.6, 0.35)), id, INAadhaar)
		}))
	}})

func wordDetector(fn func(sc *scan, w, dd int, word string)) numFn {
	return func(sc *scan, w, dd int) {
		if word, ok := sc.word(w); ok {
			fn(sc, w, dd, word)
		}
	}
}

var _ = def(&builtin{name: "in_pan", ents: []Entity{INPAN}, pos: []string{"pan", "permanent account", "income tax"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(5), lengths(10, 10), wordDetector(func(sc *scan, w, dd int, word string) {
			if dd-w == 5 && pattern(word, "AAAAA9999A") && strings.IndexByte("PCHFATBLJG", word[3]) >= 0 {
				sc.add(w, w+10, d.score(sc, w, 0.7), id, INPAN)
			}
		}))
	}})

var _ = def(&builtin{name: "in_passport", ents: []Entity{INPassport}, pos: []string{"passport"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(1), lengths(8, 8), wordDetector(func(sc *scan, w, dd int, word string) {
			if pattern(word, "A9999999") && strings.IndexByte("QXZ", word[0]) < 0 && word[1] != '0' {
				sc.add(w, w+8, d.score(sc, w, 0.2), id, INPassport)
			}
		}))
	}})

var inStates = "AN AP AR AS BR CH CG DD DL DN GA GJ HR HP JK JH KA KL LA LD MP MH MN ML MZ NL OD OR PY PB RJ SK TN TS TR UP UK UA WB BH"

var _ = def(&builtin{name: "in_vehicle_registration", ents: []Entity{INVehicleRegistration}, pos: []string{"vehicle", "registration", "car", "number plate", "rc"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(1, 2), numLed|letterLed, prefixes(2), 0, func(sc *scan, w, dd int) {
			s := sc.s
			start := w
			var sep byte
			switch {
			case dd-w == 2:
			case w == dd && dd >= 3 && (s[dd-1] == ' ' || s[dd-1] == '-') && isUpper(s[dd-2]) && isUpper(s[dd-3]) && (dd == 3 || !isAlnum(s[dd-4])):
				start, sep = dd-3, s[dd-1]
			default:
				return
			}
			st := s[start : start+2]
			if !allUpper(st) || !strings.Contains(inStates, st) {
				return
			}
			sc.trig = start
			k := dd
			n := 0
			for !sc.past(k) && isDigit(s[k]) && n < 3 {
				k++
				n++
			}
			if n < 1 || n > 2 {
				return
			}
			if sep != 0 {
				if sc.past(k) || s[k] != sep {
					return
				}
				k++
			}
			n = 0
			for !sc.past(k) && isUpper(s[k]) && n < 4 {
				k++
				n++
			}
			if n > 3 {
				return
			}
			if sep != 0 && n > 0 {
				if sc.past(k) || s[k] != sep {
					return
				}
				k++
			}
			n = 0
			for !sc.past(k) && isDigit(s[k]) && n < 5 {
				k++
				n++
			}
			if n != 4 || !sc.boundary(k) {
				return
			}
			sc.trig = start
			sc.add(start, k, d.score(sc, start, 0.55), id, INVehicleRegistration)
		})
	}})

var _ = def(&builtin{name: "in_voter", ents: []Entity{INVoter}, pos: []string{"voter", "epic", "election"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(3), lengths(10, 10), wordDetector(func(sc *scan, w, dd int, word string) {
			if pattern(word, "AAA9999999") {
				sc.add(w, w+10, d.score(sc, w, 0.3), id, INVoter)
			}
		}))
	}})

func b36(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	return int(c-'A') + 10
}

var _ = def(&builtin{name: "in_gstin", ents: []Entity{INGSTIN}, pos: []string{"gst", "gstin"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(2, 2), numLed, wordDetector(func(sc *scan, w, dd int, word string) {
			if w != dd || len(word) != 15 || !pattern(word[:12], "99AAAAA9999A") || word[13] != 'Z' {
				return
			}
			if st := num([]byte{word[0] - '0', word[1] - '0'}); st < 1 || st > 38 {
				return
			}
			sum := 0
			for i := 0; i < 14; i++ {
				c := word[i]
				if !isDigit(c) && !isUpper(c) {
					return
				}
				v := b36(c) * (i%2 + 1)
				sum += v/36 + v%36
			}
			if b36(word[14]) != (36-sum%36)%36 {
				return
			}
			sc.add(w, w+15, d.score(sc, w, 0.9), id, INGSTIN)
		}))
	}})

// Italy.

var cfOdd = [36]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

var _ = def(&builtin{name: "it_fiscal_code", ents: []Entity{ITFiscalCode}, pos: []string{"codice fiscale", "cf", "fiscal"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(6, 7, 8, 9, 10, 11, 12, 13), lengths(16, 16), wordDetector(func(sc *scan, w, dd int, word string) {
			if len(word) != 16 || dd-w < 6 || !allUpper(word[:6]) || !isUpper(word[8]) || !isUpper(word[11]) || !isUpper(word[15]) {
				return
			}
			if strings.IndexByte("ABCDEHLMPRST", word[8]) < 0 {
				return
			}
			sum := 0
			for i := 0; i < 15; i++ {
				c := word[i]
				if !isDigit(c) && !isUpper(c) {
					return
				}
				if isDigit(c) && (i < 6 || i == 8 || i == 11) {
					return
				}
				v := b36(c)
				if isUpper(c) {
					v = int(c - 'A')
				}
				if i%2 == 0 {
					if isDigit(c) {
						sum += cfOdd[c-'0']
					} else {
						sum += cfOdd[10+int(c-'A')]
					}
				} else {
					sum += v
				}
			}
			if int(word[15]-'A') != sum%26 {
				return
			}
			sc.add(w, w+16, d.score(sc, w, 0.9), id, ITFiscalCode)
		}))
	}})

var _ = def(&builtin{name: "it_vat_code", ents: []Entity{ITVATCode}, pos: []string{"partita iva", "p.iva", "p. iva", "piva", "iva", "vat"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(11, 11), numLed|letterLed, prefixes(2), lengths(13, 13), func(sc *scan, w, dd int) {
			word, ok := sc.word(w)
			if !ok {
				return
			}
			base := float32(0.3)
			digits := word
			if dd-w == 2 && word[:2] == "IT" {
				base, digits = 0.7, word[2:]
			} else if w != dd {
				return
			}
			if len(digits) != 11 || !allDigits(digits) {
				return
			}
			ds := digitsOf(digits, make([]byte, 0, 11))
			if allSame(ds) || !luhn(ds) {
				return
			}
			sc.add(w, w+len(word), d.score(sc, w, base), id, ITVATCode)
		})
	}})

var _ = def(&builtin{name: "it_identity_card", ents: []Entity{ITIdentityCard}, pos: []string{"carta d'identità", "carta di identità", "carta d'identita", "identity card", "documento", "cie", "id card"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(2), lengths(9, 9), wordDetector(func(sc *scan, w, dd int, word string) {
			switch {
			case pattern(word, "AA99999AA"):
				sc.add(w, w+9, d.score(sc, w, 0.4), id, ITIdentityCard)
			case pattern(word, "AA9999999"):
				sc.add(w, w+9, d.score(sc, w, 0.15), id, ITIdentityCard)
			}
		}))
	}})

var _ = def(&builtin{name: "it_driver_license", ents: []Entity{ITDriverLicense}, pos: []string{"patente", "driver", "license", "licence"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(1, 2), lengths(10, 10), wordDetector(func(sc *scan, w, dd int, word string) {
			if pattern(word, "AA9999999A") || pattern(word, "A99999999A") {
				sc.add(w, w+10, d.score(sc, w, 0.3), id, ITDriverLicense)
			}
		}))
	}})

var _ = def(&builtin{name: "it_passport", ents: []Entity{ITPassport}, pos: []string{"passaporto", "passport"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(2), lengths(9, 9), wordDetector(func(sc *scan, w, dd int, word string) {
			if pattern(word, "AA9999999") {
				sc.add(w, w+9, d.score(sc, w, 0.2), id, ITPassport)
			}
		}))
	}})

// Spain.

const esLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

var _ = def(&builtin{name: "es_nif", ents: []Entity{ESNIF}, pos: []string{"dni", "nif", "documento"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(8, 8), numLed, numericOnly(func(sc *scan, t *numTok, dd int) {
			if t.glen[0] != 8 || t.ng != 1 {
				return
			}
			s := sc.s
			k := t.gend[0]
			if !sc.past(k) && (s[k] == '-' || s[k] == ' ') {
				k++
			}
			if sc.past(k) || !isUpper(s[k]) || !sc.boundary(k+1) {
				return
			}
			if esLetters[num(t.dig[:8])%23] != s[k] {
				return
			}
			sc.add(dd, k+1, d.score(sc, dd, 0.8), id, ESNIF)
		}))
	}})

var _ = def(&builtin{name: "es_nie", ents: []Entity{ESNIE}, pos: []string{"nie", "extranjero"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(1), lengths(9, 9), wordDetector(func(sc *scan, w, dd int, word string) {
			if !pattern(word, "A9999999A") || strings.IndexByte("XYZ", word[0]) < 0 {
				return
			}
			v := int(word[0]-'X')*10000000 + num(digitsOf(word[1:8], make([]byte, 0, 7)))
			if esLetters[v%23] != word[8] {
				return
			}
			sc.add(w, w+9, d.score(sc, w, 0.85), id, ESNIE)
		}))
	}})

// Singapore.

var _ = def(&builtin{name: "sg_fin", ents: []Entity{SGFIN}, pos: []string{"nric", "fin", "ic"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(1), lengths(9, 9), wordDetector(func(sc *scan, w, dd int, word string) {
			if !pattern(word, "A9999999A") || strings.IndexByte("STFGM", word[0]) < 0 {
				return
			}
			ds := digitsOf(word[1:8], make([]byte, 0, 7))
			sum := weighted(ds, 2, 7, 6, 5, 4, 3, 2)
			var table string
			switch word[0] {
			case 'S':
				table = "JZIHGFEDCBA"
			case 'T':
				sum += 4
				table = "JZIHGFEDCBA"
			case 'F':
				table = "XWUTRQPNMLK"
			case 'G':
				sum += 4
				table = "XWUTRQPNMLK"
			case 'M':
				sum += 3
				table = "XWUTRQPNJLK"
			}
			if table[sum%11] != word[8] {
				return
			}
			sc.add(w, w+9, d.score(sc, w, 0.85), id, SGFIN)
		}))
	}})

var _ = def(&builtin{name: "sg_uen", ents: []Entity{SGUEN}, pos: []string{"uen", "entity number", "acra"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(8, 9), numLed|letterLed, prefixes(1), lengths(10, 10), wordDetector(func(sc *scan, w, dd int, word string) {
			switch {
			case w == dd && pattern(word, "99999999A"):
				sc.add(w, w+9, d.score(sc, w, 0.25), id, SGUEN)
			case w == dd && pattern(word, "999999999A"):
				if y := num(digitsOf(word[:4], make([]byte, 0, 4))); y >= 1900 && y <= 2100 {
					sc.add(w, w+10, d.score(sc, w, 0.3), id, SGUEN)
				}
			case pattern(word, "A99AA9999A") && strings.IndexByte("TSR", word[0]) >= 0:
				sc.add(w, w+10, d.score(sc, w, 0.5), id, SGUEN)
			}
		}))
	}})
