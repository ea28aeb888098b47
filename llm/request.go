package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ragguard/ragguard"
)

// endpoint is an OpenAI endpoint the transport knows how to govern.
type endpoint int

const (
	epUnknown endpoint = iota
	epChat
	epCompletion
	epEmbeddings
	epModeration
	epResponses
	epExtra // allowed by WithEndpoint
)

// operation is the ragguard operation name; genAI the OpenTelemetry GenAI
// operation name used in span names.
func (e endpoint) operation() (op, genAI string) {
	switch e {
	case epChat:
		return "chat", "chat"
	case epCompletion:
		return "completion", "text_completion"
	case epEmbeddings:
		return "embeddings", "embeddings"
	case epModeration:
		return "moderation", "moderation"
	case epResponses:
		return "responses", "responses"
	}
	return "other", "other"
}

// endpointOf recognises an endpoint from the last segments of the path, so
// that any base URL, proxy prefix or Azure deployment path works.
func endpointOf(urlPath string) endpoint {
	p := strings.TrimRight(urlPath, "/")
	switch {
	case strings.HasSuffix(p, "/chat/completions"):
		return epChat
	case strings.HasSuffix(p, "/completions"):
		return epCompletion
	case strings.HasSuffix(p, "/embeddings"):
		return epEmbeddings
	case strings.HasSuffix(p, "/moderations"):
		return epModeration
	case strings.HasSuffix(p, "/responses"):
		return epResponses
	}
	return epUnknown
}

// textField is one string in a JSON document that the transport masks: its
// location for masking summaries, its current text, and how to replace it.
type textField struct {
	loc  string
	text string
	set  func(string) // replaces the text, unless cont locates it
	sf   *streamField // a streamed text (Responses API deltas)

	// Where the text sits in the decoded tree: member key of the object
	// cont, or element idx (key "") of the array cont.
	cont any
	key  string
	idx  int
}

// put replaces the text in its document.
func (f *textField) put(v string) {
	switch c := f.cont.(type) {
	case map[string]any:
		c[f.key] = v
	case []any:
		c[f.idx] = v
	default:
		f.set(v)
	}
}

// sortedKeys appends the member names of m to buf, sorted: callers pass a
// small array of their own, so that walking a document allocates no list
// of names for a small object.
func sortedKeys(m map[string]any, buf []string) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// fields collects textFields from a decoded JSON document.
type fields struct {
	list     []textField
	stripped bool // a member other than a text was changed (log-probabilities dropped)
	canonizer
}

// str adds m[key] when it is a string.
func (fs *fields) str(m map[string]any, key, loc string) {
	if s, ok := m[key].(string); ok {
		fs.list = append(fs.list, textField{loc: loc, text: s, cont: m, key: key, idx: -1})
	}
}

// elem adds a[i] when it is a string.
func (fs *fields) elem(a []any, i int, loc string) {
	if s, ok := a[i].(string); ok {
		fs.list = append(fs.list, textField{loc: loc, text: s, cont: a, idx: i})
	}
}

// canonizer reads JSON objects the way encoding/json fills structs:
// member names match case-insensitively. Every object the transport reads
// goes through obj, which renames a case variant of a name the transport
// knows (such as "Content") to that name, so that what is masked is what a
// Go client decodes. Two members matching one name make the document
// ambiguous: err is set and the document must be refused.
type canonizer struct {
	err     error
	renamed bool // a member was renamed
}

// obj returns v as an object, canonicalised.
func (c *canonizer) obj(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if ok {
		renamed, err := canonRenames(m, "")
		if err != nil && c.err == nil {
			c.err = err
		}
		c.renamed = c.renamed || renamed
	}
	return m, ok
}

// knownKeys are the member names the transport reads.
var knownKeys = []string{
	"arguments", "choices", "completion_tokens", "content", "content_index", "delta", "description", "error",
	"finish_reason", "function", "function_call", "functions", "index", "input", "input_tokens",
	"instructions", "item_id", "logprobs", "max_completion_tokens", "max_output_tokens", "max_tokens",
	"message", "messages", "metadata", "model", "output", "output_index", "output_text", "output_tokens",
	"prompt", "prompt_tokens", "reasoning_content", "refusal", "status", "stream", "suffix",
	"summary", "summary_index", "text", "tool_calls", "tools", "type", "usage", "user",
}

type rename struct{ from, to string }

// canon renames in m the members whose names match a known name the way
// encoding/json matches them (strings.EqualFold) to that name.
func canon(m map[string]any) error { return canonExcept(m, "") }

// canonExcept is canon without the shape check of member skip, or of any
// member when skip is "*" (Responses API events reuse names such as
// "delta" and "message" for strings; their masking does not depend on
// shapes, since it masks every string it does not stream).
func canonExcept(m map[string]any, skip string) error {
	_, err := canonRenames(m, skip)
	return err
}

// canonRenames is canonExcept that also reports whether it renamed a
// member.
func canonRenames(m map[string]any, skip string) (renamed bool, err error) {
	var renames []rename
	for k := range m {
		if plainKey(k) {
			continue
		}
		for _, known := range knownKeys {
			if strings.EqualFold(k, known) {
				renames = append(renames, rename{k, known})
				break
			}
		}
	}
	for _, r := range renames {
		if _, dup := m[r.to]; dup {
			return true, fmt.Errorf("ambiguous JSON object: members %q and %q", r.from, r.to)
		}
		m[r.to] = m[r.from]
		delete(m, r.from)
	}
	renamed = len(renames) > 0
	// A text the transport would skip for its type must not reach a client
	// that decodes it anyway.
	for _, e := range shapes {
		if e.key == skip || skip == "*" {
			continue
		}
		v, ok := m[e.key]
		if !ok || v == nil {
			continue
		}
		fits := false
		switch v.(type) {
		case string:
			fits = e.kinds&kString != 0
		case []any:
			fits = e.kinds&kArray != 0
		case map[string]any:
			fits = e.kinds&kObject != 0
		case json.Number:
			fits = e.kinds&kNumber != 0
		}
		if !fits {
			return renamed, fmt.Errorf("member %q has an unexpected type %T", e.key, v)
		}
	}
	return renamed, nil
}

const (
	kString = 1 << iota
	kArray
	kObject
	kNumber
)

// shapes are the JSON types the members that lead to texts may have
// (null aside) wherever they appear.
var shapes = []struct {
	key   string
	kinds int
}{
	{"choices", kArray}, {"tool_calls", kArray}, {"messages", kArray},
	{"delta", kObject}, {"message", kObject}, {"function", kObject}, {"function_call", kObject},
	{"content", kString | kArray}, {"refusal", kString}, {"reasoning_content", kString},
	{"arguments", kString}, {"index", kNumber},
}

// plainKey reports whether k is lower-case ASCII letters, digits and
// underscores: such a name matches no other known name case-insensitively.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// content adds a message content: a string, or an array of parts whose
// "text" members are collected. It returns how many parts carry no text
// (images, audio, files), which cannot be masked.
func (fs *fields) content(m map[string]any, key, loc string) (media int) {
	switch v := m[key].(type) {
	case string:
		fs.str(m, key, loc)
	case []any:
		for j, pv := range v {
			part, ok := fs.obj(pv)
			if !ok {
				fs.elem(v, j, fmt.Sprintf("%s[%d]", loc, j))
				continue
			}
			if _, ok := part["text"].(string); ok {
				fs.str(part, "text", fmt.Sprintf("%s[%d].text", loc, j))
			} else if _, ok := part["refusal"].(string); ok {
				fs.str(part, "refusal", fmt.Sprintf("%s[%d].refusal", loc, j))
			} else {
				media++
			}
		}
	}
	return media
}

// request is a parsed request body and what the Guard needs to know of it.
type request struct {
	doc    map[string]any
	rd     *jsonReader // how doc was read, for splicing
	fields fields
	call   ragguard.Call
	stream bool
}

var errNotObject = errors.New("not a JSON object")

// decodeObject decodes a JSON object, keeping numbers exact and rejecting
// trailing data, so that what the transport masks is what the upstream
// would have parsed. It reads as encoding/json does (see jsonReader).
func decodeObject(b []byte) (map[string]any, error) {
	doc, _, err := readObjectDoc(b, false)
	return doc, err
}

// encode writes doc as compact JSON without HTML escaping.
func encode(doc any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // Encode appends a newline
}

// parseRequest decodes a request body for endpoint ep and collects every
// text that would leave the process.
func parseRequest(ep endpoint, urlPath string, body []byte) (*request, error) {
	r := &request{}
	if len(bytes.TrimSpace(body)) == 0 {
		if ep != epExtra {
			return nil, fmt.Errorf("%w: llm: empty request body", ragguard.ErrInvalidCall)
		}
	} else {
		doc, rd, err := readObjectDoc(body, true)
		if err != nil {
			return nil, fmt.Errorf("%w: llm: request body is not a JSON object: %v", ragguard.ErrInvalidCall, err)
		}
		renamed, err := canonRenames(doc, "")
		if err != nil {
			return nil, fmt.Errorf("%w: llm: request body: %v", ragguard.ErrInvalidCall, err)
		}
		r.doc, r.rd = doc, rd
		r.fields.renamed = renamed
	}
	doc := r.doc
	attrs := map[string]any{"path": urlPath}
	model, _ := doc["model"].(string)
	stream, _ := doc["stream"].(bool)
	r.stream = stream
	var media int
	fs := &r.fields
	switch ep {
	case epChat:
		msgs, _ := doc["messages"].([]any)
		for i, mv := range msgs {
			m, ok := fs.obj(mv)
			if !ok {
				continue
			}
			base := "messages[" + strconv.Itoa(i) + "]"
			media += fs.content(m, "content", base+".content")
			fs.str(m, "refusal", base+".refusal")
			toolCalls(fs, m, base)
		}
		attrs["messages"] = len(msgs)
		tools(fs, doc)
		attrs["stream"] = stream
	case epCompletion:
		switch p := doc["prompt"].(type) {
		case string:
			fs.str(doc, "prompt", "prompt")
		case []any:
			for i := range p {
				fs.elem(p, i, "prompt["+strconv.Itoa(i)+"]")
			}
		}
		fs.str(doc, "suffix", "suffix")
		attrs["stream"] = stream
	case epEmbeddings, epModeration:
		switch in := doc["input"].(type) {
		case string:
			fs.str(doc, "input", "input")
		case []any:
			for i, v := range in {
				if part, ok := fs.obj(v); ok {
					if _, ok := part["text"].(string); ok {
						fs.str(part, "text", "input["+strconv.Itoa(i)+"].text")
					} else {
						media++
					}
					continue
				}
				fs.elem(in, i, "input["+strconv.Itoa(i)+"]")
			}
			attrs["inputs"] = len(in)
		}
	case epResponses:
		fs.str(doc, "instructions", "instructions")
		switch in := doc["input"].(type) {
		case string:
			fs.str(doc, "input", "input")
		case []any:
			for i, v := range in {
				item, ok := fs.obj(v)
				if !ok {
					fs.elem(in, i, "input["+strconv.Itoa(i)+"]")
					continue
				}
				base := "input[" + strconv.Itoa(i) + "]"
				media += fs.content(item, "content", base+".content")
				fs.str(item, "arguments", base+".arguments")
				fs.str(item, "output", base+".output")
			}
		}
		tools(fs, doc)
		attrs["stream"] = stream
	case epExtra:
		walkStrings(fs, doc, "")
	}
	fs.str(doc, "user", "user")
	if md, ok := doc["metadata"].(map[string]any); ok && ep != epExtra { // keys are the caller's: no canonicalisation
		var buf [16]string
		for _, k := range sortedKeys(md, buf[:0]) {
			fs.str(md, k, "metadata."+k)
		}
	}
	if ep != epExtra {
		// Whatever else holds text (predicted outputs, stop sequences,
		// members added to the API after this code) is masked too.
		seen := make(map[string]bool, len(fs.list))
		for _, f := range fs.list {
			seen[f.loc] = true
		}
		sweep(fs, doc, "", seen)
	}
	for _, k := range []string{"max_tokens", "max_completion_tokens", "max_output_tokens"} {
		if n, ok := doc[k].(json.Number); ok {
			if v, err := n.Int64(); err == nil {
				attrs["max_tokens"] = v
				break
			}
		}
	}
	if media > 0 {
		attrs["media_parts"] = media
	}
	op, genAI := ep.operation()
	r.call = ragguard.Call{
		Kind:       ragguard.KindLLM,
		Operation:  op,
		System:     "openai",
		Attributes: attrs,
		SpanName:   strings.TrimSpace(genAI + " " + model),
	}
	if model != "" {
		r.call.Resources = []string{model}
	}
	if r.fields.err != nil {
		return nil, fmt.Errorf("%w: llm: request body: %v", ragguard.ErrInvalidCall, r.fields.err)
	}
	r.call.Inputs = make([]ragguard.Input, len(r.fields.list))
	for i, f := range r.fields.list {
		r.call.Inputs[i] = ragguard.Input{Location: f.loc, Text: f.text}
	}
	return r, nil
}

// toolCalls collects the function arguments of an assistant message.
func toolCalls(fs *fields, m map[string]any, base string) {
	tcs, _ := m["tool_calls"].([]any)
	for j, tv := range tcs {
		tc, _ := fs.obj(tv)
		if fn, ok := fs.obj(tc["function"]); ok {
			fs.str(fn, "arguments", fmt.Sprintf("%s.tool_calls[%d].function.arguments", base, j))
		}
	}
	if fn, ok := fs.obj(m["function_call"]); ok {
		fs.str(fn, "arguments", base+".function_call.arguments")
	}
}

// tools collects the descriptions of the tools a request offers: they are
// prose written for the model and may quote data. Parameter schemas are
// code and pass unchanged.
func tools(fs *fields, doc map[string]any) {
	ts, _ := doc["tools"].([]any)
	for k, tv := range ts {
		t, _ := fs.obj(tv)
		if fn, ok := fs.obj(t["function"]); ok {
			fs.str(fn, "description", fmt.Sprintf("tools[%d].function.description", k))
		} else if t != nil {
			fs.str(t, "description", fmt.Sprintf("tools[%d].description", k))
		}
	}
	fns, _ := doc["functions"].([]any)
	for k, fv := range fns {
		if fn, ok := fs.obj(fv); ok {
			fs.str(fn, "description", fmt.Sprintf("functions[%d].description", k))
		}
	}
}

// skipKeys are members of an unknown endpoint's body that name things
// rather than carry text.
var skipKeys = map[string]bool{"model": true, "role": true, "type": true, "object": true}

// walkStrings collects every string in v, by JSON path.
func walkStrings(fs *fields, v any, loc string) {
	switch x := v.(type) {
	case map[string]any:
		var buf [16]string
		for _, k := range sortedKeys(x, buf[:0]) {
			e := x[k]
			if skipKeys[k] {
				continue
			}
			sub := k
			if loc != "" {
				sub = loc + "." + k
			}
			if _, ok := e.(string); ok {
				fs.str(x, k, sub)
			} else {
				walkStrings(fs, e, sub)
			}
		}
	case []any:
		for i, e := range x {
			sub := loc + "[" + strconv.Itoa(i) + "]"
			if _, ok := e.(string); ok {
				fs.elem(x, i, sub)
			} else {
				walkStrings(fs, e, sub)
			}
		}
	}
}

// requestStructural are request members that name, select or configure
// rather than carry text, schemas (code) and media (counted in
// "media_parts", which a policy can refuse).
var requestStructural = map[string]bool{
	"model": true, "role": true, "type": true, "name": true, "id": true, "object": true,
	"tool_choice": true, "response_format": true, "parameters": true, "schema": true, "json_schema": true,
	"reasoning_effort": true, "service_tier": true, "modalities": true, "voice": true, "format": true,
	"stream_options": true, "logit_bias": true, "encoding_format": true, "truncation": true, "include": true,
	"image_url": true, "input_audio": true, "file": true, "file_data": true, "audio": true, "detail": true,
	"image_url_detail": true, "status": true, "encrypted_content": true,
}

// sweep collects the strings of v that no rule above collected, outside
// structural members.
func sweep(fs *fields, v any, loc string, seen map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		var buf [16]string
		for _, k := range sortedKeys(x, buf[:0]) {
			if requestStructural[k] || strings.HasSuffix(k, "_id") {
				continue
			}
			sub := k
			if loc != "" {
				sub = loc + "." + k
			}
			if _, ok := x[k].(string); ok {
				if !seen[sub] {
					fs.str(x, k, sub)
				}
				continue
			}
			sweep(fs, x[k], sub, seen)
		}
	case []any:
		for i := range x {
			sub := loc + "[" + strconv.Itoa(i) + "]"
			if _, ok := x[i].(string); ok {
				if !seen[sub] {
					fs.elem(x, i, sub)
				}
				continue
			}
			sweep(fs, x[i], sub, seen)
		}
	}
}

// masked returns the body to send once the Guard has masked the texts to
// texts (in the order of r.fields.list): the caller's bytes with only the
// changed strings replaced when that provably means what the re-encoded
// tree means (the reading was exact, no member was renamed, every changed
// text has its own string in the input), else the re-encoded tree.
func (r *request) masked(texts []ragguard.Input) ([]byte, error) {
	var edits []edit
	spliceable := r.rd != nil && !r.rd.inexact && !r.fields.renamed
	for i, in := range texts {
		f := &r.fields.list[i]
		if in.Text == f.text {
			continue
		}
		f.put(in.Text)
		if !spliceable {
			continue
		}
		sp, ok := r.rd.spanOf(ownerOf(f.cont), f.key, f.idx)
		if !ok {
			spliceable = false
			continue
		}
		edits = append(edits, edit{span: sp, text: in.Text})
	}
	if spliceable {
		if b, ok := r.rd.splice(edits); ok {
			return b, nil
		}
	}
	return encode(r.doc)
}
