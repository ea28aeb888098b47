package maskbench

import (
	"github.com/ragguard/ragguard/internal/corpus"
	"github.com/ragguard/ragguard/mask"
)

// toCanonical maps mask entity types to corpus names. Types the corpus does
// not label (URL, DATE_TIME, US_BANK_NUMBER, ...) are absent and dropped.
var toCanonical = map[mask.Entity]string{
	mask.Email: corpus.Email, mask.Phone: corpus.Phone, mask.IPAddress: corpus.IPAddress,
	mask.MACAddress: corpus.MACAddress, mask.Crypto: corpus.Crypto, mask.CreditCard: corpus.CreditCard,
	mask.IBAN: corpus.IBAN, mask.ABARouting: corpus.ABARouting, mask.USSSN: corpus.USSSN, mask.USITIN: corpus.USITIN,
	mask.UKNHS: corpus.UKNHS, mask.UKNINO: corpus.UKNINO, mask.AUTFN: corpus.AUTFN, mask.AUABN: corpus.AUABN,
	mask.AUACN: corpus.AUACN, mask.AUMedicare: corpus.AUMedicare, mask.INAadhaar: corpus.INAadhaar,
	mask.INPAN: corpus.INPAN, mask.INGSTIN: corpus.INGSTIN, mask.ITFiscalCode: corpus.ITFiscal,
	mask.ITVATCode: corpus.ITVAT, mask.ESNIF: corpus.ESNIF, mask.ESNIE: corpus.ESNIE, mask.SGFIN: corpus.SGNRIC,
	mask.PLPESEL: corpus.PLPESEL, mask.KRRRN: corpus.KRRRN, mask.FIHETU: corpus.FIHetu, mask.THTNIN: corpus.THTNIN,
	mask.CNIDCard: corpus.CNIDCard, mask.BRCPF: corpus.BRCPF, mask.BRCNPJ: corpus.BRCNPJ, mask.BRPIS: corpus.BRPIS,
	mask.AWSAccessKey: corpus.AWSAccessKey, mask.AWSSecretKey: corpus.AWSSecretKey, mask.GCPAPIKey: corpus.GoogleAPIKey,
	mask.GitHubToken: corpus.GitHubToken, mask.GitLabToken: corpus.GitLabToken, mask.SlackToken: corpus.SlackToken,
	mask.SlackWebhook: corpus.SlackWebhook, mask.StripeKey: corpus.StripeKey, mask.JWT: corpus.JWT,
	mask.PrivateKey: corpus.PrivateKey, mask.Secret: corpus.GenericSecret,
}

// Ragguard wraps the mask engine with its built-in detectors and default
// profile (redact, default confidence threshold).
type Ragguard struct {
	Engine    *mask.Engine
	masker    *mask.Masker
	supported map[string]bool
}

// NewRagguard builds the mask engine with default options.
func NewRagguard() (*Ragguard, error) {
	eng, err := mask.New()
	if err != nil {
		return nil, err
	}
	m, err := eng.Masker(mask.DefaultProfile, "bench")
	if err != nil {
		return nil, err
	}
	sup := map[string]bool{}
	for _, d := range mask.Builtins() {
		for _, e := range d.Entities() {
			if c, ok := toCanonical[e]; ok {
				sup[c] = true
			}
		}
	}
	return &Ragguard{Engine: eng, masker: m, supported: sup}, nil
}

// Available reports whether the mask engine is built in (it is).
func (r *Ragguard) Available() bool { return true }

// Masker returns the default profile's Masker.String as a function.
func (r *Ragguard) Masker() (func(string) string, error) {
	return func(s string) string {
		out, _ := r.masker.String(s, "bench")
		return out
	}, nil
}

// DefaultMasker is the masker the benchmarks use.
func (r *Ragguard) DefaultMasker() *mask.Masker { return r.masker }

// Name implements Engine.
func (r *Ragguard) Name() string { return "ragguard" }

// Supports implements Engine.
func (r *Ragguard) Supports(entity string) bool { return r.supported[entity] }

// Detect implements Engine.
func (r *Ragguard) Detect(text string) []Span {
	ms := r.Engine.Detect(text)
	out := make([]Span, 0, len(ms))
	for _, m := range ms {
		if c, ok := toCanonical[m.Entity]; ok {
			out = append(out, Span{Entity: c, Start: m.Start, End: m.End})
		}
	}
	return out
}
