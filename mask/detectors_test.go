package mask_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/mask"
	"github.com/ragguard/ragguard/mask/masktest"
)

type detCase struct {
	pos, neg []string
}

// Valid values come from issuers' published examples or were computed with
// the check-digit rules; each negative differs in its check digit or breaks
// a structural rule.
var detectorCases = map[string]detCase{
	"email":                     {pos: []string{"john.doe@example.com", "a+b@sub.example.co.uk", "X_Y@corp-mail.de"}, neg: []string{"john@localhost", "foo@bar", "@example.com", "a@b.c"}},
	"phone":                     {pos: []string{"(415) 555-2671", "+1 415 555 2671", "+44 20 7946 0958", "415-555-2671", "+49 30 901820", "+33 1 42 68 53 00", "+91 98765 43210", "01 42 68 53 00", "020 7946 0958", "(11) 91234-5678"}, neg: []string{"123-456-7890", "1.2.3.4", "2024-01-15", "+12", "v1.2.3"}},
	"credit_card":               {pos: []string{"4111 1111 1111 1111", "4111111111111111", "5500-0000-0000-0004", "3782 822463 10005", "6011111111111117"}, neg: []string{"4111 1111 1111 1112", "1234567890123456", "0000 0000 0000 0000"}},
	"iban":                      {pos: []string{"DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606"}, neg: []string{"DE89 3704 0044 0532 0130 01", "GB82WEST1234569876543", "XX89370400440532013000"}},
	"aba_routing":               {pos: []string{"011000015", "routing number ⟦021000021⟧"}, neg: []string{"011000016", "999999999"}},
	"us_ssn":                    {pos: []string{"123-45-6789", "SSN ⟦078051120⟧", "social security no. ⟦219 09 9999⟧"}, neg: []string{"000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "078051120"}},
	"us_itin":                   {pos: []string{"912-70-1234", "ITIN ⟦950941234⟧"}, neg: []string{"912-45-1234", "812-70-1234"}},
	"us_passport":               {pos: []string{"passport ⟦A12345678⟧", "passport no. ⟦123456789⟧"}, neg: []string{"A12345678"}},
	"us_driver_license":         {pos: []string{"driver's license ⟦D1234567⟧", "DL# ⟦12345678⟧"}, neg: []string{"D1234567"}},
	"medical_license":           {pos: []string{"AB1234563", "DEA ⟦BJ6125341⟧"}, neg: []string{"AB1234567", "IB1234563"}},
	"us_npi":                    {pos: []string{"NPI ⟦1234567893⟧"}, neg: []string{"NPI 1234567890", "1234567893"}},
	"us_bank_number":            {pos: []string{"bank account ⟦000123456789⟧", "acct no. ⟦12345678⟧"}, neg: []string{"12345678", "account 1234567"}},
	"medical_code":              {pos: []string{"diagnosis ⟦E11.9⟧", "ICD-10 ⟦J45.909⟧"}, neg: []string{"E11.9", "diagnosis E1"}},
	"uk_nhs":                    {pos: []string{"943 476 5919", "NHS number ⟦9434765919⟧"}, neg: []string{"943 476 5918"}},
	"uk_nino":                   {pos: []string{"AB123456C", "AB 12 34 56 C"}, neg: []string{"BG123456C", "AB123456E", "DA123456A"}},
	"au_tfn":                    {pos: []string{"123 456 782", "TFN ⟦123456782⟧"}, neg: []string{"123 456 789"}},
	"au_abn":                    {pos: []string{"51 824 753 556", "ABN ⟦51824753556⟧"}, neg: []string{"51 824 753 557"}},
	"au_acn":                    {pos: []string{"ACN ⟦004 085 616⟧"}, neg: []string{"ACN 004 085 617"}},
	"au_medicare":               {pos: []string{"2123 45670 1", "medicare ⟦2123456701⟧"}, neg: []string{"2123 45671 1"}},
	"in_aadhaar":                {pos: []string{"2345 6789 0124", "Aadhaar ⟦234567890124⟧"}, neg: []string{"2345 6789 0125", "0345 6789 0124"}},
	"in_pan":                    {pos: []string{"ABCPE1234F"}, neg: []string{"ABCXE1234F", "ABCPE12345"}},
	"in_passport":               {pos: []string{"passport ⟦J8369854⟧"}, neg: []string{"passport Q1234567", "J8369854"}},
	"in_vehicle_registration":   {pos: []string{"MH12AB1234", "MH 12 AB 1234", "DL3CAB1234"}, neg: []string{"ZZ12AB1234", "MH12AB123"}},
	"in_voter":                  {pos: []string{"voter id ⟦ABC1234567⟧"}, neg: []string{"ABC1234567"}},
	"in_gstin":                  {pos: []string{"27AAPFU0939F1ZV"}, neg: []string{"27AAPFU0939F1ZW", "99AAPFU0939F1ZV"}},
	"it_fiscal_code":            {pos: []string{"RSSMRA85T10A562S"}, neg: []string{"RSSMRA85T10A562T"}},
	"it_vat_code":               {pos: []string{"IT12345678903", "partita IVA ⟦12345678903⟧"}, neg: []string{"IT12345678904", "12345678903"}},
	"it_identity_card":          {pos: []string{"carta d'identità ⟦CA12345AB⟧"}, neg: []string{"CA12345AB"}},
	"it_driver_license":         {pos: []string{"patente ⟦AB1234567C⟧"}, neg: []string{"AB1234567C"}},
	"it_passport":               {pos: []string{"passaporto ⟦YA1234567⟧"}, neg: []string{"YA1234567"}},
	"es_nif":                    {pos: []string{"12345678Z", "12345678-Z"}, neg: []string{"12345678A"}},
	"es_nie":                    {pos: []string{"X1234567L"}, neg: []string{"X1234567A", "A1234567L"}},
	"sg_fin":                    {pos: []string{"S1234567D"}, neg: []string{"S1234567A", "A1234567D"}},
	"sg_uen":                    {pos: []string{"T08LL0001A", "UEN ⟦53312345A⟧"}, neg: []string{"53312345A"}},
	"br_cpf":                    {pos: []string{"123.456.789-09", "12345678909"}, neg: []string{"123.456.789-00", "111.111.111-11"}},
	"br_cnpj":                   {pos: []string{"11.222.333/0001-81", "11222333000181"}, neg: []string{"11.222.333/0001-82"}},
	"br_rg":                     {pos: []string{"RG ⟦12.345.678-9⟧", "RG ⟦12.345.678-X⟧"}, neg: []string{"12.345.678-9"}},
	"br_cnh":                    {pos: []string{"CNH ⟦98765432109⟧"}, neg: []string{"CNH 98765432108"}},
	"br_pis":                    {pos: []string{"120.54487.71-8", "PIS ⟦12054487718⟧"}, neg: []string{"120.54487.71-9"}},
	"br_cns":                    {pos: []string{"123 4567 8901 0000", "CNS ⟦200000000010009⟧"}, neg: []string{"123 4567 8901 0001"}},
	"br_titulo_eleitor":         {pos: []string{"título eleitoral ⟦1023 0645 0116⟧"}, neg: []string{"título 1023 0645 0117"}},
	"br_renavam":                {pos: []string{"RENAVAM ⟦63958412659⟧"}, neg: []string{"RENAVAM 63958412658"}},
	"br_cep":                    {pos: []string{"01310-100", "CEP ⟦01310100⟧"}, neg: []string{"01310100"}},
	"br_placa":                  {pos: []string{"ABC1D23", "placa ⟦ABC-1234⟧"}, neg: []string{"AB1D23"}},
	"br_pix_key":                {pos: []string{"chave pix ⟦123e4567-e89b-42d3-a456-426614174000⟧"}, neg: []string{"123e4567-e89b-42d3-a456-426614174000"}},
	"pl_pesel":                  {pos: []string{"PESEL ⟦44051401359⟧"}, neg: []string{"PESEL 44051401358"}},
	"kr_rrn":                    {pos: []string{"850101-1234566"}, neg: []string{"850101-1234567", "851301-1234566"}},
	"fi_personal_identity_code": {pos: []string{"131052-308T", "131052A308T"}, neg: []string{"131052-308A", "321352-308T"}},
	"th_tnin":                   {pos: []string{"1-1017-00203-45-0"}, neg: []string{"1-1017-00203-45-1"}},
	"cn_id_card":                {pos: []string{"11010519491231002X"}, neg: []string{"110105194912310021", "11010519491331002X"}},
	"de_tax_id":                 {pos: []string{"Steuer-ID ⟦86095742719⟧", "86 095 742 719"}, neg: []string{"Steuer-ID 86095742718"}},
	"de_id_card":                {pos: []string{"Personalausweis ⟦T220001293⟧"}, neg: []string{"Personalausweis T220001294"}},
	"fr_nir":                    {pos: []string{"1 85 05 78 006 084 91", "185057800608491"}, neg: []string{"1 85 05 78 006 084 92"}},
	"ip_address":                {pos: []string{"192.168.1.1", "2001:db8::1", "fe80::1ff:fe23:4567:890a", "10.0.0.0/8"}, neg: []string{"999.1.1.1", "1.2.3", "1.2.3.4.5", "12:30:45"}},
	"mac_address":               {pos: []string{"00:1A:2B:3C:4D:5E", "00-1A-2B-3C-4D-5E", "FA-78-91-9A-3B-AC"}, neg: []string{"00:1A:2B:3C:4D", "00:1A:2B:3C:4D:5E:6F"}},
	"url":                       {pos: []string{"https://example.com/a?b=c", "www.example.org", "http://10.0.0.1:8080/x"}, neg: []string{"example.com", "http://"}},
	"date_time":                 {pos: []string{"born on ⟦March 5, 1984⟧", "DOB: ⟦1984-03-05⟧", "date of birth ⟦05/03/1984⟧", "born ⟦5 March 1984⟧"}, neg: []string{"2024-13-45", "born 2024-13-45"}},
	"crypto":                    {pos: []string{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "0x52908400098527886E0F7030069857D2E4169EE7"}, neg: []string{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp"}},
	"aws_access_key":            {pos: []string{"AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A"}, neg: []string{"AKIAIOSFODNN7EXAMPL", "XAKIAIOSFODNN7EXAMPLE"}},
	"aws_secret_key":            {pos: []string{"aws_secret_access_key = ⟦wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY⟧"}, neg: []string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
	"gcp_api_key":               {pos: []string{"AIzaSyA1234567890abcdefghijklmnopqrstuv"}, neg: []string{"AIzaSyA1234567890"}},
	"azure_key":                 {pos: []string{"AccountKey=⟦" + strings.Repeat("aB3dE6gH9k", 8) + "abcdef==⟧"}, neg: []string{"AccountKey=short"}},
	"github_token":              {pos: []string{"ghp_" + strings.Repeat("aB3dE6", 6), "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, neg: []string{"ghp_short"}},
	"gitlab_token":              {pos: []string{"glpat-" + strings.Repeat("aB3dE", 4)}, neg: []string{"glpat-short"}},
	"ci_token":                  {pos: []string{"CCIPAT_" + strings.Repeat("aB3dE6", 5)}, neg: []string{"CCIPAT_x"}},
	"slack_token":               {pos: []string{"xoxb-1234567890-abcdefghij", "xoxp-1234-5678-abcdefghijklmnop"}, neg: []string{"xoxb-123"}},
	"slack_webhook":             {pos: []string{"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"}, neg: []string{"https://hooks.slack.com/services/T0"}},
	"stripe_key":                {pos: []string{"sk_live_" + strings.Repeat("aB3dE6", 4), "whsec_" + strings.Repeat("aB3dE6", 5)}, neg: []string{"sk_live_x"}},
	"api_key":                   {pos: []string{"sk-proj-" + strings.Repeat("aB3dE6_-", 5), "npm_" + strings.Repeat("aB3dE6", 6)}, neg: []string{"sk-proj-x", "npm_x"}},
	"jwt":                       {pos: []string{"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}, neg: []string{"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "eyJub3QiOiJqd3QifQ.eyJhIjoxfQ.sig"}},
	"private_key":               {pos: []string{"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"}, neg: []string{"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----"}},
	"secret":                    {pos: []string{"password=⟦Hunter2!x⟧", "\"api_key\": \"⟦8f9a2b7c4d1e6f3a9b8c7d6e5f4a3b2c⟧\"", "my password is ⟦Tr0ub4dor&3⟧", "postgres://app:⟦S3cr3tPassw0rd⟧@db.internal/app", "Authorization: Bearer ⟦abcDEF1234567890xyzXYZ⟧"}, neg: []string{"password is required", "token: ${TOKEN}", "password: ********", "key: value", "the tokenizer=fast"}},
}

func TestBuiltinDetectorsConform(t *testing.T) {
	names := mask.BuiltinNames()
	for _, name := range names {
		c, ok := detectorCases[name]
		require.True(t, ok, "no cases for %s", name)
		d, _ := mask.Builtin(name)
		t.Run(name, func(t *testing.T) { masktest.TestDetector(t, d, c.pos, c.neg) })
	}
}
