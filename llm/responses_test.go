package llm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
	"github.com/ragguard/ragguard/llm"
)

// responsesStream writes a streamed Responses API answer in the event
// shapes the service documents: a message whose text arrives in the given
// pieces, then a function call whose arguments arrive in argPieces.
func responsesStream(w io.Writer, pieces, argPieces []string) {
	seq := 0
	send := func(v map[string]any) {
		v["sequence_number"] = seq
		seq++
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", v["type"], b)
	}
	text := strings.Join(pieces, "")
	args := strings.Join(argPieces, "")
	msg := func(status, t string) map[string]any {
		return map[string]any{"id": "msg_1", "type": "message", "status": status, "role": "assistant",
			"content": []any{map[string]any{"type": "output_text", "text": t, "annotations": []any{}}}}
	}
	fc := func(status, a string) map[string]any {
		return map[string]any{"id": "fc_1", "type": "function_call", "status": status, "call_id": "call_1", "name": "lookup", "arguments": a}
	}
	resp := func(status string, output []any, usage any) map[string]any {
		return map[string]any{"id": "resp_1", "object": "response", "created_at": 1, "status": status, "model": "gpt-4o-mini",
			"instructions": "Be brief.", "output": output, "usage": usage}
	}
	send(map[string]any{"type": "response.created", "response": resp("in_progress", []any{}, nil)})
	send(map[string]any{"type": "response.output_item.added", "output_index": 0, "item": msg("in_progress", "")})
	send(map[string]any{"type": "response.content_part.added", "item_id": "msg_1", "output_index": 0, "content_index": 0,
		"part": map[string]any{"type": "output_text", "text": "", "annotations": []any{}}})
	for _, p := range pieces {
		send(map[string]any{"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": p, "logprobs": []any{}})
	}
	send(map[string]any{"type": "response.output_text.done", "item_id": "msg_1", "output_index": 0, "content_index": 0, "text": text})
	send(map[string]any{"type": "response.content_part.done", "item_id": "msg_1", "output_index": 0, "content_index": 0,
		"part": map[string]any{"type": "output_text", "text": text, "annotations": []any{}}})
	send(map[string]any{"type": "response.output_item.done", "output_index": 0, "item": msg("completed", text)})
	send(map[string]any{"type": "response.output_item.added", "output_index": 1, "item": fc("in_progress", "")})
	for _, p := range argPieces {
		send(map[string]any{"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 1, "delta": p})
	}
	send(map[string]any{"type": "response.function_call_arguments.done", "item_id": "fc_1", "output_index": 1, "arguments": args})
	send(map[string]any{"type": "response.output_item.done", "output_index": 1, "item": fc("completed", args)})
	send(map[string]any{"type": "response.completed", "response": resp("completed", []any{msg("completed", text), fc("completed", args)},
		map[string]any{"input_tokens": 5, "output_tokens": 9, "total_tokens": 14})})
}

// TestResponsesStreamNeverLeaks drives streamed Responses API answers,
// from a scripted upstream (openaiserver does not stream this API), through
// go-openai's CreateResponseStream.
func TestResponsesStreamNeverLeaks(t *testing.T) {
	e := newEnv(t)
	var seed atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		assert.Empty(t, leaks(string(body)), "the request left masked")
		w.Header().Set("Content-Type", "text/event-stream")
		ch := openaiserver.ChunkRandom(seed.Load(), 1+int(seed.Load()%6))
		responsesStream(w, ch.Chunk(answer), ch.Chunk(toolArgs))
	}))
	defer srv.Close()
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = srv.URL + "/v1"
	cli := llm.NewClient(cfg, e.guard)

	runs := 100
	if testing.Short() {
		runs = 10
	}
	for i := range runs {
		seed.Store(uint64(i))
		e.rec.reset()
		stream, err := cli.OpenAI().CreateResponseStream(analyst(), openai.CreateResponseRequest{
			Model: "gpt-4o-mini", Instructions: "Be brief.", Input: "Who is alice@example.com?",
		})
		require.NoError(t, err)
		var text, args strings.Builder
		var doneText, doneArgs string
		var completed *openai.CreateResponseResponse
		for {
			ev, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "seed %d", i)
			require.Empty(t, leaks(string(ev.Raw)), "seed %d: event %s", i, ev.Type)
			switch ev.Type {
			case openai.ResponseStreamEventOutputTextDelta:
				text.WriteString(ev.Delta)
			case openai.ResponseStreamEventFunctionArgumentsDelta:
				args.WriteString(ev.Delta)
			case openai.ResponseStreamEventOutputTextDone:
				doneText = ev.Text
			case openai.ResponseStreamEventFunctionArgumentsDone:
				doneArgs = ev.Arguments
			case openai.ResponseStreamEventCompleted:
				completed = ev.Response
			}
		}
		require.NoError(t, stream.Close())
		require.Equal(t, masked(answer), text.String(), "seed %d", i)
		require.Equal(t, masked(answer), doneText)
		require.Equal(t, masked(toolArgs), args.String(), "seed %d", i)
		require.Equal(t, masked(toolArgs), doneArgs)
		require.NotNil(t, completed)
		require.Equal(t, masked(answer), completed.GetOutputText())
		ev := e.rec.only(t)
		require.Equal(t, ragguard.CodeOK, ev.Code)
		require.Equal(t, "completed", ev.Usage.FinishReason)
		require.EqualValues(t, 9, ev.Usage.OutputTokens)
		require.Equal(t, "responses", ev.Operation)
	}
}

func TestResponsesStreamFailure(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `data: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"see alice@exa"}`+"\n\n")
		io.WriteString(w, `data: {"type":"error","code":"server_error","message":"failed for alice@example.com","sequence_number":2}`+"\n\n")
	}))
	defer srv.Close()
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = srv.URL + "/v1"
	cli := llm.NewClient(cfg, e.guard)
	stream, err := cli.OpenAI().CreateResponseStream(analyst(), openai.CreateResponseRequest{Model: "m", Input: "hi"})
	require.NoError(t, err)
	defer stream.Close()
	var deltas strings.Builder
	var errMsg string
	for {
		ev, err := stream.Recv()
		if err != nil {
			break
		}
		deltas.WriteString(ev.Delta)
		if ev.Type == openai.ResponseStreamEventError {
			errMsg = ev.Message
		}
	}
	assert.Equal(t, masked("see alice@exa"), deltas.String(), "what was held back is released, masked as the whole text ends")
	assert.Equal(t, masked("failed for alice@example.com"), errMsg)
	ev := e.rec.only(t)
	assert.Contains(t, ev.Error, masked("failed for alice@example.com"))
}
