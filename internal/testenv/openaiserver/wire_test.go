package openaiserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

// rawSSE posts body and returns the data payloads of the event stream.
func rawSSE(t *testing.T, url, body string) (http.Header, []string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	text := string(b)
	require.True(t, strings.HasSuffix(text, "\n\n"), "events end with a blank line")
	var payloads []string
	for _, ev := range strings.Split(strings.TrimSuffix(text, "\n\n"), "\n\n") {
		payload, ok := strings.CutPrefix(ev, "data: ")
		require.True(t, ok, "event %q is not a data event", ev)
		payloads = append(payloads, payload)
	}
	return resp.Header, payloads
}

func TestChatStreamWireFormat(t *testing.T) {
	srv := openaiserver.New(openaiserver.WithChunker(openaiserver.ChunkWhole()))
	t.Cleanup(srv.Close)
	h, events := rawSSE(t, srv.URL()+"/chat/completions",
		`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, "text/event-stream; charset=utf-8", h.Get("Content-Type"))
	require.Len(t, events, 5) // role, content, finish, usage, [DONE]
	assert.Equal(t, "[DONE]", events[4])

	decode := func(s string) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(s), &m), s)
		return m
	}
	choice := func(m map[string]any) map[string]any { return m["choices"].([]any)[0].(map[string]any) }

	role := decode(events[0])
	assert.Equal(t, "chat.completion.chunk", role["object"])
	assert.Equal(t, "m", role["model"])
	assert.Contains(t, role, "usage")
	assert.Nil(t, role["usage"], "usage is null until the last chunk")
	assert.Equal(t, map[string]any{"role": "assistant", "content": ""}, choice(role)["delta"])
	assert.Contains(t, choice(role), "finish_reason")
	assert.Nil(t, choice(role)["finish_reason"])

	content := decode(events[1])
	assert.Equal(t, map[string]any{"content": "You said: hi"}, choice(content)["delta"])
	assert.Equal(t, role["id"], content["id"], "one id for the whole stream")

	finish := decode(events[2])
	assert.Equal(t, map[string]any{}, choice(finish)["delta"])
	assert.Equal(t, "stop", choice(finish)["finish_reason"])

	usage := decode(events[3])
	assert.Equal(t, []any{}, usage["choices"])
	assert.Equal(t, map[string]any{"prompt_tokens": 1.0, "completion_tokens": 3.0, "total_tokens": 4.0}, usage["usage"])
}

func TestChatStreamWithoutUsageOmitsIt(t *testing.T) {
	srv := openaiserver.New()
	t.Cleanup(srv.Close)
	_, events := rawSSE(t, srv.URL()+"/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	require.Len(t, events, 6) // role, three 4-rune pieces of "You said: hi", finish, [DONE]
	assert.Equal(t, "[DONE]", events[5])
	for _, ev := range events {
		assert.NotContains(t, ev, `"usage"`)
	}
}

func TestChatCompletionWireFormat(t *testing.T) {
	srv := openaiserver.New(openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{
		ToolCalls: []openaiserver.ToolCall{{ID: "call_a", Name: "f", Arguments: "{}"}},
	})))
	t.Cleanup(srv.Close)
	resp, body := post(t, srv.URL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	msg := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	assert.Equal(t, map[string]any{
		"role":    "assistant",
		"content": nil,
		"refusal": nil,
		"tool_calls": []any{map[string]any{
			"id": "call_a", "type": "function",
			"function": map[string]any{"name": "f", "arguments": "{}"},
		}},
	}, msg)
	assert.Equal(t, "tool_calls", m["choices"].([]any)[0].(map[string]any)["finish_reason"])
}
