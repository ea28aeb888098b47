package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
	"github.com/ragguard/ragguard/llm"
)

// answer is what the scripted model says: every seeded value, one of them
// twice, next to words, punctuation and multi-byte runes.
const answer = "Write to alice@example.com about card 4111 1111 1111 1111 (SSN 078-05-1120); " +
	"Bob Smith (Zoë Ångström's colleague) agreed. Again: alice@example.com."

const toolArgs = `{"email":"alice@example.com","ssn":"078-05-1120","name":"Bob Smith"}`

// masked is what every caller without restore must see instead of s.

func newServer(t testing.TB, opts ...openaiserver.Option) *openaiserver.Server {
	t.Helper()
	srv := openaiserver.New(append([]openaiserver.Option{openaiserver.UpstreamFromEnv()}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

func scripted(t testing.TB, srv *openaiserver.Server) {
	t.Helper()
	if srv.Upstream() {
		t.Skip("needs the scripted server's answers")
	}
}

// assertNothingLeft checks that no seeded value reached the server.
func assertNothingLeft(t *testing.T, srv *openaiserver.Server) {
	t.Helper()
	for _, s := range seeded {
		assert.False(t, srv.ReceivedContains(s.value), "the server received %q unmasked", s.value)
	}
}

func chatRequest() openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "The customer is Bob Smith, SSN 078-05-1120."},
			{Role: openai.ChatMessageRoleUser, MultiContent: []openai.ChatMessagePart{
				{Type: openai.ChatMessagePartTypeText, Text: "My e-mail is alice@example.com."},
				{Type: openai.ChatMessagePartTypeText, Text: "Please summarise."},
			}},
			{Role: openai.ChatMessageRoleAssistant, ToolCalls: []openai.ToolCall{{
				ID: "call_1", Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: "lookup", Arguments: `{"email":"alice@example.com"}`},
			}}},
			{Role: openai.ChatMessageRoleTool, ToolCallID: "call_1", Content: "record of alice@example.com: SSN 078-05-1120"},
			{Role: openai.ChatMessageRoleUser, Content: "Thanks. Reply to alice@example.com."},
		},
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: "lookup", Description: "Looks up a customer such as alice@example.com",
			Parameters: json.RawMessage(`{"type":"object","properties":{"email":{"type":"string"}}}`),
		}}},
		User:               "alice@example.com",
		Metadata:           map[string]string{"ticket": "about 078-05-1120"},
		MaxTokens:          300,
		ChatTemplateKwargs: map[string]any{"enable_thinking": false},
	}
}

func TestChatMasksPromptAndAnswer(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Answer(answer)))
	cli := llm.NewClient(srv.ClientConfig(), e.guard)

	resp, err := cli.CreateChatCompletion(analyst(), chatRequest())
	require.NoError(t, err)

	assertNothingLeft(t, srv)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	var sent map[string]any
	require.NoError(t, reqs[0].DecodeJSON(&sent))
	body := string(reqs[0].Body)
	assert.Contains(t, body, masked("alice@example.com"), "pseudonyms keep the prompt useful")
	assert.Contains(t, body, "Please summarise.")
	assert.Equal(t, map[string]any{"enable_thinking": false}, sent["chat_template_kwargs"], "unknown fields pass unchanged")
	assert.EqualValues(t, 300, sent["max_tokens"])
	assert.Equal(t, masked("alice@example.com"), sent["user"])

	if !srv.Upstream() {
		require.Len(t, resp.Choices, 1)
		assert.Equal(t, masked(answer), resp.Choices[0].Message.Content)
		assert.Empty(t, leaks(resp.Choices[0].Message.Content))
	}

	ev := e.rec.only(t)
	assert.Equal(t, ragguard.CodeOK, ev.Code)
	assert.Equal(t, "chat", ev.Operation)
	assert.Equal(t, []string{"gpt-4o-mini"}, ev.Resources)
	assert.Equal(t, "analysts", ev.Decision.Rule)
	assert.Equal(t, "stop", ev.Usage.FinishReason)
	assert.Positive(t, ev.Usage.InputTokens)
	assert.Positive(t, ev.Usage.OutputTokens)
	assert.Positive(t, ev.Latency)
	assert.Equal(t, false, ev.Attributes["stream"])
	assert.Equal(t, 5, ev.Attributes["messages"])
	assert.EqualValues(t, 300, ev.Attributes["max_tokens"])
	assert.Equal(t, reqs[0].Body, ev.Request, "the session record holds exactly what was sent")
	assert.Empty(t, leaks(string(ev.Response)))
	locs := map[string]bool{}
	for _, f := range ev.Masking {
		locs[f.Location] = true
	}
	want := []string{
		"input:messages[0].content", "input:messages[1].content[0].text",
		"input:messages[2].tool_calls[0].function.arguments", "input:messages[3].content",
		"input:tools[0].function.description", "input:user", "input:metadata.ticket",
	}
	if !srv.Upstream() {
		assert.Contains(t, string(ev.Response), masked("4111 1111 1111 1111"))
		want = append(want, "result:choices[0].message.content")
	}
	for _, loc := range want {
		assert.True(t, locs[loc], "masking summary names %s", loc)
	}
}

func TestChatStreamNeverDeliversAValueUnmasked(t *testing.T) {
	e := newEnv(t)
	var seed atomic.Uint64
	chunker := openaiserver.ChunkerFunc(func(text string) []string {
		return openaiserver.ChunkRandom(seed.Load(), 1+int(seed.Load()%9)).Chunk(text)
	})
	srv := newServer(t, openaiserver.WithChunker(chunker), openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{
		Content:   answer,
		ToolCalls: []openaiserver.ToolCall{{Name: "lookup", Arguments: toolArgs}},
	})))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	req := chatRequest()
	req.Stream = true
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}

	runs := 1000
	if testing.Short() {
		runs = 100
	}
	wantContent, wantArgs := masked(answer), masked(toolArgs)
	for i := range runs {
		seed.Store(uint64(i))
		stream, err := cli.CreateChatCompletionStream(analyst(), req)
		require.NoError(t, err)
		var content, args strings.Builder
		var finish openai.FinishReason
		var usage *openai.Usage
		recvAll(t, stream.Recv, func(chunk openai.ChatCompletionStreamResponse) {
			if chunk.Usage != nil {
				usage = chunk.Usage
			}
			for _, c := range chunk.Choices {
				require.Empty(t, leaks(c.Delta.Content), "seed %d: a chunk carried a value", i)
				content.WriteString(c.Delta.Content)
				for _, tc := range c.Delta.ToolCalls {
					require.Empty(t, leaks(tc.Function.Arguments), "seed %d", i)
					args.WriteString(tc.Function.Arguments)
				}
				if c.FinishReason != "" {
					finish = c.FinishReason
				}
			}
		}, "seed %d", i)
		require.NoError(t, stream.Close())
		require.Equal(t, wantContent, content.String(), "seed %d: the masked stream equals the masked whole answer", i)
		require.Equal(t, wantArgs, args.String(), "seed %d", i)
		require.Equal(t, openai.FinishReasonToolCalls, finish)
		require.NotNil(t, usage, "seed %d: the usage chunk passes", i)
	}
	assertNothingLeft(t, srv)
	evs := e.rec.all()
	require.Len(t, evs, runs, "one audit event per stream")
	for _, ev := range evs {
		require.Equal(t, ragguard.CodeOK, ev.Code)
		require.Equal(t, "tool_calls", ev.Usage.FinishReason)
		require.Positive(t, ev.Usage.OutputTokens)
		require.Empty(t, leaks(string(ev.Response)))
		require.Equal(t, true, ev.Attributes["stream"])
	}
	assert.Contains(t, string(evs[0].Response), "data: [DONE]", "the session record holds the masked stream")
}

func TestChatStreamSplitInsideEveryValue(t *testing.T) {
	e := newEnv(t)
	values := make([]string, len(seeded))
	for i, s := range seeded {
		values[i] = s.value
	}
	srv := newServer(t, openaiserver.WithChunker(openaiserver.SplitInside(values...)),
		openaiserver.WithChatResponder(openaiserver.Answer(answer)))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	req := chatRequest()
	req.Stream = true
	stream, err := cli.CreateChatCompletionStream(analyst(), req)
	require.NoError(t, err)
	defer stream.Close()
	var got strings.Builder
	chunks := 0
	recvAll(t, stream.Recv, func(chunk openai.ChatCompletionStreamResponse) {
		chunks++
		got.WriteString(chunk.Choices[0].Delta.Content)
	})
	assert.Equal(t, masked(answer), got.String())
	assert.Greater(t, chunks, len(seeded)+2, "every value arrived in two chunks")
}

func TestRestoreForPermittedPrincipals(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Answer(answer)))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	ctx := as("rita", "restorer")

	resp, err := cli.CreateChatCompletion(ctx, chatRequest())
	require.NoError(t, err)
	assert.Equal(t, answer, resp.Choices[0].Message.Content, "tokens are restored for this caller")
	assertNothingLeft(t, srv)
	ev := e.rec.only(t)
	assert.Equal(t, 5, ev.Restored, "every restore is audited")
	assert.Empty(t, leaks(string(ev.Response)), "the session record keeps the masked answer")

	e.rec.reset()
	req := chatRequest()
	req.Stream = true
	stream, err := cli.CreateChatCompletionStream(ctx, req)
	require.NoError(t, err)
	var got strings.Builder
	recvAll(t, stream.Recv, func(chunk openai.ChatCompletionStreamResponse) {
		got.WriteString(chunk.Choices[0].Delta.Content)
	})
	require.NoError(t, stream.Close())
	assert.Equal(t, answer, got.String())
	ev = e.rec.only(t)
	assert.Equal(t, 5, ev.Restored)
	assert.Empty(t, leaks(string(ev.Response)))
}

func TestDeniedAndUnauthenticatedCallsSendNothing(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)

	req := chatRequest()
	req.Model = "blocked-model"
	_, err := cli.CreateChatCompletion(analyst(), req)
	require.Error(t, err)
	assert.ErrorIs(t, err, ragguard.ErrPermissionDenied, "go-openai keeps the error chain: %v", err)
	assert.Equal(t, ragguard.CodePermissionDenied, ragguard.CodeOf(err))

	req.Stream = true
	_, err = cli.CreateChatCompletionStream(analyst(), req)
	assert.ErrorIs(t, err, ragguard.ErrPermissionDenied)

	_, err = cli.CreateChatCompletion(context.Background(), chatRequest())
	assert.ErrorIs(t, err, ragguard.ErrUnauthenticated)

	_, err = cli.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Input: []string{"x"}, Model: openai.SmallEmbedding3})
	assert.ErrorIs(t, err, ragguard.ErrUnauthenticated)

	assert.Empty(t, srv.Requests(), "nothing reached the server")
	evs := e.rec.all()
	require.Len(t, evs, 4)
	assert.Equal(t, ragguard.CodePermissionDenied, evs[0].Code)
	assert.Equal(t, "no-frontier", evs[0].Decision.Rule)
	assert.Equal(t, ragguard.CodeUnauthenticated, evs[2].Code)
}

func TestHeldCallWaitsForApproval(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	req := chatRequest()
	req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: "Charge 4111 1111 1111 1111."})

	decide := func(verdict approval.Verdict) <-chan approval.Request {
		seen := make(chan approval.Request, 1)
		go func() {
			for {
				pending := e.queue.Pending(context.Background())
				if len(pending) == 0 {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				assert.Empty(t, srv.Requests(), "nothing leaves while the call is held")
				seen <- pending[0]
				_, err := e.queue.Decide(context.Background(), pending[0].ID,
					approval.Party{Subject: "bob", Issuer: "https://idp.test", Roles: []string{"approver"}}, verdict, "checked")
				assert.NoError(t, err)
				return
			}
		}()
		return seen
	}

	seen := decide(approval.Approved)
	_, err := cli.CreateChatCompletion(analyst(), req)
	require.NoError(t, err)
	held := <-seen
	assert.Empty(t, leaks(held.Summary), "the approver reads the masked call")
	assert.Contains(t, held.Summary, masked("4111 1111 1111 1111"))
	assert.Equal(t, "hold-cards", held.Rule)
	assert.Equal(t, 1, srv.Count(openaiserver.PathChat))
	assertNothingLeft(t, srv)
	ev := e.rec.only(t)
	require.NotNil(t, ev.Approval)
	require.NotNil(t, ev.Approval.Decision)
	assert.Equal(t, ragguard.CodeOK, ev.Code)

	srv.Reset()
	e.rec.reset()
	seen = decide(approval.Denied)
	_, err = cli.CreateChatCompletion(analyst(), req)
	<-seen
	assert.ErrorIs(t, err, ragguard.ErrApprovalDenied)
	assert.Empty(t, srv.Requests(), "a refused call sends nothing")
	assert.Equal(t, ragguard.CodeApprovalDenied, e.rec.only(t).Code)
}

func TestUpstreamErrorsArriveAsAPIError(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	cases := []openaiserver.ErrorReply{
		openaiserver.BadRequest("Invalid value for user: alice@example.com"),
		openaiserver.Unauthorized(),
		openaiserver.RateLimited(2 * time.Second),
		openaiserver.ServerError(),
	}
	for _, stream := range []bool{false, true} {
		for _, reply := range cases {
			e.rec.reset()
			srv.FailNext(1, reply)
			req := chatRequest()
			var err error
			if stream {
				req.Stream = true
				_, err = cli.CreateChatCompletionStream(analyst(), req)
			} else {
				_, err = cli.CreateChatCompletion(analyst(), req)
			}
			var apiErr *openai.APIError
			require.ErrorAs(t, err, &apiErr, "stream=%v %d", stream, reply.Status)
			assert.Equal(t, reply.Status, apiErr.HTTPStatusCode)
			assert.Empty(t, leaks(apiErr.Message), "error bodies are masked too")
			ev := e.rec.only(t)
			assert.Equal(t, ragguard.CodeUnknown, ev.Code)
			assert.Contains(t, ev.Error, "upstream answered "+strconv.Itoa(reply.Status))
			assert.Empty(t, leaks(string(ev.Response)))
			assert.NotEmpty(t, ev.Response)
		}
	}
	assert.Contains(t, masked("alice@example.com"), "<EMAIL_")
}

func TestStreamErrorEventMidStream(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{
		Content:     "Partial answer about alice@example.com",
		StreamError: &openaiserver.ErrorReply{Message: "overloaded while writing to alice@example.com", Type: "server_error"},
	})))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	req := chatRequest()
	req.Stream = true
	stream, err := cli.CreateChatCompletionStream(analyst(), req)
	require.NoError(t, err)
	defer stream.Close()
	var content strings.Builder
	for {
		chunk, err := stream.Recv()
		if err != nil {
			var apiErr *openai.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Empty(t, leaks(apiErr.Message))
			assert.Contains(t, apiErr.Message, masked("alice@example.com"))
			break
		}
		for _, c := range chunk.Choices {
			content.WriteString(c.Delta.Content)
		}
	}
	assert.Equal(t, masked("Partial answer about alice@example.com"), content.String(), "held-back text is released before the error")
	ev := e.rec.only(t)
	assert.Contains(t, ev.Error, "upstream failed mid-stream")
	assert.Empty(t, leaks(ev.Error))
}

func TestCancelMidStreamWritesOneEvent(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithStallAfter(3), openaiserver.WithChunker(openaiserver.ChunkRunes(3)),
		openaiserver.WithChatResponder(openaiserver.Answer(answer)))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	ctx, cancel := context.WithCancel(analyst())
	req := chatRequest()
	req.Stream = true
	stream, err := cli.CreateChatCompletionStream(ctx, req)
	require.NoError(t, err)
	for range 3 {
		_, err := stream.Recv()
		require.NoError(t, err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := stream.Recv() // blocks: the server stalls
		got <- err
	}()
	cancel()
	select {
	case err := <-got:
		require.Error(t, err)
		assert.NotErrorIs(t, err, io.EOF, "a cancelled stream does not look complete")
	case <-time.After(10 * time.Second):
		t.Fatal("Recv did not return after cancel")
	}
	require.Eventually(t, func() bool { return len(e.rec.all()) > 0 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, stream.Close())
	_, err = stream.Recv()
	assert.Error(t, err)
	ev := e.rec.only(t)
	assert.Equal(t, ragguard.CodeCanceled, ev.Code)
	assert.Empty(t, leaks(string(ev.Response)))
}

func TestAbandonedStreamWritesOneEvent(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Answer(answer)), openaiserver.WithChunker(openaiserver.ChunkRunes(2)))
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	req := chatRequest()
	req.Stream = true

	stream, err := cli.CreateChatCompletionStream(analyst(), req)
	require.NoError(t, err)
	_, err = stream.Recv()
	require.NoError(t, err)
	require.NoError(t, stream.Close())
	require.NoError(t, stream.Close(), "closing twice is harmless")
	ev := e.rec.only(t)
	assert.Equal(t, ragguard.CodeCanceled, ev.Code)
	assert.Contains(t, ev.Error, "closed before its end")

	e.rec.reset()
	stream, err = cli.CreateChatCompletionStream(analyst(), req)
	require.NoError(t, err)
	require.NoError(t, stream.Close(), "closed before any Recv")
	assert.Equal(t, ragguard.CodeCanceled, e.rec.only(t).Code)
}

func TestAuditUnavailableWithholdsTheResult(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Answer(answer)))
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	e.rec.fail = errors.New("disk full")

	resp, err := cli.CreateChatCompletion(analyst(), chatRequest())
	require.ErrorIs(t, err, ragguard.ErrAuditUnavailable)
	assert.Empty(t, resp.Choices, "no result without a durable audit event")

	req := chatRequest()
	req.Stream = true
	stream, err := cli.CreateChatCompletionStream(analyst(), req)
	require.NoError(t, err, "a stream's event is written when it ends")
	defer stream.Close()
	for {
		_, err = stream.Recv()
		if err != nil {
			break
		}
	}
	assert.ErrorIs(t, err, ragguard.ErrAuditUnavailable, "the stream fails instead of ending cleanly")
}

func TestCompletions(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithCompletionResponder(openaiserver.CompletionResponderFunc(
		func(prompt string, _ openai.CompletionRequest) openaiserver.Reply {
			return openaiserver.Reply{Content: answer}
		})),
		openaiserver.WithChunker(openaiserver.ChunkRunes(2)))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	req := openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: []string{"Mail alice@example.com", "SSN 078-05-1120"}, MaxTokens: 50}

	resp, err := cli.CreateCompletion(analyst(), req)
	require.NoError(t, err)
	require.Len(t, resp.Choices, 2)
	for _, c := range resp.Choices {
		assert.Equal(t, masked(answer), c.Text)
	}
	assertNothingLeft(t, srv)
	ev := e.rec.only(t)
	assert.Equal(t, "completion", ev.Operation)

	e.rec.reset()
	req.Prompt = "Mail alice@example.com"
	stream, err := cli.CreateCompletionStream(analyst(), req)
	require.NoError(t, err)
	var got strings.Builder
	recvAll(t, stream.Recv, func(chunk openai.CompletionResponse) {
		for _, c := range chunk.Choices {
			require.Empty(t, leaks(c.Text))
			got.WriteString(c.Text)
		}
	})
	require.NoError(t, stream.Close())
	assert.Equal(t, masked(answer), got.String())
	assertNothingLeft(t, srv)
	assert.Equal(t, ragguard.CodeOK, e.rec.only(t).Code)
}

func TestEmbeddingsAndModerations(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)

	inputs := []string{"Customer alice@example.com", "no PII here"}
	resp, err := cli.CreateEmbeddings(analyst(), openai.EmbeddingRequestStrings{Input: inputs, Model: openai.SmallEmbedding3})
	require.NoError(t, err)
	require.Len(t, resp.Data, 2)
	if !srv.Upstream() {
		assert.Equal(t, openaiserver.Vector(masked(inputs[0]), len(resp.Data[0].Embedding)), resp.Data[0].Embedding,
			"the vector is the masked text's")
		assert.Equal(t, openaiserver.Vector(inputs[1], len(resp.Data[1].Embedding)), resp.Data[1].Embedding)
	}
	ev := e.rec.only(t)
	assert.Equal(t, "embeddings", ev.Operation)
	assert.Positive(t, ev.Usage.InputTokens)

	e.rec.reset()
	_, err = cli.CreateEmbeddings(analyst(), openai.EmbeddingRequest{Input: "SSN 078-05-1120", Model: openai.SmallEmbedding3})
	require.NoError(t, err)

	_, err = cli.Moderations(analyst(), openai.ModerationRequest{Input: "I am Bob Smith", Model: openai.ModerationOmniLatest})
	require.NoError(t, err)
	assertNothingLeft(t, srv)
	evs := e.rec.all()
	require.Len(t, evs, 2)
	assert.Equal(t, "moderation", evs[1].Operation)
}

func TestResponsesAPI(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Answer(answer)))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	resp, err := cli.OpenAI().CreateResponse(analyst(), openai.CreateResponseRequest{
		Model:        "gpt-4o-mini",
		Instructions: "Help Bob Smith.",
		Input:        "My SSN is 078-05-1120.",
	})
	require.NoError(t, err)
	assert.Equal(t, masked(answer), resp.GetOutputText())
	assertNothingLeft(t, srv)
	ev := e.rec.only(t)
	assert.Equal(t, "responses", ev.Operation)
}

func TestUnknownEndpointsAreRefused(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	_, err := cli.OpenAI().ListModels(analyst())
	require.ErrorIs(t, err, ragguard.ErrPermissionDenied)
	assert.Contains(t, err.Error(), "GET /v1/models")
	assert.Empty(t, srv.Requests())
	ev := e.rec.only(t)
	assert.Equal(t, "other", ev.Operation)
	assert.Equal(t, ragguard.CodePermissionDenied, ev.Code)

	e.rec.reset()
	cli = llm.NewClient(srv.ClientConfig(), e.guard, llm.WithEndpoint("GET", "/models"))
	_, err = cli.OpenAI().ListModels(analyst())
	if !srv.Upstream() {
		var apiErr *openai.APIError
		require.ErrorAs(t, err, &apiErr, "allowed: forwarded, and the server has no such endpoint")
		assert.Equal(t, 404, apiErr.HTTPStatusCode)
	}
	assert.Equal(t, 1, srv.Count("/v1/models"))
	assert.Equal(t, "other", e.rec.only(t).Operation)
}
