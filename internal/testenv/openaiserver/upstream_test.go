package openaiserver_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

// relay starts an upstream server and a recording relay in front of it.
func relay(t *testing.T, upstreamOpts ...openaiserver.Option) (relay, upstream *openaiserver.Server, client *openai.Client) {
	t.Helper()
	upstream = openaiserver.New(append(upstreamOpts, openaiserver.WithAPIKey("sk-upstream"))...)
	t.Cleanup(upstream.Close)
	relay = openaiserver.New(openaiserver.WithUpstream(upstream.URL(), "sk-upstream"), openaiserver.WithAPIKey("sk-local"))
	t.Cleanup(relay.Close)
	return relay, upstream, openai.NewClientWithConfig(relay.ClientConfig())
}

func TestUpstreamRelaysAndRecords(t *testing.T) {
	rel, up, client := relay(t,
		openaiserver.WithChatResponder(openaiserver.Answer("from upstream")),
		openaiserver.WithChunker(openaiserver.ChunkRunes(1)))
	require.True(t, rel.Upstream())
	require.False(t, up.Upstream())
	ctx := context.Background()

	resp, err := client.CreateChatCompletion(ctx, userRequest("carol@example.com"))
	require.NoError(t, err)
	assert.Equal(t, "from upstream", resp.Choices[0].Message.Content)

	got := streamChat(t, client, userRequest("streamed"))
	assert.Equal(t, "from upstream", got.text())
	assert.Len(t, got.content, len("from upstream"), "the relay keeps the upstream's chunks")

	_, err = client.ListModels(ctx) // unknown to both: the upstream's 404 comes back
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.HTTPStatusCode)

	assert.True(t, rel.ReceivedContains("carol@example.com"))
	assert.True(t, up.ReceivedContains("carol@example.com"))
	assert.Equal(t, 2, up.Count(openaiserver.PathChat))
	assert.Equal(t, 1, up.Count("/v1/models"))
	assert.Equal(t, rel.Requests()[0].Body, up.Requests()[0].Body, "bodies are relayed unchanged")
	assert.False(t, up.ReceivedContains("sk-local"))
}

func TestUpstreamErrorsPassThrough(t *testing.T) {
	rel, up, client := relay(t)
	up.FailNext(1, openaiserver.RateLimited(3*time.Second))
	_, err := client.CreateChatCompletion(context.Background(), userRequest("x"))
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTooManyRequests, apiErr.HTTPStatusCode)
	assert.Equal(t, "rate_limit_exceeded", apiErr.Code)

	rel.FailNext(1, openaiserver.ServerError())
	_, err = client.CreateChatCompletion(context.Background(), userRequest("x"))
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusInternalServerError, apiErr.HTTPStatusCode)
	assert.Equal(t, 1, up.Count(openaiserver.PathChat), "the relay's own failure never reached the upstream")

	cfg := openai.DefaultConfig("sk-wrong")
	cfg.BaseURL = rel.URL()
	_, err = openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), userRequest("x"))
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.HTTPStatusCode)
	assert.Equal(t, 1, up.Count(openaiserver.PathChat))
}

func TestUpstreamStallEndsOnCancel(t *testing.T) {
	_, _, client := relay(t, openaiserver.WithStallAfter(1))
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := client.CreateChatCompletionStream(ctx, userRequest("x"))
	require.NoError(t, err)
	defer stream.Close()
	_, err = stream.Recv()
	require.NoError(t, err)
	done := recvAsync(stream)
	cancel()
	require.Error(t, awaitErr(t, done))
}

func TestUpstreamUnreachable(t *testing.T) {
	gone := openaiserver.New()
	url := gone.URL()
	gone.Close()
	rel := openaiserver.New(openaiserver.WithUpstream(url, "k"))
	t.Cleanup(rel.Close)
	_, err := openai.NewClientWithConfig(rel.ClientConfig()).CreateChatCompletion(context.Background(), userRequest("x"))
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadGateway, apiErr.HTTPStatusCode)
}

func TestUpstreamFromEnv(t *testing.T) {
	t.Setenv(openaiserver.EnvBaseURL, "")
	t.Setenv(openaiserver.EnvAPIKey, "")
	assert.Nil(t, openaiserver.UpstreamFromEnv())

	up := openaiserver.New(openaiserver.WithAPIKey("sk-env"))
	t.Cleanup(up.Close)
	t.Setenv(openaiserver.EnvBaseURL, up.URL())
	t.Setenv(openaiserver.EnvAPIKey, "sk-env")
	rel := openaiserver.New(openaiserver.UpstreamFromEnv())
	t.Cleanup(rel.Close)
	require.True(t, rel.Upstream())
	resp, err := openai.NewClientWithConfig(rel.ClientConfig()).CreateChatCompletion(context.Background(), userRequest("env"))
	require.NoError(t, err)
	assert.Equal(t, "You said: env", resp.Choices[0].Message.Content)
}

func TestRelayCloseBreaksRelayedStream(t *testing.T) {
	up := openaiserver.New(openaiserver.WithStallAfter(1))
	t.Cleanup(up.Close)
	rel := openaiserver.New(openaiserver.WithUpstream(up.URL(), ""))
	client := openai.NewClientWithConfig(rel.ClientConfig())
	stream, err := client.CreateChatCompletionStream(context.Background(), userRequest("x"))
	require.NoError(t, err)
	defer stream.Close()
	_, err = stream.Recv()
	require.NoError(t, err)

	done := recvAsync(stream)
	rel.Close() // must not wait for the stalled upstream
	err = awaitErr(t, done)
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF)
}
