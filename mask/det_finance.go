package mask

import (
	"crypto/sha256"
	"strings"
)

var ccLayouts = lays("4_4_4_4", "4_4_4_1", "4_4_4_2", "4_4_4_3", "4_6_5", "4_6_4", "4_4_4_4_3", "4_4_4_4_2", "4_4_4_4_1", "4_4_5")

var _ = def(&builtin{name: "credit_card", ents: []Entity{CreditCard},
	pos: []string{"card", "credit", "visa", "mastercard", "amex", "cc", "discover", "payment"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(13, 19), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			t := sc.tok(dd)
			if t.nd < 13 {
				return
			}
			var ds []byte
			var end int
			var ok bool
			if t.glen[0] >= 13 && t.glen[0] <= 19 {
				if e, k := sc.endOK(t, 1); k {
					ds, end, ok = t.dig[:t.glen[0]], e, true
				}
			}
			if !ok {
				ds, end, _, ok = sc.fixed(t, 0, ccLayouts)
				if ok && !luhn(ds) {
					// A shorter grouping may be the card ("4111 1111 1111 1111 2025").
					for _, l := range ccLayouts {
						if d2, e2, _, ok2 := sc.fixed(t, 0, []layout{l}); ok2 && len(d2) < len(ds) && luhn(d2) {
							ds, end = d2, e2
							break
						}
					}
				}
			}
			if !ok || len(ds) < 13 || allSame(ds) || !luhn(ds) {
				return
			}
			conf := float32(0.4)
			if iinKnown(ds) && len(ds) != 13 {
				conf = 0.85 // 13-digit Visa numbers are long retired: they need context
			}
			sc.add(dd, end, d.score(sc, dd, conf), id, CreditCard)
		})
	}})

// iinKnown checks the issuer prefix and length of the major card schemes.
func iinKnown(ds []byte) bool {
	n := len(ds)
	p2 := int(ds[0])*10 + int(ds[1])
	p4 := p2*100 + int(ds[2])*10 + int(ds[3])
	switch {
	case ds[0] == 4:
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case p4 == 6011 || p2 == 65 || p4/10 >= 644 && p4/10 <= 649:
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589:
		return n >= 16 && n <= 19
	case p2 == 36 || p2 == 38 || p2 == 39 || p4/10 >= 300 && p4/10 <= 305:
		return n >= 14 && n <= 19
	case p2 == 62:
		return n >= 16 && n <= 19
	case p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 || p4 == 6759 || p4 >= 6761 && p4 <= 6763:
		return n >= 12 && n <= 19
	}
	return false
}

// ibanLen is the IBAN length per country (ISO 13616 registry).
var ibanLen = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
	"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
	"NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
	"SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

var _ = def(&builtin{name: "iban", ents: []Entity{IBAN}, pos: []string{"iban", "account", "bank"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(0, letterLed, prefixes(2), 0, func(sc *scan, w, dd int) {
			if dd-w != 2 {
				return
			}
			s := sc.s
			cc := s[w:dd]
			if !allUpper(cc) {
				return
			}
			want, known := ibanLen[cc]
			if !known {
				return
			}
			// Compact or grouped by four with single spaces.
			var buf [40]byte
			n := 0
			k := w
			for n < want {
				if sc.past(k) {
					return
				}
				c := s[k]
				switch {
				case isDigit(c) || isUpper(c):
					buf[n] = c
					n++
					k++
				case c == ' ' && n%4 == 0 && n > 0 && !sc.past(k+1) && isAlnum(s[k+1]):
					k++
				default:
					return
				}
			}
			if !sc.boundary(k) || !isDigit(buf[2]) || !isDigit(buf[3]) {
				return
			}
			// Rearranged mod-97 without allocating: BBAN then country and check.
			r := 0
			for _, part := range [2][]byte{buf[4:n], buf[:4]} {
				for _, c := range part {
					if c >= 'A' {
						r = (r*100 + int(c-'A') + 10) % 97
					} else {
						r = (r*10 + int(c-'0')) % 97
					}
				}
			}
			if r != 1 {
				return
			}
			sc.add(w, k, d.score(sc, w, 0.9), id, IBAN)
		})
	}})

var abaLayouts = lays("4-4-1")

var _ = def(&builtin{name: "aba_routing", ents: []Entity{ABARouting}, pos: []string{"routing", "aba", "rtn", "transit", "bank"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(9, 9), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			t := sc.tok(dd)
			ds, end, _, ok := sc.fixed(t, 9, abaLayouts)
			if !ok {
				return
			}
			p := int(ds[0])*10 + int(ds[1])
			if !(p <= 12 || p >= 21 && p <= 32 || p >= 61 && p <= 72 || p == 80) || allSame(ds) {
				return
			}
			if weighted(ds, 3, 7, 1, 3, 7, 1, 3, 7, 1)%10 != 0 {
				return
			}
			sc.add(dd, end, d.score(sc, dd, 0.5), id, ABARouting)
		})
	}})

var _ = def(&builtin{name: "us_bank_number", ents: []Entity{USBankNumber},
	pos: []string{"account", "acct", "bank account", "checking", "savings", "a/c"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(8, 17), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			t := sc.tok(dd)
			if t.glen[0] < 8 || t.glen[0] > 17 {
				return
			}
			end, ok := sc.endOK(t, 1)
			if !ok || allSame(t.dig[:t.glen[0]]) {
				return
			}
			sc.add(dd, end, d.score(sc, dd, 0.2), id, USBankNumber)
		})
	}})

// Crypto wallets.

const b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var b58idx [256]int8

func init() {
	for i := range b58idx {
		b58idx[i] = -1
	}
	for i := 0; i < len(b58); i++ {
		b58idx[b58[i]] = int8(i)
	}
}

// base58Check decodes a Base58Check string of a 25-byte payload (P2PKH/P2SH)
// and verifies its double-SHA-256 checksum.
func base58Check(s string) bool {
	var out [25]byte
	for i := 0; i < len(s); i++ {
		v := int(b58idx[s[i]])
		if v < 0 {
			return false
		}
		for j := 24; j >= 0; j-- {
			v += int(out[j]) * 58
			out[j] = byte(v)
			v >>= 8
		}
		if v != 0 {
			return false
		}
	}
	h := sha256.Sum256(out[:21])
	h = sha256.Sum256(h[:])
	return string(h[:4]) == string(out[21:])
}

const bech32Chars = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Valid(s string) bool {
	s = strings.ToLower(s)
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 || len(s)-sep < 7 {
		return false
	}
	hrp, data := s[:sep], s[sep+1:]
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	step := func(v uint32) {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ v
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	for i := 0; i < len(hrp); i++ {
		step(uint32(hrp[i]) >> 5)
	}
	step(0)
	for i := 0; i < len(hrp); i++ {
		step(uint32(hrp[i]) & 31)
	}
	for i := 0; i < len(data); i++ {
		v := strings.IndexByte(bech32Chars, data[i])
		if v < 0 {
			return false
		}
		step(uint32(v))
	}
	return chk == 1 || chk == 0x2bc830a3 // bech32 or bech32m
}

var _ = def(&builtin{name: "crypto", ents: []Entity{Crypto}, pos: []string{"wallet", "bitcoin", "btc", "ethereum", "eth", "address", "crypto"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNumLetters(digitRange(0, 63), numLed|letterLed, prefixes(2), lengths(14, 64), func(sc *scan, w, dd int) {
			word, ok := sc.word(w)
			if !ok {
				return
			}
			switch {
			case w == dd && (word[0] == '1' || word[0] == '3') && len(word) >= 26 && len(word) <= 35:
				if base58Check(word) {
					sc.add(w, w+len(word), d.score(sc, w, 0.9), id, Crypto)
				}
			case w == dd && len(word) == 42 && word[0] == '0' && word[1] == 'x':
				for i := 2; i < 42; i++ {
					if !isHex(word[i]) {
						return
					}
				}
				sc.add(w, w+42, d.score(sc, w, 0.8), id, Crypto)
			case dd-w == 2 && len(word) >= 14 && len(word) <= 74 && (strings.HasPrefix(word, "bc1") || strings.HasPrefix(word, "BC1")):
				if bech32Valid(word) {
					sc.add(w, w+len(word), d.score(sc, w, 0.9), id, Crypto)
				}
			}
		})
	}})
