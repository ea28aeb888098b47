package mask

import (
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Phone numbers: NANP shapes are checked by hand (area and exchange codes);
// international (+CC) and national trunk-prefixed numbers are validated with
// libphonenumber's metadata, only for candidates, and the verdicts cached.

var _ = def(&builtin{name: "phone", ents: []Entity{Phone},
	pos: []string{"phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "contact", "sms", "telefone", "telefon", "téléphone", "celular"},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onNum(digitRange(8, 13), numLed, func(sc *scan, w, dd int) {
			if w != dd {
				return
			}
			phoneNumeric(d, sc, id, dd)
		})
		b.onPhone(func(sc *scan, i int) {
			if i > 0 && isAlnum(sc.s[i-1]) || sc.gluedLeft(i) {
				return
			}
			if sc.s[i] == '+' {
				phoneIntl(d, sc, id, i)
			} else {
				phoneParen(d, sc, id, i)
			}
		})
	}})

// nanpOK checks 10 NANP digits: NXX NXX XXXX, and no N11 service code as
// area code. (N11 exchanges are not issued either, but test data and
// placeholders use them, and masking them costs nothing.)
func nanpOK(ds []byte) bool {
	return ds[0] >= 2 && ds[3] >= 2 && !(ds[1] == 1 && ds[2] == 1)
}

var nanpLayouts = lays("3_3_4", "1_3_3_4")

func phoneNumeric(d *builtin, sc *scan, id, dd int) {
	t := sc.tok(dd)
	if t.nd < 8 {
		return
	}
	if ds, end, formatted, ok := sc.fixed(t, 10, nanpLayouts); ok {
		if len(ds) == 11 {
			if ds[0] != 1 {
				goto national
			}
			ds = ds[1:]
		}
		if nanpOK(ds) {
			conf := float32(0.4)
			if formatted {
				conf = 0.7
			}
			sc.add(dd, end, d.score(sc, dd, conf), id, Phone)
			return
		}
	}
national:
	// National formats: up to five groups, 9..12 digits, at least one separator.
	if t.ng < 2 {
		return
	}
	n := 0
	for k := 1; k <= t.ng && k <= 5; k++ {
		n += int(t.glen[k-1])
		if n > 12 {
			return
		}
		if k < 2 || n < 9 || !t.sameSep(k, " -/") && !(k == 3 && t.gsep[1] == ' ' && t.gsep[2] == '-') && !(k == 5 && t.sameSep(k, ".")) {
			continue
		}
		end, ok := sc.endOK(t, k)
		if !ok {
			continue
		}
		ds := t.digits(k)
		var region string
		switch {
		case ds[0] == 0 && n == 10 && k == 5:
			region = "FR"
		case ds[0] == 0 && n == 11 && ds[1] != 0:
			region = "GB"
		case ds[0] == 0 && n >= 10 && n <= 12:
			region = "DE"
		case ds[0] >= 6 && n == 10 && t.glen[0] == 5:
			region = "IN"
		case ds[0] != 0 && (n == 10 || n == 11) && t.glen[0] == 2:
			region = "BR"
		default:
			continue
		}
		if phoneValid(ds, region) || region == "GB" && phoneValid(ds, "IN") || region == "DE" && phoneValid(ds, "GB") {
			sc.add(dd, end, d.score(sc, dd, 0.65), id, Phone)
			return
		}
	}
}

// phoneIntl parses "+CC ..." with up to two separators between digits.
func phoneIntl(d *builtin, sc *scan, id, i int) {
	s := sc.s
	var ds [16]byte
	n := 0
	k := i + 1
	end := -1
	gap := 0
	// Where the number could stop if the digits run on: group ends followed
	// by a space. A longer run may be "+CC number" then another number.
	var cuts [8]struct{ end, n int }
	nc := 0
	spaced := false
	for {
		if sc.past(k) {
			break
		}
		c := s[k]
		if isDigit(c) {
			if gap > 0 && spaced && end > 0 && nc < len(cuts) {
				cuts[nc].end, cuts[nc].n = end, n
				nc++
			}
			spaced = false
			if n == 15 {
				end, n = -1, 0 // too long as a whole: only a cut can be a number
				break
			}
			ds[n] = c - '0'
			n++
			gap = 0
			k++
			end = k
			continue
		}
		if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') && gap < 2 && n > 0 || c == '(' && n == 0 && gap == 0 {
			if c == ' ' {
				spaced = true
			}
			gap++
			k++
			continue
		}
		if gap > 0 && sc.gluedRight(k) {
			end, n = -1, 0 // the digits may have gone on where a label now stands
		}
		break
	}
	valid := func(n int) bool {
		if ds[0] == 1 {
			return n == 11 && nanpOK(ds[1:11])
		}
		return phoneValid(ds[:n], "")
	}
	whole := end >= 0 && n >= 8 && sc.boundary(end) && (sc.past(end) || !isDigit(s[end]))
	if whole && valid(n) {
		sc.add(i, end, d.score(sc, i, 0.8), id, Phone)
		return
	}
	// The last groups may belong to what follows ("+33 1 23 45 67 89 012...").
	for c := nc - 1; c >= 0; c-- {
		if cuts[c].n >= 8 && valid(cuts[c].n) {
			sc.add(i, cuts[c].end, d.score(sc, i, 0.8), id, Phone)
			return
		}
	}
	if whole {
		sc.add(i, end, d.score(sc, i, 0.4), id, Phone)
	} else if nc > 0 && cuts[nc-1].n >= 8 {
		sc.add(i, cuts[nc-1].end, d.score(sc, i, 0.4), id, Phone)
	}
}

// phoneParen handles "(555) 123-4567" and the Brazilian "(11) 91234-5678".
func phoneParen(d *builtin, sc *scan, id, i int) {
	s := sc.s
	k := i + 1
	a := k
	for !sc.past(k) && isDigit(s[k]) && k-a < 4 {
		k++
	}
	area := k - a
	if (area != 2 && area != 3) || sc.past(k) || s[k] != ')' {
		return
	}
	k++
	if !sc.past(k) && s[k] == ' ' {
		k++
	}
	if sc.past(k) || !isDigit(s[k]) {
		return
	}
	t := sc.tok(k)
	var ds [12]byte
	n := copy(ds[:], []byte{s[a] - '0', s[a+1] - '0'})
	if area == 3 {
		ds[2] = s[a+2] - '0'
		n = 3
	}
	var end int
	var ok bool
	switch {
	case area == 3 && t.shape(3, 4) && (t.gsep[1] == '-' || t.gsep[1] == '.' || t.gsep[1] == ' '):
		end, ok = sc.endOK(t, 2)
	case area == 3 && t.shape(7):
		end, ok = sc.endOK(t, 1)
	case area == 2 && (t.shape(4, 4) || t.shape(5, 4)) && (t.gsep[1] == '-' || t.gsep[1] == ' '):
		end, ok = sc.endOK(t, 2)
	}
	if !ok {
		return
	}
	n += copy(ds[n:], t.digits(2))
	conf := float32(0.7)
	if area == 3 {
		if !nanpOK(ds[:10]) {
			return
		}
	} else if !phoneValid(ds[:n], "BR") {
		return
	}
	sc.add(i, end, d.score(sc, i, conf), id, Phone)
}

// phoneCache memoises libphonenumber verdicts per (region, digits); it is
// cleared when full. The key is a fixed array, so a hit allocates nothing.
type phoneKey [24]byte

var phoneCache struct {
	sync.RWMutex
	m map[phoneKey]bool
}

func phoneValid(ds []byte, region string) bool {
	var k phoneKey
	copy(k[:2], region)
	for i, x := range ds {
		if i+3 >= len(k) {
			break
		}
		k[i+2] = '0' + x
	}
	k[len(k)-1] = byte(len(ds))
	phoneCache.RLock()
	v, ok := phoneCache.m[k]
	phoneCache.RUnlock()
	if ok {
		return v
	}
	var buf [20]byte
	b := buf[:0]
	if region == "" {
		b = append(b, '+')
	}
	for _, x := range ds {
		b = append(b, '0'+x)
	}
	num, err := phonenumbers.Parse(string(b), region)
	valid := err == nil && phonenumbers.IsValidNumber(num)
	if region != "" && valid {
		valid = phonenumbers.GetRegionCodeForNumber(num) == region
	}
	phoneCache.Lock()
	if phoneCache.m == nil || len(phoneCache.m) >= 8192 {
		phoneCache.m = make(map[phoneKey]bool, 1024)
	}
	phoneCache.m[k] = valid
	phoneCache.Unlock()
	return valid
}
