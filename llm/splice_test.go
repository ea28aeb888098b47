package llm_test

import (
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
