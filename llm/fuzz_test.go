package llm_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/llm"
)

// replay is the upstream of the fuzz targets: it answers every request with
// body as an event stream, without a network round trip, so the fuzzer
// spends its time in the transport's parser and masker.
type replay []byte

func (b replay) RoundTrip(req *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, req.Body)
	req.Body.Close()
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"text/event-stream"}},
		Body:    io.NopCloser(bytes.NewReader(b)),
		Request: req, ContentLength: -1,
	}, nil
}

// governedStream sends a streamed chat request through the governed
// transport to an upstream that answers body, and returns what the caller
// reads and the error that ended the read.
func governedStream(t testing.TB, e *env, body []byte) ([]byte, error) {
	return governedStreamAt(t, e, "/v1/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, body)
}

func governedStreamAt(t testing.TB, e *env, path, request string, body []byte) ([]byte, error) {
	e.rec.reset() // fuzzing runs millions of calls: keep no history
	hc := &http.Client{Transport: llm.NewTransport(replay(body), e.guard)}
	req, err := http.NewRequestWithContext(analyst(), http.MethodPost, "http://upstream.invalid"+path,
		strings.NewReader(request))
	require.NoError(t, err)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// deltas parses what the caller read: only data lines and blank lines,
// each payload [DONE] or a JSON object; it returns the streamed texts
// joined per choice and field.
func deltas(t testing.TB, out []byte) map[string]string {
	texts := map[string]string{}
	for _, payload := range payloads(t, out) {
		if payload == "[DONE]" {
			continue
		}
		var ev struct {
			Choices []struct {
				Index int `json:"index"`
				Delta struct {
					Content, Refusal string
					ToolCalls        []struct {
						Index    int `json:"index"`
						Function struct{ Arguments string }
					} `json:"tool_calls"`
				}
			}
			Error json.RawMessage
		}
		require.NoError(t, json.Unmarshal([]byte(payload), &ev), "every event the caller gets is JSON: %q", payload)
		for _, c := range ev.Choices {
			k := strconv.Itoa(c.Index) // "0content", "11tool3": every index its own key
			texts[k+"content"] += c.Delta.Content
			texts[k+"refusal"] += c.Delta.Refusal
			for _, tc := range c.Delta.ToolCalls {
				texts[k+"tool"+strconv.Itoa(tc.Index)] += tc.Function.Arguments
			}
		}
		requireMasked(t, string(ev.Error), "an error event")
	}
	return texts
}

// payloads returns the data of the events the caller read, failing when a
// line is neither a data line nor blank.
func payloads(t testing.TB, out []byte) []string {
	t.Helper()
	var data []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		payload, ok := strings.CutPrefix(line, "data: ")
		require.True(t, ok, "only data lines reach the caller: %q", line)
		data = append(data, payload)
	}
	require.NoError(t, sc.Err())
	return data
}

// requireMasked fails when text holds a seeded value where the engine
// would mask it: what the caller got must be the engine's masking of some
// text, so masking it again finds nothing new. (A value the engine leaves
// alone in its context, such as an SSN run into other digits, may stay.)
func requireMasked(t testing.TB, text string, msgAndArgs ...any) {
	t.Helper()
	again := masked(text)
	for _, v := range leaks(text) {
		require.Contains(t, again, v, msgAndArgs...)
	}
}

// FuzzStreamChunking cuts a text that may hold seeded values into random
// pieces sent as consecutive chunks: the caller must get exactly the masked
// whole text, and no value.
func FuzzStreamChunking(f *testing.F) {
	f.Add(answer, uint64(1))
	f.Add("alice@example.comalice@example.com", uint64(7))
	f.Add("Bob Smith 4111 1111 1111 111", uint64(3))
	f.Add("078-05-112078-05-1120", uint64(42))
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, text string, seed uint64) {
		if !utf8.ValidString(text) || len(text) > 4096 {
			t.Skip()
		}
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		var body bytes.Buffer
		for rest := text; rest != ""; {
			n := 1 + rng.IntN(12)
			cut := 0
			for range n {
				if cut >= len(rest) {
					break
				}
				_, size := utf8.DecodeRuneInString(rest[cut:])
				cut += size
			}
			piece, _ := json.Marshal(rest[:cut])
			rest = rest[cut:]
			body.WriteString(`data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":`)
			body.Write(piece)
			body.WriteString("}}]}\n\n")
		}
		body.WriteString(finishChunk + "data: [DONE]\n\n")
		out, err := governedStream(t, e, body.Bytes())
		require.NoError(t, err)
		got := deltas(t, out)["0content"]
		require.Equal(t, masked(text), got, "the masked stream equals the masked whole text")
	})
}

// FuzzStreamRaw feeds arbitrary bytes as the upstream's event stream: the
// transport must not panic, must hand the caller only well-formed events it
// parsed, and no seeded value in any text it masks.
func FuzzStreamRaw(f *testing.F) {
	f.Add([]byte(chunk("Hi alice@exa") + chunk("mple.com") + finishChunk + "data: [DONE]\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"index\":3,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"078-05-\"}}]}}]}\r\n\r\n" +
		"data: {\"choices\":[{\"index\":3,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"1120\"}}]}}]}\n\n"))
	f.Add([]byte(": c\n\ndata: {\"error\":{\"message\":\"alice@example.com\"}}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"refusal\":\"4111 1111 \"}},{\"index\":1,\"delta\":{\"content\":\"x\"}}]}\n\ndata:{\"choices\":[{\"delta\":{\"refusal\":\"1111 1111\"},\"finish_reason\":\"stop\"}]}\n\n"))
	f.Add([]byte("data: [DONE]\n\ndata: {\"x\":1}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Zo\xc3\"}}]}\n\n"))
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		out, _ := governedStream(t, e, body)
		for k, text := range deltas(t, out) {
			requireMasked(t, text, "field %s", k)
		}
	})
}

// FuzzResponsesStreamRaw feeds arbitrary bytes as a streamed Responses API
// answer: no panic, only parsed events, and no seeded value in the deltas
// of any text (joined per event family and position) or in a full text.
func FuzzResponsesStreamRaw(f *testing.F) {
	var seed bytes.Buffer
	responsesStream(&seed, []string{"Mail alice@ex", "ample.com"}, []string{`{"ssn":"078-05`, `-1120"}`})
	f.Add(seed.Bytes())
	f.Add([]byte(`data: {"type":"response.output_text.delta","output_index":0,"content_index":0,"item_id":"m","Delta":"4111 1111 "}` + "\n\n" +
		`data: {"type":"response.output_text.delta","output_index":0,"content_index":0,"item_id":"m","delta":"1111 1111"}` + "\n\n"))
	f.Add([]byte(`data: {"type":"error","message":"alice@example.com"}` + "\n\n"))
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		out, _ := governedStreamAt(t, e, "/v1/responses", `{"model":"m","stream":true,"input":"hi"}`, body)
		joined := map[string]string{}
		for _, payload := range payloads(t, out) {
			var ev struct {
				Type         any
				ItemID       any `json:"item_id"`
				OutputIndex  any `json:"output_index"`
				ContentIndex any `json:"content_index"`
				Delta        any
				Text         any
				Arguments    any
				Message      any
			}
			require.NoError(t, json.Unmarshal([]byte(payload), &ev), "every event is JSON: %q", payload)
			if d, ok := ev.Delta.(string); ok {
				typ, _ := ev.Type.(string)
				k := fmt.Sprint(strings.TrimSuffix(typ, ".delta"), "|", ev.ItemID, "|", ev.OutputIndex, "|", ev.ContentIndex)
				joined[k] += d
			}
			for _, v := range []any{ev.Text, ev.Arguments, ev.Message} {
				if s, ok := v.(string); ok {
					requireMasked(t, s, "a full text")
				}
			}
		}
		for k, text := range joined {
			requireMasked(t, text, "deltas of %s", k)
		}
	})
}
