package openaiserver

import (
	"encoding/json"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

type responseRequest struct {
	Model        string          `json:"model"`
	Input        json.RawMessage `json:"input"`
	Instructions string          `json:"instructions"`
	Stream       bool            `json:"stream"`
}

type responseInputItem struct {
	Type    string          `json:"type"`
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
	CallID  string          `json:"call_id"`
	Output  json.RawMessage `json:"output"`
}

type responseContentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type responseObject struct {
	ID                string           `json:"id"`
	Object            string           `json:"object"`
	CreatedAt         int64            `json:"created_at"`
	Status            string           `json:"status"`
	Error             any              `json:"error"`
	IncompleteDetails any              `json:"incomplete_details"`
	Instructions      any              `json:"instructions"`
	Model             string           `json:"model"`
	Output            []any            `json:"output"`
	Usage             responseUsage    `json:"usage"`
	Text              responseTextSpec `json:"text"`
}

type responseTextSpec struct {
	Format struct {
		Type string `json:"type"`
	} `json:"format"`
}

type responseUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

type responseMessage struct {
	ID      string                  `json:"id"`
	Type    string                  `json:"type"`
	Status  string                  `json:"status"`
	Role    string                  `json:"role"`
	Content []responseOutputContent `json:"content"`
}

type responseOutputContent struct {
	Type        string  `json:"type"`
	Text        *string `json:"text,omitempty"`
	Refusal     *string `json:"refusal,omitempty"`
	Annotations any     `json:"annotations,omitempty"`
}

type responseFunctionCall struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Status    string `json:"status"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// responseChat turns a Responses API request into the chat request the
// ChatResponder sees.
func responseChat(req responseRequest) (openai.ChatCompletionRequest, *ErrorReply) {
	chat := openai.ChatCompletionRequest{Model: req.Model}
	if req.Instructions != "" {
		chat.Messages = append(chat.Messages, openai.ChatCompletionMessage{
			Role: openai.ChatMessageRoleSystem, Content: req.Instructions,
		})
	}
	bad := func(msg string) *ErrorReply { e := badParam("input", msg); return &e }
	var text string
	if json.Unmarshal(req.Input, &text) == nil {
		chat.Messages = append(chat.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: text})
		return chat, nil
	}
	var items []responseInputItem
	if err := json.Unmarshal(req.Input, &items); err != nil || len(items) == 0 {
		return chat, bad("'input' must be a string or a non-empty array of input items")
	}
	for _, it := range items {
		switch it.Type {
		case "", "message":
			if !validRoles[it.Role] {
				return chat, bad("input message has an invalid role")
			}
			var content string
			if json.Unmarshal(it.Content, &content) != nil {
				var parts []responseContentPart
				if json.Unmarshal(it.Content, &parts) != nil {
					return chat, bad("input message content must be a string or an array of content parts")
				}
				for _, p := range parts {
					if p.Type == "input_text" || p.Type == "output_text" {
						if content != "" {
							content += " "
						}
						content += p.Text
					}
				}
			}
			chat.Messages = append(chat.Messages, openai.ChatCompletionMessage{Role: it.Role, Content: content})
		case "function_call_output":
			var out string
			if json.Unmarshal(it.Output, &out) != nil {
				out = string(it.Output)
			}
			chat.Messages = append(chat.Messages, openai.ChatCompletionMessage{
				Role: openai.ChatMessageRoleTool, ToolCallID: it.CallID, Content: out,
			})
		default:
			return chat, bad("openaiserver does not support input items of type " + it.Type)
		}
	}
	return chat, nil
}

func (s *Server) responses(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req responseRequest
	if !decode(w, body, &req) {
		return
	}
	if req.Model == "" {
		badParam("model", "you must provide a model parameter").write(w)
		return
	}
	if req.Stream {
		badParam("stream", "openaiserver serves the Responses API without streaming").write(w)
		return
	}
	chat, bad := responseChat(req)
	if bad != nil {
		bad.write(w)
		return
	}
	reply := s.cfg.chat.Chat(chat)
	if reply.Error != nil {
		reply.Error.write(w)
		return
	}
	out := responseObject{
		ID:           s.nextID("resp_"),
		Object:       "response",
		CreatedAt:    time.Now().Unix(),
		Status:       "completed",
		Error:        jsonNull,
		Instructions: jsonNull,
		Model:        req.Model,
		Output:       []any{},
	}
	out.IncompleteDetails = jsonNull
	out.Text.Format.Type = "text"
	if req.Instructions != "" {
		out.Instructions = req.Instructions
	}
	if reply.Content != "" || reply.Refusal != "" || len(reply.ToolCalls) == 0 {
		msg := responseMessage{ID: s.nextID("msg_"), Type: "message", Status: "completed", Role: "assistant"}
		if reply.Content != "" || reply.Refusal == "" {
			msg.Content = append(msg.Content, responseOutputContent{Type: "output_text", Text: &reply.Content, Annotations: []any{}})
		}
		if reply.Refusal != "" {
			msg.Content = append(msg.Content, responseOutputContent{Type: "refusal", Refusal: &reply.Refusal})
		}
		out.Output = append(out.Output, msg)
	}
	for _, tc := range reply.ToolCalls {
		callID := tc.ID
		if callID == "" {
			callID = s.nextID("call_")
		}
		out.Output = append(out.Output, responseFunctionCall{
			ID: s.nextID("fc_"), Type: "function_call", Status: "completed",
			CallID: callID, Name: tc.Name, Arguments: tc.Arguments,
		})
	}
	in, outToks := promptTokens(chat), completionTokens(reply)
	out.Usage = responseUsage{InputTokens: in, OutputTokens: outToks, TotalTokens: in + outToks}
	writeJSON(w, http.StatusOK, out)
}
