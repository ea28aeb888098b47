package openaiserver_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

// safety bounds how long a test waits for something that must happen; it
// turns a hang into a failure and is not a performance assertion.
const safety = 30 * time.Second

func recvAsync(stream *openai.ChatCompletionStream) <-chan error {
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				done <- err
				return
			}
		}
	}()
	return done
}

func awaitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(safety):
		t.Fatal("Recv did not return")
		return nil
	}
}

func TestStalledStreamEndsWhenClientCancels(t *testing.T) {
	_, client := newClient(t,
		openaiserver.WithStallAfter(2),
		openaiserver.WithChunker(openaiserver.ChunkRunes(1)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := client.CreateChatCompletionStream(ctx, userRequest("a long answer that never arrives"))
	require.NoError(t, err)
	defer stream.Close()

	first, err := stream.Recv()
	require.NoError(t, err)
	assert.Equal(t, openai.ChatMessageRoleAssistant, first.Choices[0].Delta.Role)
	second, err := stream.Recv()
	require.NoError(t, err)
	assert.Equal(t, "Y", second.Choices[0].Delta.Content)

	done := recvAsync(stream)
	cancel()
	err = awaitErr(t, done)
	require.Error(t, err)
	assert.False(t, errors.Is(err, io.EOF), "a cancelled stream must not look finished: %v", err)
}

func TestStalledStreamBreaksWhenServerCloses(t *testing.T) {
	srv := openaiserver.New(openaiserver.WithStallAfter(0))
	client := openai.NewClientWithConfig(srv.ClientConfig())
	stream, err := client.CreateChatCompletionStream(context.Background(), userRequest("x"))
	require.NoError(t, err, "headers arrive even before the first event")
	defer stream.Close()

	done := recvAsync(stream)
	srv.Close() // returns only once the stalled handler has ended
	err = awaitErr(t, done)
	require.Error(t, err)
	assert.False(t, errors.Is(err, io.EOF), "a broken stream must not look finished: %v", err)
	srv.Close() // idempotent
}

func TestSlowStreamEndsWhenClientCancels(t *testing.T) {
	_, client := newClient(t, openaiserver.WithChunkDelay(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := client.CreateChatCompletionStream(ctx, userRequest("x"))
	require.NoError(t, err)
	defer stream.Close()
	_, err = stream.Recv() // the first event is not delayed
	require.NoError(t, err)

	done := recvAsync(stream)
	cancel()
	require.Error(t, awaitErr(t, done))
}

func TestStalledCompletionStream(t *testing.T) {
	srv, client := newClient(t, openaiserver.WithStallAfter(1))
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := client.CreateCompletionStream(ctx, openai.CompletionRequest{Model: completionModel, Prompt: "x"})
	require.NoError(t, err)
	defer stream.Close()
	chunk, err := stream.Recv()
	require.NoError(t, err)
	assert.Equal(t, "You ", chunk.Choices[0].Text, "the first piece of the default ChunkRunes(4)")

	done := make(chan error, 1)
	go func() {
		_, err := stream.Recv()
		done <- err
	}()
	cancel()
	require.Error(t, awaitErr(t, done))
	assert.Equal(t, 1, srv.Count(openaiserver.PathCompletions))
}

func TestStreamErrorMidStream(t *testing.T) {
	e := openaiserver.ServerError()
	e.Message = "upstream went away"
	_, client := newClient(t,
		openaiserver.WithChatResponder(openaiserver.Static(openaiserver.Reply{Content: "partial answer", StreamError: &e})),
		openaiserver.WithCompletionResponder(openaiserver.CompletionResponderFunc(func(string, openai.CompletionRequest) openaiserver.Reply {
			return openaiserver.Reply{Content: "partial", StreamError: &e}
		})),
		openaiserver.WithChunker(openaiserver.ChunkRunes(4)))

	stream, err := client.CreateChatCompletionStream(context.Background(), userRequest("x"))
	require.NoError(t, err)
	defer stream.Close()
	var got strings.Builder
	for {
		chunk, err := stream.Recv()
		if err != nil {
			var apiErr *openai.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "upstream went away", apiErr.Message)
			assert.Equal(t, "server_error", apiErr.Type)
			break
		}
		got.WriteString(chunk.Choices[0].Delta.Content)
	}
	assert.Equal(t, "partial answer", got.String())

	cstream, err := client.CreateCompletionStream(context.Background(), openai.CompletionRequest{Model: completionModel, Prompt: "x"})
	require.NoError(t, err)
	defer cstream.Close()
	for {
		_, err := cstream.Recv()
		if err != nil {
			var apiErr *openai.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "upstream went away", apiErr.Message)
			break
		}
	}
}
