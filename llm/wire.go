package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// The fast path for stream chunks. Most chunks a provider sends hold only
// the members OpenAI documents; for those the transport decodes into the
// structs below (refusing unknown members), masks, and encodes them again,
// which costs a fraction of the generic decoding that keeps unknown
// members. A chunk that does not fit — an unknown member, an error event, a
// type that differs — takes the generic path. Both read member names as
// encoding/json does, and what the caller receives holds only what the
// transport decoded.

// chunkHead is what the transport copies into chunks it adds.
type chunkHead struct {
	ID      string
	Object  string
	Created int64
	Model   string
}

func (h *chunkHead) fromMap(doc map[string]any) {
	if v, ok := doc["id"].(string); ok {
		h.ID = v
	}
	if v, ok := doc["object"].(string); ok {
		h.Object = v
	}
	if n, ok := doc["created"].(json.Number); ok {
		if v, err := n.Int64(); err == nil {
			h.Created = v
		}
	}
	if v, ok := doc["model"].(string); ok {
		h.Model = v
	}
}

type wireChunk struct {
	ID                string          `json:"id"`
	Object            string          `json:"object"`
	Created           int64           `json:"created"`
	Model             string          `json:"model"`
	SystemFingerprint *string         `json:"system_fingerprint,omitempty"`
	ServiceTier       *string         `json:"service_tier,omitempty"`
	Obfuscation       *string         `json:"obfuscation,omitempty"`
	Choices           []wireChoice    `json:"choices"`
	Usage             json.RawMessage `json:"usage,omitempty"`
}

type wireChoice struct {
	Index                int             `json:"index"`
	Delta                *wireDelta      `json:"delta,omitempty"`
	Text                 *string         `json:"text,omitempty"`
	Logprobs             json.RawMessage `json:"logprobs,omitempty"`
	FinishReason         *string         `json:"finish_reason"`
	ContentFilterResults json.RawMessage `json:"content_filter_results,omitempty"`
}

type wireDelta struct {
	Role             string         `json:"role,omitempty"`
	Content          *string        `json:"content,omitempty"`
	Refusal          *string        `json:"refusal,omitempty"`
	ReasoningContent *string        `json:"reasoning_content,omitempty"`
	Reasoning        *string        `json:"reasoning,omitempty"`
	ToolCalls        []wireToolCall `json:"tool_calls,omitempty"`
	FunctionCall     *wireFunction  `json:"function_call,omitempty"`
}

type wireToolCall struct {
	Index    *int          `json:"index,omitempty"`
	ID       string        `json:"id,omitempty"`
	Type     string        `json:"type,omitempty"`
	Function *wireFunction `json:"function,omitempty"`
}

type wireFunction struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

var errNotWire = errors.New("not a plain chunk")

// decodeWire decodes data as a plain chunk, or fails.
func decodeWire(data []byte, w *wireChunk) error { return decodeStrict(data, w) }

// decodeStrict decodes data, one JSON object with only the members v's
// struct declares, into v, or fails.
func decodeStrict(data []byte, v any) error {
	if len(data) == 0 || data[0] != '{' {
		return errNotWire
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errNotWire
	}
	return nil
}

// plainChunk handles one event on the fast path; false sends it to the
// generic path.
func (s *stream) plainChunk(data []byte) bool {
	var w wireChunk
	if readWireWith(&s.jr, data, &w) != nil {
		return false
	}
	for i := range w.Choices {
		if !validIndex(w.Choices[i].Index) {
			return false
		}
		if d := w.Choices[i].Delta; d != nil {
			for _, tc := range d.ToolCalls {
				if tc.Index != nil && !validIndex(*tc.Index) {
					return false
				}
			}
		}
	}
	s.head = chunkHead{ID: w.ID, Object: w.Object, Created: w.Created, Model: w.Model}
	if len(w.Usage) > 0 && !bytes.Equal(w.Usage, []byte("null")) {
		if in, out, ok := wireUsage(w.Usage); ok {
			s.mu.Lock()
			s.usage.InputTokens, s.usage.OutputTokens = in, out
			s.mu.Unlock()
		}
	}
	for i := range w.Choices {
		s.maskWireChoice(&w.Choices[i])
	}
	if w.Choices == nil {
		w.Choices = []wireChoice{}
	}
	s.emitWire(&w)
	return true
}

// wireUsage reads the token counts of a plain chunk's or answer's usage.
func wireUsage(raw json.RawMessage) (in, out int64, ok bool) {
	var u struct {
		Prompt     int64 `json:"prompt_tokens"`
		Completion int64 `json:"completion_tokens"`
	}
	if json.Unmarshal(raw, &u) != nil {
		return 0, 0, false
	}
	return u.Prompt, u.Completion, true
}

func validIndex(i int) bool { return i >= 0 && i < 1<<16 }

// maskWireChoice masks the texts of one choice in place.
func (s *stream) maskWireChoice(c *wireChoice) {
	idx := c.Index
	if s.strip {
		c.Logprobs = nil
	}
	s.maskPtr(&c.Text, streamKey{idx, "text", -1})
	if d := c.Delta; d != nil {
		s.maskPtr(&d.Content, streamKey{idx, "content", -1})
		s.maskPtr(&d.Refusal, streamKey{idx, "refusal", -1})
		s.maskPtr(&d.ReasoningContent, streamKey{idx, "reasoning_content", -1})
		s.maskPtr(&d.Reasoning, streamKey{idx, "reasoning", -1})
		for j := range d.ToolCalls {
			tc := &d.ToolCalls[j]
			ti := 0
			if tc.Index != nil {
				ti = *tc.Index
			}
			if fn := tc.Function; fn != nil && fn.Arguments != "" {
				f := s.field(streamKey{idx, "tool", ti})
				fn.Arguments = f.write(fn.Arguments)
				if s.restore {
					s.touch(f, fn.get, fn.set)
				}
			}
		}
		if fc := d.FunctionCall; fc != nil && fc.Arguments != "" {
			f := s.field(streamKey{idx, "function_call", -1})
			fc.Arguments = f.write(fc.Arguments)
			if s.restore {
				s.touch(f, fc.get, fc.set)
			}
		}
	}
	if c.FinishReason != nil && *c.FinishReason != "" {
		s.sawEnd = true
		s.mu.Lock()
		if s.usage.FinishReason == "" || idx == 0 {
			s.usage.FinishReason = *c.FinishReason
		}
		s.mu.Unlock()
		s.flushChoice(idx, s.wireAppend(c))
	}
}

func (s *stream) maskPtr(p **string, k streamKey) {
	if *p == nil || **p == "" {
		return
	}
	f := s.field(k)
	// The pointer is this chunk's own (the decoder allocated it).
	**p = f.write(**p)
	if s.restore {
		s.touch(f, ptrGet(p), ptrSet(p))
	}
}

func ptrGet(p **string) func() string {
	return func() string {
		if *p == nil {
			return ""
		}
		return **p
	}
}

func ptrSet(p **string) func(string) { return func(v string) { *p = &v } }

func (fn *wireFunction) get() string  { return fn.Arguments }
func (fn *wireFunction) set(v string) { fn.Arguments = v }

// wireAppend appends released text to a plain choice.
func (s *stream) wireAppend(c *wireChoice) func(*streamField, string) {
	return func(f *streamField, rest string) {
		k := f.key
		if k.field == "text" {
			c.Text = appendPtr(c.Text, rest)
			if s.restore {
				s.touch(f, ptrGet(&c.Text), ptrSet(&c.Text))
			}
			return
		}
		if c.Delta == nil {
			c.Delta = &wireDelta{}
		}
		d := c.Delta
		switch k.field {
		case "content":
			d.Content = appendPtr(d.Content, rest)
			if s.restore {
				s.touch(f, ptrGet(&d.Content), ptrSet(&d.Content))
			}
		case "refusal":
			d.Refusal = appendPtr(d.Refusal, rest)
			if s.restore {
				s.touch(f, ptrGet(&d.Refusal), ptrSet(&d.Refusal))
			}
		case "reasoning_content":
			d.ReasoningContent = appendPtr(d.ReasoningContent, rest)
			if s.restore {
				s.touch(f, ptrGet(&d.ReasoningContent), ptrSet(&d.ReasoningContent))
			}
		case "reasoning":
			d.Reasoning = appendPtr(d.Reasoning, rest)
			if s.restore {
				s.touch(f, ptrGet(&d.Reasoning), ptrSet(&d.Reasoning))
			}
		case "function_call":
			if d.FunctionCall == nil {
				d.FunctionCall = &wireFunction{}
			}
			d.FunctionCall.Arguments += rest
			if s.restore {
				s.touch(f, d.FunctionCall.get, d.FunctionCall.set)
			}
		case "tool":
			for j := range d.ToolCalls {
				tc := &d.ToolCalls[j]
				ti := 0
				if tc.Index != nil {
					ti = *tc.Index
				}
				if ti == k.tool {
					if tc.Function == nil {
						tc.Function = &wireFunction{}
					}
					tc.Function.Arguments += rest
					if s.restore {
						s.touch(f, tc.Function.get, tc.Function.set)
					}
					return
				}
			}
			ti := k.tool
			fn := &wireFunction{Arguments: rest}
			d.ToolCalls = append(d.ToolCalls, wireToolCall{Index: &ti, Function: fn})
			if s.restore {
				s.touch(f, fn.get, fn.set)
			}
		}
	}
}

func appendPtr(p *string, s string) *string {
	v := s
	if p != nil {
		v = *p + s
	}
	return &v
}

// emitWire encodes a masked plain chunk for the session record and, with
// tokens restored when the policy allows it, for the caller.
func (s *stream) emitWire(w *wireChunk) {
	if err := s.encodeWire(w); err != nil {
		s.fail(err)
		return
	}
	s.op.AppendResponse(s.ev.Bytes())
	if len(s.touched) > 0 {
		if err := s.restoreTouched(); err != nil {
			s.fail(err)
			return
		}
		if err := s.encodeWire(w); err != nil {
			s.fail(err)
			return
		}
	}
	s.out.Write(s.ev.Bytes())
}

// encodeWire writes w as one event into s.ev.
func (s *stream) encodeWire(w *wireChunk) error {
	s.ev.Reset()
	b := append(s.ev.AvailableBuffer(), "data: "...)
	b, err := appendWireChunk(b, w)
	if err != nil {
		return err
	}
	s.ev.Write(append(b, '\n', '\n'))
	return nil
}

// encodeEvent writes v as one event into s.ev.
func (s *stream) encodeEvent(v any) error {
	s.ev.Reset()
	s.ev.WriteString("data: ")
	if s.enc == nil {
		s.enc = json.NewEncoder(&s.ev)
		s.enc.SetEscapeHTML(false)
	}
	if err := s.enc.Encode(v); err != nil { // appends "\n"
		return err
	}
	s.ev.WriteByte('\n')
	return nil
}

// The fast path for non-streamed chat and completion answers, on the same
// terms as for stream chunks: only documented members, and the raw members
// of a choice (log-probabilities kept, annotations, audio, filter results)
// only when they hold no string, since every string of a choice must be
// masked. Usage is a top-level member and passes, as on the generic path.

type wireCompletion struct {
	ID                string          `json:"id"`
	Object            string          `json:"object"`
	Created           int64           `json:"created"`
	Model             string          `json:"model"`
	SystemFingerprint *string         `json:"system_fingerprint,omitempty"`
	ServiceTier       *string         `json:"service_tier,omitempty"`
	Choices           []wireAnswer    `json:"choices"`
	Usage             json.RawMessage `json:"usage,omitempty"`
}

type wireAnswer struct {
	Index                int             `json:"index"`
	Message              *wireMessage    `json:"message,omitempty"`
	Text                 *string         `json:"text,omitempty"`
	Logprobs             json.RawMessage `json:"logprobs,omitempty"`
	FinishReason         *string         `json:"finish_reason"`
	ContentFilterResults json.RawMessage `json:"content_filter_results,omitempty"`
}

type wireMessage struct {
	Role             string          `json:"role"`
	Content          *string         `json:"content"`
	Refusal          *string         `json:"refusal"`
	ReasoningContent *string         `json:"reasoning_content,omitempty"`
	ToolCalls        []wireToolCall  `json:"tool_calls,omitempty"`
	FunctionCall     *wireFunction   `json:"function_call,omitempty"`
	Annotations      json.RawMessage `json:"annotations,omitempty"`
	Audio            json.RawMessage `json:"audio,omitempty"`
}

// noStrings reports whether a raw JSON value holds no string value
// (member names aside).
func noStrings(raw json.RawMessage) bool {
	if bytes.IndexByte(raw, '"') < 0 {
		return true
	}
	var v any
	return json.Unmarshal(raw, &v) == nil && !holdsString(v)
}

// plainAnswer masks a plain chat or completion answer on the fast path;
// ok is false when the answer does not fit and must take the generic path.
func plainAnswer(raw []byte, strip bool) (w *wireCompletion, texts []textField, ok bool) {
	w = &wireCompletion{}
	if decodeStrict(raw, w) != nil {
		return nil, nil, false
	}
	for i := range w.Choices {
		c := &w.Choices[i]
		if !noStrings(c.ContentFilterResults) || (!strip && !noStrings(c.Logprobs)) {
			return nil, nil, false
		}
		if m := c.Message; m != nil && (!noStrings(m.Annotations) || !noStrings(m.Audio)) {
			return nil, nil, false
		}
	}
	add := func(p **string, loc string) {
		if *p != nil && **p != "" {
			texts = append(texts, textField{loc: loc, text: **p, set: ptrSet(p)})
		}
	}
	for i := range w.Choices {
		c := &w.Choices[i]
		if strip {
			c.Logprobs = nil
		}
		base := "choices[" + strconv.Itoa(i) + "]"
		add(&c.Text, base+".text")
		m := c.Message
		if m == nil {
			continue
		}
		add(&m.Content, base+".message.content")
		add(&m.Refusal, base+".message.refusal")
		add(&m.ReasoningContent, base+".message.reasoning_content")
		for j := range m.ToolCalls {
			if fn := m.ToolCalls[j].Function; fn != nil && fn.Arguments != "" {
				texts = append(texts, textField{loc: base + ".message.tool_calls[" + strconv.Itoa(j) + "].function.arguments", text: fn.Arguments, set: fn.set})
			}
		}
		if fn := m.FunctionCall; fn != nil && fn.Arguments != "" {
			texts = append(texts, textField{loc: base + ".message.function_call.arguments", text: fn.Arguments, set: fn.set})
		}
	}
	if w.Choices == nil {
		w.Choices = []wireAnswer{}
	}
	return w, texts, true
}

// The chunk reader below decodes the common chunk without encoding/json's
// reflection. It takes only what it can decode exactly as decodeWire would
// — member names written as the struct tags spell them, each once, values
// of the field's own JSON type — and gives up on anything else (case
// variants, repeats, nulls for non-pointer fields, numbers that are not
// integers), which then goes to decodeWire. FuzzWireChunk checks that
// whatever it takes, decodeWire decodes to the same struct.

var errWireSlow = errors.New("chunk needs the general decoder")

// readWire decodes data as a plain chunk: fast when it can, else with
// decodeWire.
func readWire(data []byte, w *wireChunk) error {
	var r jsonReader
	return readWireWith(&r, data, w)
}

// readWireWith is readWire with a reader to reuse.
func readWireWith(r *jsonReader, data []byte, w *wireChunk) error {
	if fastWire(r, data, w) == nil {
		return nil
	}
	*w = wireChunk{}
	return decodeWire(data, w)
}

// fastWire decodes a common chunk, or fails with errWireSlow or a syntax
// error; w may then hold part of it.
func fastWire(r *jsonReader, data []byte, w *wireChunk) error {
	if len(data) == 0 || data[0] != '{' {
		return errNotWire
	}
	*r = jsonReader{src: data, str: string(data)}
	err := r.members(func(key string) error {
		switch key {
		case "id":
			return r.plainString(&w.ID)
		case "object":
			return r.plainString(&w.Object)
		case "created":
			return r.int64(&w.Created)
		case "model":
			return r.plainString(&w.Model)
		case "system_fingerprint":
			return r.stringPtr(&w.SystemFingerprint)
		case "service_tier":
			return r.stringPtr(&w.ServiceTier)
		case "obfuscation":
			return r.stringPtr(&w.Obfuscation)
		case "usage":
			return r.raw(&w.Usage)
		case "choices":
			return r.elements(func() { w.Choices = []wireChoice{} }, func() error {
				w.Choices = append(w.Choices, wireChoice{})
				return r.wireChoice(&w.Choices[len(w.Choices)-1])
			}, func() { w.Choices = nil })
		}
		return errWireSlow
	})
	if err != nil {
		return err
	}
	r.skipSpace()
	if r.pos != len(r.src) {
		return errNotWire
	}
	return nil
}

func (r *jsonReader) wireChoice(c *wireChoice) error {
	return r.members(func(key string) error {
		switch key {
		case "index":
			var n int64
			if err := r.int64(&n); err != nil {
				return err
			}
			c.Index = int(n)
			return nil
		case "delta":
			if r.null() {
				c.Delta = nil
				return nil
			}
			c.Delta = &wireDelta{}
			return r.wireDelta(c.Delta)
		case "text":
			return r.stringPtr(&c.Text)
		case "logprobs":
			return r.raw(&c.Logprobs)
		case "finish_reason":
			return r.stringPtr(&c.FinishReason)
		case "content_filter_results":
			return r.raw(&c.ContentFilterResults)
		}
		return errWireSlow
	})
}

func (r *jsonReader) wireDelta(d *wireDelta) error {
	return r.members(func(key string) error {
		switch key {
		case "role":
			return r.plainString(&d.Role)
		case "content":
			return r.stringPtr(&d.Content)
		case "refusal":
			return r.stringPtr(&d.Refusal)
		case "reasoning_content":
			return r.stringPtr(&d.ReasoningContent)
		case "reasoning":
			return r.stringPtr(&d.Reasoning)
		case "tool_calls":
			return r.elements(func() { d.ToolCalls = []wireToolCall{} }, func() error {
				d.ToolCalls = append(d.ToolCalls, wireToolCall{})
				return r.wireToolCall(&d.ToolCalls[len(d.ToolCalls)-1])
			}, func() { d.ToolCalls = nil })
		case "function_call":
			if r.null() {
				d.FunctionCall = nil
				return nil
			}
			d.FunctionCall = &wireFunction{}
			return r.wireFunction(d.FunctionCall)
		}
		return errWireSlow
	})
}

func (r *jsonReader) wireToolCall(tc *wireToolCall) error {
	return r.members(func(key string) error {
		switch key {
		case "index":
			if r.null() {
				tc.Index = nil
				return nil
			}
			var n int64
			if err := r.int64(&n); err != nil {
				return err
			}
			i := int(n)
			tc.Index = &i
			return nil
		case "id":
			return r.plainString(&tc.ID)
		case "type":
			return r.plainString(&tc.Type)
		case "function":
			if r.null() {
				tc.Function = nil
				return nil
			}
			tc.Function = &wireFunction{}
			return r.wireFunction(tc.Function)
		}
		return errWireSlow
	})
}

func (r *jsonReader) wireFunction(fn *wireFunction) error {
	return r.members(func(key string) error {
		switch key {
		case "name":
			return r.plainString(&fn.Name)
		case "arguments":
			return r.plainString(&fn.Arguments)
		}
		return errWireSlow
	})
}

// members reads an object, calling member for each member name with the
// reader at its value; a repeated name gives errWireSlow.
func (r *jsonReader) members(member func(key string) error) error {
	r.skipSpace()
	if r.pos >= len(r.src) || r.src[r.pos] != '{' {
		return errWireSlow
	}
	if err := r.enter(); err != nil {
		return err
	}
	r.pos++
	var seen [12]string
	n := 0
	r.skipSpace()
	if r.pos < len(r.src) && r.src[r.pos] == '}' {
		r.pos++
		r.depth--
		return nil
	}
	for {
		r.skipSpace()
		if r.pos >= len(r.src) || r.src[r.pos] != '"' {
			return errWireSlow
		}
		key, err := r.string()
		if err != nil {
			return err
		}
		for _, k := range seen[:n] {
			if k == key {
				return errWireSlow
			}
		}
		if n == len(seen) {
			return errWireSlow
		}
		seen[n] = key
		n++
		r.skipSpace()
		if r.pos >= len(r.src) || r.src[r.pos] != ':' {
			return errWireSlow
		}
		r.pos++
		r.skipSpace()
		if err := member(key); err != nil {
			return err
		}
		r.skipSpace()
		if r.pos >= len(r.src) {
			return errWireSlow
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			r.depth--
			return nil
		default:
			return errWireSlow
		}
	}
}

// elements reads an array into a slice field: null calls null, an array
// calls begin (encoding/json makes even an empty array a non-nil slice)
// and then elem for each element, with the reader at it.
func (r *jsonReader) elements(begin func(), elem func() error, null func()) error {
	if r.null() {
		null()
		return nil
	}
	if r.pos >= len(r.src) || r.src[r.pos] != '[' {
		return errWireSlow
	}
	if err := r.enter(); err != nil {
		return err
	}
	begin()
	r.pos++
	r.skipSpace()
	if r.pos < len(r.src) && r.src[r.pos] == ']' {
		r.pos++
		r.depth--
		return nil
	}
	for {
		r.skipSpace()
		if err := elem(); err != nil {
			return err
		}
		r.skipSpace()
		if r.pos >= len(r.src) {
			return errWireSlow
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			r.depth--
			return nil
		default:
			return errWireSlow
		}
	}
}

// null consumes a null literal if one is next.
func (r *jsonReader) null() bool {
	if len(r.src)-r.pos >= 4 && string(r.src[r.pos:r.pos+4]) == "null" {
		r.pos += 4
		return true
	}
	return false
}

// plainString reads a string into a string field (null is left to the
// general decoder).
func (r *jsonReader) plainString(p *string) error {
	if r.pos >= len(r.src) || r.src[r.pos] != '"' {
		return errWireSlow
	}
	s, err := r.string()
	*p = s
	return err
}

// stringPtr reads a string or null into a *string field.
func (r *jsonReader) stringPtr(p **string) error {
	if r.null() {
		*p = nil
		return nil
	}
	if r.pos >= len(r.src) || r.src[r.pos] != '"' {
		return errWireSlow
	}
	s, err := r.string()
	*p = &s
	return err
}

// int64 reads an integer literal into an integer field.
func (r *jsonReader) int64(p *int64) error {
	if r.pos >= len(r.src) || (r.src[r.pos] != '-' && !isDigit(r.src[r.pos])) {
		return errWireSlow
	}
	lit, err := r.number()
	if err != nil {
		return err
	}
	n, perr := strconv.ParseInt(string(lit), 10, 64)
	if perr != nil {
		return errWireSlow
	}
	*p = n
	return nil
}

// raw reads any value into a json.RawMessage field, as written.
func (r *jsonReader) raw(p *json.RawMessage) error {
	start := r.pos
	if _, err := r.value(); err != nil {
		return err
	}
	*p = append((*p)[:0], r.src[start:r.pos]...)
	return nil
}

// appendWireChunk appends w encoded exactly as encoding/json encodes it
// without HTML escaping (FuzzWireChunk compares the two), without
// reflection.
func appendWireChunk(b []byte, w *wireChunk) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, w.ID)
	b = append(b, `,"object":`...)
	b = appendJSONString(b, w.Object)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, w.Created, 10)
	b = append(b, `,"model":`...)
	b = appendJSONString(b, w.Model)
	b = appendOptString(b, `,"system_fingerprint":`, w.SystemFingerprint)
	b = appendOptString(b, `,"service_tier":`, w.ServiceTier)
	b = appendOptString(b, `,"obfuscation":`, w.Obfuscation)
	b = append(b, `,"choices":`...)
	if w.Choices == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range w.Choices {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendWireChoice(b, &w.Choices[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	var err error
	if b, err = appendOptRaw(b, `,"usage":`, w.Usage); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func appendWireChoice(b []byte, c *wireChoice) ([]byte, error) {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(c.Index), 10)
	if d := c.Delta; d != nil {
		b = append(b, `,"delta":{`...)
		n := len(b)
		if d.Role != "" {
			b = append(b, `,"role":`...)
			b = appendJSONString(b, d.Role)
		}
		b = appendOptString(b, `,"content":`, d.Content)
		b = appendOptString(b, `,"refusal":`, d.Refusal)
		b = appendOptString(b, `,"reasoning_content":`, d.ReasoningContent)
		b = appendOptString(b, `,"reasoning":`, d.Reasoning)
		if len(d.ToolCalls) > 0 {
			b = append(b, `,"tool_calls":[`...)
			for i := range d.ToolCalls {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendWireToolCall(b, &d.ToolCalls[i])
			}
			b = append(b, ']')
		}
		if d.FunctionCall != nil {
			b = append(b, `,"function_call":`...)
			b = appendWireFunction(b, d.FunctionCall)
		}
		if len(b) > n {
			b = append(b[:n], b[n+1:]...) // the first member's comma
		}
		b = append(b, '}')
	}
	b = appendOptString(b, `,"text":`, c.Text)
	var err error
	if b, err = appendOptRaw(b, `,"logprobs":`, c.Logprobs); err != nil {
		return nil, err
	}
	b = append(b, `,"finish_reason":`...)
	if c.FinishReason == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *c.FinishReason)
	}
	if b, err = appendOptRaw(b, `,"content_filter_results":`, c.ContentFilterResults); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func appendWireToolCall(b []byte, tc *wireToolCall) []byte {
	b = append(b, '{')
	n := len(b)
	if tc.Index != nil {
		b = append(b, `,"index":`...)
		b = strconv.AppendInt(b, int64(*tc.Index), 10)
	}
	if tc.ID != "" {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, tc.ID)
	}
	if tc.Type != "" {
		b = append(b, `,"type":`...)
		b = appendJSONString(b, tc.Type)
	}
	if tc.Function != nil {
		b = append(b, `,"function":`...)
		b = appendWireFunction(b, tc.Function)
	}
	if len(b) > n {
		b = append(b[:n], b[n+1:]...)
	}
	return append(b, '}')
}

func appendWireFunction(b []byte, fn *wireFunction) []byte {
	b = append(b, '{')
	if fn.Name != "" {
		b = append(b, `"name":`...)
		b = appendJSONString(b, fn.Name)
		b = append(b, ',')
	}
	b = append(b, `"arguments":`...)
	b = appendJSONString(b, fn.Arguments)
	return append(b, '}')
}

// appendOptString appends a member for a *string with omitempty.
func appendOptString(b []byte, member string, p *string) []byte {
	if p == nil {
		return b
	}
	b = append(b, member...)
	return appendJSONString(b, *p)
}

// appendOptRaw appends a member for a json.RawMessage with omitempty,
// compacted as encoding/json writes it.
func appendOptRaw(b []byte, member string, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return b, nil
	}
	b = append(b, member...)
	if len(raw) == 4 && string(raw) == "null" {
		return append(b, "null"...), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return append(b, buf.Bytes()...), nil
}
