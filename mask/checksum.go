package mask

// Checksums used by the validators. They take digit values (0..9), not
// ASCII, so callers convert once.

func luhn(ds []byte) bool {
	if len(ds) == 0 {
		return false
	}
	sum := 0
	dbl := false
	for i := len(ds) - 1; i >= 0; i-- {
		d := int(ds[i])
		if dbl {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		dbl = !dbl
	}
	return sum%10 == 0
}

var verhoeffD = [10][10]uint8{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
	{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
	{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
	{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
	{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}

var verhoeffP = [8][10]uint8{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
	{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
	{9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
	{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
}

func verhoeff(ds []byte) bool {
	c := uint8(0)
	for i := 0; i < len(ds); i++ {
		c = verhoeffD[c][verhoeffP[i%8][ds[len(ds)-1-i]]]
	}
	return c == 0
}

// weighted returns sum(ds[i]*w[i]).
func weighted(ds []byte, w ...int) int {
	s := 0
	for i, x := range w {
		s += int(ds[i]) * x
	}
	return s
}

// brMod11 is the Brazilian check digit: 11 - sum%11, or 0 when that is 10 or 11.
func brMod11(sum int) byte {
	if r := sum % 11; r >= 2 {
		return byte(11 - r)
	}
	return 0
}

func allSame(ds []byte) bool {
	for _, d := range ds[1:] {
		if d != ds[0] {
			return false
		}
	}
	return len(ds) > 0
}

// mod97 computes an ISO 7064 mod-97 remainder over alphanumerics (letters
// count as 10..35), the IBAN rule.
func mod97(s string) int {
	r := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A') + 10) % 97
		case c >= 'a' && c <= 'z':
			r = (r*100 + int(c-'a') + 10) % 97
		default:
			return -1
		}
	}
	return r
}

// iso7064Mod1110 validates the German tax id check digit (ISO 7064 MOD 11,10).
func iso7064Mod1110(ds []byte) bool {
	p := 10
	for _, d := range ds[:len(ds)-1] {
		s := (int(d) + p) % 10
		if s == 0 {
			s = 10
		}
		p = (2 * s) % 11
	}
	c := 11 - p
	if c == 10 {
		c = 0
	}
	return c == int(ds[len(ds)-1])
}

// validDate reports whether y-m-d is a calendar date (y four digits).
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if d > days[m] {
		return false
	}
	if m == 2 && d == 29 {
		return y%4 == 0 && (y%100 != 0 || y%400 == 0)
	}
	return true
}
