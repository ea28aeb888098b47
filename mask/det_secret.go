package mask

import (
	"encoding/base64"
	"math"
	"strings"
)

// Secrets: vendor tokens found by their literal prefixes, JWTs, PEM private
// keys, credentials in URLs, and high-entropy values assigned to key words.

func alnumOnly(c byte) bool { return isAlnum(c) }
func b64url(c byte) bool    { return isAlnum(c) || c == '-' || c == '_' }
func b64std(c byte) bool    { return isAlnum(c) || c == '+' || c == '/' }
func tokenChar(c byte) bool { return isAlnum(c) || c == '-' || c == '_' || c == '.' }
func base32up(c byte) bool  { return isUpper(c) || c >= '2' && c <= '7' }

// span returns the end of the run of bytes accepted by ok starting at i,
// looking at most limit bytes; over reports a longer run.
func (sc *scan) span(i int, ok func(byte) bool, limit int) (end int, over bool) {
	k := i
	for !sc.past(k) && ok(sc.s[k]) {
		k++
		if k-i > limit {
			return k, true
		}
	}
	sc.work += k - i
	return k, false
}

// prefixed registers literal prefixes followed by a body of min..max bytes.
func prefixed(d *builtin, b *planBuilder, id int, ent Entity, conf float32, min, max int, body func(byte) bool, prefixes ...string) {
	for _, p := range prefixes {
		b.onAnchor(p, true, true, func(sc *scan, start, end int) {
			e, over := sc.span(end, body, max)
			if over || e-end < min {
				return
			}
			// The token must end on a boundary a body byte cannot continue.
			if !sc.past(e) && (isAlnum(sc.s[e]) || sc.s[e] == '_') {
				return
			}
			sc.add(start, e, d.score(sc, start, conf), id, ent)
		})
	}
}

var _ = def(&builtin{name: "aws_access_key", ents: []Entity{AWSAccessKey},
	reg: func(d *builtin, b *planBuilder, id int) {
		prefixed(d, b, id, AWSAccessKey, 0.95, 16, 16, base32up,
			"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA")
	}})

var _ = def(&builtin{name: "aws_secret_key", ents: []Entity{AWSSecretKey},
	reg: func(d *builtin, b *planBuilder, id int) {
		for _, k := range []string{"aws_secret_access_key", "secret_access_key", "aws_secret_key", "secretaccesskey", "aws_secret", "aws secret"} {
			b.onAnchor(k, false, false, func(sc *scan, start, end int) {
				vs, ve, ok := sc.assignedValue(end, true)
				if !ok || ve-vs != 40 {
					return
				}
				for i := vs; i < ve; i++ {
					if c := sc.s[i]; !b64std(c) {
						return
					}
				}
				sc.add(vs, ve, 0.9, id, AWSSecretKey)
			})
		}
	}})

var _ = def(&builtin{name: "gcp_api_key", ents: []Entity{GCPAPIKey},
	reg: func(d *builtin, b *planBuilder, id int) {
		prefixed(d, b, id, GCPAPIKey, 0.95, 35, 35, b64url, "AIza")
		prefixed(d, b, id, GCPAPIKey, 0.85, 20, 2048, b64url, "ya29.")
	}})

var _ = def(&builtin{name: "azure_key", ents: []Entity{AzureKey},
	reg: func(d *builtin, b *planBuilder, id int) {
		for _, k := range []string{"accountkey=", "sharedaccesskey=", "primarykey=", "secondarykey="} {
			b.onAnchor(k, false, false, func(sc *scan, start, end int) {
				e, over := sc.span(end, func(c byte) bool { return b64std(c) || c == '=' }, 100)
				if over || e-end < 40 {
					return
				}
				sc.add(end, e, 0.9, id, AzureKey)
			})
		}
		b.onAnchor("sig=", false, false, func(sc *scan, start, end int) {
			e, over := sc.span(end, func(c byte) bool { return isAlnum(c) || c == '%' || c == '+' || c == '/' || c == '=' }, 200)
			if over || e-end < 30 {
				return
			}
			sc.add(end, e, 0.7, id, AzureKey)
		})
		// Entra ID client secrets: xxx8Q~ followed by 31-34 characters.
		b.onAnchor("Q~", true, false, func(sc *scan, start, end int) {
			s := sc.s
			st := start - 4
			if st < 0 || !isDigit(s[start-1]) {
				return
			}
			for i := st; i < start-1; i++ {
				if !tokenChar(s[i]) && s[i] != '~' {
					return
				}
			}
			if st > 0 && (tokenChar(s[st-1]) || s[st-1] == '~') {
				return
			}
			sc.trig = st
			e, over := sc.span(end, func(c byte) bool { return tokenChar(c) || c == '~' }, 34)
			if over || e-end < 31 {
				return
			}
			sc.trig = st
			sc.add(st, e, 0.9, id, AzureKey)
		})
	}})

var _ = def(&builtin{name: "github_token", ents: []Entity{GitHubToken},
	reg: func(d *builtin, b *planBuilder, id int) {
		prefixed(d, b, id, GitHubToken, 0.95, 36, 251, alnumOnly, "ghp_", "gho_", "ghu_", "ghs_", "ghr_")
		prefixed(d, b, id, GitHubToken, 0.95, 22, 251, func(c byte) bool { return isAlnum(c) || c == '_' }, "github_pat_")
	}})

var _ = def(&builtin{name: "gitlab_token", ents: []Entity{GitLabToken},
	reg: func(d *builtin, b *planBuilder, id int) {
		prefixed(d, b, id, GitLabToken, 0.95, 20, 200, tokenChar,
			"glpat-", "gldt-", "glptt-", "glrt-", "glcbt-", "glft-", "glimt-", "glagent-", "glsoat-", "gloas-", "GR1348941")
	}})

var _ = def(&builtin{name: "ci_token", ents: []Entity{CIToken},
	reg: func(d *builtin, b *planBuilder, id int) {
		prefixed(d, b, id, CIToken, 0.9, 20, 200, func(c byte) bool { return isAlnum(c) || c == '_' }, "CCIPAT_", "CCIPRJ_")
		prefixed(d, b, id, CIToken, 0.9, 40, 40, isHex, "bkua_")
		prefixed(d, b, id, CIToken, 0.85, 30, 200, tokenChar, "tfp_", "atlasv1.")
	}})

var _ = def(&builtin{name: "slack_token", ents: []Entity{SlackToken},
	reg: func(d *builtin, b *planBuilder, id int) {
		prefixed(d, b, id, SlackToken, 0.95, 10, 250, func(c byte) bool { return isAlnum(c) || c == '-' },
			"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxe.xoxp-", "xapp-")
	}})

var _ = def(&builtin{name: "slack_webhook", ents: []Entity{SlackWebhook},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onAnchor("hooks.slack.com/services/", false, false, func(sc *scan, start, end int) {
			if start >= 8 && strings.EqualFold(sc.s[start-8:start], "https://") {
				sc.trig = start - 8
			}
			e, over := sc.span(end, func(c byte) bool { return isAlnum(c) || c == '/' || c == '_' }, 200)
			if over || e-end < 20 {
				return
			}
			st := start
			if st >= 8 && strings.EqualFold(sc.s[st-8:st], "https://") {
				st -= 8
			}
			sc.trig = st
			sc.add(st, e, 0.95, id, SlackWebhook)
		})
	}})

var _ = def(&builtin{name: "stripe_key", ents: []Entity{StripeKey},
	reg: func(d *builtin, b *planBuilder, id int) {
		prefixed(d, b, id, StripeKey, 0.95, 10, 250, alnumOnly, "sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_")
	}})

var _ = def(&builtin{name: "api_key", ents: []Entity{APIKey},
	reg: func(d *builtin, b *planBuilder, id int) {
		prefixed(d, b, id, APIKey, 0.95, 20, 300, func(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }, "sk-proj-", "sk-ant-", "sk-svcacct-", "sk-admin-")
		prefixed(d, b, id, APIKey, 0.8, 32, 64, alnumOnly, "sk-")
		prefixed(d, b, id, APIKey, 0.9, 36, 36, alnumOnly, "npm_")
		prefixed(d, b, id, APIKey, 0.9, 50, 300, b64url, "pypi-")
		prefixed(d, b, id, APIKey, 0.9, 60, 80, func(c byte) bool { return b64url(c) || c == '.' }, "SG.")
		prefixed(d, b, id, APIKey, 0.85, 30, 40, isLetter, "hf_")
		prefixed(d, b, id, APIKey, 0.9, 32, 32, isHex, "shpat_", "shpca_", "shppa_", "shpss_")
		prefixed(d, b, id, APIKey, 0.9, 64, 64, isHex, "dop_v1_", "doo_v1_")
		prefixed(d, b, id, APIKey, 0.9, 22, 100, b64url, "sq0atp-", "sq0csp-")
		prefixed(d, b, id, APIKey, 0.9, 32, 300, func(c byte) bool { return b64url(c) || c == '=' }, "ATATT3", "glsa_", "lin_api_", "figd_")
		prefixed(d, b, id, APIKey, 0.9, 32, 32, isHex, "dapi")
	}})

var _ = def(&builtin{name: "jwt", ents: []Entity{JWT},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onAnchor("eyJ", true, true, func(sc *scan, start, end int) {
			s := sc.s
			h, over := sc.b64urlRun(start, 4096)
			if over || h-start < 10 || sc.past(h) || s[h] != '.' {
				return
			}
			var buf [96]byte
			seg := s[start:min(h, start+128)]
			seg = seg[:len(seg)/4*4]
			n, _ := base64.RawURLEncoding.Decode(buf[:], []byte(seg))
			hdr := string(buf[:n])
			if !strings.HasPrefix(hdr, `{"`) || !strings.Contains(hdr, `"alg"`) && !strings.Contains(hdr, `"typ"`) && !strings.Contains(hdr, `"kid"`) {
				return
			}
			p, over := sc.b64urlRun(h+1, 16384)
			if over || p-h-1 < 2 || sc.past(p) || s[p] != '.' {
				return
			}
			e, over := sc.span(p+1, b64url, 4096)
			if over {
				return
			}
			sc.add(start, e, 0.95, id, JWT)
		})
	}})

// b64urlRun is span over base64url bytes, memoised so that overlapping
// candidates inside one long run cost the run once.
func (sc *scan) b64urlRun(i, limit int) (int, bool) {
	if i >= sc.runFrom && i < sc.runEnd {
		return sc.runEnd, sc.runEnd-i > limit
	}
	k := i
	for !sc.past(k) && b64url(sc.s[k]) {
		k++
	}
	sc.work += k - i
	sc.runFrom, sc.runEnd = i, k
	return k, k-i > limit
}

var _ = def(&builtin{name: "private_key", ents: []Entity{PrivateKey},
	reg: func(d *builtin, b *planBuilder, id int) {
		b.onAnchor("-----BEGIN ", true, false, func(sc *scan, start, end int) {
			s := sc.s
			// Header label: upper-case words ending in PRIVATE KEY (BLOCK).
			k := end
			for !sc.past(k) && (isUpper(s[k]) || isDigit(s[k]) || s[k] == ' ') && k-end < 40 {
				k++
			}
			label := s[end:k]
			if !strings.HasSuffix(label, "PRIVATE KEY") && !strings.HasSuffix(label, "PRIVATE KEY BLOCK") {
				return
			}
			if sc.past(k+4) || s[k:k+5] != "-----" {
				return
			}
			body := k + 5
			const capLen = 64 << 10
			e := sc.pemEndAfter(body, capLen)
			if e >= 0 {
				// Through the closing "-----END ...-----".
				j := e + 8
				for !sc.past(j) && (isUpper(s[j]) || isDigit(s[j]) || s[j] == ' ') && j-e < 60 {
					j++
				}
				if !sc.past(j+4) && s[j:j+5] == "-----" {
					sc.add(start, j+5, 0.99, id, PrivateKey)
					return
				}
				if !sc.eof && sc.short {
					return
				}
			} else if sc.short {
				return
			}
			// No end marker: mask the header and the key material that follows.
			j := body
			for !sc.past(j) && (b64std(s[j]) || s[j] == '=' || s[j] == '\n' || s[j] == '\r' || s[j] == ':' || s[j] == ' ') && j-body < capLen {
				j++
			}
			sc.add(start, j, 0.99, id, PrivateKey)
		})
	}})

// pemEndAfter finds "-----END" at or after i within limit bytes, memoised.
func (sc *scan) pemEndAfter(i, limit int) int {
	if !(sc.pemFrom >= 0 && i >= sc.pemFrom && (sc.pemEnd < 0 || sc.pemEnd >= i)) {
		k := strings.Index(sc.s[i:], "-----END")
		sc.work += len(sc.s) - i
		if k >= 0 {
			k += i
			sc.work -= len(sc.s) - k
		}
		sc.pemFrom, sc.pemEnd = i, k
	}
	e := sc.pemEnd
	if e < 0 || e-i > limit {
		if e < 0 && !sc.eof && sc.n-i <= limit {
			sc.short = true
		}
		return -1
	}
	if sc.past(e + 8) {
		return -1
	}
	return e
}

// Key-word assignments: password=..., "api_key": "...", token is ....

type kwKind uint8

const (
	kwPassword kwKind = iota
	kwToken
)

var secretKeywords = []struct {
	w    string
	kind kwKind
}{
	{"password", kwPassword}, {"passwd", kwPassword}, {"pwd", kwPassword}, {"passphrase", kwPassword},
	{"passcode", kwPassword}, {"senha", kwPassword}, {"passwort", kwPassword}, {"contraseña", kwPassword}, {"mot de passe", kwPassword},
	{"secret", kwToken}, {"token", kwToken}, {"apikey", kwToken}, {"api_key", kwToken}, {"api-key", kwToken},
	{"access_key", kwToken}, {"accesskey", kwToken}, {"private_key", kwToken}, {"privatekey", kwToken},
	{"credential", kwToken}, {"auth_key", kwToken}, {"authkey", kwToken}, {"signing_key", kwToken},
	{"encryption_key", kwToken}, {"master_key", kwToken}, {"session_key", kwToken}, {"key", kwToken},
}

var _ = def(&builtin{name: "secret", ents: []Entity{Secret},
	reg: func(d *builtin, b *planBuilder, id int) {
		for _, k := range secretKeywords {
			kind := k.kind
			b.onAnchor(k.w, false, false, func(sc *scan, start, end int) { keywordSecret(sc, id, start, end, kind) })
		}
		b.onAnchor("bearer ", false, true, func(sc *scan, start, end int) {
			e, over := sc.span(end, func(c byte) bool { return tokenChar(c) || c == '~' || c == '+' || c == '/' || c == '=' }, 4096)
			if over || e-end < 16 || !strongValue(sc.s[end:e], 16) {
				return
			}
			sc.add(end, e, 0.85, id, Secret)
		})
		b.onAnchor("basic ", false, true, func(sc *scan, start, end int) {
			if !sc.ctx(start, []string{"authorization"}) {
				return
			}
			e, over := sc.span(end, func(c byte) bool { return b64std(c) || c == '=' }, 1024)
			if over || e-end < 8 {
				return
			}
			sc.add(end, e, 0.85, id, Secret)
		})
		// scheme://user:password@host
		b.onAnchor("://", false, false, func(sc *scan, start, end int) {
			s := sc.s
			u, over := sc.span(end, func(c byte) bool { return c > ' ' && c != ':' && c != '@' && c != '/' && c != '"' && c != '\'' }, 128)
			if over || sc.past(u) || s[u] != ':' || u == end {
				return
			}
			p, over := sc.span(u+1, func(c byte) bool { return c > ' ' && c != '@' && c != '"' && c != '\'' }, 256)
			if over || sc.past(p) || s[p] != '@' || p == u+1 {
				return
			}
			if k := strings.IndexByte(s[u+1:p], '/'); k >= 0 && (k == 0 || allDigits(s[u+1:u+1+k])) {
				return // host:port/path@..., not a password
			}
			sc.add(u+1, p, 0.9, id, Secret)
		})
	}})

func keywordSecret(sc *scan, id, start, end int, kind kwKind) {
	s := sc.s
	if start > 0 && isLetter(s[start-1]) && !isUpper(s[start]) {
		return // inside another word ("monkey", "tokens" are fine; "xpassword" is not)
	}
	vs, ve, ok := sc.assignedValue(end, false)
	if !ok {
		return
	}
	v := s[vs:ve]
	switch kind {
	case kwPassword:
		if len(v) < 6 || placeholder(v) || classes(v) < 2 && len(v) < 12 {
			return
		}
		sc.add(vs, ve, 0.8, id, Secret)
	default:
		if len(v) < 12 || placeholder(v) || !strongValue(v, 12) {
			return
		}
		sc.add(vs, ve, 0.8, id, Secret)
	}
}

// assignedValue parses what follows a key word: the rest of an identifier,
// an optional closing quote, an assignment (= : := => or " is "), and the
// value, quoted or bare. strict refuses the " is " form.
func (sc *scan) assignedValue(i int, strict bool) (vs, ve int, ok bool) {
	s := sc.s
	k := i
	if !sc.past(k) && isLetter(s[k]) {
		if (s[k] == 's' || s[k] == 'S') && (sc.past(k+1) || !isLetter(s[k+1])) {
			k++
		} else if !sc.past(k) && isUpper(s[k]) && !isUpper(s[i-1]) {
			// camelCase continuation: passwordHash
		} else {
			return 0, 0, false
		}
	}
	e, over := sc.span(k, func(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }, 32)
	if over {
		return 0, 0, false
	}
	k = e
	if !sc.past(k) && (s[k] == '"' || s[k] == '\'') {
		k++
	}
	for n := 0; n < 3 && !sc.past(k) && (s[k] == ' ' || s[k] == '\t'); n++ {
		k++
	}
	if sc.past(k) {
		return 0, 0, false
	}
	switch {
	case s[k] == '=' || s[k] == ':':
		k++
		if !sc.past(k) && (s[k] == '=' || s[k] == '>') {
			k++
		}
	case !strict && (s[k] == 'i' || s[k] == 'I') && !sc.past(k+2) && (s[k+1] == 's' || s[k+1] == 'S') && s[k+2] == ' ' && k > e:
		k += 2
	default:
		return 0, 0, false
	}
	for n := 0; n < 3 && !sc.past(k) && (s[k] == ' ' || s[k] == '\t'); n++ {
		k++
	}
	if sc.past(k) {
		return 0, 0, false
	}
	if q := s[k]; q == '"' || q == '\'' || q == '`' {
		vs = k + 1
		e, over := sc.span(vs, func(c byte) bool { return c != q && c != '\n' && c != '\r' }, 256)
		if over || sc.past(e) || s[e] != q {
			return 0, 0, false
		}
		return vs, e, e > vs
	}
	vs = k
	e, over = sc.span(vs, func(c byte) bool {
		return c > ' ' && c != '"' && c != '\'' && c != ',' && c != ';' && c != '<' && c != '>' && c != ')' && c != '[' && c != ']' && c != '}'
	}, 256)
	if over || sc.gluedRight(e) {
		return 0, 0, false
	}
	for e > vs && (s[e-1] == '.' || s[e-1] == '!' || s[e-1] == '?') {
		e--
	}
	return vs, e, e > vs
}

func placeholder(v string) bool {
	switch v[0] {
	case '$', '{', '<', '%', '[', '(':
		return true
	}
	if allSameStr(v) {
		return true
	}
	switch strings.ToLower(v) {
	case "null", "none", "nil", "true", "false", "undefined", "redacted", "required", "optional", "password", "secret",
		"example", "string", "hidden", "masked", "env", "default":
		return true
	}
	return strings.HasPrefix(v, "[") || strings.Contains(v, "REDACTED") || strings.HasPrefix(v, "os.") || strings.HasPrefix(v, "process.env")
}

func allSameStr(v string) bool {
	for i := 1; i < len(v); i++ {
		if v[i] != v[0] {
			return false
		}
	}
	return true
}

// classes counts lower, upper, digit and other byte classes present.
func classes(v string) int {
	var l, u, d, o int
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z':
			l = 1
		case c >= 'A' && c <= 'Z':
			u = 1
		case c >= '0' && c <= '9':
			d = 1
		default:
			o = 1
		}
	}
	return l + u + d + o
}

// strongValue: long enough, mixed and with Shannon entropy of at least 3
// bits per byte — random-looking rather than a word or an identifier.
func strongValue(v string, minLen int) bool {
	if len(v) < minLen || classes(v) < 2 {
		return false
	}
	var freq [256]int
	for i := 0; i < len(v); i++ {
		freq[v[i]]++
	}
	h := 0.0
	n := float64(len(v))
	for _, f := range freq {
		if f > 0 {
			p := float64(f) / n
			h -= p * math.Log2(p)
		}
	}
	return h >= 3.0
}
