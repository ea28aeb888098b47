package corpus

import "strings"

// The check-digit schemes below are used both to build valid values and, in
// the tests, to prove that every labelled value really is valid (and every
// hard negative really fails where it claims to). Each works on the digits
// (or characters) of a value with its separators already removed.

// digitsOf returns the ASCII digits of s in order, dropping everything else.
func digitsOf(s string) []int {
	ds := make([]int, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			ds = append(ds, int(c-'0'))
		}
	}
	return ds
}

// compact drops spaces, dashes, dots and slashes, the separators that
// identifiers are written with.
func compact(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '-', '.', '/', '\u00a0', '\u202f':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// luhnSum is the Luhn sum of ds where the last digit is the check digit.
func luhnSum(ds []int) int {
	sum := 0
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		if (len(ds)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum
}

// luhnValid reports whether the digits of s pass the Luhn check.
func luhnValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) > 1 && luhnSum(ds)%10 == 0
}

// luhnDigit is the check digit to append to payload.
func luhnDigit(payload []int) int {
	ds := append(append([]int(nil), payload...), 0)
	return (10 - luhnSum(ds)%10) % 10
}

// ibanValid checks the ISO 7064 mod-97-10 checksum of an IBAN written with
// or without spaces.
func ibanValid(s string) bool {
	s = compact(s)
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	for i := 0; i < 2; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	rem, ok := mod97(s[4:] + s[:4])
	return ok && rem == 1
}

// mod97 is the remainder of the number formed by s, letters counting as two
// digits (A=10 ... Z=35).
func mod97(s string) (int, bool) {
	rem := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return 0, false
		}
	}
	return rem, true
}

var verhoeffD = [10][10]int{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
	{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
	{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
	{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
	{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}

var verhoeffP = [8][10]int{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
	{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
	{9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
	{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
}

var verhoeffInv = [10]int{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}

// verhoeffValid reports whether ds (check digit last) passes Verhoeff.
func verhoeffValid(ds []int) bool {
	c := 0
	for i := range ds {
		c = verhoeffD[c][verhoeffP[i%8][ds[len(ds)-1-i]]]
	}
	return c == 0
}

// verhoeffDigit is the check digit to append to payload.
func verhoeffDigit(payload []int) int {
	c := 0
	for i := range payload {
		c = verhoeffD[c][verhoeffP[(i+1)%8][payload[len(payload)-1-i]]]
	}
	return verhoeffInv[c]
}

// weighted is the sum of ds[i]*w[i].
func weighted(ds, w []int) int {
	s := 0
	for i := range w {
		s += ds[i] * w[i]
	}
	return s
}

// mod11BR is the Brazilian mod-11 check digit (CPF, CNPJ, PIS): 11 - r, or 0
// when the remainder r is below 2.
func mod11BR(ds, w []int) int {
	r := weighted(ds, w) % 11
	if r < 2 {
		return 0
	}
	return 11 - r
}

var (
	cpfW1  = []int{10, 9, 8, 7, 6, 5, 4, 3, 2}
	cpfW2  = []int{11, 10, 9, 8, 7, 6, 5, 4, 3, 2}
	cnpjW1 = []int{5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
	cnpjW2 = []int{6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
	pisW   = []int{3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
)

func allSame(ds []int) bool {
	for _, d := range ds {
		if d != ds[0] {
			return false
		}
	}
	return true
}

func cpfValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 11 && !allSame(ds) &&
		mod11BR(ds, cpfW1) == ds[9] && mod11BR(ds, cpfW2) == ds[10]
}

func cnpjValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 14 && !allSame(ds) &&
		mod11BR(ds, cnpjW1) == ds[12] && mod11BR(ds, cnpjW2) == ds[13]
}

func pisValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 11 && !allSame(ds) && mod11BR(ds, pisW) == ds[10]
}

// ssnValid applies the Social Security Administration's structural rules:
// area 001-899 except 666, group 01-99, serial 0001-9999.
func ssnValid(s string) bool {
	ds := digitsOf(s)
	if len(ds) != 9 {
		return false
	}
	area := ds[0]*100 + ds[1]*10 + ds[2]
	group := ds[3]*10 + ds[4]
	serial := ds[5]*1000 + ds[6]*100 + ds[7]*10 + ds[8]
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

// itinValid applies the IRS rule: a leading 9 and a group (4th and 5th
// digits) in 50-65, 70-88, 90-92 or 94-99.
func itinValid(s string) bool {
	ds := digitsOf(s)
	if len(ds) != 9 || ds[0] != 9 {
		return false
	}
	g := ds[3]*10 + ds[4]
	return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || g >= 94
}

// abaValid checks an ABA routing transit number (weights 3, 7, 1).
func abaValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 9 && weighted(ds, []int{3, 7, 1, 3, 7, 1, 3, 7, 1})%10 == 0
}

// nhsValid checks a UK NHS number (mod 11, weights 10..2).
func nhsValid(s string) bool {
	ds := digitsOf(s)
	if len(ds) != 10 {
		return false
	}
	c := 11 - weighted(ds, []int{10, 9, 8, 7, 6, 5, 4, 3, 2})%11
	if c == 11 {
		c = 0
	}
	return c == ds[9]
}

// ninoValid checks the letters of a UK National Insurance number.
func ninoValid(s string) bool {
	s = compact(s)
	if len(s) != 9 {
		return false
	}
	if !strings.ContainsRune(ninoFirst, rune(s[0])) || !strings.ContainsRune(ninoSecond, rune(s[1])) {
		return false
	}
	switch s[:2] {
	case "BG", "GB", "NK", "KN", "TN", "NT", "ZZ":
		return false
	}
	return len(digitsOf(s[2:8])) == 6 && strings.ContainsRune("ABCD", rune(s[8]))
}

const (
	ninoFirst  = "ABCEGHJKLMNOPRSTWXYZ"
	ninoSecond = "ABCEGHJKLMNPRSTWXYZ"
)

func aadhaarValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 12 && ds[0] >= 2 && verhoeffValid(ds)
}

const nifLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

func nifValid(s string) bool {
	s = compact(s)
	if len(s) != 9 {
		return false
	}
	n := 0
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return nifLetters[n%23] == s[8]
}

func nieValid(s string) bool {
	s = compact(s)
	if len(s) != 9 {
		return false
	}
	lead := strings.IndexByte("XYZ", s[0])
	if lead < 0 {
		return false
	}
	return nifValid(string(rune('0'+lead)) + s[1:])
}

// Italian codice fiscale: the value of a character in an odd (1-based)
// position, indexed by digit or letter.
var cfOdd = map[byte]int{
	'0': 1, '1': 0, '2': 5, '3': 7, '4': 9, '5': 13, '6': 15, '7': 17, '8': 19, '9': 21,
	'A': 1, 'B': 0, 'C': 5, 'D': 7, 'E': 9, 'F': 13, 'G': 15, 'H': 17, 'I': 19, 'J': 21,
	'K': 2, 'L': 4, 'M': 18, 'N': 20, 'O': 11, 'P': 3, 'Q': 6, 'R': 8, 'S': 12, 'T': 14,
	'U': 16, 'V': 10, 'W': 22, 'X': 25, 'Y': 24, 'Z': 23,
}

func cfCheck(s string) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		if i%2 == 0 {
			sum += cfOdd[c]
			continue
		}
		if c >= '0' && c <= '9' {
			sum += int(c - '0')
		} else {
			sum += int(c - 'A')
		}
	}
	return byte('A' + sum%26)
}

func cfValid(s string) bool { return len(s) == 16 && cfCheck(s) == s[15] }

// itVATValid checks an Italian partita IVA (Luhn over 11 digits).
func itVATValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 11 && luhnSum(ds)%10 == 0
}

// nricValid checks a Singapore NRIC/FIN with prefix S, T, F or G.
func nricValid(s string) bool {
	if len(s) != 9 {
		return false
	}
	ds := digitsOf(s[1:8])
	if len(ds) != 7 {
		return false
	}
	sum := weighted(ds, []int{2, 7, 6, 5, 4, 3, 2})
	if s[0] == 'T' || s[0] == 'G' {
		sum += 4
	}
	switch s[0] {
	case 'S', 'T':
		return "JZIHGFEDCBA"[sum%11] == s[8]
	case 'F', 'G':
		return "XWUTRQPNMLK"[sum%11] == s[8]
	}
	return false
}

var cnWeights = []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

func cnCheck(ds []int) byte { return "10X98765432"[weighted(ds, cnWeights)%11] }

func cnIDValid(s string) bool {
	if len(s) != 18 {
		return false
	}
	ds := digitsOf(s[:17])
	return len(ds) == 17 && cnCheck(ds) == s[17]
}

func tfnValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 9 && weighted(ds, []int{1, 4, 3, 7, 5, 8, 6, 9, 10})%11 == 0
}

var abnW = []int{10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19}

func abnValid(s string) bool {
	ds := digitsOf(s)
	if len(ds) != 11 || ds[0] == 0 {
		return false
	}
	ds[0]--
	return weighted(ds, abnW)%89 == 0
}

func acnValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 9 && (10-weighted(ds, []int{8, 7, 6, 5, 4, 3, 2, 1})%10)%10 == ds[8]
}

func medicareValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 10 && ds[0] >= 2 && ds[0] <= 6 &&
		weighted(ds, []int{1, 3, 7, 9, 1, 3, 7, 9})%10 == ds[8]
}

var peselW = []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}

func peselValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 11 && (10-weighted(ds, peselW)%10)%10 == ds[10]
}

var rrnW = []int{2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5}

func rrnValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 13 && (11-weighted(ds, rrnW)%11)%10 == ds[12]
}

const hetuChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

func hetuValid(s string) bool {
	if len(s) != 11 || !strings.ContainsRune("-+A", rune(s[6])) {
		return false
	}
	ds := digitsOf(s[:6] + s[7:10])
	if len(ds) != 9 {
		return false
	}
	n := 0
	for _, d := range ds {
		n = n*10 + d
	}
	return hetuChars[n%31] == s[10]
}

var tninW = []int{13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2}

func tninValid(s string) bool {
	ds := digitsOf(s)
	return len(ds) == 13 && (11-weighted(ds, tninW)%11)%10 == ds[12]
}

// gstinCheck is the Indian GSTIN check character (Luhn mod 36).
func gstinCheck(s string) byte {
	const alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	sum := 0
	for i := 0; i < 14; i++ {
		v := strings.IndexByte(alpha, s[i])
		p := v * (i%2 + 1)
		sum += p/36 + p%36
	}
	return alpha[(36-sum%36)%36]
}

func gstinValid(s string) bool { return len(s) == 15 && gstinCheck(s) == s[14] }
