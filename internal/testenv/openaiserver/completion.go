package openaiserver

import (
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

type textCompletion struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []textChoice `json:"choices"`
	Usage   any          `json:"usage,omitempty"`
}

type textChoice struct {
	Text         string  `json:"text"`
	Index        int     `json:"index"`
	Logprobs     any     `json:"logprobs"`
	FinishReason *string `json:"finish_reason"`
}

// prompts returns the prompts of a legacy completion request: a string or an
// array of strings. Token-array prompts are not supported by this server.
func prompts(p any) ([]string, *ErrorReply) {
	switch p := p.(type) {
	case string:
		return []string{p}, nil
	case []any:
		out := make([]string, 0, len(p))
		for _, e := range p {
			s, ok := e.(string)
			if !ok {
				e := badParam("prompt", "openaiserver supports only string prompts")
				return nil, &e
			}
			out = append(out, s)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	e := badParam("prompt", "'prompt' must be a string or a non-empty array of strings")
	return nil, &e
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request, body []byte) {
	var req openai.CompletionRequest
	if !decode(w, body, &req) {
		return
	}
	if req.Model == "" {
		badParam("model", "you must provide a model parameter").write(w)
		return
	}
	ps, bad := prompts(req.Prompt)
	if bad != nil {
		bad.write(w)
		return
	}
	replies := make([]Reply, len(ps))
	var promptToks, completionToks int
	for i, p := range ps {
		replies[i] = s.cfg.completion.Complete(p, req)
		if replies[i].Error != nil {
			replies[i].Error.write(w)
			return
		}
		promptToks += CountTokens(p)
		completionToks += CountTokens(replies[i].Content)
	}
	usage := usageOf(replies[0], promptToks, completionToks)
	base := textCompletion{
		ID:      s.nextID("cmpl-"),
		Object:  "text_completion",
		Created: time.Now().Unix(),
		Model:   req.Model,
	}
	if !req.Stream {
		out := base
		for i, rep := range replies {
			finish := rep.finishReason()
			out.Choices = append(out.Choices, textChoice{Text: rep.Content, Index: i, Logprobs: jsonNull, FinishReason: &finish})
		}
		out.Usage = usage
		writeJSON(w, http.StatusOK, out)
		return
	}

	pieces := make([][]string, len(replies))
	for i, rep := range replies {
		var ok bool
		if pieces[i], ok = chunks(s.cfg.chunker, rep.Content); !ok {
			errChunker.write(w)
			return
		}
	}
	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	if includeUsage {
		base.Usage = jsonNull
	}
	e := s.startSSE(w, r)
	send := func(c textChoice) error {
		out := base
		c.Logprobs = jsonNull
		out.Choices = []textChoice{c}
		return e.data(out)
	}
	for i, rep := range replies {
		for _, p := range pieces[i] {
			if send(textChoice{Text: p, Index: i}) != nil {
				return
			}
		}
		if rep.StreamError != nil {
			_ = e.data(rep.StreamError.wire())
			return
		}
		finish := rep.finishReason()
		if send(textChoice{Index: i, FinishReason: &finish}) != nil {
			return
		}
	}
	if includeUsage {
		out := base
		out.Choices = []textChoice{}
		out.Usage = usage
		if e.data(out) != nil {
			return
		}
	}
	_ = e.finish()
}
