package corpus

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// gen produces values from one seeded source, so a corpus is reproducible.
type gen struct {
	r *rand.Rand
	// holdout switches to the held-out templates and formats.
	holdout bool
}

func newGen(seed int64) *gen {
	return &gen{r: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

func (g *gen) intn(n int) int          { return g.r.IntN(n) }
func (g *gen) between(lo, hi int) int  { return lo + g.r.IntN(hi-lo+1) }
func (g *gen) chance(p float64) bool   { return g.r.Float64() < p }
func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) digits(n int) []int {
	ds := make([]int, n)
	for i := range ds {
		ds[i] = g.r.IntN(10)
	}
	return ds
}

func (g *gen) chars(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

const (
	upper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lower    = "abcdefghijklmnopqrstuvwxyz"
	numerals = "0123456789"
	alnum    = upper + lower + numerals
	hexLower = "0123456789abcdef"
	b64chars = alnum + "+/"
	b64url   = alnum + "-_"
)

func str(ds []int) string {
	b := make([]byte, len(ds))
	for i, d := range ds {
		b[i] = byte('0' + d)
	}
	return string(b)
}

// group writes s in groups of the given sizes joined by sep.
func group(s, sep string, sizes ...int) string {
	var b strings.Builder
	i := 0
	for k, n := range sizes {
		if k > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	if i < len(s) {
		b.WriteString(sep)
		b.WriteString(s[i:])
	}
	return b.String()
}

// ---- payment and banking ----

type cardBrand struct {
	name    string
	prefix  func(g *gen) string
	length  int
	grouped []int
}

var cardBrands = []cardBrand{
	{"visa", func(g *gen) string { return "4" }, 16, []int{4, 4, 4}},
	{"mastercard", func(g *gen) string { return strconv.Itoa(g.between(51, 55)) }, 16, []int{4, 4, 4}},
	{"mastercard2", func(g *gen) string { return strconv.Itoa(g.between(2221, 2720)) }, 16, []int{4, 4, 4}},
	{"amex", func(g *gen) string { return g.pick([]string{"34", "37"}) }, 15, []int{4, 6}},
	{"discover", func(g *gen) string { return g.pick([]string{"6011", "65", "644", "649"}) }, 16, []int{4, 4, 4}},
	{"jcb", func(g *gen) string { return strconv.Itoa(g.between(3528, 3589)) }, 16, []int{4, 4, 4}},
	{"diners", func(g *gen) string { return g.pick([]string{"36", "38", "300", "305"}) }, 14, []int{4, 6}},
	{"unionpay", func(g *gen) string { return "62" + strconv.Itoa(g.between(2126, 2925)) }, 16, []int{4, 4, 4}},
	{"visa19", func(g *gen) string { return "4" }, 19, []int{4, 4, 4, 4}},
}

func (g *gen) cardDigits(b cardBrand) string {
	p := b.prefix(g)
	ds := digitsOf(p)
	ds = append(ds, g.digits(b.length-1-len(ds))...)
	ds = append(ds, luhnDigit(ds))
	return str(ds)
}

// card returns a Luhn-valid card number of a random brand and layout.
func (g *gen) card() (string, string) {
	b := cardBrands[g.intn(len(cardBrands))]
	if b.name == "visa19" && g.chance(0.7) {
		b = cardBrands[0]
	}
	s := g.cardDigits(b)
	if g.holdout && g.chance(0.25) {
		return group(s, "\u00a0", b.grouped...), b.name + "/nbsp"
	}
	switch g.intn(10) {
	case 0, 1, 2:
		return s, b.name + "/compact"
	case 3:
		return group(s, "-", b.grouped...), b.name + "/dashed"
	default:
		return group(s, " ", b.grouped...), b.name + "/spaced"
	}
}

// luhnFailing returns a 16-digit card-shaped number whose Luhn check fails.
func (g *gen) luhnFailing() string {
	s := g.cardDigits(cardBrands[g.intn(3)])
	ds := digitsOf(s)
	ds[15] = (ds[15] + 1 + g.intn(9)) % 10
	s = str(ds)
	if g.chance(0.5) {
		return group(s, " ", 4, 4, 4)
	}
	return s
}

type ibanSpec struct {
	cc   string
	bban string // n digit, a letter, c letter or digit (mostly digits)
}

var ibanSpecs = []ibanSpec{
	{"DE", "18n"}, {"GB", "4a14n"}, {"FR", "10n11c2n"}, {"ES", "20n"}, {"IT", "1a10n12c"},
	{"NL", "4a10n"}, {"BE", "12n"}, {"CH", "5n12c"}, {"AT", "16n"}, {"PL", "24n"},
	{"PT", "21n"}, {"SE", "20n"}, {"IE", "4a14n"}, {"DK", "14n"}, {"NO", "11n"},
	{"FI", "14n"}, {"BR", "23n1a1c"}, {"SA", "2n18c"}, {"AE", "19n"}, {"TR", "6n16c"},
	{"LU", "3n13c"}, {"CZ", "20n"}, {"HU", "24n"}, {"RO", "4a16c"}, {"GR", "7n16c"},
}

func (g *gen) bban(spec string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		if c >= '0' && c <= '9' {
			n = n*10 + int(c-'0')
			continue
		}
		for ; n > 0; n-- {
			switch {
			case c == 'n':
				b.WriteByte(numerals[g.intn(10)])
			case c == 'a':
				b.WriteByte(upper[g.intn(26)])
			case g.chance(0.85):
				b.WriteByte(numerals[g.intn(10)])
			default:
				b.WriteByte(upper[g.intn(26)])
			}
		}
	}
	return b.String()
}

func ibanWithCheck(cc, bban string) string {
	rem, _ := mod97(bban + cc + "00")
	return fmt.Sprintf("%s%02d%s", cc, 98-rem, bban)
}

func (g *gen) iban() (string, string) {
	spec := ibanSpecs[g.intn(len(ibanSpecs))]
	s := ibanWithCheck(spec.cc, g.bban(spec.bban))
	if g.chance(0.55) {
		return groupEvery(s, 4, " "), spec.cc + "/print"
	}
	return s, spec.cc + "/compact"
}

// ibanFailing returns an IBAN-shaped string with wrong check digits.
func (g *gen) ibanFailing() string {
	spec := ibanSpecs[g.intn(len(ibanSpecs))]
	s := ibanWithCheck(spec.cc, g.bban(spec.bban))
	cd, _ := strconv.Atoi(s[2:4])
	cd = (cd+1+g.intn(90))%97 + 2
	if cd > 98 {
		cd = 2
	}
	return groupEvery(fmt.Sprintf("%s%02d%s", s[:2], cd, s[4:]), 4, " ")
}

func groupEvery(s string, n int, sep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i:min(i+n, len(s))])
	}
	return b.String()
}

func (g *gen) aba() (string, string) {
	pre := g.pick([]string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
		"21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "61", "62", "63", "64", "65", "66", "67", "68", "69", "70", "71", "72"})
	ds := append(digitsOf(pre), g.digits(6)...)
	partial := weighted(ds, []int{3, 7, 1, 3, 7, 1, 3, 7})
	ds = append(ds, (10-partial%10)%10)
	return str(ds), "bare"
}

// crypto returns a Bitcoin P2PKH/P2SH address with a valid Base58Check
// checksum, or an Ethereum address.
func (g *gen) crypto() (string, string) {
	if g.chance(0.35) {
		return "0x" + g.chars(40, hexLower), "eth"
	}
	version := byte(0x00)
	variant := "btc-p2pkh"
	if g.chance(0.3) {
		version, variant = 0x05, "btc-p2sh"
	}
	payload := append([]byte{version}, g.bytes(20)...)
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	return base58(append(payload, h2[:4]...)), variant
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func base58(b []byte) string {
	var digits []byte // little-endian base-58 digits
	for _, c := range b {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	var out []byte
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i := len(digits) - 1; i >= 0; i-- {
		out = append(out, base58Alphabet[digits[i]])
	}
	return string(out)
}

func unbase58(s string) []byte {
	num := []byte{0}
	for i := 0; i < len(s); i++ {
		carry := strings.IndexByte(base58Alphabet, s[i])
		if carry < 0 {
			return nil
		}
		for j := range num {
			carry += int(num[j]) * 58
			num[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			num = append(num, byte(carry))
			carry >>= 8
		}
	}
	zeros := len(s) - len(strings.TrimLeft(s, "1"))
	for len(num) > 0 && num[len(num)-1] == 0 {
		num = num[:len(num)-1]
	}
	out := make([]byte, zeros, zeros+len(num))
	for i := len(num) - 1; i >= 0; i-- {
		out = append(out, num[i])
	}
	return out
}

// ---- contact and network ----

var (
	firstNames = []string{"James", "Maria", "Wei", "Aarav", "Sofia", "Lukas", "Chloé", "João", "Olivia", "Mohammed",
		"Priya", "Hannah", "Mateo", "Zoë", "Łukasz", "Ana", "Kenji", "Fatima", "Noah", "Émilie", "Jürgen", "Siobhan",
		"Ravi", "Isabella", "Oliver", "Camille", "Giulia", "Andrés", "Min-jun", "Aino", "Thabo", "Nguyễn", "Søren", "Ayşe"}
	lastNames = []string{"Smith", "García", "Müller", "Dubois", "Silva", "Patel", "Rossi", "Kowalski", "Nguyen", "O'Brien",
		"Johnson", "Sharma", "Fernández", "Schmidt", "Martin", "Santos", "Bianchi", "Tanaka", "Kim", "Virtanen", "Brown",
		"Lefèvre", "Gonçalves", "Nowak", "Chen", "Hernández", "Williams", "Jensen", "Yılmaz", "Okafor", "MacDonald"}
	mailDomains = []string{"gmail.com", "outlook.com", "yahoo.co.uk", "web.de", "gmx.de", "orange.fr", "uol.com.br",
		"acme-corp.com", "mail.globex.io", "initech.co", "uni-heidelberg.de", "nhs.net", "stmarys-hospital.org",
		"example.org", "proton.me", "hey.com", "fastmail.fm", "bol.com.br", "libero.it", "rediffmail.com", "cs.stanford.edu",
		"dept.gov.au", "company.co.in", "t-online.de", "free.fr", "icloud.com", "sub.mail.contoso.net"}
)

func asciiFold(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ü", "u", "ö", "o", "ä", "a", "ç", "c", "ã", "a", "ó", "o", "á", "a",
		"í", "i", "ë", "e", "Ł", "L", "ł", "l", "ễ", "e", "ø", "o", "ş", "s", "ı", "i", "'", "", "-", "", "É", "E", "Ø", "O")
	return r.Replace(s)
}

func (g *gen) email() (string, string) {
	f := strings.ToLower(asciiFold(g.pick(firstNames)))
	l := strings.ToLower(asciiFold(g.pick(lastNames)))
	d := g.pick(mailDomains)
	var local, variant string
	switch g.intn(8) {
	case 0:
		local, variant = f+"."+l, "first.last"
	case 1:
		local, variant = f[:1]+l, "flast"
	case 2:
		local, variant = f+"_"+l+strconv.Itoa(g.between(1, 99)), "first_last_n"
	case 3:
		local, variant = f+"+"+g.pick([]string{"billing", "news", "rag", "test", "work"}), "plus_tag"
	case 4:
		local, variant = g.pick([]string{"support", "billing", "noreply", "it-helpdesk", "dpo", "privacy", "oncall"}), "role"
	case 5:
		local, variant = strings.ToUpper(f[:1])+f[1:]+"."+strings.ToUpper(l[:1])+l[1:], "Capitalised"
	case 6:
		local, variant = l+"."+f+"."+strconv.Itoa(g.between(1960, 2005)), "last.first.year"
	default:
		local, variant = f+l, "firstlast"
	}
	if g.holdout && g.chance(0.15) {
		return strings.ToUpper(local + "@" + d), "UPPER"
	}
	return local + "@" + d, variant
}

// phoneCandidates build national or international numbers for one region.
var phoneRegions = []struct {
	region string
	build  func(g *gen) string
}{
	{"US", func(g *gen) string {
		area := g.pick([]string{"212", "415", "312", "617", "206", "512", "303", "404", "305", "702", "646", "213", "718", "503", "919"})
		ex := strconv.Itoa(g.between(201, 989))
		line := fmt.Sprintf("%04d", g.between(1000, 9999))
		switch g.intn(6) {
		case 0:
			return "(" + area + ") " + ex + "-" + line
		case 1:
			return area + "-" + ex + "-" + line
		case 2:
			return area + "." + ex + "." + line
		case 3:
			return "+1 " + area + " " + ex + " " + line
		case 4:
			return "1-" + area + "-" + ex + "-" + line
		default:
			return "+1 (" + area + ") " + ex + "-" + line
		}
	}},
	{"GB", func(g *gen) string {
		switch g.intn(5) {
		case 0:
			return "07" + strconv.Itoa(g.pick2(g, []int{400, 500, 700, 800, 900})+g.intn(99)) + " " + fmt.Sprintf("%06d", g.between(100000, 999999))
		case 1:
			return "+44 7" + strconv.Itoa(g.pick2(g, []int{400, 500, 700, 800, 900})+g.intn(99)) + " " + fmt.Sprintf("%06d", g.between(100000, 999999))
		case 2:
			return "020 7" + fmt.Sprintf("%03d %04d", g.between(100, 999), g.between(1000, 9999))
		case 3:
			return "0161 " + fmt.Sprintf("%03d %04d", g.between(200, 999), g.between(1000, 9999))
		default:
			return "+44 (0)113 " + fmt.Sprintf("%03d %04d", g.between(200, 999), g.between(1000, 9999))
		}
	}},
	{"DE", func(g *gen) string {
		switch g.intn(5) {
		case 0:
			return "+49 30 " + fmt.Sprintf("%08d", g.between(20000000, 99999999))
		case 1:
			return "030 " + fmt.Sprintf("%d %d", g.between(200, 999), g.between(10000, 99999))
		case 2:
			return g.pick([]string{"0151", "0160", "0170", "0171", "0172", "0176"}) + " " + fmt.Sprintf("%08d", g.between(10000000, 99999999))
		case 3:
			return "+49 " + g.pick([]string{"151", "160", "170", "171", "172", "176"}) + " " + fmt.Sprintf("%08d", g.between(10000000, 99999999))
		default:
			return "089/" + fmt.Sprintf("%d", g.between(2000000, 9999999))
		}
	}},
	{"FR", func(g *gen) string {
		first := g.pick([]string{"01", "02", "03", "04", "05", "06", "07", "09"})
		rest := fmt.Sprintf("%02d %02d %02d %02d", g.intn(100), g.intn(100), g.intn(100), g.intn(100))
		switch g.intn(4) {
		case 0:
			return "+33 " + first[1:] + " " + rest
		case 1:
			return first + "." + strings.ReplaceAll(rest, " ", ".")
		default:
			return first + " " + rest
		}
	}},
	{"BR", func(g *gen) string {
		ddd := g.pick([]string{"11", "21", "31", "41", "51", "61", "71", "81", "85", "19"})
		if g.chance(0.7) {
			n := fmt.Sprintf("9%04d-%04d", g.between(6000, 9999), g.intn(10000))
			if g.chance(0.4) {
				return "+55 " + ddd + " " + n
			}
			return "(" + ddd + ") " + n
		}
		return "(" + ddd + ") " + fmt.Sprintf("%d-%04d", g.between(2000, 3999), g.intn(10000))
	}},
	{"IN", func(g *gen) string {
		n := fmt.Sprintf("%d%04d", g.between(6, 9), g.intn(10000))
		m := fmt.Sprintf("%05d", g.intn(100000))
		switch g.intn(4) {
		case 0:
			return "+91 " + n + " " + m
		case 1:
			return "+91-" + n + m
		case 2:
			return "0" + n + " " + m
		default:
			return n + " " + m
		}
	}},
	{"E164", func(g *gen) string {
		switch g.intn(5) {
		case 0:
			return "+1" + g.pick([]string{"415", "212", "617", "312"}) + strconv.Itoa(g.between(201, 989)) + fmt.Sprintf("%04d", g.intn(10000))
		case 1:
			return "+447" + strconv.Itoa(g.between(400, 999)) + fmt.Sprintf("%06d", g.intn(1000000))
		case 2:
			return "+4915" + strconv.Itoa(g.between(10, 99)) + fmt.Sprintf("%07d", g.intn(10000000))
		case 3:
			return "+336" + fmt.Sprintf("%08d", g.intn(100000000))
		default:
			return "+55119" + fmt.Sprintf("%04d%04d", g.between(6000, 9999), g.intn(10000))
		}
	}},
}

func (g *gen) pick2(_ *gen, xs []int) int { return xs[g.intn(len(xs))] }

func phoneRegionOf(region, s string) string {
	if region == "E164" || strings.HasPrefix(s, "+") {
		return "ZZ"
	}
	return region
}

// phoneValid reports whether libphonenumber accepts s as a valid number of
// the given region (or, for international form, of its country code).
func phoneValid(region, s string) bool {
	num, err := phonenumbers.Parse(s, phoneRegionOf(region, s))
	return err == nil && phonenumbers.IsValidNumber(num)
}

// phone returns a number of a random region that libphonenumber validates.
func (g *gen) phone() (string, string) {
	reg := phoneRegions[g.intn(len(phoneRegions))]
	return g.phoneOf(reg.region), reg.region
}

func (g *gen) phoneOf(region string) string {
	for _, reg := range phoneRegions {
		if reg.region != region {
			continue
		}
		build := reg.build
		if h, ok := holdoutPhones[region]; ok && g.holdout && g.chance(0.6) {
			build = h
		}
		for {
			if s := build(g); phoneValid(region, s) {
				return s
			}
		}
	}
	panic("corpus: unknown phone region " + region)
}

func (g *gen) ipv4() (string, string) {
	switch g.intn(5) {
	case 0:
		return fmt.Sprintf("10.%d.%d.%d", g.intn(256), g.intn(256), g.between(1, 254)), "private10"
	case 1:
		return fmt.Sprintf("192.168.%d.%d", g.intn(256), g.between(1, 254)), "private192"
	case 2:
		return fmt.Sprintf("172.%d.%d.%d", g.between(16, 31), g.intn(256), g.between(1, 254)), "private172"
	default:
		a := g.pick2(g, []int{23, 34, 45, 52, 66, 81, 91, 104, 142, 151, 185, 198, 203, 212})
		return fmt.Sprintf("%d.%d.%d.%d", a, g.intn(256), g.intn(256), g.between(1, 254)), "public"
	}
}

func (g *gen) ipv6() (string, string) {
	hs := make([]string, 8)
	for i := range hs {
		hs[i] = strconv.FormatUint(uint64(g.intn(0x10000)), 16)
	}
	switch g.intn(4) {
	case 0:
		hs[0], hs[1] = "2001", "db8"
		return strings.Join(hs, ":"), "full"
	case 1:
		return "2001:db8:" + hs[2] + "::" + hs[6] + ":" + hs[7], "compressed"
	case 2:
		return "fe80::" + hs[4] + ":" + hs[5] + ":" + hs[6] + ":" + hs[7], "link-local"
	default:
		return "2a02:" + hs[1] + ":" + hs[2] + ":" + hs[3] + "::" + hs[7], "compressed"
	}
}

func (g *gen) ip() (string, string) {
	if g.chance(0.3) {
		return g.ipv6()
	}
	return g.ipv4()
}

func (g *gen) mac() (string, string) {
	b := g.bytes(6)
	b[0] &^= 1 // unicast
	h := hex.EncodeToString(b)
	switch g.intn(4) {
	case 0:
		return strings.ToUpper(groupEvery(h, 2, "-")), "dash"
	case 1:
		return groupEvery(h, 4, "."), "cisco"
	case 2:
		return strings.ToUpper(groupEvery(h, 2, ":")), "COLON"
	default:
		return groupEvery(h, 2, ":"), "colon"
	}
}

// ---- government and health identifiers ----

func (g *gen) ssn() (string, string) {
	for {
		area := g.between(1, 899)
		if area == 666 {
			continue
		}
		s := fmt.Sprintf("%03d%02d%04d", area, g.between(1, 99), g.between(1, 9999))
		if s == "123456789" || s == "078051120" {
			continue
		}
		switch g.intn(6) {
		case 0:
			return s, "bare"
		case 1:
			return group(s, " ", 3, 2), "spaced"
		default:
			return group(s, "-", 3, 2), "dashed"
		}
	}
}

// ssnInvalid returns an SSN-shaped value that breaks an SSA rule.
func (g *gen) ssnInvalid() string {
	switch g.intn(4) {
	case 0:
		return fmt.Sprintf("000-%02d-%04d", g.between(1, 99), g.between(1, 9999))
	case 1:
		return fmt.Sprintf("666-%02d-%04d", g.between(1, 99), g.between(1, 9999))
	case 2:
		return fmt.Sprintf("%03d-00-%04d", g.between(1, 665), g.between(1, 9999))
	default:
		return fmt.Sprintf("%03d-%02d-0000", g.between(1, 665), g.between(1, 99))
	}
}

func (g *gen) itin() (string, string) {
	ranges := [][2]int{{50, 65}, {70, 88}, {90, 92}, {94, 99}}
	r := ranges[g.intn(len(ranges))]
	s := fmt.Sprintf("9%02d%02d%04d", g.intn(100), g.between(r[0], r[1]), g.between(1, 9999))
	if g.chance(0.2) {
		return s, "bare"
	}
	return group(s, "-", 3, 2), "dashed"
}

func (g *gen) nhs() (string, string) {
	for {
		ds := append([]int{g.between(4, 7)}, g.digits(8)...)
		c := 11 - weighted(ds, []int{10, 9, 8, 7, 6, 5, 4, 3, 2})%11
		if c == 10 {
			continue
		}
		if c == 11 {
			c = 0
		}
		s := str(append(ds, c))
		switch g.intn(10) {
		case 0, 1, 2:
			return s, "bare"
		case 3:
			return group(s, "-", 3, 3), "dashed"
		default:
			return group(s, " ", 3, 3), "spaced"
		}
	}
}

func (g *gen) nino() (string, string) {
	for {
		p := g.chars(1, ninoFirst) + g.chars(1, ninoSecond)
		switch p {
		case "BG", "GB", "NK", "KN", "TN", "NT", "ZZ":
			continue
		}
		s := p + str(g.digits(6)) + g.chars(1, "ABCD")
		if g.chance(0.4) {
			return group(s, " ", 2, 2, 2, 2), "spaced"
		}
		return s, "compact"
	}
}

func (g *gen) aadhaar() (string, string) {
	ds := append([]int{g.between(2, 9)}, g.digits(10)...)
	ds = append(ds, verhoeffDigit(ds))
	s := str(ds)
	switch g.intn(5) {
	case 0:
		return s, "bare"
	case 1:
		return group(s, "-", 4, 4), "dashed"
	default:
		return group(s, " ", 4, 4), "spaced"
	}
}

func (g *gen) panCard() string {
	return g.chars(3, upper) + g.chars(1, "PCHFATBLJG") + g.chars(1, upper) + str(g.digits(4)) + g.chars(1, upper)
}

func (g *gen) pan() (string, string) { return g.panCard(), "individual" }

func (g *gen) gstin() (string, string) {
	s := fmt.Sprintf("%02d", g.between(1, 37)) + g.panCard() + g.chars(1, "123456789") + "Z"
	return s + string(gstinCheck(s)), "regular"
}

func (g *gen) cpf() (string, string) {
	for {
		ds := g.digits(9)
		if allSame(ds) {
			continue
		}
		ds = append(ds, mod11BR(ds, cpfW1))
		ds = append(ds, mod11BR(ds, cpfW2))
		s := str(ds)
		if g.chance(0.25) {
			return s, "bare"
		}
		return s[:3] + "." + s[3:6] + "." + s[6:9] + "-" + s[9:], "formatted"
	}
}

func (g *gen) cnpj() (string, string) {
	ds := append(g.digits(8), 0, 0, 0, g.between(1, 3))
	ds = append(ds, mod11BR(ds, cnpjW1))
	ds = append(ds, mod11BR(ds, cnpjW2))
	s := str(ds)
	if g.chance(0.25) {
		return s, "bare"
	}
	return s[:2] + "." + s[2:5] + "." + s[5:8] + "/" + s[8:12] + "-" + s[12:], "formatted"
}

func (g *gen) pis() (string, string) {
	ds := append([]int{1, g.between(0, 3)}, g.digits(8)...)
	ds = append(ds, mod11BR(ds, pisW))
	s := str(ds)
	return s[:3] + "." + s[3:8] + "." + s[8:10] + "-" + s[10:], "formatted"
}

func (g *gen) nif() (string, string) {
	n := g.between(1000000, 99999999)
	return fmt.Sprintf("%08d%c", n, nifLetters[n%23]), "dni"
}

func (g *gen) nie() (string, string) {
	lead := g.intn(3)
	n := g.intn(10000000)
	return fmt.Sprintf("%c%07d%c", "XYZ"[lead], n, nifLetters[(lead*10000000+n)%23]), "nie"
}

func (g *gen) fiscalCode() (string, string) {
	consonants := "BCDFGHJKLMNPQRSTVWXYZ"
	s := g.chars(3, consonants) + g.chars(3, consonants) + fmt.Sprintf("%02d", g.intn(100)) +
		g.chars(1, "ABCDEHLMPRST") + fmt.Sprintf("%02d", g.between(1, 28)+40*g.intn(2)) +
		g.chars(1, "ABCDEFGHILM") + fmt.Sprintf("%03d", g.between(1, 999))
	return s + string(cfCheck(s)), "person"
}

func (g *gen) itVAT() (string, string) {
	ds := append(g.digits(7), digitsOf(fmt.Sprintf("%03d", g.between(1, 100)))...)
	ds = append(ds, luhnDigit(ds))
	return str(ds), "partita_iva"
}

func (g *gen) nric() (string, string) {
	for {
		p := "STFG"[g.intn(4)]
		ds := g.digits(7)
		sum := weighted(ds, []int{2, 7, 6, 5, 4, 3, 2})
		if p == 'T' || p == 'G' {
			sum += 4
		}
		table := "JZIHGFEDCBA"
		if p == 'F' || p == 'G' {
			table = "XWUTRQPNMLK"
		}
		return string(p) + str(ds) + string(table[sum%11]), string(p)
	}
}

func (g *gen) cnID() (string, string) {
	area := g.pick([]string{"110101", "110105", "310101", "310115", "440301", "440106", "330106", "510107", "420102", "320102"})
	date := fmt.Sprintf("%04d%02d%02d", g.between(1950, 2005), g.between(1, 12), g.between(1, 28))
	s := area + date + fmt.Sprintf("%03d", g.intn(1000))
	return s + string(cnCheck(digitsOf(s))), "18"
}

func (g *gen) tfn() (string, string) {
	for {
		ds := g.digits(8)
		d := weighted(ds, []int{1, 4, 3, 7, 5, 8, 6, 9}) % 11
		if d == 10 {
			continue
		}
		s := str(append(ds, d))
		if g.chance(0.5) {
			return group(s, " ", 3, 3), "spaced"
		}
		return s, "bare"
	}
}

func (g *gen) abn() (string, string) {
	for {
		tail := g.digits(9)
		for lead := 10; lead < 100; lead++ {
			ds := append([]int{lead / 10, lead % 10}, tail...)
			s := str(ds)
			if abnValid(s) {
				return group(s, " ", 2, 3, 3), "spaced"
			}
		}
	}
}

func (g *gen) acn() (string, string) {
	ds := g.digits(8)
	ds = append(ds, (10-weighted(ds, []int{8, 7, 6, 5, 4, 3, 2, 1})%10)%10)
	return group(str(ds), " ", 3, 3), "spaced"
}

func (g *gen) medicare() (string, string) {
	ds := append([]int{g.between(2, 6)}, g.digits(7)...)
	ds = append(ds, weighted(ds, []int{1, 3, 7, 9, 1, 3, 7, 9})%10, g.between(1, 9))
	s := str(ds)
	if g.chance(0.5) {
		return group(s, " ", 4, 5), "spaced"
	}
	return s, "bare"
}

func (g *gen) pesel() (string, string) {
	y := g.between(1950, 2009)
	m := g.between(1, 12)
	if y >= 2000 {
		m += 20
	}
	ds := digitsOf(fmt.Sprintf("%02d%02d%02d%04d", y%100, m, g.between(1, 28), g.intn(10000)))
	ds = append(ds, (10-weighted(ds, peselW)%10)%10)
	return str(ds), "bare"
}

func (g *gen) rrn() (string, string) {
	ds := digitsOf(fmt.Sprintf("%02d%02d%02d%d%05d", g.intn(100), g.between(1, 12), g.between(1, 28), g.between(1, 4), g.intn(100000)))
	ds = append(ds, (11-weighted(ds, rrnW)%11)%10)
	s := str(ds)
	return s[:6] + "-" + s[6:], "dashed"
}

func (g *gen) hetu() (string, string) {
	y := g.between(1940, 2015)
	sign := "-"
	if y >= 2000 {
		sign = "A"
	}
	date := fmt.Sprintf("%02d%02d%02d", g.between(1, 28), g.between(1, 12), y%100)
	ind := fmt.Sprintf("%03d", g.between(2, 899))
	n, _ := strconv.Atoi(date + ind)
	return date + sign + ind + string(hetuChars[n%31]), "dated"
}

func (g *gen) tnin() (string, string) {
	ds := append([]int{g.between(1, 8)}, g.digits(11)...)
	ds = append(ds, (11-weighted(ds, tninW)%11)%10)
	s := str(ds)
	if g.chance(0.5) {
		return s[:1] + "-" + s[1:5] + "-" + s[5:10] + "-" + s[10:12] + "-" + s[12:], "dashed"
	}
	return s, "bare"
}

func (g *gen) mrn() (string, string) {
	switch g.intn(3) {
	case 0:
		return fmt.Sprintf("MRN-%07d", g.intn(10000000)), "prefixed"
	case 1:
		return fmt.Sprintf("%08d", g.between(10000000, 99999999)), "bare8"
	default:
		return fmt.Sprintf("%s%06d", g.chars(2, upper), g.intn(1000000)), "letters"
	}
}

// ---- secrets ----

func (g *gen) awsAccessKey() (string, string) {
	p := g.pick([]string{"AKIA", "AKIA", "AKIA", "ASIA"})
	return p + g.chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), p
}

func (g *gen) awsSecretKey() (string, string) { return g.chars(40, b64chars), "40" }

// githubToken builds a token with GitHub's CRC32 checksum (base62, six
// characters) in its last six characters.
func (g *gen) githubToken() (string, string) {
	p := g.pick([]string{"ghp_", "ghp_", "gho_", "ghs_", "ghu_", "github_pat_"})
	if p == "github_pat_" {
		return p + g.chars(22, alnum) + "_" + g.chars(59, alnum), "fine-grained"
	}
	body := g.chars(30, alnum)
	return p + body + base62(crc32.ChecksumIEEE([]byte(body)), 6), p
}

func base62(v uint32, width int) string {
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[v%62]
		v /= 62
	}
	return string(b)
}

func (g *gen) gitlabToken() (string, string) { return "glpat-" + g.chars(20, b64url), "pat" }

func (g *gen) slackToken() (string, string) {
	p := g.pick([]string{"xoxb", "xoxp", "xoxa", "xoxe"})
	return fmt.Sprintf("%s-%d-%d-%s", p, g.between(1000000000, 9999999999), g.between(1000000000, 9999999999), g.chars(24, alnum)), p
}

func (g *gen) slackWebhook() (string, string) {
	return "https://hooks.slack.com/services/T" + g.chars(8, upper+numerals) + "/B" + g.chars(10, upper+numerals) + "/" + g.chars(24, alnum), "webhook"
}

func (g *gen) stripeKey() (string, string) {
	p := g.pick([]string{"sk_live_", "sk_live_", "rk_live_", "sk_test_"})
	return p + g.chars(g.pick2(g, []int{24, 99}), alnum), p
}

func (g *gen) googleAPIKey() (string, string) { return "AIza" + g.chars(35, b64url), "AIza" }

// jwt builds a real HS256 token over a plausible claim set.
func (g *gen) jwt() (string, string) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims := fmt.Sprintf(`{"sub":"%d","name":"%s %s","iat":%d,"exp":%d,"scope":"%s"}`,
		g.between(1000, 999999), g.pick(firstNames), g.pick(lastNames), 1700000000+g.intn(30000000),
		1740000000+g.intn(30000000), g.pick([]string{"read", "read write", "admin", "rag:query"}))
	payload := enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, g.bytes(32))
	mac.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + enc.EncodeToString(mac.Sum(nil)), "hs256"
}

// privateKey returns a PEM block: a real Ed25519 PKCS#8 key, or an RSA /
// OpenSSH shaped block with random body.
func (g *gen) privateKey() (string, string) {
	switch g.intn(3) {
	case 0:
		key := ed25519.NewKeyFromSeed(g.bytes(ed25519.SeedSize))
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			panic(err)
		}
		return strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "\n"), "pkcs8-ed25519"
	case 1:
		return strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: g.bytes(600)})), "\n"), "rsa"
	default:
		body := base64.StdEncoding.EncodeToString(g.bytes(300))
		return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + groupEvery(body, 70, "\n") + "\n-----END OPENSSH PRIVATE KEY-----", "openssh"
	}
}

// genericSecret is a high-entropy value that only its key word marks as a
// secret.
func (g *gen) genericSecret() (string, string) {
	switch g.intn(4) {
	case 0:
		return g.chars(32, hexLower), "hex32"
	case 1:
		// No '@', '#', '/', ':' or '%': the value may sit in a URL's userinfo.
		return g.chars(g.between(20, 32), alnum+"!*_-~."), "password"
	case 2:
		return base64.StdEncoding.EncodeToString(g.bytes(24)), "base64"
	default:
		return g.chars(40, alnum), "alnum40"
	}
}

// ---- hard negatives ----

func (g *gen) orderID() string {
	switch g.intn(5) {
	case 0:
		return fmt.Sprintf("ORD-%d%02d%02d-%04d", g.between(2021, 2026), g.between(1, 12), g.between(1, 28), g.intn(10000))
	case 1:
		return fmt.Sprintf("#%d", g.between(100000, 9999999))
	case 2:
		return fmt.Sprintf("PO-%s%d-%05d", g.chars(1, upper), g.between(10, 99), g.intn(100000))
	case 3:
		return fmt.Sprintf("%d-%07d-%07d", g.between(100, 999), g.intn(10000000), g.intn(10000000))
	default:
		return fmt.Sprintf("A%d", g.between(10000, 99999))
	}
}

func (g *gen) invoice() string {
	if g.chance(0.5) {
		return fmt.Sprintf("INV-%d-%06d", g.between(2019, 2026), g.intn(1000000))
	}
	return fmt.Sprintf("%d/%04d/%s", g.between(2019, 2026), g.intn(10000), g.chars(2, upper))
}

// version strings. A dotted quad whose parts are all <= 255 is an IPv4
// address by shape; the corpus never labels such a string as a version (see
// the package doc), so 4-part versions either carry a "v" prefix or have a
// part above 255.
func (g *gen) version() string {
	switch g.intn(4) {
	case 0:
		return fmt.Sprintf("%d.%d.%d", g.intn(20), g.intn(40), g.intn(30))
	case 1:
		return fmt.Sprintf("v%d.%d.%d.%d", g.intn(10), g.intn(30), g.intn(30), g.intn(300))
	case 2:
		return fmt.Sprintf("10.0.%d.%d", g.between(17000, 26100), g.between(1, 4000))
	default:
		return fmt.Sprintf("%d.%d.%d-rc.%d", g.intn(5), g.intn(30), g.intn(20), g.between(1, 9))
	}
}

func (g *gen) uuid() string {
	b := g.bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (g *gen) gitHash() string {
	if g.chance(0.4) {
		return g.chars(g.between(7, 12), hexLower)
	}
	return g.chars(40, hexLower)
}

func (g *gen) timestamp() string {
	y, mo, d := g.between(2019, 2026), g.between(1, 12), g.between(1, 28)
	h, mi, s := g.intn(24), g.intn(60), g.intn(60)
	switch g.intn(5) {
	case 0:
		return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s)
	case 1:
		return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03d+02:00", y, mo, d, h, mi, s, g.intn(1000))
	case 2:
		return strconv.Itoa(1600000000 + g.intn(180000000))
	case 3:
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d,%03d", y, mo, d, h, mi, s, g.intn(1000))
	default:
		return strconv.FormatInt(int64(1600000000+g.intn(180000000))*1000+int64(g.intn(1000)), 10)
	}
}

func (g *gen) price() string {
	switch g.intn(5) {
	case 0:
		return fmt.Sprintf("$%d,%03d.%02d", g.between(1, 99), g.intn(1000), g.intn(100))
	case 1:
		return fmt.Sprintf("%d,%02d €", g.between(1, 9999), g.intn(100))
	case 2:
		return fmt.Sprintf("USD %d %03d.%02d", g.between(1, 999), g.intn(1000), g.intn(100))
	case 3:
		return fmt.Sprintf("R$ %d.%03d,%02d", g.between(1, 99), g.intn(1000), g.intn(100))
	default:
		return fmt.Sprintf("£%d.%02d", g.between(1, 5000), g.intn(100))
	}
}

func (g *gen) isbn() string {
	ds := append([]int{9, 7, 8 + g.intn(2)}, g.digits(9)...)
	sum := 0
	for i, d := range ds {
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	ds = append(ds, (10-sum%10)%10)
	s := str(ds)
	return "ISBN " + s[:3] + "-" + s[3:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:]
}

func (g *gen) tracking() string {
	switch g.intn(4) {
	case 0:
		return "1Z" + g.chars(6, upper+numerals) + str(g.digits(10))
	case 1:
		return groupEvery("9400"+str(g.digits(18)), 4, " ")
	case 2:
		return g.chars(2, upper) + str(g.digits(9)) + g.pick([]string{"DE", "GB", "FR", "CN", "US"})
	default:
		return "JJD" + str(g.digits(18))
	}
}

func (g *gen) base64Blob() string {
	switch g.intn(3) {
	case 0:
		return "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA" + base64.StdEncoding.EncodeToString(g.bytes(g.between(60, 180)))
	case 1:
		return "sha512-" + base64.StdEncoding.EncodeToString(g.bytes(64))
	default:
		return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%s,%d,%s", g.pick([]string{"page", "cursor", "offset"}), g.intn(100000), g.chars(12, lower))))
	}
}

func (g *gen) digest() string {
	if g.chance(0.5) {
		return "sha256:" + g.chars(64, hexLower)
	}
	return g.chars(64, hexLower)
}
