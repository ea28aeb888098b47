package openaiserver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

func TestInjectedErrorsArriveAsAPIError(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reply    openaiserver.ErrorReply
		status   int
		typ      string
		code     any
		hasParam bool
	}{
		{"400", openaiserver.BadRequest("bad thing"), 400, "invalid_request_error", nil, false},
		{"401", openaiserver.Unauthorized(), 401, "invalid_request_error", "invalid_api_key", false},
		{"429", openaiserver.RateLimited(time.Second), 429, "requests", "rate_limit_exceeded", false},
		{"500", openaiserver.ServerError(), 500, "server_error", nil, false},
		{"503 custom", openaiserver.ErrorReply{Status: 503, Type: "overloaded", Code: "busy", Param: "model", Message: "try later"},
			503, "overloaded", "busy", true},
		{"zero status", openaiserver.ErrorReply{Message: "x"}, 500, "", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, client := newClient(t)
			srv.FailNext(2, tc.reply)
			call := map[string]func() error{
				"chat": func() error {
					_, err := client.CreateChatCompletion(context.Background(), userRequest("x"))
					return err
				},
				"chat stream": func() error {
					_, err := client.CreateChatCompletionStream(context.Background(), userRequest("x"))
					return err
				},
			}
			for _, name := range []string{"chat", "chat stream"} {
				err := call[name]()
				var apiErr *openai.APIError
				require.ErrorAs(t, err, &apiErr, name)
				assert.Equal(t, tc.status, apiErr.HTTPStatusCode, name)
				assert.Equal(t, tc.typ, apiErr.Type, name)
				if tc.code == nil {
					// The service sends "code": null, which go-openai decodes as int 0.
					assert.Equal(t, 0, apiErr.Code, name)
				} else {
					assert.Equal(t, tc.code, apiErr.Code, name)
				}
				assert.Equal(t, tc.hasParam, apiErr.Param != nil, name)
				if tc.reply.Message != "" {
					assert.Equal(t, tc.reply.Message, apiErr.Message, name)
				}
			}
			// The queue is used up: the third call succeeds.
			_, err := client.CreateChatCompletion(context.Background(), userRequest("x"))
			require.NoError(t, err)
		})
	}
}

func TestRawErrorBodyIsARequestError(t *testing.T) {
	srv, client := newClient(t)
	srv.FailNext(1, openaiserver.ErrorReply{Status: http.StatusBadGateway, Raw: []byte("<html>bad gateway</html>")})
	_, err := client.CreateChatCompletion(context.Background(), userRequest("x"))
	var reqErr *openai.RequestError
	require.ErrorAs(t, err, &reqErr)
	assert.Equal(t, http.StatusBadGateway, reqErr.HTTPStatusCode)
	assert.Equal(t, "<html>bad gateway</html>", string(reqErr.Body))
	var apiErr *openai.APIError
	assert.False(t, errors.As(err, &apiErr))
}

// headerRecorder is a real transport that keeps the last response's headers,
// because go-openai's errors do not carry them.
type headerRecorder struct {
	mu   sync.Mutex
	last http.Header
}

func (h *headerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		h.mu.Lock()
		h.last = resp.Header.Clone()
		h.mu.Unlock()
	}
	return resp, err
}

func TestRateLimitCarriesRetryAfter(t *testing.T) {
	srv := openaiserver.New()
	t.Cleanup(srv.Close)
	rec := &headerRecorder{}
	cfg := srv.ClientConfig()
	cfg.HTTPClient = &http.Client{Transport: rec}
	client := openai.NewClientWithConfig(cfg)

	srv.FailNext(1, openaiserver.RateLimited(1500*time.Millisecond))
	_, err := client.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "x"})
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTooManyRequests, apiErr.HTTPStatusCode)
	assert.Equal(t, "2", rec.last.Get("Retry-After"), "whole seconds, rounded up")
	assert.Equal(t, "1500", rec.last.Get("Retry-After-Ms"))
}

func TestErrorRuleAndReplyError(t *testing.T) {
	srv, client := newClient(t,
		openaiserver.WithErrorRule(openaiserver.ErrorRuleFunc(func(req openaiserver.Request) *openaiserver.ErrorReply {
			if req.Path == openaiserver.PathEmbeddings {
				e := openaiserver.ServerError()
				return &e
			}
			return nil
		})),
		openaiserver.WithChatResponder(openaiserver.ChatResponderFunc(func(req openai.ChatCompletionRequest) openaiserver.Reply {
			if strings.Contains(openaiserver.LastUserText(req), "forbidden") {
				e := openaiserver.BadRequest("content policy")
				e.Code = "content_policy_violation"
				return openaiserver.Reply{Error: &e}
			}
			return openaiserver.Reply{Content: "fine"}
		})))
	ctx := context.Background()

	_, err := client.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "x"})
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.HTTPStatusCode)

	_, err = client.CreateChatCompletion(ctx, userRequest("something forbidden"))
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.HTTPStatusCode)
	assert.Equal(t, "content_policy_violation", apiErr.Code)

	resp, err := client.CreateChatCompletion(ctx, userRequest("allowed"))
	require.NoError(t, err)
	assert.Equal(t, "fine", resp.Choices[0].Message.Content)
	assert.Equal(t, 1, srv.Count(openaiserver.PathEmbeddings), "failed requests are counted too")
}

func TestAPIKeyRequired(t *testing.T) {
	srv := openaiserver.New(openaiserver.WithAPIKey("sk-right"))
	t.Cleanup(srv.Close)
	ctx := context.Background()

	good := openai.NewClientWithConfig(srv.ClientConfig())
	_, err := good.CreateChatCompletion(ctx, userRequest("x"))
	require.NoError(t, err)

	cfg := openai.DefaultConfig("sk-wrong")
	cfg.BaseURL = srv.URL()
	_, err = openai.NewClientWithConfig(cfg).CreateChatCompletion(ctx, userRequest("x"))
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.HTTPStatusCode)
	assert.Equal(t, "invalid_api_key", apiErr.Code)
	assert.NotContains(t, apiErr.Message, "sk-wrong", "the key is not echoed back")

	cfg = openai.DefaultConfig("")
	cfg.BaseURL = srv.URL()
	_, err = openai.NewClientWithConfig(cfg).CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: openai.SmallEmbedding3, Input: "x"})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.HTTPStatusCode)
	assert.Contains(t, apiErr.Message, "didn't provide an API key")
}

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestUnknownPathsAndBadBodies(t *testing.T) {
	srv, client := newClient(t, openaiserver.WithMaxBodySize(1024))

	_, err := client.ListModels(context.Background())
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.HTTPStatusCode)
	assert.Equal(t, "Invalid URL (GET /v1/models)", apiErr.Message)

	for _, tc := range []struct {
		path, body, want string
		status           int
	}{
		{"/v1/nope", `{}`, `"Invalid URL (POST /v1/nope)"`, 404},
		{"/v1/chat/completions", `{"model":`, "not valid JSON", 400},
		{"/v1/chat/completions", `{"model":"m","messages":5}`, "Invalid request body", 400},
		{"/v1/chat/completions", `{"model":"m","messages":[]}`, `"param":"messages"`, 400},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, `"param":"model"`, 400},
		{"/v1/chat/completions", `{"model":"m","messages":[{"role":"boss","content":"x"}]}`, "role", 400},
		{"/v1/completions", `{"model":"m","prompt":[1,2]}`, `"param":"prompt"`, 400},
		{"/v1/moderations", `{"input":7}`, `"param":"input"`, 400},
		{"/v1/responses", `{"model":"m","input":"x","stream":true}`, `"param":"stream"`, 400},
		{"/v1/embeddings", `{"model":"m","input":"` + strings.Repeat("a", 2000) + `"}`, "exceeds 1024 bytes", 413},
	} {
		resp, body := post(t, strings.TrimSuffix(srv.URL(), "/v1")+tc.path, tc.body)
		assert.Equal(t, tc.status, resp.StatusCode, tc.path+" "+tc.body)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		assert.Contains(t, string(body), tc.want)
		assert.True(t, bytes.HasPrefix(body, []byte(`{"error":{"message":`)), string(body))
	}
}
