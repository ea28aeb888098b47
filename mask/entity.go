package mask

// Entity names a kind of sensitive value. The redact strategy prints it as
// the label ("[EMAIL]"), and pseudonym and vault tokens carry it, so it stays
// upper-case ASCII letters and underscores.
type Entity string

// Contact, network and generic entities.
const (
	Email      Entity = "EMAIL"
	Phone      Entity = "PHONE"
	URL        Entity = "URL"
	IPAddress  Entity = "IP_ADDRESS"
	MACAddress Entity = "MAC_ADDRESS"
	DateTime   Entity = "DATE_TIME"
	Crypto     Entity = "CRYPTO"
)

// Financial entities.
const (
	CreditCard   Entity = "CREDIT_CARD"
	IBAN         Entity = "IBAN"
	ABARouting   Entity = "ABA_ROUTING"
	USBankNumber Entity = "US_BANK_NUMBER"
)

// United States.
const (
	USSSN           Entity = "US_SSN"
	USITIN          Entity = "US_ITIN"
	USPassport      Entity = "US_PASSPORT"
	USDriverLicense Entity = "US_DRIVER_LICENSE"
	MedicalLicense  Entity = "MEDICAL_LICENSE" // DEA registration number
	USNPI           Entity = "US_NPI"
	MedicalCode     Entity = "MEDICAL_CODE" // ICD-10 code next to a clinical word
)

// United Kingdom.
const (
	UKNHS  Entity = "UK_NHS"
	UKNINO Entity = "UK_NINO"
)

// Australia.
const (
	AUTFN      Entity = "AU_TFN"
	AUABN      Entity = "AU_ABN"
	AUACN      Entity = "AU_ACN"
	AUMedicare Entity = "AU_MEDICARE"
)

// India.
const (
	INAadhaar             Entity = "IN_AADHAAR"
	INPAN                 Entity = "IN_PAN"
	INPassport            Entity = "IN_PASSPORT"
	INVehicleRegistration Entity = "IN_VEHICLE_REGISTRATION"
	INVoter               Entity = "IN_VOTER"
	INGSTIN               Entity = "IN_GSTIN"
)

// Italy.
const (
	ITFiscalCode    Entity = "IT_FISCAL_CODE"
	ITVATCode       Entity = "IT_VAT_CODE"
	ITIdentityCard  Entity = "IT_IDENTITY_CARD"
	ITDriverLicense Entity = "IT_DRIVER_LICENSE"
	ITPassport      Entity = "IT_PASSPORT"
)

// Spain, Singapore, Germany, France.
const (
	ESNIF    Entity = "ES_NIF"
	ESNIE    Entity = "ES_NIE"
	SGFIN    Entity = "SG_FIN" // NRIC and FIN
	SGUEN    Entity = "SG_UEN"
	DETaxID  Entity = "DE_TAX_ID"
	DEIDCard Entity = "DE_ID_CARD"
	FRNIR    Entity = "FR_NIR"
	PLPESEL  Entity = "PL_PESEL"
	KRRRN    Entity = "KR_RRN"
	FIHETU   Entity = "FI_PERSONAL_IDENTITY_CODE"
	THTNIN   Entity = "TH_TNIN"
	CNIDCard Entity = "CN_ID_CARD"
)

// Brazil.
const (
	BRCPF     Entity = "BR_CPF"
	BRCNPJ    Entity = "BR_CNPJ"
	BRRG      Entity = "BR_RG"
	BRCNH     Entity = "BR_CNH"
	BRPIS     Entity = "BR_PIS"
	BRCNS     Entity = "BR_CNS"
	BRTitulo  Entity = "BR_TITULO_ELEITOR"
	BRRenavam Entity = "BR_RENAVAM"
	BRCEP     Entity = "BR_CEP"
	BRPlaca   Entity = "BR_PLACA"
	BRPixKey  Entity = "BR_PIX_KEY"
)

// Secrets.
const (
	AWSAccessKey Entity = "AWS_ACCESS_KEY"
	AWSSecretKey Entity = "AWS_SECRET_KEY"
	GCPAPIKey    Entity = "GCP_API_KEY"
	AzureKey     Entity = "AZURE_KEY"
	GitHubToken  Entity = "GITHUB_TOKEN"
	GitLabToken  Entity = "GITLAB_TOKEN"
	CIToken      Entity = "CI_TOKEN"
	SlackToken   Entity = "SLACK_TOKEN"
	SlackWebhook Entity = "SLACK_WEBHOOK"
	StripeKey    Entity = "STRIPE_KEY"
	APIKey       Entity = "API_KEY" // other vendors' prefixed keys (OpenAI, npm, PyPI, SendGrid...)
	JWT          Entity = "JWT"
	PrivateKey   Entity = "PRIVATE_KEY"
	Secret       Entity = "SECRET" // a password or high-entropy value next to a key word
)

// Sensitive labels a field or column rule that names no entity.
const Sensitive Entity = "SENSITIVE"

// valid reports whether e can be used as a label: non-empty, upper-case
// ASCII letters, digits and underscores, starting with a letter.
func (e Entity) valid() bool {
	if e == "" || len(e) > 48 || e[0] < 'A' || e[0] > 'Z' {
		return false
	}
	for i := 0; i < len(e); i++ {
		c := e[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
