package llm

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ragguard/ragguard"
)

// responseFields collects the texts of a non-streamed response that reach
// the caller: every string of each choice (chat, completions) or output
// item (Responses API) except the members that identify or name things, so
// that members the transport does not know (audio transcripts, reasoning,
// annotations, provider extensions) are masked too. With strip, token
// log-probabilities are dropped: they spell out the answer token by token
// and cannot be masked in place.
func responseFields(ep endpoint, doc map[string]any, fs *fields, strip bool) {
	switch ep {
	case epChat, epCompletion:
		choices, _ := doc["choices"].([]any)
		for i, cv := range choices {
			c, ok := fs.obj(cv)
			if !ok {
				continue
			}
			if strip && c["logprobs"] != nil {
				c["logprobs"] = nil
				fs.stripped = true
			}
			fs.obj(c["message"])
			allStrings(fs, c, "choices["+strconv.Itoa(i)+"]")
		}
		// Members beside the choices (provider extensions) reach the caller
		// too: their strings are masked like the choices'.
		var buf [16]string
		for _, k := range sortedKeys(doc, buf[:0]) {
			if k == "choices" || k == "usage" || structural(k) {
				continue
			}
			if _, ok := doc[k].(string); ok {
				fs.str(doc, k, k)
			} else {
				allStrings(fs, doc[k], k)
			}
		}
	case epResponses:
		fs.str(doc, "output_text", "output_text")
		out, _ := doc["output"].([]any)
		for i, iv := range out {
			item, ok := iv.(map[string]any)
			if !ok {
				continue
			}
			if strip {
				if parts, ok := item["content"].([]any); ok {
					for _, pv := range parts {
						if part, ok := pv.(map[string]any); ok && part["logprobs"] != nil {
							part["logprobs"] = nil
							fs.stripped = true
						}
					}
				}
			}
			allStrings(fs, item, "output["+strconv.Itoa(i)+"]")
		}
	}
}

// structural reports whether a member identifies or names something rather
// than carrying text.
func structural(k string) bool {
	return respStructural[k] || k == "finish_reason" || strings.HasSuffix(k, "_id")
}

// maskOutside masks, in place, every string of doc's members other than
// choices, usage and structural ones, with mask(location, value).
func maskOutside(doc map[string]any, loc string, mask func(loc, v string) string) {
	for k, v := range doc {
		if k == "choices" || k == "usage" || structural(k) {
			continue
		}
		doc[k] = maskAll(v, loc+"."+k, mask)
	}
}

func maskAll(v any, loc string, mask func(loc, v string) string) any {
	switch x := v.(type) {
	case string:
		return mask(loc, x)
	case map[string]any:
		for k, e := range x {
			if !structural(k) {
				x[k] = maskAll(e, loc+"."+k, mask)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = maskAll(e, loc+"[*]", mask)
		}
	}
	return v
}

// allStrings collects every string in v outside structural members.
func allStrings(fs *fields, v any, loc string) {
	switch x := v.(type) {
	case map[string]any:
		var buf [16]string
		for _, k := range sortedKeys(x, buf[:0]) {
			if structural(k) {
				continue
			}
			sub := loc + "." + k
			if _, ok := x[k].(string); ok {
				fs.str(x, k, sub)
			} else {
				allStrings(fs, x[k], sub)
			}
		}
	case []any:
		for i := range x {
			sub := loc + "[" + strconv.Itoa(i) + "]"
			if _, ok := x[i].(string); ok {
				fs.elem(x, i, sub)
			} else {
				allStrings(fs, x[i], sub)
			}
		}
	}
}

// usageOf reads token usage and the finish reason from a response body or
// a stream chunk.
func usageOf(doc map[string]any) (u ragguard.Usage, ok bool) {
	if um, isMap := doc["usage"].(map[string]any); isMap {
		ok = true
		_ = canon(um) // figures only: an ambiguous name just goes unread
		u.InputTokens = firstInt(um, "prompt_tokens", "input_tokens")
		u.OutputTokens = firstInt(um, "completion_tokens", "output_tokens")
	}
	return u, ok
}

// finishReasonOf returns the first choice's finish reason, or a Responses
// API status.
func finishReasonOf(doc map[string]any) string {
	if choices, ok := doc["choices"].([]any); ok {
		for _, cv := range choices {
			if c, ok := cv.(map[string]any); ok {
				if fr, ok := c["finish_reason"].(string); ok && fr != "" {
					return fr
				}
			}
		}
	}
	if st, ok := doc["status"].(string); ok {
		return st
	}
	return ""
}

func firstInt(m map[string]any, keys ...string) int64 {
	for _, k := range keys {
		if n, ok := m[k].(json.Number); ok {
			if v, err := n.Int64(); err == nil {
				return v
			}
		}
	}
	return 0
}

// indexOf reads the index of a choice or tool call as a Go client does:
// absent or null is 0. Anything but a small non-negative integer is
// refused, since the transport and the client must agree on which text a
// piece belongs to.
func indexOf(v any) (int, bool) {
	if v == nil {
		return 0, true
	}
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil && i >= 0 && i < 1<<16 {
			return int(i), true
		}
	}
	return 0, false
}
