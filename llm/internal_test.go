package llm

import (
	"mime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
)

func TestEndpointOfMatchesPathSuffixes(t *testing.T) {
	cases := map[string]endpoint{
		"/v1/chat/completions":                       epChat,
		"/chat/completions/":                         epChat,
		"/openai/deployments/gpt4o/chat/completions": epChat,
		"/proxy/openai/v1/completions":               epCompletion,
		"/v1/embeddings":                             epEmbeddings,
		"/v1/moderations":                            epModeration,
		"/v1/responses":                              epResponses,
		"/v1/responses/resp_1":                       epUnknown,
		"/v1/models":                                 epUnknown,
		"/v1/chat/completionsX":                      epUnknown,
		"":                                           epUnknown,
	}
	for p, want := range cases {
		assert.Equal(t, want, endpointOf(p), p)
	}
}

func TestWithEndpointPatterns(t *testing.T) {
	c := newConfig([]Option{WithEndpoint("get", "models"), WithEndpoint("GET", "/responses/*"),
		WithEndpoint("", "/x"), WithEndpoint("POST", ""), WithEndpoint("POST", "/[")})
	assert.Len(t, c.endpoints, 2, "empty and malformed patterns are ignored")
	assert.True(t, c.extra("GET", "/v1/models"))
	assert.True(t, c.extra("GET", "/models/"))
	assert.True(t, c.extra("GET", "/v1/responses/resp_1"))
	assert.False(t, c.extra("POST", "/v1/models"), "the method must match")
	assert.False(t, c.extra("GET", "/v1/responses/resp_1/input_items"))
	assert.False(t, c.extra("GET", "/v1/files"))
}

func TestLastSegments(t *testing.T) {
	assert.Equal(t, "/b/c", lastSegments("/a/b/c", 2))
	assert.Equal(t, "/c", lastSegments("/a/b/c/", 1))
	assert.Equal(t, "/a/b/c", lastSegments("/a/b/c", 5))
	assert.Equal(t, "/c", lastSegments("c", 1))
}

// passStream is a StreamMasker that releases bytes as it gets them, even
// in the middle of a rune.
type passStream struct{}

func (passStream) Write(p []byte) []byte { return p }
func (passStream) Flush() []byte         { return nil }

func TestStreamFieldNeverSplitsARune(t *testing.T) {
	f := &streamField{m: passStream{}}
	s := "Zoë Ødegård"
	var got string
	for i := 0; i < len(s); i++ {
		out := f.write(s[i : i+1])
		assert.True(t, out == "" || out[len(out)-1] < 0x80 || len([]rune(out)) > 0)
		for _, r := range out {
			assert.NotEqual(t, '\uFFFD', r, "no half rune is released")
		}
		got += out
	}
	got += f.flush()
	assert.Equal(t, s, got)
}

func TestCanonRenamesCaseVariantsAndRefusesAmbiguity(t *testing.T) {
	m := map[string]any{"Content": "x", "ROLE": "user", "ſummary": []any{}}
	assert.NoError(t, canon(m))
	assert.Equal(t, "x", m["content"])
	assert.Contains(t, m, "ROLE", "names the transport does not read keep their case")
	assert.Contains(t, m, "summary", "Unicode simple folding, as encoding/json does")

	assert.Error(t, canon(map[string]any{"content": "a", "Content": "b"}))
	assert.Error(t, canon(map[string]any{"content": 42.0}))
	assert.Error(t, canon(map[string]any{"delta": "text"}))
	assert.NoError(t, canon(map[string]any{"content": nil, "delta": map[string]any{}}))
}

func TestReadAllSizedTreatsTheSizeAsAHint(t *testing.T) {
	for _, c := range []struct {
		body      string
		size, max int64
		err       bool
	}{
		{"hello", 5, 10, false}, {"hello", 3, 10, false}, {"hello", 9, 10, false},
		{"hello world!", 5, 10, true}, {"hello world!", 11, 10, true}, {strings.Repeat("x", 600), 5, 1000, false},
		{strings.Repeat("x", 600), 5, 599, true}, {"", 5, 10, false},
	} {
		b, err := readAllSized(iotest.OneByteReader(strings.NewReader(c.body)), c.size, c.max)
		if c.err {
			assert.Error(t, err, "%q size %d max %d", c.body, c.size, c.max)
			continue
		}
		assert.NoError(t, err)
		assert.Equal(t, c.body, string(b))
	}
	_, err := readAllSized(iotest.TimeoutReader(strings.NewReader("hello")), 5, 10)
	assert.ErrorIs(t, err, iotest.ErrTimeout, "a read error is not an end")
}

func TestMediaTypeOfAgreesWithMime(t *testing.T) {
	for _, ct := range []string{"application/json", "text/event-stream", "application/json; charset=utf-8",
		"text/event-stream; charset=utf-8", "Text/Event-Stream", "application/json;charset=UTF-8", "", "text/event-stream; =x", "bogus"} {
		want, _, _ := mime.ParseMediaType(ct)
		assert.Equal(t, want, mediaTypeOf(ct), ct)
	}
}
