package openaiserver_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

const model = openai.GPT4oMini

func newClient(t *testing.T, opts ...openaiserver.Option) (*openaiserver.Server, *openai.Client) {
	t.Helper()
	srv := openaiserver.New(opts...)
	t.Cleanup(srv.Close)
	return srv, openai.NewClientWithConfig(srv.ClientConfig())
}

func userRequest(text string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:    model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: text}},
	}
}

// streamed is what a client saw of one chat stream.
type streamed struct {
	chunks    []openai.ChatCompletionStreamResponse
	content   []string // non-empty content deltas in order
	refusal   string
	toolCalls []openai.ToolCall // reassembled by index
	argDeltas int
	finish    openai.FinishReason
	usage     *openai.Usage
}

func (s streamed) text() string { return strings.Join(s.content, "") }

func readChatStream(t *testing.T, stream *openai.ChatCompletionStream) streamed {
	t.Helper()
	defer stream.Close()
	var out streamed
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out.chunks = append(out.chunks, chunk)
		if chunk.Usage != nil {
			out.usage = chunk.Usage
		}
		for _, c := range chunk.Choices {
			if c.Delta.Content != "" {
				out.content = append(out.content, c.Delta.Content)
			}
			out.refusal += c.Delta.Refusal
			if c.FinishReason != "" {
				out.finish = c.FinishReason
			}
			for _, tc := range c.Delta.ToolCalls {
				require.NotNil(t, tc.Index, "streamed tool call delta without index")
				for len(out.toolCalls) <= *tc.Index {
					out.toolCalls = append(out.toolCalls, openai.ToolCall{})
				}
				acc := &out.toolCalls[*tc.Index]
				if tc.ID != "" {
					acc.ID = tc.ID
					acc.Type = tc.Type
				}
				acc.Function.Name += tc.Function.Name
				if tc.Function.Arguments != "" {
					acc.Function.Arguments += tc.Function.Arguments
					out.argDeltas++
				}
			}
		}
	}
}

func streamChat(t *testing.T, client *openai.Client, req openai.ChatCompletionRequest) streamed {
	t.Helper()
	stream, err := client.CreateChatCompletionStream(context.Background(), req)
	require.NoError(t, err)
	return readChatStream(t, stream)
}
