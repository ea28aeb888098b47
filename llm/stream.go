package llm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/ragguard/ragguard"
)

// errAbandoned is what the audit event of a stream records when the caller
// closes it before its end.
var errAbandoned = fmt.Errorf("llm: stream closed before its end: %w", context.Canceled)

// errTruncated: the upstream ended a stream without a finish reason, an
// error event or [DONE].
var errTruncated = fmt.Errorf("%w: the stream ended before a finish reason", ErrMalformedResponse)

// streamKey names one streamed text: a choice's content, refusal or
// reasoning, or the arguments of one of its tool calls.
type streamKey struct {
	choice int
	field  string
	tool   int
}

// streamField masks one streamed text across events.
type streamField struct {
	key     streamKey
	m       ragguard.StreamMasker
	partial []byte         // an incomplete UTF-8 sequence the masker released
	pos     map[string]any // Responses API: the position members of its events
	rpend   string         // masked text that may begin a token to restore
	closed  bool           // flushed: no more text follows
}

// maxTokenLen bounds the masked text a stream holds back from a caller
// whose tokens are restored because it may begin a reversible token
// ("<EMAIL_TK_...>") that the model split across chunks.
const maxTokenLen = 64

// restore restores the tokens in masked, the field's text in one event,
// holding back a tail that may begin a token until the text goes on.
func (f *streamField) restore(op *ragguard.Op, masked string) (string, error) {
	text := f.rpend + masked
	f.rpend = ""
	if !f.closed {
		if i := strings.LastIndexByte(text, '<'); i >= 0 && len(text)-i < maxTokenLen && tokenChars(text[i+1:]) {
			f.rpend = text[i:]
			text = text[:i]
		}
	}
	if text == "" {
		return "", nil
	}
	return op.Restore(text)
}

// tokenChars reports whether s could continue a token's name.
func tokenChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// touch is a streamed text one event carries, for restoring: get reads its
// masked value in the event, set replaces it.
type touch struct {
	f   *streamField
	get func() string
	set func(string)
}

func (f *streamField) write(s string) string { return f.complete(f.m.Write([]byte(s)), false) }

func (f *streamField) flush() string { return f.complete(f.m.Flush(), true) }

// complete withholds an incomplete UTF-8 sequence at the end of b (a JSON
// string cannot carry half a rune) until more arrives or the text ends.
func (f *streamField) complete(b []byte, final bool) string {
	if len(f.partial) > 0 {
		b = append(f.partial, b...)
		f.partial = nil
	}
	cut := len(b)
	if !final {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax+1; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					cut = i
				}
				break
			}
		}
		if cut < len(b) {
			f.partial = append([]byte(nil), b[cut:]...)
		}
	}
	return string(b[:cut])
}

// stream is the body of a governed server-sent-event answer: it reads the
// upstream's events, masks every text they carry, and hands the caller
// re-encoded events. It finishes the Op exactly once: at [DONE] or the end
// of the stream, on a read or parse error, on Close, or when the request's
// context ends.
type stream struct {
	op      *ragguard.Op
	ep      endpoint
	body    io.ReadCloser
	r       *bufio.Reader
	ctx     context.Context
	max     int64
	restore bool
	strip   bool

	out     bytes.Buffer // events ready for the caller
	ev      bytes.Buffer // the event being encoded
	enc     *json.Encoder
	jr      jsonReader // reads plain chunks
	err     error      // returned once out is drained
	line    []byte
	data    []byte
	hasData bool

	fields  []*streamField // open texts, in order of first appearance
	touched []touch        // texts of the event being handled, when restoring
	head    chunkHead      // of the last chunk, for the chunks the transport adds
	sawEnd  bool           // a finish reason arrived
	respErr error          // a Responses API error or failed response

	mu    sync.Mutex
	usage ragguard.Usage
	stop  func() bool

	finished atomic.Bool
}

func newStream(ctx context.Context, op *ragguard.Op, ep endpoint, resp *http.Response, max int64) *http.Response {
	s := &stream{
		op:      op,
		ep:      ep,
		body:    resp.Body,
		r:       bufio.NewReaderSize(resp.Body, 16<<10),
		ctx:     ctx,
		max:     max,
		restore: restores(op),
		strip:   op.Decision().Mask != "",
	}
	s.mu.Lock()
	s.stop = context.AfterFunc(s.ctx, func() { s.finish(s.ctx.Err()) })
	s.mu.Unlock()
	out := *resp
	out.Header = resp.Header.Clone()
	out.Header.Del("Content-Length")
	out.ContentLength = -1
	out.Body = s
	return &out
}

// Read hands the caller masked events.
func (s *stream) Read(p []byte) (int, error) {
	for s.out.Len() == 0 {
		if s.err != nil {
			return 0, s.err
		}
		s.step()
	}
	return s.out.Read(p)
}

// Close closes the upstream body and, when the stream has not ended yet,
// finishes it as abandoned.
func (s *stream) Close() error {
	err := s.body.Close()
	s.finish(errAbandoned)
	return err
}

// finish finishes the Op once; it returns what Op.Finish returned, or nil
// when the Op was already finished.
func (s *stream) finish(callErr error) error {
	if !s.finished.CompareAndSwap(false, true) {
		return nil
	}
	s.mu.Lock()
	stop, u := s.stop, s.usage
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	s.op.SetUsage(u)
	return s.op.Finish(callErr)
}

// fail ends the stream with err; held-back text is dropped.
func (s *stream) fail(err error) {
	if ferr := s.finish(err); ferr != nil {
		err = ferr
	}
	s.err = err
}

// end ends the stream at [DONE] or at the upstream's end: it releases what
// the maskers still hold, then finishes. The caller sees the end only once
// the audit event is written; if it cannot be, the caller gets that error
// instead.
func (s *stream) end(done bool) {
	s.flushAll()
	callErr := s.respErr
	if callErr == nil && !done && !s.sawEnd {
		callErr = errTruncated
	}
	var doneEvent []byte
	if done {
		doneEvent = event([]byte("[DONE]"))
		s.op.AppendResponse(doneEvent)
	}
	ferr := s.finish(callErr)
	switch {
	case errors.Is(ferr, ragguard.ErrAuditUnavailable):
		s.err = ferr
	case callErr == errTruncated:
		s.err = errTruncated
	default:
		s.out.Write(doneEvent)
		s.err = io.EOF
	}
}

// step reads one line and dispatches an event when the line ends one.
func (s *stream) step() {
	line, err := s.readLine()
	switch {
	case err == io.EOF:
		if len(line) > 0 {
			s.fieldLine(line)
		}
		if s.hasData {
			if s.dispatch(); s.err != nil {
				return
			}
		}
		s.end(false)
	case err != nil:
		if cerr := s.ctx.Err(); cerr != nil {
			err = fmt.Errorf("llm: stream: %w (%v)", cerr, err)
		} else {
			err = fmt.Errorf("llm: reading the stream: %w", err)
		}
		s.fail(err)
	case len(line) == 0:
		if s.hasData {
			s.dispatch()
		}
	default:
		s.fieldLine(line)
	}
}

// readLine returns the next line without its end (\n, \r\n), bounded by
// the maximum event size.
func (s *stream) readLine() ([]byte, error) {
	s.line = s.line[:0]
	for {
		chunk, err := s.r.ReadSlice('\n')
		s.line = append(s.line, chunk...)
		if int64(len(s.line)) > s.max {
			return nil, fmt.Errorf("%w: a stream line is larger than %d bytes", ErrMalformedResponse, s.max)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		line := bytes.TrimSuffix(s.line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		return line, err
	}
}

// fieldLine handles one "field: value" line; only data lines matter.
// Comments and other fields are dropped: the caller gets no byte the
// transport did not parse.
func (s *stream) fieldLine(line []byte) {
	if line[0] == ':' {
		return
	}
	name, value, found := bytes.Cut(line, []byte(":"))
	if !found || string(name) != "data" {
		return
	}
	value = bytes.TrimPrefix(value, []byte(" "))
	if s.hasData {
		s.data = append(s.data, '\n')
	}
	s.data = append(s.data, value...)
	s.hasData = true
	if int64(len(s.data)) > s.max {
		s.fail(fmt.Errorf("%w: a stream event is larger than %d bytes", ErrMalformedResponse, s.max))
	}
}

// dispatch handles one complete event.
func (s *stream) dispatch() {
	data := bytes.TrimSpace(s.data)
	s.data, s.hasData = s.data[:0], false
	if s.err != nil || len(data) == 0 {
		return
	}
	if string(data) == "[DONE]" {
		s.end(true)
		return
	}
	s.touched = s.touched[:0]
	if s.ep != epResponses && s.plainChunk(data) {
		return
	}
	doc, err := decodeObject(data)
	if err == nil {
		if s.ep == epResponses {
			err = canonExcept(doc, "*")
		} else {
			err = canon(doc)
		}
	}
	if err != nil {
		s.fail(fmt.Errorf("%w: stream event: %v", ErrMalformedResponse, err))
		return
	}
	if e, ok := doc["error"]; ok && e != nil {
		s.upstreamError(data)
		return
	}
	if s.ep == epResponses {
		s.responseEvent(doc)
		return
	}
	s.head.fromMap(doc)
	if u, ok := usageOf(doc); ok {
		s.mu.Lock()
		s.usage.InputTokens, s.usage.OutputTokens = u.InputTokens, u.OutputTokens
		s.mu.Unlock()
	}
	if err := s.maskChunk(doc); err != nil {
		s.fail(fmt.Errorf("%w: stream event: %v", ErrMalformedResponse, err))
		return
	}
	s.emit(doc)
}

// upstreamError passes an error event through, masked (messages can quote
// the request), and keeps it for the audit event.
func (s *stream) upstreamError(data []byte) {
	masked, err := s.op.MaskJSON("error", data)
	if err == nil {
		// One line: the event's data lines were joined with newlines,
		// which must not split the event the caller reads.
		var buf bytes.Buffer
		if err = json.Compact(&buf, masked); err == nil {
			masked = buf.Bytes()
		}
	}
	if err != nil {
		s.fail(fmt.Errorf("%w: error event: %v", ErrMalformedResponse, err))
		return
	}
	msg := "error event"
	if doc, err := decodeObject(masked); err == nil {
		if e, ok := doc["error"].(map[string]any); ok {
			if m, ok := e["message"].(string); ok {
				msg = m
			}
		}
	}
	// The error event ends the stream: clients stop reading at it.
	s.flushAll()
	s.emitRaw(masked)
	if ferr := s.finish(fmt.Errorf("llm: upstream failed mid-stream: %s", msg)); errors.Is(ferr, ragguard.ErrAuditUnavailable) {
		s.err = ferr
		return
	}
	s.err = io.EOF
}

// maskChunk masks every text of a chat or completion chunk in place.
func (s *stream) maskChunk(doc map[string]any) error {
	var cz canonizer
	// Members beside the choices (provider extensions) are not streamed
	// text: each string is masked whole, in this chunk.
	maskOutside(doc, "chunk", func(loc, v string) string { return s.op.MaskText(loc, v) })
	choices, _ := doc["choices"].([]any)
	for _, cv := range choices {
		c, ok := cz.obj(cv)
		if !ok {
			return fmt.Errorf("a choice is not an object")
		}
		idx, ok := indexOf(c["index"])
		if !ok {
			return fmt.Errorf("choice index %v", c["index"])
		}
		if s.strip && c["logprobs"] != nil {
			c["logprobs"] = nil
		}
		if t, ok := c["text"].(string); ok && t != "" {
			f := s.field(streamKey{idx, "text", -1})
			c["text"] = f.write(t)
			if s.restore {
				s.touch(f, mapGet(c, "text"), mapSet(c, "text"))
			}
		} else if c["text"] != nil && !ok {
			return fmt.Errorf("choice text is a %T", c["text"])
		}
		dropUnknownText(c, choiceKnown)
		if delta, ok := cz.obj(c["delta"]); ok {
			dropUnknownText(delta, deltaKnown)
			for _, name := range deltaTexts {
				if t, ok := delta[name].(string); ok && t != "" {
					f := s.field(streamKey{idx, name, -1})
					delta[name] = f.write(t)
					if s.restore {
						s.touch(f, mapGet(delta, name), mapSet(delta, name))
					}
				}
			}
			tcs, _ := delta["tool_calls"].([]any)
			for _, tv := range tcs {
				tc, ok := cz.obj(tv)
				if !ok {
					return fmt.Errorf("a tool call is not an object")
				}
				ti, ok := indexOf(tc["index"])
				if !ok {
					return fmt.Errorf("tool call index %v", tc["index"])
				}
				dropUnknownText(tc, toolCallKnown)
				fn, _ := cz.obj(tc["function"])
				if fn != nil {
					dropUnknownText(fn, functionKnown)
				}
				if t, ok := fn["arguments"].(string); ok && t != "" {
					f := s.field(streamKey{idx, "tool", ti})
					fn["arguments"] = f.write(t)
					if s.restore {
						s.touch(f, mapGet(fn, "arguments"), mapSet(fn, "arguments"))
					}
				}
			}
			if fn, ok := cz.obj(delta["function_call"]); ok {
				dropUnknownText(fn, functionKnown)
				if t, ok := fn["arguments"].(string); ok && t != "" {
					f := s.field(streamKey{idx, "function_call", -1})
					fn["arguments"] = f.write(t)
					if s.restore {
						s.touch(f, mapGet(fn, "arguments"), mapSet(fn, "arguments"))
					}
				}
			}
		}
		if cz.err != nil {
			return cz.err
		}
		if fr, ok := c["finish_reason"].(string); ok && fr != "" {
			s.sawEnd = true
			s.mu.Lock()
			if s.usage.FinishReason == "" || idx == 0 {
				s.usage.FinishReason = fr
			}
			s.mu.Unlock()
			s.flushChoice(idx, s.mapAppend(c))
		}
	}
	return cz.err
}

// touch records a streamed text of the current event for restoring.
func (s *stream) touch(f *streamField, get func() string, set func(string)) {
	if !s.restore {
		return
	}
	for _, t := range s.touched {
		if t.f == f {
			return
		}
	}
	s.touched = append(s.touched, touch{f, get, set})
}

// restoreTouched restores tokens in the texts of the current event.
func (s *stream) restoreTouched() error {
	for _, t := range s.touched {
		r, err := t.f.restore(s.op, t.get())
		if err != nil {
			return fmt.Errorf("llm: restoring tokens: %w", err)
		}
		t.set(r)
	}
	return nil
}

func mapGet(m map[string]any, k string) func() string {
	return func() string { v, _ := m[k].(string); return v }
}

func mapSet(m map[string]any, k string) func(string) {
	return func(v string) { m[k] = v }
}

// deltaTexts are the text members of a chat delta ("reasoning" is an
// extension some OpenAI-compatible providers send).
var deltaTexts = []string{"content", "refusal", "reasoning_content", "reasoning"}

// Members a chunk may carry beyond those the transport masks; any other
// member of a choice, delta, tool call or function that holds a string is
// dropped, since the transport cannot tell whether it is streamed text.
var (
	choiceKnown   = map[string]bool{"index": true, "delta": true, "text": true, "logprobs": true, "finish_reason": true, "content_filter_results": true}
	deltaKnown    = map[string]bool{"role": true, "content": true, "refusal": true, "reasoning_content": true, "reasoning": true, "tool_calls": true, "function_call": true}
	toolCallKnown = map[string]bool{"index": true, "id": true, "type": true, "function": true}
	functionKnown = map[string]bool{"name": true, "arguments": true}
)

// dropUnknownText deletes the members of m outside known that hold a
// string anywhere in their value.
func dropUnknownText(m map[string]any, known map[string]bool) {
	for k, v := range m {
		if !known[k] && holdsString(v) {
			delete(m, k)
		}
	}
}

func holdsString(v any) bool {
	switch x := v.(type) {
	case string:
		return true
	case map[string]any:
		for _, e := range x {
			if holdsString(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if holdsString(e) {
				return true
			}
		}
	}
	return false
}

// field returns the masker of one streamed text, opening it on first use.
func (s *stream) field(k streamKey) *streamField {
	for _, f := range s.fields {
		if f.key == k {
			return f
		}
	}
	base := "choices[" + strconv.Itoa(k.choice) + "]"
	var loc string
	switch k.field {
	case "text":
		loc = base + ".text"
	case "tool":
		loc = base + ".delta.tool_calls[" + strconv.Itoa(k.tool) + "].function.arguments"
	case "function_call":
		loc = base + ".delta.function_call.arguments"
	default:
		loc = base + ".delta." + k.field
	}
	f := &streamField{key: k, m: s.op.MaskStream(loc)}
	s.fields = append(s.fields, f)
	return f
}

// flushChoice releases what the maskers of choice idx still hold through
// add, and closes them.
func (s *stream) flushChoice(idx int, add func(f *streamField, text string)) {
	kept := s.fields[:0]
	for _, f := range s.fields {
		if f.key.choice != idx {
			kept = append(kept, f)
			continue
		}
		f.closed = true
		if rest := f.flush(); rest != "" || f.rpend != "" {
			add(f, rest)
		}
	}
	clear(s.fields[len(kept):])
	s.fields = kept
}

// mapAppend appends released text to a decoded choice.
func (s *stream) mapAppend(c map[string]any) func(*streamField, string) {
	return func(f *streamField, rest string) {
		k := f.key
		if k.field == "text" {
			prev, _ := c["text"].(string)
			c["text"] = prev + rest
			if s.restore {
				s.touch(f, mapGet(c, "text"), mapSet(c, "text"))
			}
			return
		}
		delta, ok := c["delta"].(map[string]any)
		if !ok {
			delta = map[string]any{}
			c["delta"] = delta
		}
		switch k.field {
		case "tool":
			fn := appendToolArgs(delta, k.tool, rest)
			if s.restore {
				s.touch(f, mapGet(fn, "arguments"), mapSet(fn, "arguments"))
			}
		case "function_call":
			fn, ok := delta["function_call"].(map[string]any)
			if !ok {
				fn = map[string]any{}
				delta["function_call"] = fn
			}
			prev, _ := fn["arguments"].(string)
			fn["arguments"] = prev + rest
			if s.restore {
				s.touch(f, mapGet(fn, "arguments"), mapSet(fn, "arguments"))
			}
		default:
			prev, _ := delta[k.field].(string)
			delta[k.field] = prev + rest
			if s.restore {
				s.touch(f, mapGet(delta, k.field), mapSet(delta, k.field))
			}
		}
	}
}

// appendToolArgs appends text to the arguments of tool call index in delta,
// adding the tool call when the chunk has none for it, and returns the
// function object it appended to.
func appendToolArgs(delta map[string]any, index int, text string) map[string]any {
	tcs, _ := delta["tool_calls"].([]any)
	for _, tv := range tcs {
		tc, ok := tv.(map[string]any)
		if i, _ := indexOf(tc["index"]); !ok || i != index {
			continue
		}
		fn, ok := tc["function"].(map[string]any)
		if !ok {
			fn = map[string]any{}
			tc["function"] = fn
		}
		prev, _ := fn["arguments"].(string)
		fn["arguments"] = prev + text
		return fn
	}
	// The index as the decoder writes it, so that indexOf reads it when
	// another tool call's text is released into this chunk: an int would
	// read as index 0 and join two tool calls' texts.
	fn := map[string]any{"arguments": text}
	delta["tool_calls"] = append(tcs, map[string]any{"index": json.Number(strconv.Itoa(index)), "function": fn})
	return fn
}

// flushAll releases what every open masker holds, in a chunk of its own
// (the upstream ended a choice without a finish reason).
func (s *stream) flushAll() {
	if len(s.fields) == 0 {
		return
	}
	if s.ep == epResponses {
		s.flushResponses()
		return
	}
	s.touched = s.touched[:0]
	var order []int
	for _, f := range s.fields {
		if !containsInt(order, f.key.choice) {
			order = append(order, f.key.choice)
		}
	}
	doc := map[string]any{"id": s.head.ID, "object": s.head.Object, "created": s.head.Created, "model": s.head.Model}
	var choices []any
	for _, idx := range order {
		c := map[string]any{"index": idx, "finish_reason": nil}
		if s.ep == epChat {
			c["delta"] = map[string]any{}
		}
		s.flushChoice(idx, s.mapAppend(c))
		choices = append(choices, c)
	}
	doc["choices"] = choices
	s.emit(doc)
}

func containsInt(a []int, v int) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// emit encodes a masked chunk for the session record and, with tokens
// restored when the policy allows it, for the caller.
func (s *stream) emit(doc map[string]any) {
	masked, err := encode(doc)
	if err != nil {
		s.fail(fmt.Errorf("%w: %v", ErrMalformedResponse, err))
		return
	}
	s.op.AppendResponse(event(masked))
	if len(s.touched) > 0 {
		if err := s.restoreTouched(); err != nil {
			s.fail(err)
			return
		}
		if masked, err = encode(doc); err != nil {
			s.fail(fmt.Errorf("%w: %v", ErrMalformedResponse, err))
			return
		}
	}
	s.out.WriteString("data: ")
	s.out.Write(masked)
	s.out.WriteString("\n\n")
}

// emitRaw passes an already masked payload (an error event, [DONE]).
func (s *stream) emitRaw(payload []byte) {
	ev := event(payload)
	s.op.AppendResponse(ev)
	s.out.Write(ev)
}

func event(payload []byte) []byte {
	b := make([]byte, 0, len(payload)+8)
	b = append(b, "data: "...)
	b = append(b, payload...)
	return append(b, "\n\n"...)
}
