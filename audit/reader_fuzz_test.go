package audit

import (
	"bytes"
	"testing"
)

// FuzzRecordLine checks that every record's line reads back to the same
// record, through both the fast and the general path.
func FuzzRecordLine(f *testing.F) {
	for _, d := range []string{`{"a":1}`, `{"a" : "}"}`, "note\n\u2014 sig\n", "\xff\x00", `"s"`, `{}`, `{"x":"\\r"}`, " {}", "\b\f\x7f"} {
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

// Lines written before the line format shared the JCS string escaper spell
// \b and \f as \u0008 and \u000c; they must still read back the same.
func TestRecordLineReadsLongEscapes(t *testing.T) {
	line := []byte(`{"origin":"o","seq":3,"type":"checkpoint","text":"a\u0008b\u000c\n"}` + "\n")
	var p lineParser
	for _, parse := range []func([]byte) (Record, error){p.parse, parseRecordLine} {
		got, err := parse(line)
		if err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		if want := "a\bb\f\n"; string(got.Data) != want {
			t.Fatalf("data %q, want %q", got.Data, want)
		}
	}
	if got := appendRecordLine(nil, Record{Origin: "o", Seq: 3, Type: TypeCheckpoint, Data: []byte("a\bb\f\n")}); !bytes.Contains(got, []byte(`"text":"a\bb\f\n"`)) {
		t.Fatalf("line %q does not use the short escapes", got)
	}
}
