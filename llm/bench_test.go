package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
	"github.com/ragguard/ragguard/llm"
)

// benchAnswer is a typical RAG answer: about 600 bytes, two values in it.
var benchAnswer = strings.Repeat("The quarterly report shows revenue grew in every region. ", 5) +
	"Contact alice@example.com for the figures, card 4111 1111 1111 1111 on file. " +
	strings.Repeat("Margins held steady while costs fell slightly. ", 4)

// benchGuard is a Guard as a service would run it, minus the durable
// audit log: the test policy, the real mask engine (pseudonyms), and
// DiscardAudit, so the figures are the transport's and the pipeline's own
// cost.
func benchGuard(b *testing.B) *ragguard.Guard {
	p, err := ragguard.ParsePolicy([]byte(testPolicy), "yaml")
	if err != nil {
		b.Fatal(err)
	}
	g, err := ragguard.New(ragguard.WithPolicy(p), ragguard.WithAuditor(ragguard.DiscardAudit()),
		ragguard.WithApprover(approvalNone{}), ragguard.WithMasker(ragguard.MaskEngine(testEngine())))
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// benchClients returns the bare go-openai client and the governed one,
// against the same loopback server.
func benchClients(b *testing.B) (bare, governed llm.API, ctx context.Context) {
	srv := openaiserver.New(openaiserver.WithChatResponder(openaiserver.Answer(benchAnswer)))
	b.Cleanup(srv.Close)
	return openai.NewClientWithConfig(srv.ClientConfig()), llm.NewClient(srv.ClientConfig(), benchGuard(b)), analyst()
}

func benchRequest() openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "Answer from the context. Context: " + strings.Repeat("Revenue grew 4% in EMEA and 6% in APAC. ", 20)},
			{Role: openai.ChatMessageRoleUser, Content: "How did revenue develop? Reply to alice@example.com."},
		},
	}
}

// reportMedian reports the median of the per-call durations.
func reportMedian(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), name)
}

func BenchmarkChat(b *testing.B) {
	bare, governed, ctx := benchClients(b)
	for _, c := range []struct {
		name string
		api  llm.API
	}{{"bare", bare}, {"governed", governed}} {
		b.Run(c.name, func(b *testing.B) {
			req := benchRequest()
			b.ReportAllocs()
			b.SetBytes(int64(len(benchAnswer)))
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if _, err := c.api.CreateChatCompletion(ctx, req); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			reportMedian(b, "p50-ns", lat)
		})
	}
}

func BenchmarkChatStream(b *testing.B) {
	bare, governed, ctx := benchClients(b)
	for _, c := range []struct {
		name string
		api  llm.API
	}{{"bare", bare}, {"governed", governed}} {
		b.Run(c.name, func(b *testing.B) {
			req := benchRequest()
			req.Stream = true
			b.ReportAllocs()
			b.SetBytes(int64(len(benchAnswer)))
			lat := make([]time.Duration, 0, b.N)
			ttft := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				stream, err := c.api.CreateChatCompletionStream(ctx, req)
				if err != nil {
					b.Fatal(err)
				}
				first := time.Duration(0)
				for {
					chunk, err := stream.Recv()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if first == 0 && len(chunk.Choices) > 0 && chunk.Choices[0].Delta.Content != "" {
						first = time.Since(start)
					}
				}
				stream.Close()
				lat = append(lat, time.Since(start))
				ttft = append(ttft, first)
			}
			reportMedian(b, "p50-ns", lat)
			reportMedian(b, "ttft-p50-ns", ttft)
		})
	}
}

// BenchmarkStreamTransport measures the transport alone on a streamed
// answer of 160 chunks replayed from memory (no network, no client
// decoding): the per-chunk cost of parsing, masking and re-encoding.
func BenchmarkStreamTransport(b *testing.B) {
	var body strings.Builder
	pieces := openaiserver.ChunkRunes(4).Chunk(benchAnswer)
	for _, p := range pieces {
		body.WriteString(chunk(strings.ReplaceAll(p, `"`, `\"`)))
	}
	body.WriteString(finishChunk + "data: [DONE]\n\n")
	e := &env{guard: benchGuard(b), rec: &recorder{}}
	data := []byte(body.String())
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		out, err := governedStream(b, e, data)
		if err != nil || len(out) == 0 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(pieces)+1), "ns/chunk")
	e.rec.reset()
}

// jsonReplay answers every request with one JSON body.
type jsonReplay []byte

func (b jsonReplay) RoundTrip(req *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, req.Body)
	req.Body.Close()
	return &http.Response{StatusCode: 200, Status: "200 OK", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(b)),
		Request: req, ContentLength: int64(len(b))}, nil
}

// BenchmarkChatTransport measures the transport alone on a chat call
// (request and answer replayed from memory): Guard, parsing, masking and
// re-encoding both ways.
func BenchmarkChatTransport(b *testing.B) {
	answer, _ := json.Marshal(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": benchAnswer, "refusal": nil},
			"logprobs": nil, "finish_reason": "stop"}}, "usage": map[string]any{"prompt_tokens": 200, "completion_tokens": 100, "total_tokens": 300}})
	request, _ := json.Marshal(benchRequest())
	for _, c := range []struct {
		name string
		rt   http.RoundTripper
	}{{"bare", jsonReplay(answer)}, {"governed", llm.NewTransport(jsonReplay(answer), benchGuard(b))}} {
		b.Run(c.name, func(b *testing.B) {
			hc := &http.Client{Transport: c.rt}
			b.ReportAllocs()
			b.SetBytes(int64(len(request) + len(answer)))
			for b.Loop() {
				req, _ := http.NewRequestWithContext(analyst(), http.MethodPost, "http://upstream.invalid/v1/chat/completions", bytes.NewReader(request))
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
