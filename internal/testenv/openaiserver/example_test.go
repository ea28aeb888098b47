package openaiserver_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

func Example() {
	srv := openaiserver.New()
	defer srv.Close()

	client := openai.NewClientWithConfig(srv.ClientConfig())
	resp, err := client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hello"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Choices[0].Message.Content)
	fmt.Println(srv.Count(openaiserver.PathChat), "request received")
	// Output:
	// You said: hello
	// 1 request received
}

func ExampleSplitInside() {
	srv := openaiserver.New(
		openaiserver.WithChatResponder(openaiserver.Answer("Mail alice@example.com today.")),
		openaiserver.WithChunker(openaiserver.SplitInside("alice@example.com")),
	)
	defer srv.Close()

	client := openai.NewClientWithConfig(srv.ClientConfig())
	stream, err := client.CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "who?"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stream.Close()
	for {
		chunk, err := stream.Recv()
		if err != nil {
			break
		}
		if len(chunk.Choices) > 0 && chunk.Choices[0].Delta.Content != "" {
			fmt.Printf("%q\n", chunk.Choices[0].Delta.Content)
		}
	}
	// Output:
	// "Mail alice@ex"
	// "ample.com today."
}

func ExampleServer_ReceivedContains() {
	srv := openaiserver.New()
	defer srv.Close()

	client := openai.NewClientWithConfig(srv.ClientConfig())
	_, _ = client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Write to [EMAIL_1]"}},
	})
	// A test of a masking client asserts that the raw value never arrived.
	fmt.Println(srv.ReceivedContains("alice@example.com"))
	fmt.Println(srv.ReceivedContains("[EMAIL_1]"))
	fmt.Println(srv.Requests()[0].Header.Get("Authorization"))
	// Output:
	// false
	// true
	// [redacted]
}

func ExampleServer_FailNext() {
	srv := openaiserver.New()
	defer srv.Close()
	srv.FailNext(1, openaiserver.RateLimited(2*time.Second))

	client := openai.NewClientWithConfig(srv.ClientConfig())
	_, err := client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}},
	})
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.HTTPStatusCode, apiErr.Code)
	}
	// Output:
	// 429 rate_limit_exceeded
}
