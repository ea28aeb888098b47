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
func decodeWire(data []byte, w *wireChunk) error {
	if len(data) == 0 || data[0] != '{' {
		return errNotWire
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(w); err != nil {
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
	if decodeWire(data, &w) != nil {
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
		var u struct {
			Prompt     int64 `json:"prompt_tokens"`
			Completion int64 `json:"completion_tokens"`
		}
		if json.Unmarshal(w.Usage, &u) == nil {
			s.mu.Lock()
			s.usage.InputTokens, s.usage.OutputTokens = u.Prompt, u.Completion
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
				s.touch(f, fn.get, fn.set)
			}
		}
		if fc := d.FunctionCall; fc != nil && fc.Arguments != "" {
			f := s.field(streamKey{idx, "function_call", -1})
			fc.Arguments = f.write(fc.Arguments)
			s.touch(f, fc.get, fc.set)
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
	m := f.write(**p)
	*p = &m
	s.touch(f, ptrGet(p), ptrSet(p))
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
			s.touch(f, ptrGet(&c.Text), ptrSet(&c.Text))
			return
		}
		if c.Delta == nil {
			c.Delta = &wireDelta{}
		}
		d := c.Delta
		switch k.field {
		case "content":
			d.Content = appendPtr(d.Content, rest)
			s.touch(f, ptrGet(&d.Content), ptrSet(&d.Content))
		case "refusal":
			d.Refusal = appendPtr(d.Refusal, rest)
			s.touch(f, ptrGet(&d.Refusal), ptrSet(&d.Refusal))
		case "reasoning_content":
			d.ReasoningContent = appendPtr(d.ReasoningContent, rest)
			s.touch(f, ptrGet(&d.ReasoningContent), ptrSet(&d.ReasoningContent))
		case "reasoning":
			d.Reasoning = appendPtr(d.Reasoning, rest)
			s.touch(f, ptrGet(&d.Reasoning), ptrSet(&d.Reasoning))
		case "function_call":
			if d.FunctionCall == nil {
				d.FunctionCall = &wireFunction{}
			}
			d.FunctionCall.Arguments += rest
			s.touch(f, d.FunctionCall.get, d.FunctionCall.set)
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
					s.touch(f, tc.Function.get, tc.Function.set)
					return
				}
			}
			ti := k.tool
			fn := &wireFunction{Arguments: rest}
			d.ToolCalls = append(d.ToolCalls, wireToolCall{Index: &ti, Function: fn})
			s.touch(f, fn.get, fn.set)
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
	if err := s.encodeEvent(w); err != nil {
		s.fail(err)
		return
	}
	s.op.AppendResponse(s.ev.Bytes())
	if len(s.touched) > 0 {
		if err := s.restoreTouched(); err != nil {
			s.fail(err)
			return
		}
		if err := s.encodeEvent(w); err != nil {
			s.fail(err)
			return
		}
	}
	s.out.Write(s.ev.Bytes())
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
// terms as for stream chunks: only documented members, and raw members
// (usage, annotations, audio, filter results) only when they hold no
// string, since every string of a choice must be masked.

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
	if len(raw) == 0 || raw[0] != '{' {
		return nil, nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(w) != nil {
		return nil, nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
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
