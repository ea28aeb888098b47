package corpus

import "fmt"

// Held-out material: templates and value formats that Generate uses only
// with WithHoldout. They were written separately from the default set, so a
// detector tuned on the default corpus can be checked on phrasing, layouts
// and formats it has not seen (and a drop in its scores here is a sign of
// tuning to the templates rather than to the values).

var holdoutMentions = map[string][]string{
	"en": {
		"you can ring me any time on {{phone}}", "best contact is {{email}} (personal)", "Mob: {{phone_gb}}",
		"wire details — {{iban}}", "last payment used {{card}}", "social: {{ssn}}", "the SSN on file reads {{ssn}}",
		"my bank sort of needs the routing no. {{aba}}", "our office IP is {{ipv4}}, VPN gives {{ipv6}}",
		"NHS #{{nhs}}", "ni no {{nino}}", "please use {{email}} from now on", "cell — {{phone_us}}",
		"({{phone_us}}) is my desk line", "WhatsApp only: {{phone_e164}}", "pay to {{iban}} ref {{!invoice}}",
		"taxpayer ITIN {{itin}} (no SSN yet)", "the wallet address: {{crypto}}", "aadhaar card no. {{aadhaar}}",
		"{{card}} exp 11/28 cvv on the back", "my cpf: {{cpf}}", "Partita IVA: {{itvat}}", "DNI: {{nif}}",
	},
	"de": {
		"Sie erreichen mich unter {{phone_de}} oder per Mail an {{email}}", "Bankverbindung: {{iban}}",
		"meine Mobilnummer lautet {{phone_de}}", "Karte {{card}} wurde zweimal belastet", "E-Mail: {{email}}",
	},
	"fr": {
		"vous pouvez me joindre au {{phone_fr}}", "coordonnées bancaires\u00a0: {{iban}}", "courriel\u00a0: {{email}}",
		"ma carte {{card}} a été débitée deux fois",
	},
	"pt": {
		"pode me ligar no {{phone_br}}", "segue meu CPF {{cpf}} e o CNPJ da empresa {{cnpj}}", "e-mail: {{email}}",
		"chave PIX é o meu e-mail {{email}}",
	},
	"es":    {"llámame al {{phone}}", "mi NIE: {{nie}}, cuenta {{iban}}", "escríbeme a {{email}}"},
	"it":    {"chiamatemi al {{phone}}", "C.F. {{cf}}", "IBAN per il rimborso: {{iban}}", "scrivete a {{email}}"},
	"en-IN": {"pls call {{phone_in}}", "Aadhaar {{aadhaar}} PAN {{pan}}", "GST no {{gstin}}", "mail id {{email}}"},
}

var holdoutIntros = map[string][]string{
	"en": {"hey there — ", "Quick one: ", "FYI ", "So, ", "Following up on my earlier message: "},
	"de": {"Moin, ", "Sehr geehrte Damen und Herren,\n"}, "fr": {"Bonsoir, ", "Rebonjour,\n"},
	"pt": {"E aí, ", "Prezados,\n"}, "es": {"Buenas, "}, "it": {"Salve, "}, "en-IN": {"Respected sir/madam, "},
}

var holdoutAsks = map[string][]string{
	"en": {" Cheers.", " Let me know ASAP.", "\n\nBest,\n{{~first}}", ""},
	"de": {" Danke.", "\nGruß"}, "fr": {" Bonne journée.", ""}, "pt": {" Abraço.", ""},
	"es": {" Saludos."}, "it": {" Saluti."}, "en-IN": {" Regards."},
}

var holdoutAnswers = []string{
	"Summary of the thread: {{~name}} asked to move the payout to {{iban}}. Their new number is {{phone}} and the confirmation went to {{email}}.",
	"Here's what I extracted:\n* customer: {{~name}}\n* contact: {{email}} / {{phone}}\n* card: {{card}}\n* order: {{!order}} ({{!price}})",
	"I cannot share the full SSN ({{ssn}}) — please redact it before sending the document to the vendor.",
	"Ficou assim: CPF {{cpf}}, telefone {{phone_br}}, e-mail {{email}}. O pedido {{!order}} foi reembolsado.",
	"Die Rechnung {{!invoice}} geht an {{email}}; Rückfragen unter {{phone_de}}.",
	"Contact block from the page: <a href=\"tel:{{phone_e164}}\">call us</a> · <a href=\"mailto:{{email}}\">email us</a>",
	"Two records match:\n1. {{~name}}, {{email}}, SSN ending — full value {{ssn}}\n2. {{~name}}, {{email}}, IBAN {{iban}}",
}

var holdoutTickets = []string{
	"From: \"{{~name}}\" <{{email}}>\nTo: {{email}}\nSubject: Re: [#{{~n}}{{~n}}] charge\n\n> On {{~date}} support wrote:\n> Please confirm the last digits.\n\nThe card is {{card}}. Call me on {{phone}} if needed.\n",
	"[{{~time}}] {{~user}}: hi, my account is locked\n[{{~time}}] agent: can you confirm your email?\n[{{~time}}] {{~user}}: {{email}}\n[{{~time}}] {{~user}}: and my phone is {{phone}}\n",
	"CRM note ({{~date}}): spoke with {{~name}}. Updated phone to {{phone_us}}, SSN verified ({{ssn}}). Follow up re: invoice {{!invoice}}.",
	"Case {{!uuid}}: requester {{email}} says payment from {{iban}} bounced. Tracking {{!tracking}}.",
}

var holdoutClinical = []string{
	"HPI: {{~age}}F referred by GP. NHS {{nhs}}. PMH: asthma. Meds: {{~drug}} {{~dose}}. Plan: review in clinic, tel {{phone_gb}}.",
	"Pt: {{~last}}, {{~first}} | MRN {{mrn}} | SSN {{ssn}} | Ins. ph {{phone_us}}\nDx: type 2 diabetes. A1c 8.1. Increase {{~drug}}.",
	"Nota de alta: paciente {{~name}}, CPF {{cpf}}. Contato do responsável: {{phone_br}}.",
}

var holdoutLogs = []string{
	"{{ipv4}} - - [{{!ts}}] \"GET /api/v1/users?email={{email}} HTTP/1.1\" 200 {{~n}}12 \"-\" \"curl/8.5.0\"",
	"{{!ts}} audit actor={{email}} action=export rows={{~n}} client={{ip}}",
	"{{!ts}} sms.send to={{phone_e164}} status=queued id={{!uuid}}",
	"{{!ts}} kyc.check pan={{pan}} aadhaar={{aadhaar}} result=ok",
	"{{!ts}} billing.charge card={{card}} amount={{!price}} ref={{!invoice}}",
	"{{!ts}} net.arp {{ipv4}} is-at {{mac}}",
	"{{!ts}} db: connecting to {{ipv4}}:{{~port}} as svc_rag",
	"{{!ts}} http: upstream [{{ipv6}}]:443 timed out after {{~n}}s",
	"{{!ts}} mail: delivered to=<{{email}}> relay={{ipv4}} status=sent",
}

var holdoutConfigs = []string{
	"user:\n  email: {{email}}\n  phone: '{{phone}}'\nbilling:\n  iban: {{iban}}\nsecrets:\n  github_token: {{github}}\n  password: \"{{secret}}\"\n",
	"export STRIPE_SECRET_KEY={{stripe}}\nexport SLACK_BOT_TOKEN={{slack}}\nexport AWS_ACCESS_KEY_ID={{aws_key}}\n",
	"<configuration>\n  <add key=\"ApiKey\" value=\"{{gcp_key}}\" />\n  <add key=\"AdminEmail\" value=\"{{email}}\" />\n</configuration>\n",
}

var holdoutPayloads = []string{
	"<customer id=\"{{!uuid}}\"><name>{{~name}}</name><email>{{email}}</email><phone>{{phone}}</phone><iban>{{iban}}</iban></customer>",
	`{"type":"payment_method.attached","data":{"card":"{{card}}","owner":{"email":"{{email}}","phone":"{{phone_us}}"}}}`,
	`{"cliente":{"cpf":"{{cpf}}","email":"{{email}}"},"empresa":{"cnpj":"{{cnpj}}"}}`,
	`{"records":[{"ssn":"{{ssn}}","dob":"{{~dob}}"},{"ssn":"{{ssn}}","dob":"{{~dob}}"}]}`,
}

// holdoutPhones are national and international layouts the default set
// does not use.
var holdoutPhones = map[string]func(g *gen) string{
	"US": func(g *gen) string {
		area := g.pick([]string{"206", "312", "415", "617", "718"})
		n := fmt.Sprintf("%d-%04d", g.between(201, 989), g.intn(10000))
		if g.chance(0.5) {
			return "+1-" + area + "-" + n
		}
		return "(" + area + ")" + n
	},
	"GB": func(g *gen) string {
		if g.chance(0.5) {
			return fmt.Sprintf("+44 20 7%03d %04d", g.between(100, 999), g.intn(10000))
		}
		return fmt.Sprintf("+44 (0)7%d %06d", g.between(400, 999), g.intn(1000000))
	},
	"DE": func(g *gen) string {
		if g.chance(0.5) {
			return fmt.Sprintf("+49 (0)30 %08d", g.between(20000000, 99999999))
		}
		return fmt.Sprintf("0049 %s %08d", g.pick([]string{"151", "160", "170", "176"}), g.between(10000000, 99999999))
	},
	"FR": func(g *gen) string {
		if g.chance(0.5) {
			return fmt.Sprintf("0%d%08d", g.between(6, 7), g.intn(100000000))
		}
		return fmt.Sprintf("+33 (0)6 %02d %02d %02d %02d", g.intn(100), g.intn(100), g.intn(100), g.intn(100))
	},
	"BR": func(g *gen) string {
		ddd := g.pick([]string{"11", "21", "31", "48"})
		if g.chance(0.5) {
			return ddd + " 9" + fmt.Sprintf("%04d-%04d", g.between(6000, 9999), g.intn(10000))
		}
		return "+55 (" + ddd + ") 9" + fmt.Sprintf("%04d-%04d", g.between(6000, 9999), g.intn(10000))
	},
	"IN": func(g *gen) string {
		n := fmt.Sprintf("%d%04d-%05d", g.between(6, 9), g.intn(10000), g.intn(100000))
		if g.chance(0.5) {
			return "+91 " + n
		}
		return n
	},
}
