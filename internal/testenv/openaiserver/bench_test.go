package openaiserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
)

var benchAnswer = strings.Repeat("The quick brown fox jumps over the lazy dog. ", 20) // 900 bytes

func BenchmarkChat(b *testing.B) {
	srv := openaiserver.New(openaiserver.WithChatResponder(openaiserver.Answer(benchAnswer)))
	defer srv.Close()
	client := openai.NewClientWithConfig(srv.ClientConfig())
	req := userRequest("hello")
	b.SetBytes(int64(len(benchAnswer)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := client.CreateChatCompletion(context.Background(), req); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			srv.Reset()
		}
	}
}

func BenchmarkChatStream(b *testing.B) {
	for _, runes := range []int{4, 64} {
		b.Run(fmt.Sprintf("runes%d", runes), func(b *testing.B) {
			srv := openaiserver.New(
				openaiserver.WithChatResponder(openaiserver.Answer(benchAnswer)),
				openaiserver.WithChunker(openaiserver.ChunkRunes(runes)))
			defer srv.Close()
			client := openai.NewClientWithConfig(srv.ClientConfig())
			req := userRequest("hello")
			b.SetBytes(int64(len(benchAnswer)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				stream, err := client.CreateChatCompletionStream(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := stream.Recv(); err != nil {
						if !errors.Is(err, io.EOF) {
							b.Fatal(err)
						}
						break
					}
				}
				stream.Close()
				if i%1000 == 999 {
					srv.Reset()
				}
			}
		})
	}
}

func BenchmarkVector(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = openaiserver.Vector("some text to embed", 1536)
	}
}

func BenchmarkReceivedContains(b *testing.B) {
	srv := openaiserver.New()
	defer srv.Close()
	client := openai.NewClientWithConfig(srv.ClientConfig())
	var total int64
	for i := range 100 {
		if _, err := client.CreateChatCompletion(context.Background(), userRequest(fmt.Sprintf("%s %d", benchAnswer, i))); err != nil {
			b.Fatal(err)
		}
	}
	for _, r := range srv.Requests() {
		total += int64(len(r.Body))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		if srv.ReceivedContains("never-sent@example.com") {
			b.Fatal("found a value never sent")
		}
	}
}
