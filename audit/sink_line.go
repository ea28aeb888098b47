package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The line format, shared by FileSink segments and WebhookSink bodies: one
// JSON object per record and per line,
//
//	{"origin":"api-1","seq":7,"type":"event","data":{...the canonical JSON...}}
//
// Data is embedded so that its exact bytes come back:
//
//   - "data" holds Data verbatim when Data is one JSON value in valid UTF-8
//     with no line break and no leading or trailing white space, which is
//     what canonical (RFC 8785) event bytes are. Such a line reads as plain
//     JSON (jq '.data.principal'), and the reader takes the value's bytes
//     as they are, never re-encoding them.
//   - "text" holds Data as a JSON string when Data is other valid UTF-8,
//     such as a signed note (checkpoint) with its line breaks.
//   - "b64" holds Data in standard base64 otherwise.
//
// Exactly one of the three is present.

// appendRecordLine appends r's line, with its final newline, to dst.
func appendRecordLine(dst []byte, r Record) []byte {
	dst = append(dst, `{"origin":`...)
	dst = appendJSONString(dst, r.Origin)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, r.Seq, 10)
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, string(r.Type))
	switch {
	case embeddableJSON(r.Data):
		dst = append(dst, `,"data":`...)
		dst = append(dst, r.Data...)
	case utf8.Valid(r.Data):
		dst = append(dst, `,"text":`...)
		dst = appendJSONString(dst, string(r.Data))
	default:
		dst = append(dst, `,"b64":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Data)
		dst = append(dst, '"')
	}
	return append(dst, "}\n"...)
}

func embeddableJSON(d []byte) bool {
	if len(d) == 0 || isJSONSpace(d[0]) || isJSONSpace(d[len(d)-1]) {
		return false
	}
	for _, c := range d {
		if c == '\n' || c == '\r' {
			return false
		}
	}
	return utf8.Valid(d) && json.Valid(d)
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

type lineFields struct {
	Origin *string          `json:"origin"`
	Seq    *uint64          `json:"seq"`
	Type   *string          `json:"type"`
	Data   *json.RawMessage `json:"data"`
	Text   *string          `json:"text"`
	B64    *string          `json:"b64"`
}

var errLineNoData = errors.New(`no "data", "text" or "b64" field`)

// parseRecordLine decodes one line (without or with its newline).
func parseRecordLine(line []byte) (Record, error) {
	var l lineFields
	if err := json.Unmarshal(line, &l); err != nil {
		return Record{}, err
	}
	switch {
	case l.Origin == nil || *l.Origin == "":
		return Record{}, errors.New(`missing "origin"`)
	case l.Seq == nil:
		return Record{}, errors.New(`missing "seq"`)
	case l.Type == nil || *l.Type == "":
		return Record{}, errors.New(`missing "type"`)
	}
	r := Record{Origin: *l.Origin, Seq: *l.Seq, Type: RecordType(*l.Type)}
	n := 0
	if l.Data != nil {
		n++
		r.Data = []byte(*l.Data)
	}
	if l.Text != nil {
		n++
		r.Data = []byte(*l.Text)
	}
	if l.B64 != nil {
		n++
		d, err := base64.StdEncoding.DecodeString(*l.B64)
		if err != nil {
			return Record{}, fmt.Errorf(`"b64": %w`, err)
		}
		r.Data = d
	}
	switch {
	case n == 0:
		return Record{}, errLineNoData
	case n > 1:
		return Record{}, errors.New(`more than one of "data", "text", "b64"`)
	}
	if err := sinkValidRecord(r); err != nil {
		return Record{}, err
	}
	return r, nil
}

// lineParser decodes record lines, taking a fast path for lines in the
// exact layout appendRecordLine writes and falling back to encoding/json
// for anything else. It reuses the origin string of the previous line.
type lineParser struct {
	origin []byte
	str    string
}

var (
	linePrefixOrigin = []byte(`{"origin":"`)
	lineSeq          = []byte(`","seq":`)
	lineType         = []byte(`,"type":"`)
	lineData         = []byte(`","data":`)
	lineText         = []byte(`","text":"`)
	lineB64          = []byte(`","b64":"`)
)

// parse decodes one line, which may end in "\n". The returned Data may
// alias line.
func (p *lineParser) parse(line []byte) (Record, error) {
	if r, ok := p.fast(line); ok {
		return r, nil
	}
	return parseRecordLine(line)
}

func (p *lineParser) fast(line []byte) (Record, bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	rest, ok := bytes.CutPrefix(line, linePrefixOrigin)
	if !ok {
		return Record{}, false
	}
	i := bytes.Index(rest, lineSeq)
	if i <= 0 || bytes.IndexByte(rest[:i], '\\') >= 0 || bytes.IndexByte(rest[:i], '"') >= 0 {
		return Record{}, false
	}
	origin := rest[:i]
	if !bytes.Equal(origin, p.origin) {
		p.origin, p.str = append(p.origin[:0], origin...), string(origin)
	}
	rest = rest[i+len(lineSeq):]
	var seq uint64
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' && n < 20 {
		seq = seq*10 + uint64(rest[n]-'0')
		n++
	}
	if n == 0 || n >= 20 || (n > 1 && rest[0] == '0') {
		return Record{}, false
	}
	rest, ok = bytes.CutPrefix(rest[n:], lineType)
	if !ok {
		return Record{}, false
	}
	var typ RecordType
	for _, t := range [...]RecordType{TypeEvent, TypeCheckpoint, TypeStreamKey, TypeGap} {
		if bytes.HasPrefix(rest, []byte(t)) {
			typ, rest = t, rest[len(t):]
			break
		}
	}
	if typ == "" || len(rest) == 0 || rest[len(rest)-1] != '}' {
		return Record{}, false
	}
	body := rest[:len(rest)-1]
	r := Record{Origin: p.str, Seq: seq, Type: typ}
	switch {
	case bytes.HasPrefix(body, lineData):
		// The fast path checks the shape of an object and UTF-8 but does not
		// run a full JSON validation: a line is only ever trusted through
		// the record hashes the verifier recomputes, which catch any change
		// to these bytes, and json.Valid would cost most of the read time.
		d := body[len(lineData):]
		if len(d) < 2 || d[0] != '{' || d[len(d)-1] != '}' || bytes.IndexByte(d, '\r') >= 0 || !utf8.Valid(d) {
			return Record{}, false
		}
		r.Data = d
	case bytes.HasPrefix(body, lineText), bytes.HasPrefix(body, lineB64):
		return Record{}, false // rare (checkpoints, binary): the general path
	default:
		return Record{}, false
	}
	return r, true
}
