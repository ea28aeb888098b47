package corpus

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"hash/crc32"
	"net"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testDocs = Generate(20260401, 3000)

// validators check a labelled value independently of how it was built.
var validators = map[string]func(t *testing.T, v string, l Label) bool{
	Email: func(_ *testing.T, v string, _ Label) bool {
		a, err := mail.ParseAddress(v)
		return err == nil && a.Address == v
	},
	Phone: func(_ *testing.T, v string, l Label) bool { return phoneValid(l.Variant, v) },
	CreditCard: func(_ *testing.T, v string, _ Label) bool {
		n := len(digitsOf(v))
		return luhnValid(v) && n >= 14 && n <= 19
	},
	IBAN:       func(_ *testing.T, v string, _ Label) bool { return ibanValid(v) },
	ABARouting: func(_ *testing.T, v string, _ Label) bool { return abaValid(v) },
	Crypto:     func(_ *testing.T, v string, _ Label) bool { return cryptoValid(v) },
	IPAddress: func(_ *testing.T, v string, _ Label) bool {
		_, err := netip.ParseAddr(v)
		return err == nil
	},
	MACAddress: func(_ *testing.T, v string, _ Label) bool { _, err := net.ParseMAC(v); return err == nil },
	USSSN:      func(_ *testing.T, v string, _ Label) bool { return ssnValid(v) },
	USITIN:     func(_ *testing.T, v string, _ Label) bool { return itinValid(v) },
	UKNHS:      func(_ *testing.T, v string, _ Label) bool { return nhsValid(v) },
	UKNINO:     func(_ *testing.T, v string, _ Label) bool { return ninoValid(v) },
	INAadhaar:  func(_ *testing.T, v string, _ Label) bool { return aadhaarValid(v) },
	INPAN: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]$`).MatchString(v)
	},
	INGSTIN:    func(_ *testing.T, v string, _ Label) bool { return gstinValid(v) },
	BRCPF:      func(_ *testing.T, v string, _ Label) bool { return cpfValid(v) },
	BRCNPJ:     func(_ *testing.T, v string, _ Label) bool { return cnpjValid(v) },
	BRPIS:      func(_ *testing.T, v string, _ Label) bool { return pisValid(v) },
	ESNIF:      func(_ *testing.T, v string, _ Label) bool { return nifValid(v) },
	ESNIE:      func(_ *testing.T, v string, _ Label) bool { return nieValid(v) },
	ITFiscal:   func(_ *testing.T, v string, _ Label) bool { return cfValid(v) },
	ITVAT:      func(_ *testing.T, v string, _ Label) bool { return itVATValid(v) },
	SGNRIC:     func(_ *testing.T, v string, _ Label) bool { return nricValid(v) },
	CNIDCard:   func(_ *testing.T, v string, _ Label) bool { return cnIDValid(v) },
	AUTFN:      func(_ *testing.T, v string, _ Label) bool { return tfnValid(v) },
	AUABN:      func(_ *testing.T, v string, _ Label) bool { return abnValid(v) },
	AUACN:      func(_ *testing.T, v string, _ Label) bool { return acnValid(v) },
	AUMedicare: func(_ *testing.T, v string, _ Label) bool { return medicareValid(v) },
	PLPESEL:    func(_ *testing.T, v string, _ Label) bool { return peselValid(v) },
	KRRRN:      func(_ *testing.T, v string, _ Label) bool { return rrnValid(v) },
	FIHetu:     func(_ *testing.T, v string, _ Label) bool { return hetuValid(v) },
	THTNIN:     func(_ *testing.T, v string, _ Label) bool { return tninValid(v) },
	MRN: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^(MRN-\d{7}|\d{8}|[A-Z]{2}\d{6})$`).MatchString(v)
	},
	AWSAccessKey: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^(AKIA|ASIA)[A-Z2-7]{16}$`).MatchString(v)
	},
	AWSSecretKey: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^[A-Za-z0-9/+]{40}$`).MatchString(v)
	},
	GitHubToken: func(_ *testing.T, v string, _ Label) bool { return githubValid(v) },
	GitLabToken: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^glpat-[A-Za-z0-9_-]{20}$`).MatchString(v)
	},
	SlackToken: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^xox[bpae]-\d{10}-\d{10}-[A-Za-z0-9]{24}$`).MatchString(v)
	},
	SlackWebhook: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^https://hooks\.slack\.com/services/T[A-Z0-9]{8}/B[A-Z0-9]{10}/[A-Za-z0-9]{24}$`).MatchString(v)
	},
	StripeKey: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^[sr]k_(live|test)_[A-Za-z0-9]{24,99}$`).MatchString(v)
	},
	GoogleAPIKey: func(_ *testing.T, v string, _ Label) bool {
		return regexp.MustCompile(`^AIza[A-Za-z0-9_-]{35}$`).MatchString(v)
	},
	JWT:        func(t *testing.T, v string, _ Label) bool { return jwtValid(t, v) },
	PrivateKey: func(_ *testing.T, v string, _ Label) bool { return pemValid(v) },
	GenericSecret: func(_ *testing.T, v string, _ Label) bool {
		return len(v) >= 20 && !strings.ContainsAny(v, " \n\"'")
	},
}

func cryptoValid(v string) bool {
	if strings.HasPrefix(v, "0x") {
		return regexp.MustCompile(`^0x[0-9a-f]{40}$`).MatchString(v)
	}
	b := unbase58(v)
	if len(b) != 25 || (b[0] != 0x00 && b[0] != 0x05) {
		return false
	}
	h1 := sha256.Sum256(b[:21])
	h2 := sha256.Sum256(h1[:])
	return string(h2[:4]) == string(b[21:])
}

func githubValid(v string) bool {
	if strings.HasPrefix(v, "github_pat_") {
		return regexp.MustCompile(`^github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}$`).MatchString(v)
	}
	if !regexp.MustCompile(`^gh[opsu]_[A-Za-z0-9]{36}$`).MatchString(v) {
		return false
	}
	body := v[4:34]
	return base62(crc32.ChecksumIEEE([]byte(body)), 6) == v[34:]
}

func jwtValid(t *testing.T, v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts[:2] {
		raw, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil || !json.Valid(raw) {
			t.Logf("jwt part %q: %v", p, err)
			return false
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	return err == nil && len(sig) == sha256.Size
}

func pemValid(v string) bool {
	block, rest := pem.Decode([]byte(v))
	if block == nil || len(strings.TrimSpace(string(rest))) != 0 || !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		return false
	}
	if block.Type == "PRIVATE KEY" {
		_, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		return err == nil
	}
	return len(block.Bytes) > 100
}

func TestLabelsCoverTheirValues(t *testing.T) {
	for i, d := range testDocs {
		require.True(t, utf8.ValidString(d.Text), "doc %d is not UTF-8", i)
		all := append(append([]Label(nil), d.Labels...), d.Negatives...)
		for _, l := range all {
			require.True(t, 0 <= l.Start && l.Start < l.End && l.End <= len(d.Text), "doc %d: bad span %+v", i, l)
			require.True(t, utf8.RuneStart(d.Text[l.Start]), "doc %d: span starts mid-rune %+v", i, l)
			require.True(t, l.End == len(d.Text) || utf8.RuneStart(d.Text[l.End]), "doc %d: span ends mid-rune %+v", i, l)
			v := d.Value(l)
			assert.Equal(t, strings.TrimSpace(v), v, "doc %d: value has outer space: %q", i, v)
		}
		for k := 1; k < len(d.Labels); k++ {
			require.LessOrEqual(t, d.Labels[k-1].End, d.Labels[k].Start, "doc %d: labels overlap or are unordered", i)
		}
	}
}

func TestEveryLabelPassesItsValidator(t *testing.T) {
	seen := map[string]int{}
	for i, d := range testDocs {
		for _, l := range d.Labels {
			check, ok := validators[l.Entity]
			require.True(t, ok, "no validator for %s", l.Entity)
			assert.True(t, check(t, d.Value(l), l), "doc %d: %s %q (%s) fails validation", i, l.Entity, d.Value(l), l.Variant)
			seen[l.Entity]++
		}
	}
	for _, e := range Entities {
		assert.GreaterOrEqual(t, seen[e.Name], 10, "entity %s appears only %d times in 3000 docs", e.Name, seen[e.Name])
	}
}

// A single changed digit breaks every check-digit scheme used here, so the
// validators are not trivially true.
func TestChecksumsRejectASingleDigitChange(t *testing.T) {
	checked := map[string]func(string) bool{
		CreditCard: luhnValid, IBAN: ibanValid, INAadhaar: aadhaarValid, BRCPF: cpfValid, BRCNPJ: cnpjValid,
		UKNHS: nhsValid, ABARouting: abaValid, PLPESEL: peselValid, ITVAT: itVATValid, AUTFN: tfnValid,
	}
	n := 0
	for _, d := range testDocs {
		for _, l := range d.Labels {
			valid, ok := checked[l.Entity]
			if !ok {
				continue
			}
			v := []byte(d.Value(l))
			for k := len(v) - 1; k >= 0; k-- {
				if v[k] >= '0' && v[k] <= '9' {
					v[k] = '0' + (v[k]-'0'+3)%10
					break
				}
			}
			assert.False(t, valid(string(v)), "%s %q still valid after a digit change", l.Entity, v)
			n++
		}
	}
	assert.Greater(t, n, 500)
}

func TestNegativesAreNotValues(t *testing.T) {
	kinds := map[string]int{}
	for _, d := range testDocs {
		for _, l := range d.Negatives {
			v := d.Value(l)
			kinds[l.Entity]++
			switch l.Entity {
			case NegLuhnFail:
				assert.False(t, luhnValid(v), "luhn negative %q passes Luhn", v)
				assert.Len(t, digitsOf(v), 16)
			case NegIBANFail:
				assert.False(t, ibanValid(v), "IBAN negative %q passes mod-97", v)
			case NegSSNFail:
				assert.False(t, ssnValid(v), "SSN negative %q passes SSA rules", v)
			case NegUUID:
				assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, v)
			case NegVersion:
				// A version string must never be a valid IPv4 address.
				_, err := netip.ParseAddr(v)
				assert.Error(t, err, "version %q parses as an IP address", v)
			case NegISBN:
				ds := digitsOf(v)
				sum := 0
				for k, dg := range ds {
					sum += dg * (1 + 2*(k%2))
				}
				assert.Zero(t, sum%10, "ISBN %q has a bad check digit", v)
			}
		}
	}
	for _, k := range []string{NegLuhnFail, NegOrderID, NegInvoice, NegVersion, NegUUID, NegGitHash, NegTimestamp,
		NegPrice, NegISBN, NegTracking, NegBase64, NegDigest, NegIBANFail, NegSSNFail} {
		assert.Positive(t, kinds[k], "negative kind %s never generated", k)
	}
}

// Published examples of each scheme, so the validators are checked against
// something other than the generator that shares them.
func TestValidatorsOnPublishedExamples(t *testing.T) {
	valid := []struct {
		name string
		fn   func(string) bool
		v    string
	}{
		{"iban DE", ibanValid, "DE89 3704 0044 0532 0130 00"},
		{"iban GB", ibanValid, "GB82WEST12345698765432"},
		{"luhn", luhnValid, "4111 1111 1111 1111"},
		{"aadhaar", aadhaarValid, "2341 2341 2346"},
		{"cpf", cpfValid, "529.982.247-25"},
		{"cnpj", cnpjValid, "11.222.333/0001-81"},
		{"nhs", nhsValid, "943 476 5919"},
		{"nric", nricValid, "S1234567D"},
		{"fin", nricValid, "F1234567N"},
		{"aba", abaValid, "011000015"},
		{"tfn", tfnValid, "123 456 782"},
		{"abn", abnValid, "51 824 753 556"},
		{"acn", acnValid, "000 000 019"},
		{"pesel", peselValid, "44051401359"},
		{"nif", nifValid, "12345678Z"},
		{"codice fiscale", cfValid, "RSSMRA85T10A562S"},
		{"hetu", hetuValid, "131052-308T"},
		{"cn id", cnIDValid, "11010519491231002X"},
		{"gstin", gstinValid, "27AAPFU0939F1ZV"},
		{"ssn", ssnValid, "219-09-9999"},
	}
	for _, c := range valid {
		assert.True(t, c.fn(c.v), "%s: %q should be valid", c.name, c.v)
	}
	invalid := []struct {
		name string
		fn   func(string) bool
		v    string
	}{
		{"iban", ibanValid, "DE88370400440532013000"},
		{"luhn", luhnValid, "4111 1111 1111 1112"},
		{"cpf all same", cpfValid, "111.111.111-11"},
		{"ssn area 666", ssnValid, "666-12-3456"},
		{"ssn area 9xx", ssnValid, "912-12-3456"},
		{"itin group", itinValid, "912-45-6789"},
		{"nino prefix", ninoValid, "GB123456A"},
		{"nhs", nhsValid, "943 476 5918"},
	}
	for _, c := range invalid {
		assert.False(t, c.fn(c.v), "%s: %q should be invalid", c.name, c.v)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a := Generate(99, 200)
	b := Generate(99, 200)
	require.Equal(t, a, b)
	c := Generate(100, 200)
	assert.NotEqual(t, a, c)
}

func TestGenerateCoversKindsAndLanguages(t *testing.T) {
	kinds, langs := map[string]int{}, map[string]int{}
	nonASCII := 0
	for _, d := range testDocs {
		kinds[d.Kind]++
		langs[d.Lang]++
		if strings.IndexFunc(d.Text, func(r rune) bool { return r > 127 }) >= 0 {
			nonASCII++
		}
	}
	for _, k := range Kinds {
		assert.Positive(t, kinds[k], "kind %s missing", k)
	}
	for _, l := range Languages {
		assert.Positive(t, langs[l], "language %s missing", l)
	}
	assert.Greater(t, nonASCII, 300, "too little unicode")
	for _, d := range testDocs {
		if d.Kind == KindClean {
			assert.Empty(t, d.Labels)
		}
	}
}

func TestWithKindsAndLanguages(t *testing.T) {
	docs := Generate(5, 100, WithKinds(KindSQL, "no-such-kind"), nil)
	for _, d := range docs {
		require.Equal(t, KindSQL, d.Kind)
	}
	docs = Generate(5, 100, WithKinds(KindChat), WithLanguages("pt"))
	for _, d := range docs {
		require.Equal(t, "pt", d.Lang)
	}
	// An empty selection falls back to everything rather than nothing.
	assert.Len(t, Generate(5, 10, WithKinds()), 10)
}

func TestBlobs(t *testing.T) {
	const size = 256 << 10
	clean := CleanDoc(size)
	require.Len(t, clean.Text, size)
	assert.True(t, utf8.ValidString(clean.Text))
	assert.Empty(t, clean.Labels)
	assert.Equal(t, []byte(clean.Text), Clean(size))

	sparse := SparseDoc(size)
	require.Len(t, sparse.Text, size)
	perKB := float64(len(sparse.Labels)) / (size / 1024)
	assert.InDelta(t, 0.5, perKB, 0.2, "sparse should carry about one value per 2 KiB, got %.2f per KiB", perKB)

	dense := DenseDoc(size)
	require.Len(t, dense.Text, size)
	perLine := float64(len(dense.Labels)) / float64(strings.Count(dense.Text, "\n"))
	assert.Greater(t, perLine, 1.5, "dense should carry several values per line")
	for _, d := range []Doc{sparse, dense} {
		for _, l := range d.Labels {
			assert.True(t, validators[l.Entity](t, d.Value(l), l), "%s %q", l.Entity, d.Value(l))
		}
	}
	assert.Equal(t, Sparse(4096), []byte(SparseDoc(4096).Text))
	assert.Len(t, Dense(1000), 1000)
}

func TestVocabulary(t *testing.T) {
	names := map[string]bool{}
	for _, e := range Entities {
		require.False(t, names[e.Name], "duplicate %s", e.Name)
		names[e.Name] = true
		_, ok := validators[e.Name]
		assert.True(t, ok, "no validator for %s", e.Name)
	}
	for slot, s := range valueSlots {
		assert.True(t, names[s.entity], "slot %s has unknown entity %s", slot, s.entity)
	}
	info, ok := Entity(UKNHS)
	require.True(t, ok)
	assert.Equal(t, HealthCategory, info.Category)
	_, ok = Entity("NOPE")
	assert.False(t, ok)
}

func TestTemplatesUseKnownSlots(t *testing.T) {
	// render panics on an unknown slot; render every template once.
	g := newGen(1)
	all := [][]string{answerTemplates, ticketTemplates, clinicalTemplates, logTemplates, configTemplates,
		jsonTemplates, cleanLogs, negativeMentions}
	for _, ms := range mentions {
		all = append(all, ms)
	}
	for _, tpls := range all {
		for _, tpl := range tpls {
			bd := &builder{g: g}
			require.NotPanics(t, func() { bd.render(tpl) }, tpl)
		}
	}
	for _, tpl := range jsonTemplates {
		bd := &builder{g: g}
		bd.render(tpl)
		assert.True(t, json.Valid([]byte(bd.b.String())), "JSON template renders invalid JSON: %s", bd.b.String())
	}
}

func TestRows(t *testing.T) {
	rows := Rows(3, 200)
	require.Len(t, rows, 200)
	labelled, cells := 0, 0
	for _, r := range rows {
		require.Len(t, r.Cells, len(r.Columns))
		for _, c := range r.Cells {
			cells++
			require.NotEmpty(t, c.Text)
			for _, l := range c.Labels {
				labelled++
				assert.Equal(t, 0, l.Start, "a cell holds one value")
				assert.Equal(t, len(c.Text), l.End)
				assert.True(t, validators[l.Entity](t, c.Value(l), l))
			}
		}
	}
	assert.Greater(t, labelled, cells/3)
	assert.Less(t, labelled, cells)
	assert.Equal(t, rows, Rows(3, 200))
}

func TestHoldout(t *testing.T) {
	docs := Generate(20260401, 1500, WithHoldout())
	seen := map[string]int{}
	variants := map[string]bool{}
	for i, d := range docs {
		require.True(t, utf8.ValidString(d.Text))
		for _, l := range d.Labels {
			require.True(t, validators[l.Entity](t, d.Value(l), l), "holdout doc %d: %s %q (%s)", i, l.Entity, d.Value(l), l.Variant)
			seen[l.Entity]++
			variants[l.Variant] = true
		}
	}
	for _, e := range []string{Email, Phone, CreditCard, IBAN, USSSN, UKNHS, INAadhaar, BRCPF, GitHubToken, MACAddress} {
		assert.Positive(t, seen[e], "holdout never labels %s", e)
	}
	assert.True(t, variants["UPPER"], "holdout upper-case emails missing")
	nbsp := false
	for v := range variants {
		nbsp = nbsp || strings.HasSuffix(v, "/nbsp")
	}
	assert.True(t, nbsp, "holdout NBSP-grouped cards missing")
	assert.Equal(t, docs[:50], Generate(20260401, 50, WithHoldout()), "holdout is deterministic")
	def := Generate(20260401, 300)
	texts := map[string]bool{}
	for _, d := range def {
		texts[d.Text] = true
	}
	same := 0
	for _, d := range docs[:300] {
		if texts[d.Text] {
			same++
		}
	}
	assert.Less(t, same, 10, "holdout documents repeat the default ones")

	g := newGen(2)
	g.holdout = true
	all := [][]string{holdoutAnswers, holdoutTickets, holdoutClinical, holdoutLogs, holdoutConfigs, holdoutPayloads}
	for _, ms := range holdoutMentions {
		all = append(all, ms)
	}
	for _, tpls := range all {
		for _, tpl := range tpls {
			bd := &builder{g: g}
			require.NotPanics(t, func() { bd.render(tpl) }, tpl)
		}
	}
	for _, lang := range Languages {
		assert.NotEmpty(t, holdoutMentions[lang], lang)
		assert.NotEmpty(t, holdoutIntros[lang], lang)
		assert.NotEmpty(t, holdoutAsks[lang], lang)
	}
}

// Every email-shaped string in the text is labelled (or part of a labelled
// value, such as a password in a connection URL): template text never
// carries an unlabelled value.
func TestNoUnlabelledEmails(t *testing.T) {
	re := regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	docs := append(Generate(8, 1500), Generate(8, 1500, WithHoldout())...)
	for i, d := range docs {
		for _, m := range re.FindAllStringIndex(d.Text, -1) {
			covered := slices.ContainsFunc(d.Labels, func(l Label) bool { return l.Start < m[1] && m[0] < l.End })
			assert.True(t, covered, "doc %d: unlabelled email-like %q", i, d.Text[m[0]:m[1]])
		}
	}
}
