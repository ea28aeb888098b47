package audit

import (
	"bytes"
	"testing"
)

// FuzzRecordLine checks that every record's line reads back to the same
// record, through both the fast and the general path.
func FuzzRecordLine(f *testing.F) {
	for _, d := range []string{`{"a":1}`, `{"a" : "}"}`, "note\n\u2014 sig\n", "\xff\x00", `"s"`, `{}`, `{"x":"\\r"}`, " {}"} {
		f.Add("api-1", uint64(7), d)
	}
	f.Fuzz(func(t *testing.T, origin string, seq uint64, data string) {
		r := Record{Origin: origin, Seq: seq, Type: TypeEvent, Data: []byte(data)}
		if sinkValidRecord(r) != nil {
			return
		}
		line := appendRecordLine(nil, r)
		if bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("line %q has more than its final newline", line)
		}
		var p lineParser
		for _, parse := range []func([]byte) (Record, error){p.parse, parseRecordLine} {
			got, err := parse(line)
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			if got.Origin != r.Origin || got.Seq != r.Seq || got.Type != r.Type || !bytes.Equal(got.Data, r.Data) {
				t.Fatalf("round trip of %q: got %+v", line, got)
			}
		}
	})
}
