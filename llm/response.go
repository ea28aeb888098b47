package llm

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ragguard/ragguard"
)

// responseFields collects the texts of a non-streamed response that reach
// the caller. With strip, token log-probabilities are dropped: they spell
// out the answer token by token, unmasked, and cannot be masked in place.
func responseFields(ep endpoint, doc map[string]any, fs *fields, strip bool) {
	switch ep {
	case epChat, epCompletion:
		choices, _ := doc["choices"].([]any)
		for i, cv := range choices {
			c, ok := fs.obj(cv)
			if !ok {
				continue
			}
			base := "choices[" + strconv.Itoa(i) + "]"
			if strip && c["logprobs"] != nil {
				c["logprobs"] = nil
			}
			fs.str(c, "text", base+".text")
			m, ok := fs.obj(c["message"])
			if !ok {
				continue
			}
			fs.content(m, "content", base+".message.content")
			fs.str(m, "refusal", base+".message.refusal")
			fs.str(m, "reasoning_content", base+".message.reasoning_content")
			toolCalls(fs, m, base+".message")
		}
	case epResponses:
		fs.str(doc, "output_text", "output_text")
		out, _ := doc["output"].([]any)
		for i, iv := range out {
			item, ok := fs.obj(iv)
			if !ok {
				continue
			}
			base := "output[" + strconv.Itoa(i) + "]"
			fs.content(item, "content", base+".content")
			fs.str(item, "arguments", base+".arguments")
			if sum, ok := item["summary"].([]any); ok {
				for j, sv := range sum {
					if part, ok := fs.obj(sv); ok {
						fs.str(part, "text", fmt.Sprintf("%s.summary[%d].text", base, j))
					}
				}
			}
			if strip {
				if parts, ok := item["content"].([]any); ok {
					for _, pv := range parts {
						if part, ok := fs.obj(pv); ok && part["logprobs"] != nil {
							part["logprobs"] = nil
						}
					}
				}
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
