package llm

import (
	"context"
	"net/http"

	openai "github.com/sashabaranov/go-openai"

	"github.com/ragguard/ragguard"
)

// API is the part of go-openai's *openai.Client that a RAG service uses,
// with go-openai's own signatures. Both *openai.Client and *Client satisfy
// it, so a service that holds an API swaps its constructor and keeps every
// call site.
type API interface {
	CreateChatCompletion(ctx context.Context, request openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
	CreateChatCompletionStream(ctx context.Context, request openai.ChatCompletionRequest) (*openai.ChatCompletionStream, error)
	CreateCompletion(ctx context.Context, request openai.CompletionRequest) (openai.CompletionResponse, error)
	CreateCompletionStream(ctx context.Context, request openai.CompletionRequest) (*openai.CompletionStream, error)
	CreateEmbeddings(ctx context.Context, conv openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error)
	Moderations(ctx context.Context, request openai.ModerationRequest) (openai.ModerationResponse, error)
}

var (
	_ API = (*openai.Client)(nil)
	_ API = (*Client)(nil)
)

// Client is a governed go-openai client: every call goes through the
// Guard's pipeline (identity from ctx, policy, approval, masking, audit)
// by way of the governed transport underneath it. Its methods have
// go-openai's signatures and return go-openai's types, streams included:
// a *openai.ChatCompletionStream from Client reads bytes the transport has
// already masked.
type Client struct {
	inner *openai.Client
}

// NewClient returns a governed client for cfg: a copy of cfg whose
// HTTPClient is wrapped by the governed transport (an *http.Client keeps its
// settings and gets NewTransport around its Transport; any other
// openai.HTTPDoer is wrapped with NewDoer). It panics on a nil Guard.
//
// A Client cannot be built from an existing *openai.Client: go-openai keeps
// its configuration private, and governing streams needs the transport
// under the client. Build both from the same ClientConfig instead.
func NewClient(cfg openai.ClientConfig, g *ragguard.Guard, opts ...Option) *Client {
	switch d := cfg.HTTPClient.(type) {
	case nil:
		cfg.HTTPClient = NewHTTPClient(nil, g, opts...)
	case *http.Client:
		cfg.HTTPClient = NewHTTPClient(d, g, opts...)
	default:
		cfg.HTTPClient = NewDoer(d, g, opts...)
	}
	return &Client{inner: openai.NewClientWithConfig(cfg)}
}

// OpenAI returns the underlying go-openai client, itself governed, for the
// endpoints API does not cover. Calls to endpoints the transport does not
// know are refused unless WithEndpoint allows them.
func (c *Client) OpenAI() *openai.Client { return c.inner }

// CreateChatCompletion is go-openai's CreateChatCompletion, governed.
func (c *Client) CreateChatCompletion(ctx context.Context, request openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	return c.inner.CreateChatCompletion(ctx, request)
}

// CreateChatCompletionStream is go-openai's CreateChatCompletionStream,
// governed: Recv returns masked deltas, and the call's audit event is
// written when the stream ends, fails, is closed or its ctx ends.
func (c *Client) CreateChatCompletionStream(ctx context.Context, request openai.ChatCompletionRequest) (*openai.ChatCompletionStream, error) {
	return c.inner.CreateChatCompletionStream(ctx, request)
}

// CreateCompletion is go-openai's CreateCompletion, governed.
func (c *Client) CreateCompletion(ctx context.Context, request openai.CompletionRequest) (openai.CompletionResponse, error) {
	return c.inner.CreateCompletion(ctx, request)
}

// CreateCompletionStream is go-openai's CreateCompletionStream, governed.
func (c *Client) CreateCompletionStream(ctx context.Context, request openai.CompletionRequest) (*openai.CompletionStream, error) {
	return c.inner.CreateCompletionStream(ctx, request)
}

// CreateEmbeddings is go-openai's CreateEmbeddings, governed: the inputs
// are masked before they leave, so the vectors are those of the masked
// texts.
func (c *Client) CreateEmbeddings(ctx context.Context, conv openai.EmbeddingRequestConverter) (openai.EmbeddingResponse, error) {
	return c.inner.CreateEmbeddings(ctx, conv)
}

// Moderations is go-openai's Moderations, governed.
func (c *Client) Moderations(ctx context.Context, request openai.ModerationRequest) (openai.ModerationResponse, error) {
	return c.inner.Moderations(ctx, request)
}
