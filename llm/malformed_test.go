package llm_test

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/llm"
)

// brokenUpstream is an HTTP server that answers every request with body
// verbatim: the misbehaving provider (or proxy) that openaiserver, being an
// honest server, cannot play.
func brokenUpstream(t *testing.T, contentType, body string, gz bool) openai.ClientConfig {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		if gz {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = zw.Write([]byte(body))
			_ = zw.Close()
			return
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = srv.URL + "/v1"
	return cfg
}

func chunk(content string) string {
	return `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"` + content + `"},"finish_reason":null}]}` + "\n\n"
}

const finishChunk = `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n"

// drain reads a stream to its end and returns the content and the error
// that ended it (nil for a clean end).
func drain(t *testing.T, cli *llm.Client) (string, error) {
	t.Helper()
	req := chatRequest()
	req.Stream = true
	stream, err := cli.CreateChatCompletionStream(analyst(), req)
	require.NoError(t, err)
	defer stream.Close()
	var got strings.Builder
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return got.String(), nil
		}
		if err != nil {
			return got.String(), err
		}
		for _, ch := range c.Choices {
			got.WriteString(ch.Delta.Content)
		}
	}
}

func TestMalformedStreamEventFailsTheStream(t *testing.T) {
	e := newEnv(t)
	body := chunk("Hi alice@exa") + "data: {not json, alice@example.com}\n\n" + chunk("mple.com") + finishChunk + "data: [DONE]\n\n"
	cli := llm.NewClient(brokenUpstream(t, "text/event-stream", body, false), e.guard)
	got, err := drain(t, cli)
	require.ErrorIs(t, err, llm.ErrMalformedResponse)
	assert.Equal(t, "Hi ", got, "text before the bad event arrives; the held-back start of a value is dropped")
	assert.Empty(t, leaks(err.Error()))
	ev := e.rec.only(t)
	assert.Equal(t, ragguard.CodeUnknown, ev.Code)
	assert.Contains(t, ev.Error, "malformed")
	assert.Empty(t, leaks(string(ev.Response)))
}

func TestStreamParserToleratesTheWireFormat(t *testing.T) {
	e := newEnv(t)
	// CRLF line ends, a comment, an event field, a data field split over
	// two lines, a value split across events.
	body := ": keep-alive alice@example.com\r\n\r\n" +
		"event: message\r\n" +
		`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",` + "\r\n" +
		`data: "choices":[{"index":0,"delta":{"role":"assistant","content":"Mail alice@ex"},"finish_reason":null}]}` + "\r\n\r\n" +
		strings.ReplaceAll(chunk("ample.com now"), "\n", "\r\n") +
		"id: 7\nretry: 100\n" + finishChunk + "data: [DONE]"
	cli := llm.NewClient(brokenUpstream(t, "text/event-stream; charset=utf-8", body, false), e.guard)
	got, err := drain(t, cli)
	require.NoError(t, err)
	assert.Equal(t, masked("Mail alice@example.com now"), got)
	ev := e.rec.only(t)
	assert.Equal(t, ragguard.CodeOK, ev.Code)
	assert.Equal(t, "stop", ev.Usage.FinishReason)
	assert.NotContains(t, string(ev.Response), "keep-alive", "comments are dropped, never passed")
}

func TestTruncatedStreamIsAnError(t *testing.T) {
	e := newEnv(t)
	body := chunk("Hello alice@example") // the connection ends mid-value
	cli := llm.NewClient(brokenUpstream(t, "text/event-stream", body, false), e.guard)
	got, err := drain(t, cli)
	require.ErrorIs(t, err, llm.ErrMalformedResponse)
	assert.Empty(t, leaks(got))
	assert.Contains(t, e.rec.only(t).Error, "before a finish reason")
}

func TestMalformedJSONAnswer(t *testing.T) {
	e := newEnv(t)
	cli := llm.NewClient(brokenUpstream(t, "application/json", `{"choices":[{"message":{"content":"alice@example.com"`, false), e.guard)
	resp, err := cli.CreateChatCompletion(analyst(), chatRequest())
	require.ErrorIs(t, err, llm.ErrMalformedResponse)
	assert.Empty(t, resp.Choices)
	assert.Empty(t, leaks(err.Error()))
	ev := e.rec.only(t)
	assert.Equal(t, ragguard.CodeUnknown, ev.Code)
}

func TestCompressedAnswerIsDecodedAndMasked(t *testing.T) {
	e := newEnv(t)
	body := `{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"It is alice@example.com"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`
	cli := llm.NewClient(brokenUpstream(t, "application/json", body, true), e.guard)
	resp, err := cli.CreateChatCompletion(analyst(), chatRequest())
	require.NoError(t, err)
	assert.Equal(t, masked("It is alice@example.com"), resp.Choices[0].Message.Content)
	assert.EqualValues(t, 4, e.rec.only(t).Usage.OutputTokens)
}

func TestLogprobsAreDroppedWhenMasking(t *testing.T) {
	e := newEnv(t)
	body := `{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"alice@example.com"},` +
		`"logprobs":{"content":[{"token":"alice@example.com","logprob":-0.1,"bytes":[97],"top_logprobs":[]}]},"finish_reason":"stop"}]}`
	cli := llm.NewClient(brokenUpstream(t, "application/json", body, false), e.guard)
	resp, err := cli.CreateChatCompletion(analyst(), chatRequest())
	require.NoError(t, err)
	assert.Nil(t, resp.Choices[0].LogProbs, "log-probabilities spell the answer out unmasked")
	assert.Equal(t, masked("alice@example.com"), resp.Choices[0].Message.Content)
}

func TestBadRequestsSendNothing(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	hc := llm.NewHTTPClient(nil, e.guard)
	for _, body := range []string{"", "not json", `["array"]`, `{"model":"m"} trailing`, "null"} {
		req, err := http.NewRequestWithContext(analyst(), http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(body))
		require.NoError(t, err)
		_, err = hc.Do(req)
		assert.ErrorIs(t, err, ragguard.ErrInvalidCall, "body %q", body)
	}
	req, err := http.NewRequestWithContext(analyst(), http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Content-Encoding", "br")
	_, err = hc.Do(req)
	assert.ErrorIs(t, err, llm.ErrUnsupported)
	assert.Empty(t, srv.Requests())
	// Every refused attempt is on record, with the caller and the reason.
	evs := e.rec.all()
	require.Len(t, evs, 6)
	for _, ev := range evs {
		assert.Equal(t, ragguard.Deny, ev.Decision.Effect)
		require.NotNil(t, ev.Principal)
		assert.Equal(t, "chat", ev.Operation)
	}
	assert.Equal(t, ragguard.CodeInvalidCall, evs[0].Code)
}

func TestUnknownMembersNeverCarryTextUnmasked(t *testing.T) {
	e := newEnv(t)
	ext := func(delta string) string {
		return `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","provider":"acme-llm",` +
			`"choices":[{"index":0,"stop_reason":"alice@example.com","delta":` + delta + `,"finish_reason":null}]}` + "\n\n"
	}
	body := ext(`{"reasoning":"think of alice@exa"}`) + ext(`{"reasoning":"mple.com","audio":{"id":"a1","transcript":"alice@example.com"}}`) +
		finishChunk + "data: [DONE]\n\n"
	out, err := governedStream(t, e, []byte(body))
	require.NoError(t, err)
	s := string(out)
	assert.Empty(t, leaks(s), "no unknown member carries a value through: %s", s)
	assert.Contains(t, s, `"provider":"acme-llm"`, "top-level extensions pass")
	assert.NotContains(t, s, "stop_reason")
	assert.NotContains(t, s, "transcript")
	var reasoning strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if p, ok := strings.CutPrefix(line, "data: {"); ok {
			var ev struct {
				Choices []struct{ Delta struct{ Reasoning string } }
			}
			require.NoError(t, json.Unmarshal([]byte("{"+p), &ev))
			for _, c := range ev.Choices {
				reasoning.WriteString(c.Delta.Reasoning)
			}
		}
	}
	assert.Equal(t, masked("think of alice@example.com"), reasoning.String(), "reasoning is streamed text, masked across chunks")

	plain := `{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"stop_reason":"alice@example.com",` +
		`"message":{"role":"assistant","content":"ok","audio":{"id":"a1","transcript":"call 078-05-1120"},` +
		`"annotations":[{"type":"url_citation","url_citation":{"title":"Bob Smith","url":"https://x.test/alice@example.com"}}]},"finish_reason":"stop"}]}`
	cli := llm.NewClient(brokenUpstream(t, "application/json", plain, false), e.guard)
	resp, err := cli.CreateChatCompletion(analyst(), chatRequest())
	require.NoError(t, err)
	raw, err := json.Marshal(resp)
	require.NoError(t, err)
	assert.Empty(t, leaks(string(raw)))
	assert.Empty(t, leaks(string(e.rec.all()[len(e.rec.all())-1].Response)), "every string of a choice is masked in a plain answer")
}

// Members beside the choices — provider extensions at the top of an answer
// or a chunk — reach the caller too, so their strings are masked, in plain
// answers (both the exact-splice and the re-encoding path) and in streams.
func TestTopLevelExtensionsAreMasked(t *testing.T) {
	e := newEnv(t)
	for _, dup := range []string{"", `,"model":"m"`} { // a repeated member forces re-encoding
		plain := `{"id":"c1","object":"chat.completion","created":1,"model":"m"` + dup + `,"x_echo":{"note":"mail alice@example.com"},"x_list":["078-05-1120"],` +
			`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`
		cfg := brokenUpstream(t, "application/json", plain, false)
		hc := llm.NewHTTPClient(nil, e.guard)
		req, err := http.NewRequestWithContext(analyst(), http.MethodPost, cfg.BaseURL+"/chat/completions",
			strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
		require.NoError(t, err)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Empty(t, leaks(string(raw)), "top-level extensions are masked: %s", raw)
		assert.Contains(t, string(raw), "x_echo", "the member stays, its value is masked")
	}

	stream := `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","x_echo":"mail alice@example.com",` +
		`"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}` + "\n\n" + finishChunk + "data: [DONE]\n\n"
	out, err := governedStream(t, e, []byte(stream))
	require.NoError(t, err)
	assert.Empty(t, leaks(string(out)), "top-level chunk extensions are masked: %s", out)
	assert.Contains(t, string(out), "x_echo")
}
