package openaiserver_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

func TestRecordsEveryRequestInOrder(t *testing.T) {
	srv := openaiserver.New(openaiserver.WithAPIKey("sk-secret-key"))
	t.Cleanup(srv.Close)
	client := openai.NewClientWithConfig(srv.ClientConfig())
	ctx := context.Background()

	_, err := client.CreateChatCompletion(ctx, userRequest("alice@example.com"))
	require.NoError(t, err)
	_, err = client.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "123-45-6789"})
	require.NoError(t, err)
	_, _ = client.ListModels(ctx) // 404, still recorded

	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, openaiserver.PathChat, reqs[0].Path)
	assert.Equal(t, openaiserver.PathEmbeddings, reqs[1].Path)
	assert.Equal(t, http.MethodGet, reqs[2].Method)
	assert.Equal(t, "/v1/models", reqs[2].Path)
	assert.False(t, reqs[0].Received.After(reqs[1].Received))

	var body openai.ChatCompletionRequest
	require.NoError(t, reqs[0].DecodeJSON(&body))
	assert.Equal(t, "alice@example.com", body.Messages[0].Content)
	assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))

	// The credential is recorded as present but never kept.
	assert.Equal(t, "[redacted]", reqs[0].Header.Get("Authorization"))
	assert.False(t, srv.ReceivedContains("sk-secret-key"))

	assert.True(t, srv.ReceivedContains("alice@example.com"))
	assert.True(t, srv.ReceivedContains("123-45-6789"))
	assert.False(t, srv.ReceivedContains("bob@example.com"))
	assert.False(t, srv.ReceivedContains(""))

	assert.Equal(t, map[string]int{openaiserver.PathChat: 1, openaiserver.PathEmbeddings: 1, "/v1/models": 1}, srv.Counts())

	// Copies: changing what Requests returned changes nothing recorded.
	reqs[0].Body[0] = 'X'
	reqs[0].Header.Set("Content-Type", "changed")
	again := srv.Requests()
	assert.Equal(t, byte('{'), again[0].Body[0])
	assert.Equal(t, "application/json", again[0].Header.Get("Content-Type"))

	srv.Reset()
	assert.Empty(t, srv.Requests())
	assert.Empty(t, srv.Counts())
	assert.Zero(t, srv.Count(openaiserver.PathChat))
	assert.False(t, srv.ReceivedContains("alice@example.com"))

	_, err = client.CreateChatCompletion(ctx, userRequest("after reset"))
	require.NoError(t, err)
	assert.Len(t, srv.Requests(), 1)
}

func TestReceivedContainsSeesEscapedJSON(t *testing.T) {
	srv, client := newClient(t)
	// encoding/json sends & < > as \u0026 \u003c \u003e, so these values are
	// not in the body bytes verbatim.
	const value = "Tom & Jerry <tj@example.com>"
	_, err := client.CreateChatCompletion(context.Background(), userRequest(value))
	require.NoError(t, err)
	body := srv.Requests()[0].Body
	require.NotContains(t, string(body), value, "precondition: the value is escaped on the wire")
	assert.True(t, srv.ReceivedContains(value))
	assert.True(t, srv.ReceivedContains("tj@example.com"))

	// Any \u escape at all, and keys too.
	resp, err := http.Post(srv.URL()+"/moderations", "application/json",
		strings.NewReader(`{"input":"caf\u00e9 \u0041BC","m\u00e9ta":1}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.True(t, srv.ReceivedContains("café ABC"))
	_, err = client.CreateChatCompletion(context.Background(), userRequest(`say "quoted" \ ok`))
	require.NoError(t, err)
	assert.True(t, srv.ReceivedContains(`"quoted" \ ok`))
	assert.True(t, srv.ReceivedContains("méta"))
}

func TestReceivedContainsSeesQueryAndHeaders(t *testing.T) {
	srv := openaiserver.New()
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/chat/completions?user=carol", strings.NewReader(`{`))
	require.NoError(t, err)
	req.Header.Set("X-End-User", "dave@example.com")
	req.Header.Set("Api-Key", "azure-secret")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	assert.True(t, srv.ReceivedContains("user=carol"))
	assert.True(t, srv.ReceivedContains("dave@example.com"))
	assert.False(t, srv.ReceivedContains("azure-secret"))
	assert.Equal(t, []byte(`{`), srv.Requests()[0].Body, "malformed bodies are recorded as received")
}

func TestRecordedStreamRequest(t *testing.T) {
	srv, client := newClient(t)
	req := userRequest("stream this")
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	_ = streamChat(t, client, req)
	var sent map[string]any
	require.NoError(t, json.Unmarshal(srv.Requests()[0].Body, &sent))
	assert.Equal(t, true, sent["stream"])
	assert.Equal(t, map[string]any{"include_usage": true}, sent["stream_options"])
	assert.Equal(t, "text/event-stream", srv.Requests()[0].Header.Get("Accept"))
}

func TestGzipBodiesAreRecordedDecompressed(t *testing.T) {
	srv := openaiserver.New()
	t.Cleanup(srv.Close)
	send := func(encoding string, body []byte) *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL()+"/chat/completions", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", encoding)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, err := zw.Write([]byte(`{"model":"m","messages":[{"role":"user","content":"erin@example.com"}]}`))
	require.NoError(t, err)
	require.NoError(t, zw.Close())

	assert.Equal(t, http.StatusOK, send("gzip", zipped.Bytes()).StatusCode)
	assert.True(t, srv.ReceivedContains("erin@example.com"))
	assert.Equal(t, http.StatusBadRequest, send("gzip", []byte("not gzip")).StatusCode)
	assert.Equal(t, http.StatusUnsupportedMediaType, send("br", []byte("{}")).StatusCode)
	assert.Equal(t, 3, srv.Count(openaiserver.PathChat))
}
