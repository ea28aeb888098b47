package openaiserver_test

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

const completionModel = "gpt-3.5-turbo-instruct"

func TestCompletions(t *testing.T) {
	_, client := newClient(t, openaiserver.WithChunker(openaiserver.ChunkRunes(3)))
	ctx := context.Background()

	t.Run("plain", func(t *testing.T) {
		resp, err := client.CreateCompletion(ctx, openai.CompletionRequest{Model: completionModel, Prompt: "complete me"})
		require.NoError(t, err)
		require.Len(t, resp.Choices, 1)
		assert.Equal(t, "You said: complete me", resp.Choices[0].Text)
		assert.Equal(t, "stop", resp.Choices[0].FinishReason)
		assert.Equal(t, "text_completion", resp.Object)
		require.NotNil(t, resp.Usage)
		assert.Equal(t, 2, resp.Usage.PromptTokens)
		assert.Equal(t, 4, resp.Usage.CompletionTokens)
	})

	t.Run("several prompts", func(t *testing.T) {
		resp, err := client.CreateCompletion(ctx, openai.CompletionRequest{Model: completionModel, Prompt: []string{"one", "two"}})
		require.NoError(t, err)
		require.Len(t, resp.Choices, 2)
		assert.Equal(t, "You said: one", resp.Choices[0].Text)
		assert.Equal(t, 1, resp.Choices[1].Index)
		assert.Equal(t, "You said: two", resp.Choices[1].Text)
	})

	t.Run("streamed", func(t *testing.T) {
		stream, err := client.CreateCompletionStream(ctx, openai.CompletionRequest{
			Model: completionModel, Prompt: "stream me",
			StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		})
		require.NoError(t, err)
		defer stream.Close()
		var text strings.Builder
		var deltas int
		var finish string
		var usage *openai.Usage
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			if chunk.Usage != nil {
				usage = chunk.Usage
			}
			for _, c := range chunk.Choices {
				if c.Text != "" {
					deltas++
					text.WriteString(c.Text)
				}
				if c.FinishReason != "" {
					finish = c.FinishReason
				}
			}
		}
		assert.Equal(t, "You said: stream me", text.String())
		assert.Equal(t, 7, deltas) // 19 runes in pieces of 3
		assert.Equal(t, "stop", finish)
		require.NotNil(t, usage)
		assert.Equal(t, 6, usage.TotalTokens)
	})

	t.Run("custom responder", func(t *testing.T) {
		_, client := newClient(t, openaiserver.WithCompletionResponder(openaiserver.CompletionResponderFunc(
			func(prompt string, _ openai.CompletionRequest) openaiserver.Reply {
				return openaiserver.Reply{Content: strings.Repeat(prompt, 2), FinishReason: openai.FinishReasonLength}
			})))
		resp, err := client.CreateCompletion(ctx, openai.CompletionRequest{Model: completionModel, Prompt: "ab"})
		require.NoError(t, err)
		assert.Equal(t, "abab", resp.Choices[0].Text)
		assert.Equal(t, "length", resp.Choices[0].FinishReason)
	})
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestEmbeddingsAreDeterministic(t *testing.T) {
	_, client := newClient(t, openaiserver.WithEmbeddingDimension(32))
	ctx := context.Background()
	embed := func(req openai.EmbeddingRequestConverter) openai.EmbeddingResponse {
		t.Helper()
		resp, err := client.CreateEmbeddings(ctx, req)
		require.NoError(t, err)
		return resp
	}

	a := embed(openai.EmbeddingRequestStrings{Model: openai.SmallEmbedding3, Input: []string{"alpha", "beta", "alpha"}})
	require.Len(t, a.Data, 3)
	assert.Equal(t, "list", a.Object)
	assert.Len(t, a.Data[0].Embedding, 32)
	assert.Equal(t, a.Data[0].Embedding, a.Data[2].Embedding, "same input, same vector")
	assert.NotEqual(t, a.Data[0].Embedding, a.Data[1].Embedding, "different inputs differ")
	assert.Equal(t, openaiserver.Vector("alpha", 32), a.Data[0].Embedding)
	assert.InDelta(t, 1.0, norm(a.Data[1].Embedding), 1e-5)
	for i, d := range a.Data {
		assert.Equal(t, i, d.Index)
	}
	assert.Equal(t, 3, a.Usage.PromptTokens)

	again := embed(openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "beta"})
	assert.Equal(t, a.Data[1].Embedding, again.Data[0].Embedding, "same vector across requests")

	b64 := embed(openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "beta", EncodingFormat: openai.EmbeddingEncodingFormatBase64})
	assert.Equal(t, a.Data[1].Embedding, b64.Data[0].Embedding, "base64 decodes to the float vector")

	dims := embed(openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "beta", Dimensions: 5})
	assert.Len(t, dims.Data[0].Embedding, 5)
	assert.Equal(t, openaiserver.Vector("beta", 5), dims.Data[0].Embedding)

	tokens := embed(openai.EmbeddingRequestTokens{Model: openai.SmallEmbedding3, Input: [][]int{{1, 2, 3}, {4}}})
	require.Len(t, tokens.Data, 2)
	assert.Equal(t, openaiserver.Vector(openaiserver.TokensText([]int{1, 2, 3}), 32), tokens.Data[0].Embedding)
	assert.Equal(t, 4, tokens.Usage.PromptTokens)
}

func TestEmbeddingsRejectBadInput(t *testing.T) {
	_, client := newClient(t)
	for name, req := range map[string]openai.EmbeddingRequest{
		"empty string":    {Model: openai.SmallEmbedding3, Input: ""},
		"no input":        {Model: openai.SmallEmbedding3},
		"empty in array":  {Model: openai.SmallEmbedding3, Input: []string{"a", ""}},
		"number":          {Model: openai.SmallEmbedding3, Input: 3},
		"bad format":      {Model: openai.SmallEmbedding3, Input: "a", EncodingFormat: "int8"},
		"no model":        {Input: "a"},
		"negative length": {Model: openai.SmallEmbedding3, Input: "a", Dimensions: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client.CreateEmbeddings(context.Background(), req)
			var apiErr *openai.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 400, apiErr.HTTPStatusCode)
			assert.Equal(t, "invalid_request_error", apiErr.Type)
			require.NotNil(t, apiErr.Param)
		})
	}
}

func TestModerations(t *testing.T) {
	_, client := newClient(t, openaiserver.WithModerator(openaiserver.ModeratorFunc(func(input string) []string {
		if strings.Contains(input, "threat") {
			return []string{"harassment", "violence"}
		}
		return nil
	})))
	resp, err := client.Moderations(context.Background(), openai.ModerationRequest{Input: "a threat", Model: openai.ModerationOmniLatest})
	require.NoError(t, err)
	require.Len(t, resp.Results, 1)
	assert.True(t, resp.Results[0].Flagged)
	assert.True(t, resp.Results[0].Categories.Harassment)
	assert.True(t, resp.Results[0].Categories.Violence)
	assert.False(t, resp.Results[0].Categories.Hate)
	assert.Greater(t, resp.Results[0].CategoryScores.Violence, float32(0.5))
	assert.Equal(t, openai.ModerationOmniLatest, resp.Model)

	resp, err = client.Moderations(context.Background(), openai.ModerationRequest{Input: "a kind word"})
	require.NoError(t, err)
	assert.False(t, resp.Results[0].Flagged)
	assert.Equal(t, "omni-moderation-latest", resp.Model)
}

func TestResponses(t *testing.T) {
	srv, client := newClient(t)
	ctx := context.Background()

	resp, err := client.CreateResponse(ctx, openai.CreateResponseRequest{Model: model, Input: "plain text input", Instructions: "be nice"})
	require.NoError(t, err)
	assert.Equal(t, "You said: plain text input", resp.GetOutputText())
	assert.Equal(t, "response", resp.Object)
	assert.Equal(t, openai.ResponseStatusCompleted, resp.Status)
	require.NotNil(t, resp.Usage)
	assert.Equal(t, 5, resp.Usage.InputTokens) // "be nice" + "plain text input"
	assert.Equal(t, 5, resp.Usage.OutputTokens)

	resp, err = client.CreateResponse(ctx, openai.CreateResponseRequest{Model: model, Input: []openai.ResponseInputMessage{
		{Role: "user", Content: "earlier"},
		{Role: "user", Content: []openai.ResponseInputText{{Type: "input_text", Text: "latest"}, {Type: "input_text", Text: "words"}}},
	}})
	require.NoError(t, err)
	assert.Equal(t, "You said: latest words", resp.GetOutputText())

	_, err = client.CreateResponse(ctx, openai.CreateResponseRequest{Model: model, Input: 12})
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.HTTPStatusCode)
	assert.Equal(t, 3, srv.Count(openaiserver.PathResponses))
}

func TestResponsesToolCall(t *testing.T) {
	_, client := newClient(t, openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{
		ToolCalls: []openaiserver.ToolCall{{ID: "call_1", Name: "search", Arguments: `{"q":"x"}`}},
	})))
	resp, err := client.CreateResponse(context.Background(), openai.CreateResponseRequest{Model: model, Input: "find x"})
	require.NoError(t, err)
	require.Len(t, resp.Output, 1)
	item, ok := resp.Output[0].(map[string]any)
	require.True(t, ok)
	assert.Equal(t, "function_call", item["type"])
	assert.Equal(t, "call_1", item["call_id"])
	assert.Equal(t, "search", item["name"])
	assert.Equal(t, `{"q":"x"}`, item["arguments"])
}
