package audit

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Canonical form is a fixed point, and parses back to the same JSON value.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{`{"b":1.50,"a":[1e30,null,"\u20ac"]}`, `[]`, `"x"`, `{"\ud83d\ude00":{"a":-0}}`, `1e-7`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonicalize(in)
		if err != nil {
			return
		}
		again, err := Canonicalize(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not a fixed point: %q -> %q -> %q (%v)", in, out, again, err)
		}
		var a, b any
		if json.Unmarshal(in, &a) == nil && json.Unmarshal(out, &b) == nil && !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed: %v vs %v", a, b) // (-0 and 0 compare equal)
		}
	})
}

// The verifier's scanner reads untrusted bytes: it must not panic, and on
// canonical events it must agree with a JSON decoder.
func FuzzEventOriginSeq(f *testing.F) {
	f.Add(fullEvent().AppendCanonical(nil))
	f.Add([]byte(`{"origin":"o","seq":1}`))
	f.Add([]byte(`{"a":{"origin":"x"},"origin":"o\"","seq":01}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		origin, seq, ok := eventOriginSeq(data)
		if !ok {
			return
		}
		var ev struct {
			Origin string `json:"origin"`
			Seq    uint64 `json:"seq"`
		}
		if json.Unmarshal(data, &ev) != nil {
			return // the scanner checks structure only as far as it needs
		}
		if ev.Origin != string(origin) || ev.Seq != seq {
			t.Fatalf("scanner says %q %d, decoder %q %d", origin, seq, ev.Origin, ev.Seq)
		}
	})
}
