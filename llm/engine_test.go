package llm_test

import (
	"strings"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/internal/testenv/openaiserver"
	"github.com/ragguard/ragguard/llm"
	"github.com/ragguard/ragguard/mask"
)

// engineEnv is a Guard with the real engine, under a policy that holds
// nothing: pseudonyms for analysts, reversible tokens (profile "vault") and
// restore for restorers.
func engineEnv(t testing.TB) (*env, *mask.Engine) {
	t.Helper()
	return newEnvWith(t, `
roles: [analyst, restorer]
default_mask: pii
rules:
  - name: restorers
    roles: [restorer]
    kinds: [llm]
    effect: allow
    mask: vault
    restore: true
  - name: analysts
    roles: [analyst]
    kinds: [llm]
    effect: allow
`), testEngine()
}

// engineValues are values the real engine detects (checked below, so the
// test cannot pass by detecting nothing).
var engineValues = []string{"john.doe@example.com", "4111 1111 1111 1111", "+1 415 555 2671"}

const engineAnswer = "Sure. Write to john.doe@example.com, charge 4111 1111 1111 1111, or call +1 415 555 2671 today."

func TestRealEngineStreamsNeverLeak(t *testing.T) {
	e, eng := engineEnv(t)
	m, err := eng.Masker("pii", "acme")
	require.NoError(t, err)
	want, sum := m.String(engineAnswer, "x")
	require.Equal(t, len(engineValues), sum.Total(), "the engine detects every seeded value")

	var seed atomic.Uint64
	srv := newServer(t, openaiserver.WithChatResponder(openaiserver.Answer(engineAnswer)),
		openaiserver.WithChunker(openaiserver.ChunkerFunc(func(text string) []string {
			return openaiserver.ChunkRandom(seed.Load(), 1+int(seed.Load()%7)).Chunk(text)
		})))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	req := openai.ChatCompletionRequest{Model: "gpt-4o-mini", Stream: true, Messages: []openai.ChatCompletionMessage{
		{Role: "user", Content: "I am john.doe@example.com, card 4111 1111 1111 1111, phone +1 415 555 2671."},
	}}
	runs := 200
	if testing.Short() {
		runs = 20
	}
	for i := range runs {
		seed.Store(uint64(i))
		stream, err := cli.CreateChatCompletionStream(analyst(), req)
		require.NoError(t, err)
		var got strings.Builder
		recvAll(t, stream.Recv, func(chunk openai.ChatCompletionStreamResponse) {
			for _, c := range chunk.Choices {
				for _, v := range engineValues {
					require.NotContains(t, c.Delta.Content, v)
				}
				got.WriteString(c.Delta.Content)
			}
		})
		require.NoError(t, stream.Close())
		require.Equal(t, want, got.String(), "seed %d", i)
	}
	for _, v := range engineValues {
		assert.False(t, srv.ReceivedContains(v), "the server received %q", v)
	}
	evs := e.rec.all()
	require.Len(t, evs, runs)
	assert.NotEmpty(t, evs[0].Masking)
}

func TestRealEngineRestoresForPermittedPrincipals(t *testing.T) {
	e, _ := engineEnv(t)
	// The model repeats the tokens it was given: the answer echoes the prompt.
	srv := newServer(t)
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	prompt := "Reply to john.doe@example.com about card 4111 1111 1111 1111."
	resp, err := cli.CreateChatCompletion(as("rita", "restorer"), openai.ChatCompletionRequest{
		Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}},
	})
	require.NoError(t, err)
	assert.Equal(t, "You said: "+prompt, resp.Choices[0].Message.Content, "the vault's tokens come back as the values")
	assert.False(t, srv.ReceivedContains("john.doe@example.com"))
	ev := e.rec.only(t)
	assert.Equal(t, 2, ev.Restored)
	assert.NotContains(t, string(ev.Response), "john.doe@example.com", "the session record keeps tokens")
	entities := map[string]bool{}
	for _, f := range ev.Masking {
		entities[f.Entity] = true
		assert.Equal(t, "tokenize", f.Strategy)
	}
	assert.True(t, entities["EMAIL"] && entities["CREDIT_CARD"], "%v", ev.Masking)
}

func TestRealEngineRestoresTokensTheModelSplits(t *testing.T) {
	e, _ := engineEnv(t)
	var seed atomic.Uint64
	// Echo repeats the tokens of the masked prompt; the chunker cuts them
	// anywhere, as a provider's tokenizer would.
	srv := newServer(t, openaiserver.WithChunker(openaiserver.ChunkerFunc(func(text string) []string {
		return openaiserver.ChunkRandom(seed.Load(), 1+int(seed.Load()%5)).Chunk(text)
	})))
	scripted(t, srv)
	cli := llm.NewClient(srv.ClientConfig(), e.guard)
	prompt := "Reply to john.doe@example.com about card 4111 1111 1111 1111 <soon>."
	for i := range 30 {
		seed.Store(uint64(i))
		e.rec.reset()
		stream, err := cli.CreateChatCompletionStream(as("rita", "restorer"), openai.ChatCompletionRequest{
			Model: "gpt-4o-mini", Stream: true, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}},
		})
		require.NoError(t, err)
		var got strings.Builder
		recvAll(t, stream.Recv, func(chunk openai.ChatCompletionStreamResponse) {
			for _, c := range chunk.Choices {
				got.WriteString(c.Delta.Content)
			}
		})
		require.NoError(t, stream.Close())
		require.Equal(t, "You said: "+prompt, got.String(), "seed %d", i)
		ev := e.rec.only(t)
		require.Equal(t, 2, ev.Restored)
		require.NotContains(t, string(ev.Response), "john.doe@example.com")
	}
	assert.False(t, srv.ReceivedContains("john.doe@example.com"))
}
