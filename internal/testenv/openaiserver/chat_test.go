package openaiserver_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

func TestChatEchoesLastUserMessage(t *testing.T) {
	_, client := newClient(t)
	req := openai.ChatCompletionRequest{
		Model: model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "be brief"},
			{Role: openai.ChatMessageRoleUser, Content: "first question"},
			{Role: openai.ChatMessageRoleAssistant, Content: "first answer"},
			{Role: openai.ChatMessageRoleUser, MultiContent: []openai.ChatMessagePart{
				{Type: openai.ChatMessagePartTypeText, Text: "second"},
				{Type: openai.ChatMessagePartTypeText, Text: "question"},
			}},
		},
	}
	resp, err := client.CreateChatCompletion(context.Background(), req)
	require.NoError(t, err)

	require.Len(t, resp.Choices, 1)
	msg := resp.Choices[0].Message
	assert.Equal(t, openai.ChatMessageRoleAssistant, msg.Role)
	assert.Equal(t, "You said: second question", msg.Content)
	assert.Equal(t, openai.FinishReasonStop, resp.Choices[0].FinishReason)
	assert.Equal(t, "chat.completion", resp.Object)
	assert.Equal(t, model, resp.Model)
	assert.True(t, strings.HasPrefix(resp.ID, "chatcmpl-"), resp.ID)
	assert.Equal(t, 8, resp.Usage.PromptTokens) // be brief / first question / first answer / second question
	assert.Equal(t, 4, resp.Usage.CompletionTokens)
	assert.Equal(t, 12, resp.Usage.TotalTokens)
}

func TestChatResponderSeesRequest(t *testing.T) {
	var mu sync.Mutex
	var seen []openai.ChatCompletionRequest
	_, client := newClient(t, openaiserver.WithChatResponder(openaiserver.ChatResponderFunc(
		func(req openai.ChatCompletionRequest) openaiserver.Reply {
			mu.Lock()
			seen = append(seen, req)
			mu.Unlock()
			return openaiserver.Reply{Content: strings.ToUpper(openaiserver.LastUserText(req)), FinishReason: openai.FinishReasonLength}
		})))
	req := userRequest("shout this")
	req.Temperature = 0.5
	resp, err := client.CreateChatCompletion(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "SHOUT THIS", resp.Choices[0].Message.Content)
	assert.Equal(t, openai.FinishReasonLength, resp.Choices[0].FinishReason)
	require.Len(t, seen, 1)
	assert.InDelta(t, 0.5, seen[0].Temperature, 1e-6)
	assert.False(t, seen[0].Stream)
}

func TestChatStreamReassemblesForEveryChunking(t *testing.T) {
	const answer = "Grüße! Mail alice@example.com or call +1 415 555 0100 — 🙂 ok."
	chunkers := map[string]openaiserver.Chunker{
		"whole":        openaiserver.ChunkWhole(),
		"bytes1":       openaiserver.ChunkBytes(1),
		"bytes2":       openaiserver.ChunkBytes(2),
		"bytes5":       openaiserver.ChunkBytes(5),
		"runes1":       openaiserver.ChunkRunes(1),
		"runes3":       openaiserver.ChunkRunes(3),
		"runes1000":    openaiserver.ChunkRunes(1000),
		"at":           openaiserver.ChunkAt(0, 3, 3, 17, 5, 1000, -4),
		"split-inside": openaiserver.SplitInside("alice@example.com", "+1 415 555 0100"),
		"cuts-every-word-middle": openaiserver.ChunkCuts(func(text string) []int {
			var cuts []int
			off := 0
			for _, w := range strings.SplitAfter(text, " ") {
				cuts = append(cuts, off+len(w)/2)
				off += len(w)
			}
			return cuts
		}),
	}
	for seed := range uint64(20) {
		chunkers[fmt.Sprintf("random%d", seed)] = openaiserver.ChunkRandom(seed, 6)
	}
	for name, ch := range chunkers {
		t.Run(name, func(t *testing.T) {
			_, client := newClient(t,
				openaiserver.WithChatResponder(openaiserver.Answer(answer)),
				openaiserver.WithChunker(ch))
			got := streamChat(t, client, userRequest("hi"))
			assert.Equal(t, answer, got.text())
			assert.Equal(t, openai.FinishReasonStop, got.finish)
			assert.Nil(t, got.usage, "usage without include_usage")
			for _, c := range got.content {
				assert.True(t, utf8.ValidString(c), "delta %q is not valid UTF-8", c)
			}
			// The first chunk carries the role and the last one the finish reason.
			require.NotEmpty(t, got.chunks)
			assert.Equal(t, openai.ChatMessageRoleAssistant, got.chunks[0].Choices[0].Delta.Role)
			assert.Equal(t, "chat.completion.chunk", got.chunks[0].Object)
			last := got.chunks[len(got.chunks)-1]
			assert.Equal(t, openai.FinishReasonStop, last.Choices[0].FinishReason)
		})
	}
}

func TestChatStreamChunkSizes(t *testing.T) {
	const answer = "abcdefghij"
	for _, tc := range []struct {
		chunker openaiserver.Chunker
		want    []string
	}{
		{openaiserver.ChunkBytes(4), []string{"abcd", "efgh", "ij"}},
		{openaiserver.ChunkRunes(5), []string{"abcde", "fghij"}},
		{openaiserver.ChunkAt(7, 2), []string{"ab", "cdefg", "hij"}},
		{openaiserver.SplitInside("cdef"), []string{"abcd", "efghij"}},
		{openaiserver.ChunkWhole(), []string{"abcdefghij"}},
	} {
		_, client := newClient(t,
			openaiserver.WithChatResponder(openaiserver.Answer(answer)),
			openaiserver.WithChunker(tc.chunker))
		assert.Equal(t, tc.want, streamChat(t, client, userRequest("x")).content)
	}
}

func TestChunkBytesKeepsRunesWhole(t *testing.T) {
	// "é" is two bytes: a cut at byte 1 moves past it.
	assert.Equal(t, []string{"é", "é", "é"}, openaiserver.ChunkBytes(1).Chunk("ééé"))
	assert.Equal(t, []string{"aé", "b"}, openaiserver.ChunkAt(2).Chunk("aéb"))
	assert.Equal(t, []string{"🙂", "x"}, openaiserver.ChunkRunes(1).Chunk("🙂x"))
	assert.Equal(t, []string{"abc"}, openaiserver.ChunkAt(0, 3, -1, 99).Chunk("abc"))
}

func TestChunkRandomIsReproducible(t *testing.T) {
	text := strings.Repeat("the quick brown fox ", 10)
	a := openaiserver.ChunkRandom(7, 5).Chunk(text)
	b := openaiserver.ChunkRandom(7, 5).Chunk(text)
	c := openaiserver.ChunkRandom(8, 5).Chunk(text)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	assert.Equal(t, text, strings.Join(a, ""))
	for _, p := range a {
		n := utf8.RuneCountInString(p)
		assert.True(t, n >= 1 && n <= 5, "piece %q has %d runes", p, n)
	}
}

func TestSplitInsideCutsEveryOccurrence(t *testing.T) {
	const secret = "4111111111111111"
	text := "card " + secret + " and again " + secret + "."
	_, client := newClient(t,
		openaiserver.WithChatResponder(openaiserver.Answer(text)),
		openaiserver.WithChunker(openaiserver.SplitInside(secret)))
	got := streamChat(t, client, userRequest("x"))
	assert.Equal(t, text, got.text())
	assert.Len(t, got.content, 3)
	for _, c := range got.content {
		assert.NotContains(t, c, secret)
	}
}

func TestBrokenChunkerIsAServerError(t *testing.T) {
	for name, ch := range map[string]openaiserver.Chunker{
		"drops text": openaiserver.ChunkerFunc(func(text string) []string { return []string{text[1:]} }),
		"half rune":  openaiserver.ChunkerFunc(func(text string) []string { return []string{text[:1], text[1:]} }),
	} {
		t.Run(name, func(t *testing.T) {
			_, client := newClient(t,
				openaiserver.WithChatResponder(openaiserver.Answer("é and more")),
				openaiserver.WithChunker(ch))
			_, err := client.CreateChatCompletionStream(context.Background(), userRequest("x"))
			var apiErr *openai.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 500, apiErr.HTTPStatusCode)
			assert.Contains(t, apiErr.Message, "Chunker")
		})
	}
}

func TestChatStreamUsageChunk(t *testing.T) {
	_, client := newClient(t, openaiserver.WithChunker(openaiserver.ChunkRunes(2)))
	req := userRequest("count these three")
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	got := streamChat(t, client, req)

	assert.Equal(t, "You said: count these three", got.text())
	require.NotNil(t, got.usage)
	assert.Equal(t, 3, got.usage.PromptTokens)
	assert.Equal(t, 5, got.usage.CompletionTokens)
	assert.Equal(t, 8, got.usage.TotalTokens)
	// Only the last chunk has usage, and it has no choices.
	last := got.chunks[len(got.chunks)-1]
	assert.Empty(t, last.Choices)
	require.NotNil(t, last.Usage)
	for _, c := range got.chunks[:len(got.chunks)-1] {
		assert.Nil(t, c.Usage)
		assert.Len(t, c.Choices, 1)
	}
}

func TestReplyUsageOverrides(t *testing.T) {
	usage := openai.Usage{PromptTokens: 100, CompletionTokens: 7, TotalTokens: 107}
	_, client := newClient(t, openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{Content: "x", Usage: &usage})))
	resp, err := client.CreateChatCompletion(context.Background(), userRequest("y"))
	require.NoError(t, err)
	assert.Equal(t, 100, resp.Usage.PromptTokens)
	assert.Equal(t, 107, resp.Usage.TotalTokens)
}

var weatherCalls = []openaiserver.ToolCall{
	{Name: "get_weather", Arguments: `{"city":"Zürich","email":"bob@example.org"}`},
	{ID: "call_fixed", Name: "lookup_user", Arguments: `{"id":42}`},
}

func TestToolCalls(t *testing.T) {
	_, client := newClient(t,
		openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{ToolCalls: weatherCalls})),
		openaiserver.WithChunker(openaiserver.ChunkBytes(3)))

	t.Run("plain", func(t *testing.T) {
		resp, err := client.CreateChatCompletion(context.Background(), userRequest("weather?"))
		require.NoError(t, err)
		choice := resp.Choices[0]
		assert.Equal(t, openai.FinishReasonToolCalls, choice.FinishReason)
		assert.Empty(t, choice.Message.Content)
		require.Len(t, choice.Message.ToolCalls, 2)
		first := choice.Message.ToolCalls[0]
		assert.True(t, strings.HasPrefix(first.ID, "call_"), first.ID)
		assert.Equal(t, openai.ToolTypeFunction, first.Type)
		assert.Equal(t, "get_weather", first.Function.Name)
		assert.Equal(t, weatherCalls[0].Arguments, first.Function.Arguments)
		assert.Equal(t, "call_fixed", choice.Message.ToolCalls[1].ID)
	})

	t.Run("streamed", func(t *testing.T) {
		got := streamChat(t, client, userRequest("weather?"))
		assert.Equal(t, openai.FinishReasonToolCalls, got.finish)
		assert.Empty(t, got.text())
		require.Len(t, got.toolCalls, 2)
		for i, want := range weatherCalls {
			assert.Equal(t, want.Name, got.toolCalls[i].Function.Name)
			assert.Equal(t, want.Arguments, got.toolCalls[i].Function.Arguments)
			assert.NotEmpty(t, got.toolCalls[i].ID)
			assert.Equal(t, openai.ToolTypeFunction, got.toolCalls[i].Type)
		}
		assert.Equal(t, "call_fixed", got.toolCalls[1].ID)
		// Arguments arrive in 3-byte pieces, never whole.
		assert.Greater(t, got.argDeltas, 10)
	})
}

func TestRefusal(t *testing.T) {
	const refusal = "I can't help with that."
	_, client := newClient(t, openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{Refusal: refusal})))

	resp, err := client.CreateChatCompletion(context.Background(), userRequest("bad"))
	require.NoError(t, err)
	assert.Equal(t, refusal, resp.Choices[0].Message.Refusal)
	assert.Empty(t, resp.Choices[0].Message.Content)

	got := streamChat(t, client, userRequest("bad"))
	assert.Equal(t, refusal, got.refusal)
	assert.Empty(t, got.text())
	assert.Equal(t, openai.FinishReasonStop, got.finish)
}

func TestSlowStreamDeliversEverything(t *testing.T) {
	const delay = 5 * time.Millisecond
	_, client := newClient(t,
		openaiserver.WithChunkDelay(delay),
		openaiserver.WithChunker(openaiserver.ChunkRunes(5)))
	start := time.Now()
	got := streamChat(t, client, userRequest("slowly now"))
	assert.Equal(t, "You said: slowly now", got.text())
	// A lower bound only: the server waits at least delay between events, so
	// this cannot fail on a busy machine.
	assert.GreaterOrEqual(t, time.Since(start), time.Duration(len(got.chunks)-1)*delay)
}

func TestConcurrentChats(t *testing.T) {
	srv, client := newClient(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			text := fmt.Sprintf("message %d", i)
			if i%2 == 0 {
				resp, err := client.CreateChatCompletion(context.Background(), userRequest(text))
				if err == nil && resp.Choices[0].Message.Content != "You said: "+text {
					err = fmt.Errorf("got %q", resp.Choices[0].Message.Content)
				}
				errs <- err
				return
			}
			stream, err := client.CreateChatCompletionStream(context.Background(), userRequest(text))
			if err == nil {
				stream.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, n, srv.Count(openaiserver.PathChat))
	assert.Len(t, srv.Requests(), n)
}
