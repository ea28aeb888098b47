package mask

import (
	"log/slog"
	"strconv"
)

// Finding counts the values one detector found for one entity at one
// location and how they were masked. It never holds a value.
type Finding struct {
	Entity   Entity   `json:"entity"`
	Detector string   `json:"detector"`
	Location string   `json:"location,omitempty"`
	Strategy Strategy `json:"strategy"`
	Count    int      `json:"count"`
	// Hashes holds a keyed HMAC (hex, per tenant) of each value, for audit
	// look-ups, when the engine was built WithAuditHashes.
	Hashes []string `json:"hashes,omitempty"`
}

// Summary is what an operation masked, for the audit event.
type Summary struct {
	Findings []Finding `json:"findings,omitempty"`
}

// Total is the number of values masked.
func (s Summary) Total() int {
	n := 0
	for _, f := range s.Findings {
		n += f.Count
	}
	return n
}

// Empty reports whether nothing was masked.
func (s Summary) Empty() bool { return len(s.Findings) == 0 }

// Merge adds o's findings to s.
func (s *Summary) Merge(o Summary) {
	for _, f := range o.Findings {
		s.addFinding(f)
	}
}

func (s *Summary) addFinding(f Finding) {
	for i := range s.Findings {
		g := &s.Findings[i]
		if g.Entity == f.Entity && g.Detector == f.Detector && g.Location == f.Location && g.Strategy == f.Strategy {
			g.Count += f.Count
			g.Hashes = append(g.Hashes, f.Hashes...)
			return
		}
	}
	f.Hashes = append([]string(nil), f.Hashes...)
	s.Findings = append(s.Findings, f)
}

func (s *Summary) add(e Entity, det, loc string, st Strategy, hash string) {
	for i := range s.Findings {
		g := &s.Findings[i]
		if g.Entity == e && g.Detector == det && g.Location == loc && g.Strategy == st {
			g.Count++
			if hash != "" {
				g.Hashes = append(g.Hashes, hash)
			}
			return
		}
	}
	f := Finding{Entity: e, Detector: det, Location: loc, Strategy: st, Count: 1}
	if hash != "" {
		f.Hashes = []string{hash}
	}
	s.Findings = append(s.Findings, f)
}

// LogValue logs counts per entity, detector and location (hashes omitted).
func (s Summary) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(s.Findings)+1)
	attrs = append(attrs, slog.Int("total", s.Total()))
	for i, f := range s.Findings {
		attrs = append(attrs, slog.Group(strconv.Itoa(i),
			slog.String("entity", string(f.Entity)),
			slog.String("detector", f.Detector),
			slog.String("location", f.Location),
			slog.String("strategy", string(f.Strategy)),
			slog.Int("count", f.Count)))
	}
	return slog.GroupValue(attrs...)
}
