package corpus

// The canonical entity vocabulary. Every label in the corpus carries one of
// these names, and an evaluation maps each engine's own type names onto them
// before scoring (see EntityInfo.Alcatraz for hoophq/alcatraz; the ragguard
// mask engine is mapped in internal/maskbench). Names follow alcatraz where a
// type exists there, so most mappings are the identity.
//
// Mapping notes:
//   - IP_ADDRESS covers IPv4 and IPv6 (alcatraz has one type for both).
//   - SG_NRIC_FIN covers NRIC (S, T) and FIN (F, G); alcatraz's SG_FIN
//     detects only the F/G/M shapes, so NRICs count against it.
//   - US_ITIN follows the IRS rule (group digits 4-5 in 50-65, 70-88, 90-92,
//     94-99).
//   - Secrets are split by issuer; when an engine reports one generic
//     "secret" type, map it to the SecretCategory and score by category.
//   - Names, dates and street addresses appear in the texts as context but
//     are not labelled: neither engine claims them without a model.
const (
	Email      = "EMAIL_ADDRESS"
	Phone      = "PHONE_NUMBER"
	CreditCard = "CREDIT_CARD"
	IBAN       = "IBAN_CODE"
	IPAddress  = "IP_ADDRESS"
	MACAddress = "MAC_ADDRESS"
	Crypto     = "CRYPTO"

	USSSN      = "US_SSN"
	USITIN     = "US_ITIN"
	ABARouting = "ABA_ROUTING"
	UKNHS      = "UK_NHS"
	UKNINO     = "UK_NINO"
	INAadhaar  = "IN_AADHAAR"
	INPAN      = "IN_PAN"
	INGSTIN    = "IN_GSTIN"
	BRCPF      = "BR_CPF"
	BRCNPJ     = "BR_CNPJ"
	BRPIS      = "BR_PIS"
	ESNIF      = "ES_NIF"
	ESNIE      = "ES_NIE"
	ITFiscal   = "IT_FISCAL_CODE"
	ITVAT      = "IT_VAT_CODE"
	SGNRIC     = "SG_NRIC_FIN"
	CNIDCard   = "CN_ID_CARD"
	AUTFN      = "AU_TFN"
	AUABN      = "AU_ABN"
	AUACN      = "AU_ACN"
	AUMedicare = "AU_MEDICARE"
	PLPESEL    = "PL_PESEL"
	KRRRN      = "KR_RRN"
	FIHetu     = "FI_PERSONAL_IDENTITY_CODE"
	THTNIN     = "TH_TNIN"
	MRN        = "MEDICAL_RECORD_NUMBER"

	AWSAccessKey  = "AWS_ACCESS_KEY"
	AWSSecretKey  = "AWS_SECRET_KEY"
	GitHubToken   = "GITHUB_TOKEN"
	GitLabToken   = "GITLAB_TOKEN"
	SlackToken    = "SLACK_TOKEN"
	SlackWebhook  = "SLACK_WEBHOOK"
	StripeKey     = "STRIPE_KEY"
	GoogleAPIKey  = "GOOGLE_API_KEY"
	JWT           = "JWT"
	PrivateKey    = "PRIVATE_KEY"
	GenericSecret = "GENERIC_SECRET"
)

// Categories group entity types for coarse scoring.
const (
	ContactCategory   = "contact"
	FinancialCategory = "financial"
	GovIDCategory     = "government_id"
	HealthCategory    = "health"
	NetworkCategory   = "network"
	SecretCategory    = "secret"
)

// EntityInfo describes one canonical entity type.
type EntityInfo struct {
	Name     string
	Category string
	// Checksum names the validator a generated value passes ("" for
	// shape-only types).
	Checksum string
	// Alcatraz is the alcatraz v0.23.0 entity type that corresponds, or ""
	// when alcatraz has none.
	Alcatraz string
}

// Entities is the vocabulary in a stable order.
var Entities = []EntityInfo{
	{Email, ContactCategory, "", "EMAIL_ADDRESS"},
	{Phone, ContactCategory, "libphonenumber", "PHONE_NUMBER"},
	{CreditCard, FinancialCategory, "luhn", "CREDIT_CARD"},
	{IBAN, FinancialCategory, "iso7064-mod97", "IBAN_CODE"},
	{ABARouting, FinancialCategory, "aba-371", "ABA_ROUTING"},
	{Crypto, FinancialCategory, "base58check", "CRYPTO"},
	{IPAddress, NetworkCategory, "", "IP_ADDRESS"},
	{MACAddress, NetworkCategory, "", ""},
	{USSSN, GovIDCategory, "ssa-area-group-serial", "US_SSN"},
	{USITIN, GovIDCategory, "irs-group", "US_ITIN"},
	{UKNHS, HealthCategory, "mod11", "UK_NHS"},
	{UKNINO, GovIDCategory, "prefix-suffix", "UK_NINO"},
	{INAadhaar, GovIDCategory, "verhoeff", "IN_AADHAAR"},
	{INPAN, GovIDCategory, "", "IN_PAN"},
	{INGSTIN, GovIDCategory, "mod36", "IN_GSTIN"},
	{BRCPF, GovIDCategory, "mod11", "BR_CPF"},
	{BRCNPJ, GovIDCategory, "mod11", "BR_CNPJ"},
	{BRPIS, GovIDCategory, "mod11", "BR_PIS"},
	{ESNIF, GovIDCategory, "mod23", "ES_NIF"},
	{ESNIE, GovIDCategory, "mod23", "ES_NIE"},
	{ITFiscal, GovIDCategory, "odd-even-26", "IT_FISCAL_CODE"},
	{ITVAT, GovIDCategory, "luhn", "IT_VAT_CODE"},
	{SGNRIC, GovIDCategory, "mod11-letter", "SG_FIN"},
	{CNIDCard, GovIDCategory, "iso7064-mod11-2", "CN_ID_CARD"},
	{AUTFN, GovIDCategory, "mod11", "AU_TFN"},
	{AUABN, GovIDCategory, "mod89", "AU_ABN"},
	{AUACN, GovIDCategory, "mod10", "AU_ACN"},
	{AUMedicare, HealthCategory, "mod10", "AU_MEDICARE"},
	{PLPESEL, GovIDCategory, "mod10", "PL_PESEL"},
	{KRRRN, GovIDCategory, "mod11", "KR_RRN"},
	{FIHetu, GovIDCategory, "mod31", "FI_PERSONAL_IDENTITY_CODE"},
	{THTNIN, GovIDCategory, "mod11", "TH_TNIN"},
	{MRN, HealthCategory, "", ""},
	{AWSAccessKey, SecretCategory, "", ""},
	{AWSSecretKey, SecretCategory, "", ""},
	{GitHubToken, SecretCategory, "crc32-base62", ""},
	{GitLabToken, SecretCategory, "", ""},
	{SlackToken, SecretCategory, "", ""},
	{SlackWebhook, SecretCategory, "", ""},
	{StripeKey, SecretCategory, "", ""},
	{GoogleAPIKey, SecretCategory, "", ""},
	{JWT, SecretCategory, "hs256", ""},
	{PrivateKey, SecretCategory, "", ""},
	{GenericSecret, SecretCategory, "", ""},
}

// Entity returns the vocabulary entry for name.
func Entity(name string) (EntityInfo, bool) {
	for _, e := range Entities {
		if e.Name == name {
			return e, true
		}
	}
	return EntityInfo{}, false
}

// Hard-negative kinds: values that look like an entity but are not one. An
// engine that reports one has produced a false positive.
const (
	NegLuhnFail  = "luhn_failing_number"
	NegOrderID   = "order_id"
	NegInvoice   = "invoice_number"
	NegVersion   = "version_string"
	NegUUID      = "uuid"
	NegGitHash   = "git_hash"
	NegTimestamp = "timestamp"
	NegPrice     = "price"
	NegISBN      = "isbn"
	NegTracking  = "tracking_number"
	NegBase64    = "base64_blob"
	NegDigest    = "digest"
	NegIBANFail  = "iban_failing_checksum"
	NegSSNFail   = "ssn_invalid_area"
)
