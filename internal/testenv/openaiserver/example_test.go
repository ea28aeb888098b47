package openaiserver_test

import (
	"context"
	"fmt"

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
