package llm_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
	"github.com/ragguard/ragguard/llm"
	"github.com/ragguard/ragguard/mask"
)

// exampleGuard builds a Guard whose policy lets analysts use any model but
// "blocked-*", masking with the mask engine's "pii" profile (keyed
// pseudonyms). A service keeps the key in a secret store.
func exampleGuard(auditor ragguard.Auditor) *ragguard.Guard {
	engine, err := mask.New(
		mask.WithKey([]byte("an example key of at least 32 bytes, from a secret store")),
		mask.WithProfiles(mask.Profile{Name: "pii", Default: mask.Pseudonym}),
	)
	if err != nil {
		panic(err)
	}
	policy, err := ragguard.ParsePolicy([]byte(`
roles: [analyst]
default_mask: pii
rules:
  - name: no-blocked-models
    kinds: [llm]
    resources: ["blocked-*"]
    effect: deny
  - name: analysts
    roles: [analyst]
    kinds: [llm]
    effect: allow
`), "yaml")
	if err != nil {
		panic(err)
	}
	g, err := ragguard.New(ragguard.WithPolicy(policy), ragguard.WithAuditor(auditor), ragguard.WithMasker(ragguard.MaskEngine(engine)))
	if err != nil {
		panic(err)
	}
	return g
}

func ExampleNewClient() {
	server := openaiserver.New(openaiserver.WithChatResponder(openaiserver.Answer("Sure, I will write to alice@example.com.")))
	defer server.Close()

	auditor := ragguard.AuditorFunc(func(_ context.Context, ev *ragguard.AuditEvent) error {
		fmt.Printf("audit: %s %s %v by %s: %s, finish %s, %d output tokens\n",
			ev.Kind, ev.Operation, ev.Resources, ev.Principal.Subject, ev.Code, ev.Usage.FinishReason, ev.Usage.OutputTokens)
		return nil
	})
	// The only change in a service: llm.NewClient instead of
	// openai.NewClientWithConfig. The variable keeps its type.
	var ai llm.API = llm.NewClient(server.ClientConfig(), exampleGuard(auditor))

	ctx := identity.NewContext(context.Background(), identity.Principal{
		Subject: "alice", Roles: []string{"analyst"}, AuthMethod: identity.MethodStatic,
	})
	resp, err := ai.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "Draft a reply to alice@example.com."}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("answer:", resp.Choices[0].Message.Content)
	fmt.Println("provider saw the address:", server.ReceivedContains("alice@example.com"))

	_, err = ai.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:    "blocked-model",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}},
	})
	fmt.Println("denied:", errors.Is(err, ragguard.ErrPermissionDenied), ragguard.CodeOf(err))
	// Output:
	// audit: llm chat [gpt-4o-mini] by alice: ok, finish stop, 6 output tokens
	// answer: Sure, I will write to <EMAIL_clgkbngi>.
	// provider saw the address: false
	// audit: llm chat [blocked-model] by alice: permission_denied, finish , 0 output tokens
	// denied: true permission_denied
}

func ExampleClient_CreateChatCompletionStream() {
	server := openaiserver.New(
		openaiserver.WithChatResponder(openaiserver.Answer("You can reach her at alice@example.com today.")),
		// Cut the answer inside the value: no chunk may carry it whole.
		openaiserver.WithChunker(openaiserver.SplitInside("alice@example.com")),
	)
	defer server.Close()
	client := llm.NewClient(server.ClientConfig(), exampleGuard(ragguard.DiscardAudit()))
	ctx := identity.NewContext(context.Background(), identity.Principal{
		Subject: "alice", Roles: []string{"analyst"}, AuthMethod: identity.MethodStatic,
	})

	stream, err := client.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "How do I reach her?"}},
		Stream:   true,
	})
	if err != nil {
		panic(err)
	}
	defer stream.Close()
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			panic(err)
		}
		if len(chunk.Choices) > 0 && chunk.Choices[0].Delta.Content != "" {
			fmt.Printf("%q\n", chunk.Choices[0].Delta.Content)
		}
	}
	// Output:
	// "You can reach her at "
	// "<EMAIL_clgkbngi> today."
}

func ExampleNewTransport() {
	server := openaiserver.New()
	defer server.Close()
	// Any OpenAI-compatible client: here plain net/http.
	hc := &http.Client{Transport: llm.NewTransport(nil, exampleGuard(ragguard.DiscardAudit()))}

	// No principal in the context: refused before anything is sent.
	req, _ := http.NewRequest(http.MethodPost, server.URL()+"/chat/completions",
		strings.NewReader(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`))
	_, err := hc.Do(req)
	fmt.Println(errors.Is(err, ragguard.ErrUnauthenticated))

	// An endpoint the transport does not govern: refused too.
	ctx := identity.NewContext(context.Background(), identity.Principal{
		Subject: "alice", Roles: []string{"analyst"}, AuthMethod: identity.MethodStatic,
	})
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, server.URL()+"/files", strings.NewReader(`{}`))
	_, err = hc.Do(req)
	fmt.Println(errors.Is(err, ragguard.ErrPermissionDenied))
	fmt.Println("requests the server received:", len(server.Requests()))
	// Output:
	// true
	// true
	// requests the server received: 0
}
