package openaiserver

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// ErrorReply is an error the server sends instead of an answer, in the JSON
// shape the real service uses:
//
//	{"error": {"message": "...", "type": "...", "param": null, "code": null}}
//
// go-openai turns it into an *openai.APIError carrying Status as
// HTTPStatusCode. Set Raw to send a body that is not in that shape (an HTML
// page from a proxy, say); go-openai then returns an *openai.RequestError.
type ErrorReply struct {
	// Status is the HTTP status code; 0 means 500.
	Status int
	// Message, Type, Param and Code fill the error object; an empty Param or
	// Code is sent as null.
	Message string
	Type    string
	Param   string
	Code    string
	// RetryAfter, when positive, is sent in the Retry-After header (whole
	// seconds, rounded up) and in retry-after-ms.
	RetryAfter time.Duration
	// Raw, when non-nil, is sent verbatim as the body.
	Raw []byte
}

// BadRequest is a 400 invalid_request_error.
func BadRequest(message string) ErrorReply {
	return ErrorReply{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: message}
}

// Unauthorized is the 401 the real service sends for a wrong API key.
func Unauthorized() ErrorReply {
	return ErrorReply{
		Status:  http.StatusUnauthorized,
		Type:    "invalid_request_error",
		Code:    "invalid_api_key",
		Message: "Incorrect API key provided.",
	}
}

// RateLimited is a 429 rate_limit_exceeded with a Retry-After header.
func RateLimited(retryAfter time.Duration) ErrorReply {
	return ErrorReply{
		Status:     http.StatusTooManyRequests,
		Type:       "requests",
		Code:       "rate_limit_exceeded",
		Message:    "Rate limit reached. Please try again later.",
		RetryAfter: retryAfter,
	}
}

// ServerError is a 500 server_error.
func ServerError() ErrorReply {
	return ErrorReply{
		Status:  http.StatusInternalServerError,
		Type:    "server_error",
		Message: "The server had an error while processing your request. Sorry about that!",
	}
}

func notFound(r *http.Request) ErrorReply {
	return ErrorReply{
		Status:  http.StatusNotFound,
		Type:    "invalid_request_error",
		Message: fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path),
	}
}

func badParam(param, message string) ErrorReply {
	e := BadRequest(message)
	e.Param = param
	return e
}

// ErrorRule decides, for one received request, whether the server answers
// with an error. It returns nil to let the request through. It may be called
// from several goroutines at once.
type ErrorRule interface {
	ErrorFor(req Request) *ErrorReply
}

// ErrorRuleFunc adapts a function to ErrorRule.
type ErrorRuleFunc func(req Request) *ErrorReply

// ErrorFor calls f(req).
func (f ErrorRuleFunc) ErrorFor(req Request) *ErrorReply { return f(req) }

type wireError struct {
	Error wireErrorBody `json:"error"`
}

type wireErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e ErrorReply) write(w http.ResponseWriter) {
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if e.RetryAfter > 0 {
		secs := int64(math.Ceil(e.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		w.Header().Set("Retry-After-Ms", strconv.FormatInt(e.RetryAfter.Milliseconds(), 10))
	}
	if e.Raw != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(e.Raw)
		return
	}
	writeJSON(w, status, e.wire())
}

func (e ErrorReply) wire() wireError {
	body := wireErrorBody{Message: e.Message, Type: e.Type}
	if e.Param != "" {
		body.Param = &e.Param
	}
	if e.Code != "" {
		body.Code = &e.Code
	}
	return wireError{Error: body}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
