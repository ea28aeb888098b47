package openaiserver

import (
	"fmt"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Wire types follow the real service's JSON, including its nulls, rather than
// go-openai's structs, whose zero values would put fields on the wire that
// the service never sends.

const systemFingerprint = "fp_openaiserver"

type wireUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func usageOf(r Reply, prompt, completion int) any {
	if r.Usage != nil {
		return *r.Usage
	}
	return wireUsage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
}

type chatCompletion struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	Choices           []chatChoice `json:"choices"`
	Usage             any          `json:"usage"`
	SystemFingerprint string       `json:"system_fingerprint"`
}

type chatChoice struct {
	Index        int         `json:"index"`
	Message      chatMessage `json:"message"`
	Logprobs     any         `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type chatMessage struct {
	Role      string         `json:"role"`
	Content   *string        `json:"content"`
	Refusal   *string        `json:"refusal"`
	ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
}

type wireToolCall struct {
	Index    *int         `json:"index,omitempty"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function wireFunction `json:"function"`
}

type wireFunction struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type chatChunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	SystemFingerprint string        `json:"system_fingerprint"`
	Choices           []chunkChoice `json:"choices"`
	Usage             any           `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int        `json:"index"`
	Delta        chunkDelta `json:"delta"`
	Logprobs     any        `json:"logprobs"`
	FinishReason *string    `json:"finish_reason"`
}

type chunkDelta struct {
	Role      string         `json:"role,omitempty"`
	Content   *string        `json:"content,omitempty"`
	Refusal   *string        `json:"refusal,omitempty"`
	ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
}

// jsonNull is a non-nil value that encodes as null, for fields the service
// sends as null rather than leaving out.
var jsonNull = rawJSON("null")

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

var validRoles = map[string]bool{
	openai.ChatMessageRoleSystem: true, openai.ChatMessageRoleUser: true,
	openai.ChatMessageRoleAssistant: true, openai.ChatMessageRoleTool: true,
	openai.ChatMessageRoleFunction: true, openai.ChatMessageRoleDeveloper: true,
}

func validateChat(req openai.ChatCompletionRequest) *ErrorReply {
	if req.Model == "" {
		e := badParam("model", "you must provide a model parameter")
		return &e
	}
	if len(req.Messages) == 0 {
		e := badParam("messages", "[] is too short - 'messages'")
		return &e
	}
	for i, m := range req.Messages {
		if !validRoles[m.Role] {
			e := badParam("messages", fmt.Sprintf("Invalid value for 'messages[%d].role': %q.", i, m.Role))
			return &e
		}
	}
	return nil
}

func promptTokens(req openai.ChatCompletionRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += CountTokens(messageText(m))
	}
	return n
}

func completionTokens(r Reply) int {
	n := CountTokens(r.Content) + CountTokens(r.Refusal)
	for _, tc := range r.ToolCalls {
		n += CountTokens(tc.Arguments)
	}
	return n
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, body []byte) {
	var req openai.ChatCompletionRequest
	if !decode(w, body, &req) {
		return
	}
	if e := validateChat(req); e != nil {
		e.write(w)
		return
	}
	reply := s.cfg.chat.Chat(req)
	if reply.Error != nil {
		reply.Error.write(w)
		return
	}
	for i := range reply.ToolCalls {
		if reply.ToolCalls[i].ID == "" {
			reply.ToolCalls[i].ID = s.nextID("call_")
		}
	}
	if req.Stream {
		s.streamChat(w, r, req, reply)
		return
	}
	msg := chatMessage{Role: openai.ChatMessageRoleAssistant}
	if reply.Content != "" || (reply.Refusal == "" && len(reply.ToolCalls) == 0) {
		msg.Content = &reply.Content
	}
	if reply.Refusal != "" {
		msg.Refusal = &reply.Refusal
	}
	for _, tc := range reply.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, wireToolCall{
			ID: tc.ID, Type: string(openai.ToolTypeFunction),
			Function: wireFunction{Name: tc.Name, Arguments: tc.Arguments},
		})
	}
	writeJSON(w, http.StatusOK, chatCompletion{
		ID:                s.nextID("chatcmpl-"),
		Object:            "chat.completion",
		Created:           time.Now().Unix(),
		Model:             req.Model,
		Choices:           []chatChoice{{Message: msg, FinishReason: reply.finishReason()}},
		Usage:             usageOf(reply, promptTokens(req), completionTokens(reply)),
		SystemFingerprint: systemFingerprint,
	})
}

var errChunker = ErrorReply{
	Status:  http.StatusInternalServerError,
	Type:    "server_error",
	Message: "openaiserver: the Chunker's pieces do not rebuild the text (or cut a rune in two)",
}

func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, req openai.ChatCompletionRequest, reply Reply) {
	content, ok1 := chunks(s.cfg.chunker, reply.Content)
	refusal, ok2 := chunks(s.cfg.chunker, reply.Refusal)
	args := make([][]string, len(reply.ToolCalls))
	ok3 := true
	for i, tc := range reply.ToolCalls {
		var ok bool
		if args[i], ok = chunks(s.cfg.chunker, tc.Arguments); !ok {
			ok3 = false
		}
	}
	if !ok1 || !ok2 || !ok3 {
		errChunker.write(w)
		return
	}
	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	base := chatChunk{
		ID:                s.nextID("chatcmpl-"),
		Object:            "chat.completion.chunk",
		Created:           time.Now().Unix(),
		Model:             req.Model,
		SystemFingerprint: systemFingerprint,
	}
	if includeUsage {
		base.Usage = jsonNull
	}
	send := func(e *sse, d chunkDelta, finish *string) error {
		c := base
		c.Choices = []chunkChoice{{Delta: d, FinishReason: finish}}
		return e.data(c)
	}

	e := s.startSSE(w, r)
	empty := ""
	err := send(e, chunkDelta{Role: openai.ChatMessageRoleAssistant, Content: &empty}, nil)
	for _, p := range content {
		if err != nil {
			break
		}
		err = send(e, chunkDelta{Content: &p}, nil)
	}
	for _, p := range refusal {
		if err != nil {
			break
		}
		err = send(e, chunkDelta{Refusal: &p}, nil)
	}
	for i, tc := range reply.ToolCalls {
		if err != nil {
			break
		}
		err = send(e, chunkDelta{ToolCalls: []wireToolCall{{
			Index: &i, ID: tc.ID, Type: string(openai.ToolTypeFunction),
			Function: wireFunction{Name: tc.Name},
		}}}, nil)
		for _, p := range args[i] {
			if err != nil {
				break
			}
			err = send(e, chunkDelta{ToolCalls: []wireToolCall{{Index: &i, Function: wireFunction{Arguments: p}}}}, nil)
		}
	}
	if err != nil {
		return
	}
	if reply.StreamError != nil {
		_ = e.data(reply.StreamError.wire())
		return
	}
	finish := reply.finishReason()
	if err := send(e, chunkDelta{}, &finish); err != nil {
		return
	}
	if includeUsage {
		c := base
		c.Choices = []chunkChoice{}
		c.Usage = usageOf(reply, promptTokens(req), completionTokens(reply))
		if err := e.data(c); err != nil {
			return
		}
	}
	_ = e.finish()
}
