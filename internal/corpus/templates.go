package corpus

// Document kinds.
const (
	KindChat     = "chat_prompt"
	KindAnswer   = "llm_answer"
	KindTicket   = "support_ticket"
	KindClinical = "clinical_note"
	KindSQL      = "sql_rows"
	KindJSON     = "json_payload"
	KindConfig   = "config_file"
	KindLog      = "log_lines"
	KindClean    = "clean_text"
)

// Kinds lists every document kind in a stable order.
var Kinds = []string{KindChat, KindAnswer, KindTicket, KindClinical, KindSQL, KindJSON, KindConfig, KindLog, KindClean}

// Languages used by the natural-language templates.
var Languages = []string{"en", "de", "fr", "pt", "es", "it", "en-IN"}

// mentions are short phrases that each carry one value, in several
// languages and with varied (sometimes absent) context words.
var mentions = map[string][]string{
	"en": {
		"my email is {{email}}", "you can reach me at {{email}}", "send it to {{email}} please", "cc {{email}}",
		"email: {{email}}", "{{email}} is my work address", "reply to {{email}}.",
		"call me on {{phone_us}}", "my cell is {{phone_us}}", "ph: {{phone_us}}", "Tel. {{phone_gb}}", "mobile {{phone_gb}}",
		"or text {{phone_e164}}", "my number's {{phone}}", "phone: {{phone}}", "reach the front desk at {{phone_us}}",
		"my card number is {{card}}", "card ending... actually the full number is {{card}}", "Visa {{card}}, exp 09/27",
		"charge {{card}} again", "paid with {{card}}", "the card on file is {{card}}.",
		"my SSN is {{ssn}}", "SSN: {{ssn}}", "social security number {{ssn}}", "SSN {{ssn}} (primary applicant)",
		"my ITIN is {{itin}}", "taxpayer id {{itin}}", "ITIN: {{itin}}", "filing with ITIN {{itin}} this year",
		"routing number {{aba}}", "ABA {{aba}} / account 00{{~n}}",
		"IBAN {{iban}}", "wire it to {{iban}}", "my bank account is {{iban}}",
		"NHS number {{nhs}}", "my NHS no. is {{nhs}}", "NI number {{nino}}", "national insurance: {{nino}}",
		"server {{ipv4}} keeps timing out", "the request came from {{ip}}", "host {{ipv6}} is unreachable",
		"device MAC {{mac}}", "the printer's MAC address is {{mac}}",
		"TFN {{tfn}}", "ABN {{abn}}", "ACN {{acn}}", "Medicare card {{medicare}}",
		"send the refund to {{crypto}}", "my wallet is {{crypto}}",
		"here is my key {{aws_key}}", "token {{github}}", "Stripe key {{stripe}}",
		"FIN {{nric}}", "NRIC {{nric}}", "my PESEL is {{pesel}}", "RRN {{rrn}}", "henkilötunnus {{hetu}}",
		"Thai ID {{tnin}}", "身份证号 {{cnid}}", "citizen ID {{cnid}}",
		"{{email}}", "{{phone}}", "{{card}}", "{{iban}}", "{{ip}}",
		"contact:{{email}}", "Tel:{{phone_e164}}", "(m) {{phone_gb}}", "{{phone_us}} ext. 21{{~n}}",
		"card#{{card}}", "acct: {{iban}}", "ssn={{ssn}}", "IP={{ipv4}}",
		"the customer's details are {{email}} / {{phone}}", "number on the form was {{ssn}}",
		"- email: {{email}}\n- phone: {{phone}}", "| {{~name}} | {{email}} | {{phone_us}} |",
		"forwarding to **{{email}}**", "my details:\n{{~name}}\n{{phone_gb}}\n{{email}}",
		"see attached (IBAN {{iban}}, BIC DEUTDEFFXXX)", "paid via card ({{card}}) on {{~date}}",
		"身份证号：{{cnid}}", "주민등록번호: {{rrn}}", "เลขบัตรประชาชน {{tnin}}", "numer PESEL: {{pesel}}",
		"henkilötunnus: {{hetu}}", "電話：{{phone_e164}}", "NRIC：{{nric}}", "Medicare№ {{medicare}}",
	},
	"en-IN": {
		"my Aadhaar is {{aadhaar}}", "Aadhaar no: {{aadhaar}}", "aadhar {{aadhaar}}", "PAN {{pan}}", "my PAN card number is {{pan}}",
		"GSTIN {{gstin}}", "our GST number {{gstin}}", "call me on {{phone_in}}", "mobile: {{phone_in}}", "whatsapp {{phone_in}}",
		"email {{email}}", "kindly revert on {{email}}", "account IFSC HDFC0001234, card {{card}}",
	},
	"de": {
		"meine E-Mail ist {{email}}", "erreichbar unter {{email}}", "Tel.: {{phone_de}}", "Handy {{phone_de}}", "Rückruf bitte an {{phone_de}}",
		"IBAN: {{iban}}", "meine Kontonummer (IBAN) lautet {{iban}}", "überweisen Sie an {{iban}}",
		"Kreditkarte {{card}}", "Kartennummer {{card}}", "Server-IP {{ipv4}}", "Steuer-ID bitte nicht speichern",
	},
	"fr": {
		"mon e-mail\u00a0: {{email}}", "écrivez-moi à {{email}}", "tél.\u00a0: {{phone_fr}}", "portable {{phone_fr}}", "joignable au {{phone_fr}}",
		"IBAN\u00a0: {{iban}}", "mon RIB (IBAN) est {{iban}}", "carte bancaire {{card}}", "adresse IP {{ip}}",
	},
	"pt": {
		"meu e-mail é {{email}}", "manda pra {{email}}", "meu CPF é {{cpf}}", "CPF: {{cpf}}", "CPF {{cpf}} (titular)",
		"CNPJ {{cnpj}}", "a empresa tem CNPJ {{cnpj}}", "PIS/PASEP {{pis}}", "NIS {{pis}}",
		"celular {{phone_br}}", "whats {{phone_br}}", "telefone: {{phone_br}}", "cartão {{card}}", "IBAN {{iban}}",
	},
	"es": {
		"mi correo es {{email}}", "DNI {{nif}}", "mi NIF es {{nif}}", "NIE: {{nie}}", "tengo NIE {{nie}}",
		"IBAN {{iban}}", "tarjeta {{card}}", "teléfono {{phone}}", "la IP del servidor es {{ipv4}}",
	},
	"it": {
		"la mia email è {{email}}", "codice fiscale {{cf}}", "il mio C.F. è {{cf}}", "partita IVA {{itvat}}", "P.IVA {{itvat}}",
		"IBAN {{iban}}", "carta {{card}}", "cellulare {{phone}}",
	},
}

var intros = map[string][]string{
	"en":    {"Hi! ", "Hey, quick question. ", "Hello team,\n", "I need help with my account. ", "Can you summarise this for me? ", "Please update my profile: ", "URGENT: ", "", "So basically ", "Context for the assistant:\n"},
	"en-IN": {"Hello sir, ", "Dear team, ", "Hi, ", "Kindly help. ", "Good morning, "},
	"de":    {"Hallo, ", "Guten Tag,\n", "Kurze Frage: ", "Bitte aktualisieren: ", ""},
	"fr":    {"Bonjour, ", "Salut\u202f! ", "Madame, Monsieur,\n", "Question rapide\u00a0: ", ""},
	"pt":    {"Oi, ", "Olá, tudo bem? ", "Bom dia!\n", "Preciso de ajuda: ", ""},
	"es":    {"Hola, ", "Buenos días.\n", "Una pregunta: ", ""},
	"it":    {"Ciao, ", "Buongiorno,\n", "Domanda veloce: ", ""},
}

var asks = map[string][]string{
	"en":    {" Can you check why my last payment failed?", "\nThanks!", " What should I do next?", " Please don't share this.", " Draft a reply for me.", "", " Is this correct?", "\n\n-- sent from my phone"},
	"en-IN": {" Please do the needful.", " Kindly update at the earliest.", " Thanks in advance.", ""},
	"de":    {" Vielen Dank!", " Können Sie das prüfen?", "\nMit freundlichen Grüßen", ""},
	"fr":    {" Merci d’avance\u00a0!", " Pouvez-vous vérifier\u00a0?", "\nCordialement,", ""},
	"pt":    {" Obrigado!", " Pode verificar?", " Valeu!", ""},
	"es":    {" ¡Gracias!", " ¿Pueden revisarlo?", ""},
	"it":    {" Grazie mille!", " Potete controllare?", ""},
}

var separators = []string{", ", ". ", "; ", " and ", "\n", " — ", " / ", ". Also ", ", plus "}

var answerTemplates = []string{
	"Sure! Here's a summary of the customer record:\n\n- **Name:** {{~name}}\n- **Email:** {{email}}\n- **Phone:** {{phone}}\n- **Card on file:** {{card}}\n\nLet me know if you need anything else.",
	"Based on the documents you provided, the account holder ({{~name}}) can be reached at {{email}}. The wire should go to IBAN {{iban}}; the reference is {{!invoice}}.",
	"I found 3 matching tickets. The most recent one (opened {{~date}}) lists SSN {{ssn}} and the callback number {{phone_us}}. I would recommend removing the SSN from the ticket body.",
	"The log shows repeated failures from `{{ipv4}}` between {{~time}} and {{~time}}. The build `{{!version}}` (commit {{!githash}}) is the one deployed.",
	"Here is the corrected JSON:\n\n```json\n{\"customer\": \"{{~name}}\", \"email\": \"{{email}}\", \"order\": \"{{!order}}\"}\n```",
	"O CPF informado ({{cpf}}) é válido. O telefone cadastrado é {{phone_br}} e o e-mail {{email}}.",
	"Die Überweisung an {{iban}} wurde am {{~date}} ausgeführt. Rückfragen bitte an {{email}}.",
	"D’après le dossier, le client {{~name}} (tél.\u00a0{{phone_fr}}) a payé {{!price}} le {{~date}}.",
	"Your order {{!order}} shipped on {{~date}} with tracking number {{!tracking}}. The invoice {{!invoice}} totals {{!price}}.",
	"In short: rotate the leaked key {{aws_key}} now, then revoke the GitHub token {{github}}. Both appeared in the public gist.",
	"The patient record lists NHS number {{nhs}}, DOB {{~dob}}. The GP can be contacted on {{phone_gb}}.",
	"Hinweis: Die Karte {{card}} wurde abgelehnt, Bestellnummer {{!order}}.",
	"The Aadhaar number {{aadhaar}} and PAN {{pan}} were both verified. GSTIN on the invoice: {{gstin}}.",
	"Step 1: export the variables.\nStep 2: run `make deploy VERSION={{!version}}`.\nStep 3: check https://status.example.com.\nNo credentials are needed for this.",
	"The codice fiscale {{cf}} matches the name on the contract; the partita IVA is {{itvat}}.",
	"I can't verify payments, but the IBAN you pasted ({{iban}}) has a valid checksum, while {{!ibanfail}} does not.",
	"| Field | Value |\n|---|---|\n| Name | {{~name}} |\n| Email | {{email}} |\n| Phone | {{phone}} |\n| SSN | {{ssn}} |\n| Order | {{!order}} |\n",
	"From the retrieved page:\n\n<tr><td>{{~name}}</td><td><a href=\"mailto:{{email}}\">{{email}}</a></td><td>{{phone_us}}</td></tr>\n<tr><td>{{~name}}</td><td><a href=\"mailto:{{email}}\">{{email}}</a></td><td>{{phone_gb}}</td></tr>",
	"The contract (page 3) names the supplier {{~company}}, ABN {{abn}}, and the payment account BSB 062-000 / IBAN {{iban}}.",
	"Résumé\u00a0: le client a fourni l’IBAN {{iban}} et le numéro {{phone_fr}}. La facture {{!invoice}} reste impayée.",
	"Resumo: o cliente {{~name}} (CPF {{cpf}}) pediu reembolso de {{!price}}. Contato: {{email}}, {{phone_br}}.",
}

var ticketTemplates = []string{
	"Subject: Refund not received\nFrom: {{email}}\n\nHi,\nI was charged twice for order {{!order}} ({{!price}} each). My card is {{card}}. Please refund one of them.\n{{~name}}\n{{phone}}",
	"Ticket #{{~n}}{{~n}}{{~n}} | priority: high | customer: {{~name}} <{{email}}>\nDescription: customer cannot log in since {{~date}}. Last successful login from {{ip}}.\nInternal note: verified identity with SSN {{ssn}}.",
	"Assunto: cobrança indevida\nCliente: {{~name}}, CPF {{cpf}}\nTelefone: {{phone_br}}\nE-mail: {{email}}\nPedido {{!order}} cobrado em duplicidade.",
	"Betreff: Adressänderung\nKunde {{~name}}, Kundennummer {{!order}}\nNeue Telefonnummer: {{phone_de}}\nIBAN für Lastschrift: {{iban}}\n",
	"Objet\u00a0: problème de facture {{!invoice}}\nBonjour, je m’appelle {{~name}}, mon numéro est le {{phone_fr}}. Merci de me rappeler.\n",
	"[JIRA SUP-{{~n}}{{~n}}] Customer pasted their full card {{card}} and CVV in chat. Please purge the transcript. Contact: {{email}}",
	"Issue: webhook signature mismatch. Customer shared their Stripe secret {{stripe}} in the ticket (rotated since). Build {{!version}}.",
	"Customer reports package {{!tracking}} never arrived. Shipping address on file; callback {{phone_us}}. Order total {{!price}}.",
	"Hello, my Aadhaar {{aadhaar}} is linked to the wrong mobile. Correct mobile is {{phone_in}}. PAN for reference {{pan}}.",
	"Hola, mi NIE es {{nie}} y no puedo completar el alta. Mi correo: {{email}}.",
	"Escalation: duplicate accounts share NI number {{nino}}. Emails: {{email}}, {{email}}. Merge into account {{!uuid}}.",
	"Customer ID {{!uuid}} asked us to delete all data (GDPR Art. 17). Known identifiers: {{email}}, {{phone}}, IBAN {{iban}}.",
	"Refund request — invoice {{!invoice}}, card used on order {{!order}}. The rep typed the test number {{!luhnfail}} by mistake; ignore it.",
}

var clinicalTemplates = []string{
	"PATIENT: {{~name}}    DOB: {{~dob}}    MRN: {{mrn}}\nDEPT: {{~dept}}\nS: {{~age}} y/o presenting with chest pain x2 days. Hx of HTN, on {{~drug}} {{~dose}} daily.\nO: BP 142/91, HR 88, SpO2 97%.\nA/P: ECG ordered, troponin x2. Follow-up {{~date}}. Contact: {{phone}}.",
	"Discharge summary\nName: {{~name}}\nNHS No: {{nhs}}\nAdmitted {{~date}} to {{~dept}}. Treated with {{~drug}} {{~dose}}. GP practice tel {{phone_gb}}.\nNext of kin: {{~name}}, {{phone_gb}}.",
	"Progress note — {{~dept}}\nPt {{~last}}, MRN {{mrn}}, insurance member SSN {{ssn}}.\nPain 4/10, ambulating. Continue {{~drug}}. Labs: Na 138, K 4.1, Cr 0.9.",
	"Referral letter\nRe: {{~name}}, Medicare {{medicare}}\nDear Dr {{~last}}, I would be grateful if you could see this {{~age}}-year-old with recurrent migraines. Current meds: {{~drug}} {{~dose}}.\nPhone {{phone}} | email {{email}}",
	"Prontuário: paciente {{~name}}, CPF {{cpf}}, cartão SUS/CNS não informado. Tel. {{phone_br}}. Hipertensão controlada com {{~drug}}.",
	"Lab report {{!order}} — specimen collected {{!ts}}. Patient MRN {{mrn}}. HbA1c 7.2% (ref 4.0–5.6). Ordering physician: Dr {{~last}}.",
	"Telehealth visit {{~date}} {{~time}}. Patient {{~first}} ({{~age}}) joined from IP {{ipv4}}. Aadhaar on file {{aadhaar}}. Rx: {{~drug}} {{~dose}} bid.",
}

var logTemplates = []string{
	"{{!ts}} INFO  auth: login ok user={{email}} src={{ipv4}} req={{!uuid}}",
	"{{!ts}} WARN  payments: card declined pan={{card}} order={{!order}} amount={{!price}}",
	"{{!ts}} ERROR db: connection refused host={{~host}}:{{~port}} attempt={{~n}}",
	"{{!ts}} DEBUG http: GET /api/v2/users/{{!uuid}} 200 {{~n}}ms ua=\"Mozilla/5.0\" ip={{ip}}",
	"{{!ts}} INFO  deploy: rolled out {{!version}} ({{!githash}}) to {{~host}}",
	"[{{!ts}}] dhcp: lease {{ipv4}} -> {{mac}} hostname={{~user}}-laptop",
	"{{!ts}} ERROR config: invalid AWS credentials AWS_ACCESS_KEY_ID={{aws_key}}",
	"{{!ts}} INFO  notify: sms sent to {{phone_e164}} template=otp",
	"{{!ts}} INFO  cache: hit ratio 0.{{~n}} keys={{~n}}000 digest={{!digest}}",
	"{{!ts}} WARN  auth: bearer token rejected: {{jwt}}",
	"time={{!ts}} level=info msg=\"user updated\" email={{email}} phone=\"{{phone}}\"",
	"{{!ts}} INFO  sync: uploaded blob {{!b64}} ({{~n}} KB)",
	"{{!ts}} INFO  order {{!order}} paid {{!price}} via iban={{iban}}",
	"{{!ts}} TRACE net: peer {{ipv6}} handshake complete",
}

var configTemplates = []string{
	"# .env — production\nDATABASE_URL=postgres://app:{{secret}}@{{~host}}.internal:{{~port}}/app\nAWS_ACCESS_KEY_ID={{aws_key}}\nAWS_SECRET_ACCESS_KEY={{aws_secret}}\nAWS_REGION=eu-west-1\nLOG_LEVEL=info\nFEATURE_FLAGS=rag,stream\n",
	"# settings.yaml\nserver:\n  listen: \":{{~port}}\"\n  read_timeout: 30s\nslack:\n  bot_token: {{slack}}\n  webhook: {{slack_hook}}\nstripe:\n  secret_key: \"{{stripe}}\"\n  api_version: \"2024-06-20\"\n",
	"[default]\naws_access_key_id = {{aws_key}}\naws_secret_access_key = {{aws_secret}}\nregion = us-east-1\noutput = json\n",
	"// config.ts\nexport const config = {\n  githubToken: \"{{github}}\",\n  googleMapsKey: \"{{gcp_key}}\",\n  retries: {{~n}},\n  version: \"{{!version}}\",\n};\n",
	"# gitlab-ci variables (do not commit!)\nGITLAB_TOKEN={{gitlab}}\nREGISTRY_PASSWORD={{secret}}\nIMAGE_DIGEST={{!digest}}\n",
	"[database]\nhost = \"{{~host}}\"\nport = {{~port}}\nuser = \"svc_rag\"\npassword = \"{{secret}}\"\n\n[auth]\njwt_secret = \"{{secret}}\"\nissuer = \"https://id.example.com\"\n",
	"$ cat ~/.ssh/id_deploy\n{{pem}}\n",
	"apiVersion: v1\nkind: Secret\nmetadata:\n  name: rag-secrets\nstringData:\n  client_secret: \"{{secret}}\"\n  api_key: {{secret}}\n",
	"{\n  \"name\": \"rag-api\",\n  \"version\": \"{{!version}}\",\n  \"integrity\": \"{{!b64}}\",\n  \"resolved\": \"commit {{!githash}}\"\n}\n",
	"# key.pem (staging)\n{{pem}}\n# end\n",
	"Authorization: Bearer {{jwt}}\nX-Request-Id: {{!uuid}}\nContent-Type: application/json\n",
}

var jsonTemplates = []string{
	`{"id":"{{!uuid}}","user":{"name":"{{~name}}","email":"{{email}}","phone":"{{phone}}"},"created_at":"{{!ts}}"}`,
	`{"order_id":"{{!order}}","total":"{{!price}}","payment":{"method":"card","pan":"{{card}}","billing_email":"{{email}}"},"items":[{"sku":"SKU-{{~n}}{{~n}}","qty":{{~n}}}]}`,
	`{"customer": {"cpf": "{{cpf}}", "telefone": "{{phone_br}}", "email": "{{email}}"}, "pedido": "{{!order}}"}`,
	`{"employee":{"ssn":"{{ssn}}","routing":"{{aba}}","account_holder":"{{~name}}"},"payroll_run":"{{!invoice}}"}`,
	`[{"ip":"{{ip}}","mac":"{{mac}}","seen":"{{!ts}}"},{"ip":"{{ip}}","mac":"{{mac}}","seen":"{{!ts}}"}]`,
	`{"event":"kyc.completed","subject":{"aadhaar":"{{aadhaar}}","pan":"{{pan}}","mobile":"{{phone_in}}"},"trace":"{{!githash}}"}`,
	`{"patient":{"mrn":"{{mrn}}","nhs_number":"{{nhs}}","contact":{"phone":"{{phone_gb}}"}},"encounter":"{{!uuid}}"}`,
	`{"taxpayer":{"name":"{{~name}}","itin":"{{itin}}","spouse_ssn":"{{ssn}}"},"form":"1040","year":2024}`,
	"{\n  \"user\": {\n    \"id\": \"{{!uuid}}\",\n    \"email\": \"{{email}}\",\n    \"phones\": [\"{{phone}}\", \"{{phone_e164}}\"]\n  },\n  \"last_login_ip\": \"{{ip}}\",\n  \"updated\": \"{{!ts}}\"\n}",
	"{\n  \"payment\": {\n    \"card\": \"{{card}}\",\n    \"expiry\": \"09/29\",\n    \"amount\": {{~amount}},\n    \"currency\": \"EUR\"\n  },\n  \"payout_iban\": \"{{iban}}\"\n}",
	`{"iban":"{{iban}}","bic":"DEUTDEFF","amount":{{~amount}},"reference":"{{!invoice}}"}`,
	`{"build":{"version":"{{!version}}","sha":"{{!githash}}","artifact_digest":"{{!digest}}"},"ok":true}`,
	`{"vendor":{"abn":"{{abn}}","tfn":"{{tfn}}","acn":"{{acn}}"},"invoice":"{{!invoice}}"}`,
	`{"fiscal":{"codice_fiscale":"{{cf}}","partita_iva":"{{itvat}}"},"nif":"{{nif}}","nie":"{{nie}}"}`,
	`{"sg":{"nric":"{{nric}}"},"kr":{"rrn":"{{rrn}}"},"fi":{"hetu":"{{hetu}}"},"th":{"id":"{{tnin}}"},"pl":{"pesel":"{{pesel}}"},"cn":{"id":"{{cnid}}"}}`,
	`{"wallet":"{{crypto}}","network":"mainnet","tx":"{{!digest}}"}`,
}

// sqlTables describe rows rendered as INSERTs, psql output or CSV.
var sqlTables = []struct {
	name    string
	columns []string
	cells   []string
}{
	{"customers", []string{"id", "full_name", "email", "phone", "created_at"}, []string{"{{~n}}", "{{~name}}", "{{email}}", "{{phone}}", "{{!ts}}"}},
	{"payments", []string{"id", "order_ref", "card_number", "amount", "iban"}, []string{"{{~n}}", "{{!order}}", "{{card}}", "{{!price}}", "{{iban}}"}},
	{"employees", []string{"emp_id", "name", "ssn", "routing_number", "work_email"}, []string{"{{~n}}", "{{~name}}", "{{ssn}}", "{{aba}}", "{{email}}"}},
	{"clientes", []string{"id", "nome", "cpf", "cnpj", "celular"}, []string{"{{~n}}", "{{~name}}", "{{cpf}}", "{{cnpj}}", "{{phone_br}}"}},
	{"sessions", []string{"session_id", "user_email", "client_ip", "device_mac", "started"}, []string{"{{!uuid}}", "{{email}}", "{{ip}}", "{{mac}}", "{{!ts}}"}},
	{"patients", []string{"mrn", "name", "nhs_number", "phone", "ward"}, []string{"{{mrn}}", "{{~name}}", "{{nhs}}", "{{phone_gb}}", "{{~dept}}"}},
	{"kyc", []string{"id", "aadhaar", "pan", "gstin", "mobile"}, []string{"{{~n}}", "{{aadhaar}}", "{{pan}}", "{{gstin}}", "{{phone_in}}"}},
	{"releases", []string{"id", "version", "commit", "published"}, []string{"{{~n}}", "{{!version}}", "{{!githash}}", "{{!ts}}"}},
}

// cleanSentences build PII-free prose; numbers, versions and dates appear as
// in real text.
var cleanSentences = []string{
	"The retrieval step ranks candidate passages by cosine similarity before the reranker sees them.",
	"We moved the ingestion workers to a separate node pool so that large uploads no longer starve the query path.",
	"Latency at the 99th percentile dropped after the connection pool was sized to the number of cores.",
	"Each tenant gets its own collection, which keeps payload filters simple and deletes cheap.",
	"The quarterly review found no open findings, but two controls still rely on manual evidence.",
	"If the embedding model changes, every vector in the collection has to be recomputed.",
	"Our on-call rotation covers three time zones, and handovers happen in the incident channel.",
	"The migration adds a nullable column first, backfills it in batches of 10,000 rows, and only then adds the constraint.",
	"Chunk size matters more than the choice of embedding model for most internal documents.",
	"The approval queue holds requests for up to fifteen minutes before they expire.",
	"Please keep pull requests small; reviewers should be able to read one in under twenty minutes.",
	"The dashboard shows token usage per team, broken down by model and by day.",
	"Caching the system prompt saved roughly 30% of input tokens on the support assistant.",
	"We deprecate an API version six months after its successor is generally available.",
	"Batch jobs run at 02:00 UTC, outside the busiest hours for European customers.",
	"The summary below was generated automatically and reviewed by the documentation team.",
	"Vector search returns the top 8 chunks, and the prompt template trims them to fit the context window.",
	"Retries use exponential backoff with jitter, capped at five attempts.",
	"A failing health check removes the instance from the load balancer within ten seconds.",
	"The design document lists three alternatives and explains why the simplest one was chosen.",
	"Meeting notes: agreed to ship the streaming endpoint behind a feature flag next sprint.",
	"Für die nächste Version planen wir eine bessere Suche über mehrere Sammlungen hinweg.",
	"La documentation décrit chaque paramètre ainsi que sa valeur par défaut.",
	"O relatório mensal mostra uma queda de 12% no tempo médio de resposta.",
	"Rendimiento: el índice se reconstruye en menos de cuatro minutos.",
	"Release 2.14 fixes a race in the stream reader and improves error messages.",
	"Throughput is measured in megabytes per second on a single core, with allocations reported separately.",
	"Always validate configuration at start-up, so that a typo fails the deploy instead of a request.",
	"The team reviewed the incident timeline and wrote down four follow-up actions.",
	"Accessibility fixes landed for the settings page: labels, focus order, and contrast.",
}

var cleanCode = []string{
	"func (s *Server) handle(w http.ResponseWriter, r *http.Request) {\n\tctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)\n\tdefer cancel()\n\tif err := s.store.Ping(ctx); err != nil {\n\t\thttp.Error(w, \"unavailable\", http.StatusServiceUnavailable)\n\t\treturn\n\t}\n\tw.WriteHeader(http.StatusNoContent)\n}",
	"def chunk(text: str, size: int = 512, overlap: int = 64) -> list[str]:\n    out = []\n    for i in range(0, len(text), size - overlap):\n        out.append(text[i : i + size])\n    return out",
	"SELECT team, date_trunc('day', created_at) AS day, sum(tokens) FROM usage GROUP BY 1, 2 ORDER BY 2 DESC LIMIT 30;",
	"for f in *.jsonl; do jq -c 'select(.level == \"error\")' \"$f\"; done | sort | uniq -c | sort -rn | head",
	"const results = await index.query({ vector, topK: 8, filter: { tenant: tenantId } });",
	"kubectl -n rag rollout status deploy/api --timeout=120s",
	"resource \"aws_s3_bucket\" \"docs\" {\n  bucket = \"rag-docs-prod\"\n  tags   = { team = \"platform\" }\n}",
	"if len(batch) >= maxBatch || time.Since(last) > flushEvery {\n\tflush(batch)\n\tbatch = batch[:0]\n}",
}

var cleanLogs = []string{
	"{{!ts}} INFO  server: listening on :8080",
	"{{!ts}} INFO  worker: processed batch size={{~n}} duration={{~n}}ms",
	"{{!ts}} WARN  retriever: slow query took {{~n}}00ms collection=handbook",
	"{{!ts}} INFO  deploy: version {{!version}} commit {{!githash}}",
	"{{!ts}} DEBUG cache: evicted {{~n}} entries",
	"{{!ts}} INFO  request id={{!uuid}} status=200 bytes={{~n}}12",
	"{{!ts}} INFO  artifact pushed digest={{!digest}}",
}

// A small phrase grammar adds variety to clean prose, so long blobs do not
// repeat a handful of sentences.
var (
	proseSubjects = []string{"The ingestion service", "Our retrieval layer", "The on-call engineer", "Each worker",
		"The new reranker", "The billing team", "This release", "The vector index", "The audit pipeline",
		"Most customers", "The staging cluster", "The query planner", "A background job", "The support assistant",
		"The security review", "Every tenant", "The embedding cache", "The SDK", "The nightly export", "The dashboard"}
	proseVerbs = []string{"now handles", "no longer blocks", "was rewritten to batch", "occasionally drops",
		"should validate", "keeps track of", "reduces the cost of", "was slowed down by", "depends on",
		"can safely retry", "is responsible for", "quietly ignores", "was measured against", "now streams",
		"logs a warning about", "must never expose", "caches", "rebuilds", "summarises", "rejects"}
	proseObjects = []string{"large uploads", "partial responses", "stale embeddings", "duplicate documents",
		"long-running queries", "the approval queue", "expired sessions", "malformed payloads", "the nightly backlog",
		"cross-region traffic", "oversized prompts", "unsigned requests", "the warm-up phase", "retry storms",
		"schema migrations", "rate-limited calls", "cold starts", "idle connections", "broken links", "slow disks"}
	proseTails = []string{"", " during peak hours", " after the last deploy", " in most regions", " when the cache is cold",
		" without manual steps", " since the migration", ", according to the latest report", " under load",
		" in the staging environment", ", which surprised nobody", " once the flag is enabled"}
)

func (g *gen) proseSentence() string {
	if g.chance(0.4) {
		return g.pick(cleanSentences)
	}
	return g.pick(proseSubjects) + " " + g.pick(proseVerbs) + " " + g.pick(proseObjects) + g.pick(proseTails) + "."
}
