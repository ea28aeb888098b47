package llm_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/llm"
)

// TestRequestKeepsCallerBytesOutsideMaskedTexts: a request read exactly
// (no repeated member, no renamed member, every string as written) goes out
// as the caller's bytes with only the masked strings replaced; any other
// request goes out re-encoded, so a member the transport did not read
// cannot reach the upstream.
func TestRequestKeepsCallerBytesOutsideMaskedTexts(t *testing.T) {
	e := newEnv(t)
	srv := newServer(t)
	hc := llm.NewHTTPClient(nil, e.guard)
	post := func(body string) string {
		t.Helper()
		before := len(srv.Requests())
		req, err := http.NewRequestWithContext(analyst(), http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(body))
		require.NoError(t, err)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		reqs := srv.Requests()
		require.Len(t, reqs, before+1)
		return string(reqs[before].Body)
	}
	const clean = `{ "model": "m",  "temperature": 0.50, "messages": [{"role":"user","content":"Plain \u00e9 text."}] }`
	assert.Equal(t, clean, post(clean), "nothing masked: the caller's bytes")

	got := post(`{"model":"m","messages":[{"role":"user","content":"Mail alice@example.com"},{"role":"user","content":"hi"}],"n":1.0}`)
	assert.Equal(t, `{"model":"m","messages":[{"role":"user","content":`+quoteJSON(masked("Mail alice@example.com"))+`},{"role":"user","content":"hi"}],"n":1.0}`, got)

	// Re-encoded: a repeated member, a renamed member, a lone surrogate.
	got = post(`{"model":"m","messages":[{"role":"user","content":"alice@example.com","content":"hi"}],"x":"y"}`)
	assert.Equal(t, `{"messages":[{"content":"hi","role":"user"}],"model":"m","x":"y"}`, got)
	got = post(`{"model":"m","messages":[{"role":"user","CONTENT":"hi"}]}`)
	assert.Equal(t, `{"messages":[{"content":"hi","role":"user"}],"model":"m"}`, got)
	got = post(`{"model":"m","messages":[{"role":"user","content":"hi \ud800"}]}`)
	assert.Equal(t, `{"messages":[{"content":"hi `+"\ufffd"+`","role":"user"}],"model":"m"}`, got)
	assertNothingLeft(t, srv)
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// TestAnswerKeepsUpstreamBytesOutsideMaskedTexts: an answer read exactly
// reaches the caller as the upstream's bytes with only the masked strings
// replaced (restored ones too), and re-encoded when the transport changed
// anything else (log-probabilities dropped) or the reading was inexact.
func TestAnswerKeepsUpstreamBytesOutsideMaskedTexts(t *testing.T) {
	e := newEnv(t)
	call := func(ctx context.Context, answer string) string {
		t.Helper()
		hc := &http.Client{Transport: llm.NewTransport(jsonReplay(answer), e.guard)}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://upstream.invalid/v1/chat/completions",
			strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
		require.NoError(t, err)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	const tmpl = `{"id":"c1",  "object":"chat.completion", "choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":null,"x_note":%s},"logprobs":%s,"finish_reason":"stop"}],"usage":{"prompt_tokens":1.0}}`
	answer := fmt.Sprintf(tmpl, `"Mail alice@example.com"`, `"Bob Smith"`, `null`)
	assert.Equal(t, fmt.Sprintf(tmpl, quoteJSON(masked("Mail alice@example.com")), quoteJSON(masked("Bob Smith")), `null`), call(analyst(), answer))

	e.rec.reset()
	assert.Equal(t, answer, call(as("rita", "restorer"), answer), "restored: the upstream's bytes again")
	ev := e.rec.only(t)
	assert.Empty(t, leaks(string(ev.Response)), "the session record keeps the masked answer")
	assert.Positive(t, ev.Restored)

	got := call(analyst(), fmt.Sprintf(tmpl, `"hi"`, `"ok"`, `{"content":[{"token":"hi"}]}`))
	assert.Contains(t, got, `"logprobs":null`)
	assert.NotContains(t, got, `{"token":"hi"}`)
	got = call(analyst(), `{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}],"usage":{"Prompt_Tokens":3}}`)
	assert.Contains(t, got, `"usage":{"prompt_tokens":3}`, "a member renamed by case: re-encoded")
	got = call(analyst(), `{"choices":[{"index":0,"message":{"role":"assistant","content":"hi \ud800","content":"alice@example.com"}}]}`)
	assert.Empty(t, leaks(got))
	assert.NotContains(t, got, `\ud800`)
}
