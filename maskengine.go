package ragguard

import (
	"context"
	"slices"

	"github.com/ragguard/ragguard/mask"
)

// MaskEngine returns the Masker backed by e, ragguard's masking engine: its
// detectors feed call.detected in policy conditions, its profiles are the
// ones a policy may name, and its vault restores reversible tokens.
func MaskEngine(e *mask.Engine) Masker { return engineMasker{e} }

type engineMasker struct{ e *mask.Engine }

func (a engineMasker) Detect(text string) []string {
	var out []string
	for _, m := range a.e.Detect(text) {
		if !slices.Contains(out, string(m.Entity)) {
			out = append(out, string(m.Entity))
		}
	}
	return out
}

func (a engineMasker) ForCall(profile, tenant string) (CallMasker, error) {
	m, err := a.e.Masker(profile, tenant)
	if err != nil {
		return nil, err
	}
	return &engineCall{m: m}, nil
}

func (a engineMasker) Profiles() []string { return a.e.ProfileNames() }

func (a engineMasker) Restore(ctx context.Context, tenant, text string) (string, int, error) {
	return a.e.Restore(ctx, tenant, text)
}

// engineCall accumulates one call's summaries; the Op serialises its use.
type engineCall struct {
	m       *mask.Masker
	sum     mask.Summary
	streams []*mask.Stream
}

func (c *engineCall) Text(loc, s string) string {
	out, sum := c.m.String(s, loc)
	if !sum.Empty() {
		c.sum.Merge(sum)
	}
	return out
}

func (c *engineCall) JSON(loc string, doc []byte) ([]byte, error) {
	out, sum, err := c.m.JSON(doc, loc)
	c.sum.Merge(sum)
	return out, err
}

func (c *engineCall) Row(cols []string, v []any) []any {
	out, sum := c.m.Row(cols, v)
	c.sum.Merge(sum)
	return out
}

func (c *engineCall) Stream(loc string) StreamMasker {
	st := c.m.Stream(loc)
	c.streams = append(c.streams, st)
	return st
}

func (c *engineCall) Findings() []MaskFinding {
	sum := mask.Summary{}
	sum.Merge(c.sum)
	for _, st := range c.streams {
		sum.Merge(st.Summary())
	}
	if sum.Empty() {
		return nil
	}
	out := make([]MaskFinding, len(sum.Findings))
	for i, f := range sum.Findings {
		out[i] = MaskFinding{Entity: string(f.Entity), Detector: f.Detector, Location: f.Location, Strategy: string(f.Strategy), Count: f.Count}
	}
	return out
}
