package openaiserver

import (
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Reply is the scripted answer to one chat or completion request.
type Reply struct {
	// Content is the assistant's text.
	Content string
	// Refusal, when set, is sent in the message's refusal field (chat only).
	Refusal string
	// ToolCalls makes the assistant call functions (chat only).
	ToolCalls []ToolCall
	// FinishReason defaults to "tool_calls" when ToolCalls is set and to
	// "stop" otherwise.
	FinishReason openai.FinishReason
	// Usage, when set, is reported verbatim instead of the counted usage.
	Usage *openai.Usage
	// Error, when set, is sent instead of an answer.
	Error *ErrorReply
	// StreamError, when set on a streamed request, is sent after the
	// content as a "data: {"error": {...}}" event, and the stream ends there
	// without a finish reason or [DONE] — an upstream failure mid-stream.
	// Status, RetryAfter and Raw do not apply.
	StreamError *ErrorReply
}

// ToolCall is one function call in a Reply.
type ToolCall struct {
	// ID defaults to a server-assigned "call_..." id.
	ID string
	// Name is the function name.
	Name string
	// Arguments is the JSON text of the arguments; streams split it across
	// chunks with the configured Chunker.
	Arguments string
}

func (r Reply) finishReason() string {
	switch {
	case r.FinishReason != "" && r.FinishReason != openai.FinishReasonNull:
		return string(r.FinishReason)
	case len(r.ToolCalls) > 0:
		return string(openai.FinishReasonToolCalls)
	default:
		return string(openai.FinishReasonStop)
	}
}

// ChatResponder decides the answer to a chat completion request. It also
// answers /v1/responses requests, which the server first turns into a chat
// request (instructions as a system message, input as user messages).
// It may be called from several goroutines at once.
type ChatResponder interface {
	Chat(req openai.ChatCompletionRequest) Reply
}

// ChatResponderFunc adapts a function to ChatResponder.
type ChatResponderFunc func(req openai.ChatCompletionRequest) Reply

// Chat calls f(req).
func (f ChatResponderFunc) Chat(req openai.ChatCompletionRequest) Reply { return f(req) }

// Echo answers "You said: " followed by the text of the last user message.
// It is the default ChatResponder.
func Echo() ChatResponder {
	return ChatResponderFunc(func(req openai.ChatCompletionRequest) Reply {
		return Reply{Content: "You said: " + LastUserText(req)}
	})
}

// Answer always replies with text.
func Answer(text string) ChatResponder {
	return Static(Reply{Content: text})
}

// Static always replies with r.
func Static(r Reply) ChatResponder {
	return ChatResponderFunc(func(openai.ChatCompletionRequest) Reply { return r })
}

// LastUserText returns the text of the last user message in req, joining the
// text parts of a multi-part message with a space.
func LastUserText(req openai.ChatCompletionRequest) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == openai.ChatMessageRoleUser {
			return messageText(req.Messages[i])
		}
	}
	return ""
}

func messageText(m openai.ChatCompletionMessage) string {
	if len(m.MultiContent) == 0 {
		return m.Content
	}
	parts := make([]string, 0, len(m.MultiContent))
	for _, p := range m.MultiContent {
		if p.Type == openai.ChatMessagePartTypeText {
			parts = append(parts, p.Text)
		}
	}
	return strings.Join(parts, " ")
}

// CompletionResponder decides the text completing one prompt of a legacy
// completion request; a request with several prompts gets one choice per
// prompt. It may be called from several goroutines at once.
type CompletionResponder interface {
	Complete(prompt string, req openai.CompletionRequest) Reply
}

// CompletionResponderFunc adapts a function to CompletionResponder.
type CompletionResponderFunc func(prompt string, req openai.CompletionRequest) Reply

// Complete calls f(prompt, req).
func (f CompletionResponderFunc) Complete(prompt string, req openai.CompletionRequest) Reply {
	return f(prompt, req)
}

// EchoCompletion answers "You said: " followed by the prompt. It is the
// default CompletionResponder.
func EchoCompletion() CompletionResponder {
	return CompletionResponderFunc(func(prompt string, _ openai.CompletionRequest) Reply {
		return Reply{Content: "You said: " + prompt}
	})
}

// Moderator returns the moderation categories (such as "harassment" or
// "violence"; see the API's category names) that input is flagged for; none
// means not flagged. It may be called from several goroutines at once.
type Moderator interface {
	Moderate(input string) []string
}

// ModeratorFunc adapts a function to Moderator.
type ModeratorFunc func(input string) []string

// Moderate calls f(input).
func (f ModeratorFunc) Moderate(input string) []string { return f(input) }

// CountTokens is the server's stand-in for a tokenizer: the number of
// whitespace-separated words in s. Usage figures are built from it.
func CountTokens(s string) int { return len(strings.Fields(s)) }
