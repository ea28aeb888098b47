package llm_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
	"github.com/ragguard/ragguard/llm"
)

func TestParallelToolCallsStreamMaskedPerTool(t *testing.T) {
	e := newEnv(t)
	calls := []openaiserver.ToolCall{
		{Name: "lookup", Arguments: `{"email":"alice@example.com"}`},
		{Name: "charge", Arguments: `{"card":"4111 1111 1111 1111","who":"Bob Smith"}`},
	}
	srv := newServer(t, openaiserver.WithChunker(openaiserver.ChunkRunes(3)),
		openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{ToolCalls: calls})))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	req := chatRequest()
	req.Stream = true
	stream, err := cli.CreateChatCompletionStream(analyst(), req)
	require.NoError(t, err)
	defer stream.Close()
	args := map[int]*strings.Builder{}
	names := map[int]string{}
	recvAll(t, stream.Recv, func(chunk openai.ChatCompletionStreamResponse) {
		for _, tc := range chunk.Choices[0].Delta.ToolCalls {
			require.NotNil(t, tc.Index)
			if args[*tc.Index] == nil {
				args[*tc.Index] = &strings.Builder{}
			}
			args[*tc.Index].WriteString(tc.Function.Arguments)
			if tc.Function.Name != "" {
				names[*tc.Index] = tc.Function.Name
			}
		}
	})
	require.Len(t, args, 2)
	assert.Equal(t, masked(calls[0].Arguments), args[0].String())
	assert.Equal(t, masked(calls[1].Arguments), args[1].String())
	assert.Equal(t, map[int]string{0: "lookup", 1: "charge"}, names)
	var decoded map[string]string
	require.NoError(t, json.Unmarshal([]byte(args[1].String()), &decoded), "masked arguments stay valid JSON")
	assert.Equal(t, masked("4111 1111 1111 1111"), decoded["card"])
}

func TestNonStreamedToolCallsAndRefusal(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{
		Refusal:   "I cannot share 078-05-1120.",
		ToolCalls: []openaiserver.ToolCall{{Name: "lookup", Arguments: toolArgs}},
	})))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	resp, err := cli.CreateChatCompletion(analyst(), chatRequest())
	require.NoError(t, err)
	msg := resp.Choices[0].Message
	assert.Equal(t, masked("I cannot share 078-05-1120."), msg.Refusal)
	require.Len(t, msg.ToolCalls, 1)
	assert.Equal(t, masked(toolArgs), msg.ToolCalls[0].Function.Arguments)
	assert.Equal(t, openai.FinishReasonToolCalls, resp.Choices[0].FinishReason)
	assert.Equal(t, "tool_calls", e.rec.only(t).Usage.FinishReason)
}

func TestAnyBaseURLAndDeploymentPath(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	scripted(t, srv)
	hc := llm.NewHTTPClient(&http.Client{}, e.guard)
	// An Azure-style deployment path: governed as chat wherever it points.
	url := strings.TrimSuffix(srv.URL(), "/v1") + "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"
	req, err := http.NewRequestWithContext(analyst(), http.MethodPost, url,
		strings.NewReader(`{"messages":[{"role":"user","content":"I am alice@example.com"}],"x-extension":{"keep":true}}`))
	require.NoError(t, err)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the test server serves /v1 only; the call went out")
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.NotContains(t, string(reqs[0].Body), "alice@example.com")
	assert.Contains(t, string(reqs[0].Body), `"x-extension":{"keep":true}`)
	assert.Equal(t, "api-version=2024-10-21", reqs[0].RawQuery)
	ev := e.rec.only(t)
	assert.Equal(t, "chat", ev.Operation)
	assert.Nil(t, ev.Resources, "no model in the body: no resource")
	assert.Equal(t, "llm: upstream answered 404 Not Found", ev.Error)
}

func TestWithEndpointMasksWholeBodies(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	scripted(t, srv)
	hc := llm.NewHTTPClient(nil, e.guard, llm.WithEndpoint("POST", "/v1/tokenize"))
	req, err := http.NewRequestWithContext(analyst(), http.MethodPost, srv.URL()+"/tokenize",
		strings.NewReader(`{"model":"m","text":"alice@example.com","nested":{"list":["078-05-1120",1]}}`))
	require.NoError(t, err)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Empty(t, leaks(string(body)))
	assertNothingLeft(t, srv)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, masked(`{"model":"m","text":"alice@example.com","nested":{"list":["078-05-1120",1]}}`), string(reqs[0].Body))
	ev := e.rec.only(t)
	assert.Equal(t, "other", ev.Operation)
	assert.Equal(t, []string{"m"}, ev.Resources)
}

func TestNewDoerWrapsAnyDoer(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Answer("ok alice@example.com")))
	scripted(t, srv)
	var seen int
	inner := llm.DoerFunc(func(r *http.Request) (*http.Response, error) {
		seen++
		return http.DefaultClient.Do(r)
	})
	cfg := srv.ClientConfig()
	cfg.HTTPClient = inner
	cli := llm.NewClient(cfg, e.guard)
	resp, err := cli.CreateChatCompletion(analyst(), chatRequest())
	require.NoError(t, err)
	assert.Equal(t, masked("ok alice@example.com"), resp.Choices[0].Message.Content)
	assert.Equal(t, 1, seen, "the caller's Doer sends the governed request")
	assertNothingLeft(t, srv)
}

func TestBareClientIsNotGoverned(t *testing.T) {
	// The contrast the package exists for: the same call through the bare
	// client leaves the process unmasked.
	srv := newServer(t)
	scripted(t, srv)
	bare := openai.NewClientWithConfig(srv.ClientConfig())
	_, err := bare.CreateChatCompletion(analyst(), chatRequest())
	require.NoError(t, err)
	assert.True(t, srv.ReceivedContains("alice@example.com"))
}

func TestObserveModeRecordsButDoesNotEnforce(t *testing.T) {
	p, err := ragguard.ParsePolicy([]byte(`
mode: observe
default_mask: pii
rules:
  - name: deny-all
    kinds: [llm]
    effect: deny
`), "yaml")
	require.NoError(t, err)
	rec := &recorder{}
	g, err := ragguard.New(ragguard.WithPolicy(p), ragguard.WithAuditor(rec), ragguard.WithMasker(ragguard.MaskEngine(testEngine())))
	require.NoError(t, err)
	srv := newServer(t)
	cli := llm.NewClient(srv.ClientConfig(), g)
	_, err = cli.CreateChatCompletion(analyst(), chatRequest())
	require.NoError(t, err, "observe mode lets the call through")
	assertNothingLeft(t, srv)
	ev := rec.only(t)
	assert.True(t, ev.Decision.Observed)
	assert.Equal(t, ragguard.Deny, ev.Decision.Effect)
}

func TestEveryRequestTextIsMasked(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	hc := llm.NewHTTPClient(nil, e.guard)
	body := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],` +
		`"prediction":{"type":"content","content":"Dear alice@example.com"},"stop":["078-05-1120"],` +
		`"web_search_options":{"user_location":{"approximate":{"city":"Bob Smith"}}},` +
		`"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"enum":["keep alice@example.com"]}}}}`
	req, err := http.NewRequestWithContext(analyst(), http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(body))
	require.NoError(t, err)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	var sent map[string]any
	require.NoError(t, reqs[0].DecodeJSON(&sent))
	assert.Equal(t, map[string]any{"type": "content", "content": masked("Dear alice@example.com")}, sent["prediction"])
	assert.Equal(t, []any{masked("078-05-1120")}, sent["stop"])
	assert.NotContains(t, string(reqs[0].Body), "Zoë")
	assert.Contains(t, string(reqs[0].Body), `"enum":["keep alice@example.com"]`, "schemas are code and pass unchanged")
	locs := map[string]bool{}
	for _, f := range e.rec.only(t).Masking {
		locs[f.Location] = true
	}
	assert.True(t, locs["input:prediction.content"] && locs["input:stop[0]"] && locs["input:web_search_options.user_location.approximate.city"], "%v", locs)
}

func TestConcurrentCallsShareOneClient(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Answer(answer)), openaiserver.WithChunker(openaiserver.ChunkRunes(5)))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			req := chatRequest()
			if i%2 == 0 {
				resp, err := cli.CreateChatCompletion(analyst(), req)
				if err == nil && resp.Choices[0].Message.Content != masked(answer) {
					err = errors.New("unexpected answer " + resp.Choices[0].Message.Content)
				}
				errs <- err
				return
			}
			req.Stream = true
			stream, err := cli.CreateChatCompletionStream(analyst(), req)
			if err != nil {
				errs <- err
				return
			}
			defer stream.Close()
			var got strings.Builder
			for {
				chunk, err := stream.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					errs <- err
					return
				}
				got.WriteString(chunk.Choices[0].Delta.Content)
			}
			if got.String() != masked(answer) {
				err = errors.New("unexpected stream " + got.String())
			}
			errs <- err
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	assert.Len(t, e.rec.all(), n)
	assertNothingLeft(t, srv)
}

func TestDuplicateAndCaseVariantMembersCannotSmuggleText(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	hc := llm.NewHTTPClient(nil, e.guard)
	post := func(body string) error {
		req, err := http.NewRequestWithContext(analyst(), http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(body))
		require.NoError(t, err)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	// A parser that keeps the first of two members would read the email;
	// the transport sends one member only.
	require.NoError(t, post(`{"model":"m","messages":[{"role":"user","content":"alice@example.com","content":"hi"}]}`))
	// Go decoders match names case-insensitively: both are texts to mask.
	require.ErrorIs(t, post(`{"model":"m","messages":[{"role":"user","content":"hi","Content":"alice@example.com"}]}`), ragguard.ErrInvalidCall)
	require.NoError(t, post(`{"model":"m","messages":[{"role":"user","CONTENT":"SSN 078-05-1120"}]}`))
	assertNothingLeft(t, srv)
	assert.Len(t, srv.Requests(), 2)
}
