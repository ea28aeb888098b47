package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stdDecodeObject is what the transport's reader must agree with:
// encoding/json decoding one object with UseNumber, nothing after it.
func stdDecodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return doc, nil
}

var jsonTreeSeeds = []string{
	`{}`, ` {"a":1} `, `{"a":"b","a":"c"}`, `{"a":[1,"x",{"b":null,"c":true,"d":false}]}`,
	`{"s":"\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}`, `{"s":"\ud800"}`, `{"s":"\ud800\u0041"}`,
	`{"s":"\udc00\ud800"}`, "{\"s\":\"\xff\xfe\"}", "{\"s\":\"caf\xc3\xa9\"}", "{\"k\xff\":1}",
	`{"n":-0.5e+10,"m":0,"o":1E3,"p":-12.75}`, `{"n":01}`, `{"n":-}`, `{"n":1.}`, `{"n":1e}`, `{"n":.5}`,
	`{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1}x`, `{"a":1}{}`, `[1]`, `"s"`, `null`, ` null `, `nul`, `1`,
	`{"a":tru}`, `{"a":nulL}`, "{\"a\":\"x\ny\"}", `{"a":"\x"}`, `{"a":"\u12g4"}`, `{"a":"\u12`, `{"a":"`,
	`{"a":[}`, `{"a":[1 2]}`, `{"a":{"b":{}}}`, "\ufeff{}", `{"":"empty key","a":["",""]}`,
	strings.Repeat("[", 10) + "1" + strings.Repeat("]", 10),
	`{"model":"m","messages":[{"role":"user","content":"alice@example.com","Content":"hi"}]}`,
	"{\"s\":\"\u2028\u2029\"}", `{"s":"a\u0000b"}`,
}

// FuzzJSONTree checks the transport's reader against encoding/json: the
// same documents accepted and refused, the same tree, and an exact reading
// only when re-encoding the tree reads back as the same tree and no member
// repeats.
func FuzzJSONTree(f *testing.F) {
	for _, s := range jsonTreeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := stdDecodeObject(b)
		got, r, gerr := readObjectDoc(b, true)
		if werr != nil {
			require.Error(t, gerr, "encoding/json refuses %q: %v", b, werr)
			return
		}
		require.NoError(t, gerr, "encoding/json accepts %q", b)
		require.Equal(t, want, got)
		// Every string value has a span that reads back as that value.
		var check func(v any)
		check = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					if s, ok := e.(string); ok {
						sp, found := r.spanOf(ownerOf(x), k, -1)
						require.True(t, found, "span of member %q", k)
						var back string
						require.NoError(t, json.Unmarshal(b[sp.start:sp.end], &back))
						require.Equal(t, s, back)
					}
					check(e)
				}
			case []any:
				for i, e := range x {
					if s, ok := e.(string); ok {
						sp, found := r.spanOf(ownerOf(x), "", i)
						require.True(t, found, "span of element %d", i)
						var back string
						require.NoError(t, json.Unmarshal(b[sp.start:sp.end], &back))
						require.Equal(t, s, back)
					}
					check(e)
				}
			}
		}
		check(got)
		// An exact reading splices with no edits to the input itself.
		out, ok := r.splice(nil)
		if ok {
			require.Equal(t, b, out)
		}
	})
}

func TestJSONTreeNestingLimitIsEncodingJSONs(t *testing.T) {
	for _, depth := range []int{9999, 10000, 10001} {
		b := []byte(`{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`)
		_, werr := stdDecodeObject(b)
		_, _, gerr := readObjectDoc(b, false)
		assert.Equal(t, werr == nil, gerr == nil, "depth %d: %v / %v", depth, werr, gerr)
		assert.Equal(t, depth > 10000, gerr != nil, "depth %d", depth)
	}
}

func TestJSONTreeExactness(t *testing.T) {
	for doc, exact := range map[string]bool{
		`{"a":"b","c":["d",1]}`:         true,
		`{"a":"\u00e9\ud83d\ude00\n"}`:  true,
		`{"a":"b","a":"c"}`:             false, // a parser keeping the first reads "b"
		`{"a":{"x":1,"x":2}}`:           false,
		`{"a":"\ud800"}`:                false, // read as U+FFFD
		"{\"a\":\"\xff\"}":              false,
		"{\"a\xff\":1}":                 false,
		`{"a":"x","A":"y"}`:             true, // two members; case is canon's concern
		"{\"a\":\"caf\xc3\xa9\ufffd\"}": true,
	} {
		_, r, err := readObjectDoc([]byte(doc), true)
		require.NoError(t, err, doc)
		assert.Equal(t, !exact, r.inexact, doc)
	}
}

func TestSpliceReplacesOnlyEditedStrings(t *testing.T) {
	src := `{ "model": "m", "messages": [ {"role":"user", "content": "mail alice@example.com"}, {"role":"user","content":"mail alice@example.com"} ], "n": 1.50 }`
	doc, r, err := readObjectDoc([]byte(src), true)
	require.NoError(t, err)
	msgs := doc["messages"].([]any)
	second := msgs[1].(map[string]any)
	sp, ok := r.spanOf(ownerOf(second), "content", -1)
	require.True(t, ok)
	out, ok := r.splice([]edit{{sp, "mail <EMAIL> \"q\"\n\u2028\xff"}})
	require.True(t, ok)
	assert.Equal(t, `{ "model": "m", "messages": [ {"role":"user", "content": "mail alice@example.com"}, {"role":"user","content":"mail <EMAIL> \"q\"\n\u2028\ufffd"} ], "n": 1.50 }`, string(out))
	var back map[string]any
	require.NoError(t, json.Unmarshal(out, &back))

	_, r, err = readObjectDoc([]byte(`{"a":"x","a":"y"}`), true)
	require.NoError(t, err)
	_, ok = r.splice(nil)
	assert.False(t, ok, "an inexact reading never passes the caller's bytes")
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "<&>", "\"\\/", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "é😀", "\u2028\u2029", "\xff\xc3", "a\xedb"} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(s))
		assert.Equal(t, strings.TrimSuffix(buf.String(), "\n"), string(appendJSONString(nil, s)), "%q", s)
	}
}

var wireSeeds = []string{
	`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"logprobs":null,"finish_reason":null}]}`,
	`{"id":"c","choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"t","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]}}]}`,
	`{"choices":[],"usage":{"prompt_tokens":1, "completion_tokens":2}}`, `{"choices":null,"usage":null}`,
	`{"choices":[{"index":0,"text":"x","finish_reason":"stop","content_filter_results":{"hate":{"filtered":false}}}]}`,
	`{"choices":[{"delta":{"function_call":{"arguments":"x"},"refusal":null,"reasoning":"r","reasoning_content":"q"}}]}`,
	`{"id":"a","id":"b"}`, `{"ID":"a"}`, `{"model":null}`, `{"created":1.0}`, `{"created":1e3}`, `{"created":-0}`,
	`{"created":99999999999999999999}`, `{"choices":[{"index":-1}]}`, `{"choices":[{"index":0,"delta":null}]}`,
	`{"choices":[{"delta":{"tool_calls":[{"index":null,"function":null}]}}]}`, `{"x":1}`, `{"id":"\u00e9\ud800"}`,
	`{"choices":[{"logprobs":{"content":[{"token":"a","logprob":-0.1}]}}]} `, `{"id":"c"} x`, `{"id":"c"`, `{"id":1}`,
	`{"obfuscation":"zz","service_tier":"default","system_fingerprint":null}`, `{"choices":[{"delta":{}}]}`,
	`{"choices":[{"delta":{"role":"","tool_calls":[],"function_call":{"name":"","arguments":""}},"logprobs":{ "a" : [ 1 , "<b>" ] }}]}`,
	`{"choices":[{"delta":{"tool_calls":[{}, {"index":2,"function":{"name":"n","arguments":" <&>"}}]}}]}`, `{"choices":[{"delta":{"content":"a"},"delta":{"role":"x"}}]}`,
}

// FuzzWireChunk checks the chunk reader against decodeWire: whatever the
// fast reader takes, decodeWire decodes to the same struct.
func FuzzWireChunk(f *testing.F) {
	for _, s := range wireSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, std wireChunk
		ferr := fastWire(&jsonReader{}, b, &fast)
		serr := decodeWire(b, &std)
		if ferr == nil {
			require.NoError(t, serr, "%q", b)
			require.Equal(t, std, fast, "%q", b)
		}
		var got wireChunk
		rerr := readWire(b, &got)
		require.Equal(t, serr == nil, rerr == nil)
		if rerr == nil {
			require.Equal(t, std, got)
			// The encoder writes what encoding/json writes.
			want, err := encode(&got)
			require.NoError(t, err)
			enc, err := appendWireChunk(nil, &got)
			require.NoError(t, err)
			require.Equal(t, string(want), string(enc))
		}
	})
}

func TestFastWireTakesTheCommonChunks(t *testing.T) {
	for _, s := range wireSeeds[:6] {
		var w wireChunk
		assert.NoError(t, fastWire(&jsonReader{}, []byte(s), &w), s)
	}
	for _, s := range []string{`{"id":"a","id":"b"}`, `{"ID":"a"}`, `{"model":null}`, `{"created":1.0}`, `{"x":1}`} {
		var w wireChunk
		assert.Error(t, fastWire(&jsonReader{}, []byte(s), &w), s)
	}
}
