package corpus

import (
	"fmt"
	"strings"
)

// A template is text with {{slot}} markers. A plain slot name inserts a
// labelled value, "!name" a hard negative, "~name" unlabelled context (names,
// cities, dates...). Slot values never contain "{{".

type valueFn func(g *gen) (string, string)

var valueSlots = map[string]struct {
	entity string
	fn     valueFn
}{
	"email":      {Email, (*gen).email},
	"phone":      {Phone, (*gen).phone},
	"phone_us":   {Phone, func(g *gen) (string, string) { return g.phoneOf("US"), "US" }},
	"phone_gb":   {Phone, func(g *gen) (string, string) { return g.phoneOf("GB"), "GB" }},
	"phone_de":   {Phone, func(g *gen) (string, string) { return g.phoneOf("DE"), "DE" }},
	"phone_fr":   {Phone, func(g *gen) (string, string) { return g.phoneOf("FR"), "FR" }},
	"phone_br":   {Phone, func(g *gen) (string, string) { return g.phoneOf("BR"), "BR" }},
	"phone_in":   {Phone, func(g *gen) (string, string) { return g.phoneOf("IN"), "IN" }},
	"phone_e164": {Phone, func(g *gen) (string, string) { return g.phoneOf("E164"), "E164" }},
	"card":       {CreditCard, (*gen).card},
	"iban":       {IBAN, (*gen).iban},
	"aba":        {ABARouting, (*gen).aba},
	"crypto":     {Crypto, (*gen).crypto},
	"ip":         {IPAddress, (*gen).ip},
	"ipv4":       {IPAddress, (*gen).ipv4},
	"ipv6":       {IPAddress, (*gen).ipv6},
	"mac":        {MACAddress, (*gen).mac},
	"ssn":        {USSSN, (*gen).ssn},
	"itin":       {USITIN, (*gen).itin},
	"nhs":        {UKNHS, (*gen).nhs},
	"nino":       {UKNINO, (*gen).nino},
	"aadhaar":    {INAadhaar, (*gen).aadhaar},
	"pan":        {INPAN, (*gen).pan},
	"gstin":      {INGSTIN, (*gen).gstin},
	"cpf":        {BRCPF, (*gen).cpf},
	"cnpj":       {BRCNPJ, (*gen).cnpj},
	"pis":        {BRPIS, (*gen).pis},
	"nif":        {ESNIF, (*gen).nif},
	"nie":        {ESNIE, (*gen).nie},
	"cf":         {ITFiscal, (*gen).fiscalCode},
	"itvat":      {ITVAT, (*gen).itVAT},
	"nric":       {SGNRIC, (*gen).nric},
	"cnid":       {CNIDCard, (*gen).cnID},
	"tfn":        {AUTFN, (*gen).tfn},
	"abn":        {AUABN, (*gen).abn},
	"acn":        {AUACN, (*gen).acn},
	"medicare":   {AUMedicare, (*gen).medicare},
	"pesel":      {PLPESEL, (*gen).pesel},
	"rrn":        {KRRRN, (*gen).rrn},
	"hetu":       {FIHetu, (*gen).hetu},
	"tnin":       {THTNIN, (*gen).tnin},
	"mrn":        {MRN, (*gen).mrn},
	"aws_key":    {AWSAccessKey, (*gen).awsAccessKey},
	"aws_secret": {AWSSecretKey, (*gen).awsSecretKey},
	"github":     {GitHubToken, (*gen).githubToken},
	"gitlab":     {GitLabToken, (*gen).gitlabToken},
	"slack":      {SlackToken, (*gen).slackToken},
	"slack_hook": {SlackWebhook, (*gen).slackWebhook},
	"stripe":     {StripeKey, (*gen).stripeKey},
	"gcp_key":    {GoogleAPIKey, (*gen).googleAPIKey},
	"jwt":        {JWT, (*gen).jwt},
	"pem":        {PrivateKey, (*gen).privateKey},
	"secret":     {GenericSecret, (*gen).genericSecret},
}

var negativeSlots = map[string]struct {
	kind string
	fn   func(g *gen) string
}{
	"luhnfail": {NegLuhnFail, (*gen).luhnFailing},
	"order":    {NegOrderID, (*gen).orderID},
	"invoice":  {NegInvoice, (*gen).invoice},
	"version":  {NegVersion, (*gen).version},
	"uuid":     {NegUUID, (*gen).uuid},
	"githash":  {NegGitHash, (*gen).gitHash},
	"ts":       {NegTimestamp, (*gen).timestamp},
	"price":    {NegPrice, (*gen).price},
	"isbn":     {NegISBN, (*gen).isbn},
	"tracking": {NegTracking, (*gen).tracking},
	"b64":      {NegBase64, (*gen).base64Blob},
	"digest":   {NegDigest, (*gen).digest},
	"ibanfail": {NegIBANFail, (*gen).ibanFailing},
	"ssnbad":   {NegSSNFail, (*gen).ssnInvalid},
}

var (
	cities    = []string{"Lisbon", "São Paulo", "München", "Zürich", "Paris", "Bengaluru", "Manchester", "Austin", "Kraków", "Milano", "Sevilla", "Singapore", "Melbourne", "Helsinki", "Seoul", "Bangkok", "Shenzhen", "Toronto", "Dublin", "Köln"}
	companies = []string{"Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Fintech", "Hooli", "Vandelay Imports", "Soylent Foods", "Cyberdyne", "Tyrell Bio", "Oscorp Pharma"}
	products  = []string{"Pro plan", "Team seat", "annual licence", "SSD 1TB", "support add-on", "RAG starter kit", "API credits", "premium tier"}
	depts     = []string{"cardiology", "oncology", "A&E", "pediatrics", "orthopedics", "neurology", "dermatology", "ICU"}
	drugs     = []string{"metformin", "lisinopril", "atorvastatin", "amoxicillin", "ibuprofen", "sertraline", "omeprazole", "levothyroxine", "salbutamol"}
	monthsEN  = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

var contextSlots = map[string]func(g *gen) string{
	"first":   func(g *gen) string { return g.pick(firstNames) },
	"last":    func(g *gen) string { return g.pick(lastNames) },
	"name":    func(g *gen) string { return g.pick(firstNames) + " " + g.pick(lastNames) },
	"city":    func(g *gen) string { return g.pick(cities) },
	"company": func(g *gen) string { return g.pick(companies) },
	"product": func(g *gen) string { return g.pick(products) },
	"dept":    func(g *gen) string { return g.pick(depts) },
	"drug":    func(g *gen) string { return g.pick(drugs) },
	"dose": func(g *gen) string {
		return fmt.Sprintf("%d mg", g.pick2(g, []int{5, 10, 20, 25, 40, 50, 100, 250, 500}))
	},
	"age":  func(g *gen) string { return fmt.Sprint(g.between(19, 91)) },
	"n":    func(g *gen) string { return fmt.Sprint(g.between(2, 48)) },
	"port": func(g *gen) string { return fmt.Sprint(g.pick2(g, []int{5432, 6379, 8080, 9200, 3306, 6333, 443})) },
	"date": func(g *gen) string {
		switch g.intn(3) {
		case 0:
			return fmt.Sprintf("%s %d, %d", g.pick(monthsEN), g.between(1, 28), g.between(2019, 2026))
		case 1:
			return fmt.Sprintf("%02d/%02d/%d", g.between(1, 28), g.between(1, 12), g.between(2019, 2026))
		default:
			return fmt.Sprintf("%d-%02d-%02d", g.between(2019, 2026), g.between(1, 12), g.between(1, 28))
		}
	},
	"dob": func(g *gen) string {
		return fmt.Sprintf("%02d/%02d/%d", g.between(1, 28), g.between(1, 12), g.between(1935, 2004))
	},
	"time":   func(g *gen) string { return fmt.Sprintf("%02d:%02d", g.intn(24), g.intn(60)) },
	"amount": func(g *gen) string { return fmt.Sprintf("%d.%02d", g.between(5, 4999), g.intn(100)) },
	"host": func(g *gen) string {
		return g.pick([]string{"db-primary", "api-7f9c", "worker-03", "ingest-eu-1", "qdrant-0", "pg-replica-2"})
	},
	"user": func(g *gen) string { return strings.ToLower(asciiFold(g.pick(firstNames))) },
}

// wrappers put realistic punctuation around a value; the label never
// includes them.
var wrappers = [][2]string{{"(", ")"}, {"\"", "\""}, {"“", "”"}, {"«\u00a0", "\u00a0»"}, {"<", ">"}, {"`", "`"}, {"'", "'"}, {"[", "]"}, {"„", "“"}, {"*", "*"}}

// builder accumulates a document and its labels.
type builder struct {
	g      *gen
	b      strings.Builder
	doc    Doc
	noWrap bool // table cells hold the bare value
}

func (bd *builder) lit(s string) { bd.b.WriteString(s) }

func (bd *builder) value(entity, v, variant string) {
	start := bd.b.Len()
	bd.b.WriteString(v)
	bd.doc.Labels = append(bd.doc.Labels, Label{Entity: entity, Start: start, End: bd.b.Len(), Variant: variant})
}

func (bd *builder) negative(kind, v string) {
	start := bd.b.Len()
	bd.b.WriteString(v)
	bd.doc.Negatives = append(bd.doc.Negatives, Label{Entity: kind, Start: start, End: bd.b.Len()})
}

// render expands one template into the builder.
func (bd *builder) render(tpl string) {
	for {
		i := strings.Index(tpl, "{{")
		if i < 0 {
			bd.lit(tpl)
			return
		}
		j := strings.Index(tpl[i:], "}}")
		if j < 0 {
			panic("corpus: unterminated slot in template: " + tpl)
		}
		bd.lit(tpl[:i])
		name := tpl[i+2 : i+j]
		rest := tpl[i+j+2:]
		spaced := (i == 0 || tpl[i-1] == ' ') && (rest == "" || rest[0] == ' ' || rest[0] == '\n')
		bd.slot(name, spaced)
		tpl = rest
	}
}

func (bd *builder) slot(name string, spaced bool) {
	switch {
	case strings.HasPrefix(name, "!"):
		s, ok := negativeSlots[name[1:]]
		if !ok {
			panic("corpus: unknown negative slot " + name)
		}
		bd.negative(s.kind, s.fn(bd.g))
	case strings.HasPrefix(name, "~"):
		f, ok := contextSlots[name[1:]]
		if !ok {
			panic("corpus: unknown context slot " + name)
		}
		bd.lit(f(bd.g))
	default:
		s, ok := valueSlots[name]
		if !ok {
			panic("corpus: unknown value slot " + name)
		}
		v, variant := s.fn(bd.g)
		if spaced && !bd.noWrap && !strings.Contains(v, "\n") && bd.g.chance(0.08) {
			w := wrappers[bd.g.intn(len(wrappers))]
			bd.lit(w[0])
			bd.value(s.entity, v, variant)
			bd.lit(w[1])
			return
		}
		bd.value(s.entity, v, variant)
	}
}
