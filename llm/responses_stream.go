package llm

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Streamed Responses API answers are sequences of typed events. Deltas
// ("response.output_text.delta", "...function_call_arguments.delta", any
// "*.delta" with a string delta) are masked with one StreamMasker per
// event family and output position, so a value split across deltas is
// never delivered in pieces; the family's ".done" event first releases what
// the masker holds, in a delta event of its own. Every other string in an
// event — full texts in ".done" events, items, parts, the response object
// in "response.created" / "response.completed" — is masked whole, except
// the members that name or identify things (respStructural).

// respStructural are members of Responses API events that identify or
// name things rather than carry text.
var respStructural = map[string]bool{
	"type": true, "id": true, "item_id": true, "call_id": true, "object": true, "status": true,
	"role": true, "model": true, "name": true, "server_label": true, "service_tier": true,
	"previous_response_id": true, "obfuscation": true, "format": true, "truncation": true,
	"tool_choice": true, "parameters": true, "schema": true, "json_schema": true,
	"encrypted_content": true, // opaque reasoning state the service reads back
}

// respNoMask are delta families that carry media (base64 audio, images),
// not text; they pass unchanged.
func respNoMask(family string) bool {
	return strings.Contains(family, ".audio.") && !strings.Contains(family, "transcript") ||
		strings.Contains(family, "partial_image")
}

// respKey identifies the text an event belongs to. Indexes must be what a
// Go client decodes them to, or the event is refused.
func respKey(doc map[string]any, family string) (streamKey, error) {
	out, ok := indexOf(doc["output_index"])
	if !ok {
		return streamKey{}, fmt.Errorf("output_index %v", doc["output_index"])
	}
	sub := -1
	for _, m := range []string{"content_index", "summary_index"} {
		if v, present := doc[m]; present {
			if sub, ok = indexOf(v); !ok {
				return streamKey{}, fmt.Errorf("%s %v", m, v)
			}
			break
		}
	}
	item, _ := doc["item_id"].(string)
	return streamKey{choice: out, field: family + "|" + item, tool: sub}, nil
}

// maskResponseEvent masks one Responses API event in place and returns the
// texts it masked, for restoring.
func (s *stream) maskResponseEvent(doc map[string]any) (fields, error) {
	var fs fields
	typ, _ := doc["type"].(string)
	if s.strip {
		if _, ok := doc["logprobs"]; ok {
			doc["logprobs"] = nil
		}
	}
	// Every string delta is streamed, whatever its event type claims: a
	// client may join deltas by position.
	family := strings.TrimSuffix(typ, ".delta")
	streamed := false
	if d, ok := doc["delta"].(string); ok && d != "" {
		streamed = true
		if !respNoMask(family) {
			k, err := respKey(doc, family)
			if err != nil {
				return fs, err
			}
			f := s.respField(doc, k, family)
			masked := f.write(d)
			doc["delta"] = masked
			fs.list = append(fs.list, textField{loc: "delta", text: masked, set: func(v string) { doc["delta"] = v }, sf: f})
		}
	}
	if family, isDone := strings.CutSuffix(typ, ".done"); isDone {
		k, err := respKey(doc, family)
		if err == nil {
			err = s.releaseResponse(k, doc)
		}
		if err != nil {
			return fs, err
		}
	}
	var buf [16]string
	for _, k := range sortedKeys(doc, buf[:0]) {
		if (k == "delta" && streamed) || respStructural[k] {
			continue
		}
		s.maskMember(&fs, doc, k, k)
	}
	switch typ {
	case "response.completed", "response.incomplete":
		s.sawEnd = true
	case "response.failed", "error":
		s.sawEnd = true
		msg, _ := doc["message"].(string)
		if r, ok := doc["response"].(map[string]any); ok {
			if e, ok := r["error"].(map[string]any); ok {
				msg, _ = e["message"].(string)
			}
		}
		s.respErr = fmt.Errorf("llm: upstream failed mid-stream: %s", msg)
	}
	if r, ok := doc["response"].(map[string]any); ok {
		u, hasUsage := usageOf(r)
		st, _ := r["status"].(string)
		s.mu.Lock()
		if hasUsage {
			s.usage.InputTokens, s.usage.OutputTokens = u.InputTokens, u.OutputTokens
		}
		if st != "" {
			s.usage.FinishReason = st
		}
		s.mu.Unlock()
	}
	return fs, nil
}

// respField returns the masker of a delta family at an event's position,
// remembering the event's position members for the delta the transport may
// have to add.
func (s *stream) respField(doc map[string]any, k streamKey, family string) *streamField {
	for _, f := range s.fields {
		if f.key == k {
			return f
		}
	}
	loc := "output[" + strconv.Itoa(k.choice) + "]." + family
	f := &streamField{key: k, m: s.op.MaskStream(loc), pos: map[string]any{"type": family + ".delta"}}
	for _, m := range []string{"item_id", "output_index", "content_index", "summary_index"} {
		if v, ok := doc[m]; ok {
			f.pos[m] = v
		}
	}
	s.fields = append(s.fields, f)
	return f
}

// releaseResponse emits, before a ".done" event, a delta event with what
// the family's masker still holds, and closes the masker.
func (s *stream) releaseResponse(k streamKey, done map[string]any) error {
	for i, f := range s.fields {
		if f.key != k {
			continue
		}
		s.fields = slices.Delete(s.fields, i, i+1)
		return s.emitHeld(f, done["sequence_number"])
	}
	return nil
}

// emitHeld emits what a Responses masker still holds as a delta event.
func (s *stream) emitHeld(f *streamField, seq any) error {
	f.closed = true
	rest := f.flush()
	if rest == "" && f.rpend == "" {
		return nil
	}
	ev := maps.Clone(f.pos)
	ev["delta"] = rest
	if seq != nil {
		ev["sequence_number"] = seq
	}
	var fs fields
	fs.list = append(fs.list, textField{loc: "delta", text: rest, set: func(v string) { ev["delta"] = v }, sf: f})
	return s.emitFields(ev, fs)
}

// maskMember masks the strings of m[k] whole.
func (s *stream) maskMember(fs *fields, m map[string]any, k, loc string) {
	switch v := m[k].(type) {
	case string:
		if v != "" {
			masked := s.op.MaskText(loc, v)
			m[k] = masked
			fs.list = append(fs.list, textField{loc: loc, text: masked, set: func(x string) { m[k] = x }})
		}
	default:
		s.maskStrings(fs, v, loc)
	}
}

// maskStrings masks every string in v whole, outside structural members.
func (s *stream) maskStrings(fs *fields, v any, loc string) {
	switch x := v.(type) {
	case map[string]any:
		var buf [16]string
		for _, k := range sortedKeys(x, buf[:0]) {
			if respStructural[k] || strings.HasSuffix(k, "_id") {
				continue
			}
			s.maskMember(fs, x, k, loc+"."+k)
		}
	case []any:
		for i := range x {
			sub := fmt.Sprintf("%s[%d]", loc, i)
			if str, ok := x[i].(string); ok {
				if str != "" {
					masked := s.op.MaskText(sub, str)
					x[i] = masked
					fs.list = append(fs.list, textField{loc: sub, text: masked, set: func(v string) { x[i] = v }})
				}
				continue
			}
			s.maskStrings(fs, x[i], sub)
		}
	}
}

// emitFields encodes a masked event for the session record and, with the
// texts in fs restored when the policy allows it, for the caller.
func (s *stream) emitFields(doc map[string]any, fs fields) error {
	masked, err := encode(doc)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedResponse, err)
	}
	s.op.AppendResponse(event(masked))
	if s.restore && len(fs.list) > 0 {
		for _, f := range fs.list {
			var r string
			var err error
			if f.sf != nil {
				r, err = f.sf.restore(s.op, f.text)
			} else {
				r, err = s.op.Restore(f.text)
			}
			if err != nil {
				return fmt.Errorf("llm: restoring tokens in %s: %w", f.loc, err)
			}
			f.put(r)
		}
		if masked, err = encode(doc); err != nil {
			return fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
	}
	s.out.Write(event(masked))
	return nil
}

// responseEvent handles one Responses API event.
func (s *stream) responseEvent(doc map[string]any) {
	fs, err := s.maskResponseEvent(doc)
	if err != nil {
		s.fail(fmt.Errorf("%w: stream event: %v", ErrMalformedResponse, err))
		return
	}
	if err := s.emitFields(doc, fs); err != nil {
		s.fail(err)
	}
}

// flushResponses releases every open Responses masker at the end of the
// stream.
func (s *stream) flushResponses() {
	for _, f := range s.fields {
		if err := s.emitHeld(f, nil); err != nil {
			s.fail(err)
			return
		}
	}
	s.fields = s.fields[:0]
}
