// Package genai records the calls an LLM provider's Go client makes as
// spans and metrics in the shape of the Python SDK's LLM instrumentation
// (logfire.instrument_openai and instrument_anthropic with
// version='latest'), which is what Logfire's LLMs and Agents views read.
//
// It is the engine behind logfire/logfireopenai and
// logfire/logfireanthropic: a provider package describes its endpoints (how
// to read a request body, a response body and a server-sent-event stream),
// and Middleware turns that description into an HTTP middleware for the
// client's option.WithMiddleware. The middleware runs once for each attempt
// the client makes, so each attempt is one span.
package genai

import (
	"encoding/json"

	"go.opentelemetry.io/otel/attribute"
)

// Provider describes one LLM provider's API.
type Provider struct {
	// Name is gen_ai.provider.name and gen_ai.system ("openai").
	Name string
	// Scope is the instrumentation scope of the spans and metrics
	// ("logfire.openai", as the Python SDK names it).
	Scope string
	// ErrorType is the exception.type of a failed call's exception
	// event: the type of the error the client returns ("*openai.Error").
	ErrorType string
	// Endpoint returns the endpoint that a request with this method and
	// URL path calls, or nil for a request that is not recorded.
	Endpoint func(method, path string) *Endpoint
}

// Endpoint describes one operation of a provider's API.
type Endpoint struct {
	// Operation is gen_ai.operation.name ("chat", "embeddings").
	Operation string
	// Template is logfire.msg_template and the span's name
	// ("Chat Completion with {request_data[model]!r}").
	Template string
	// Message is what logfire.msg says before the quoted model
	// ("Chat Completion with ").
	Message string
	// Request reads the request body into r. It returns the body to send
	// instead, or nil to send the body as it is.
	Request func(body []byte, r *Request) []byte
	// Response reads the body of a successful answer that is not a
	// stream into res.
	Response func(body []byte, res *Result, content bool)
	// Stream returns what accumulates a streamed answer (nil: the
	// endpoint does not stream).
	Stream func() Stream
}

// Request is what a provider package reads from a request body.
type Request struct {
	// Content is set by the caller: whether the messages are recorded.
	// With it false, Input and System are left nil.
	Content bool

	// Model is gen_ai.request.model; Null means the request has none
	// (the message then says None, as Python's does).
	Model string
	Null  bool
	// Stream is whether the request asks for a stream; it goes into
	// request_data when StreamInRequestData is set (Responses API).
	Stream              bool
	StreamInRequestData bool
	// Params are the request parameters (gen_ai.request.*) in the order
	// the Python SDK sets them.
	Params []attribute.KeyValue
	// Tools is gen_ai.tool.definitions: the JSON of the request's tools.
	Tools string
	// Input is gen_ai.input.messages and System gen_ai.system_instructions,
	// encoded as JSON when they are not nil.
	Input  []Message
	System []any
}

// Result is what a provider package reads from an answer.
type Result struct {
	ID            string
	Model         string
	FinishReasons []string
	Usage         Usage
	// Output is gen_ai.output.messages (nil: not recorded).
	Output []Message
	// ErrorType and ErrorMessage are set when a stream carried an error
	// event.
	ErrorType    string
	ErrorMessage string
}

// Usage is the token usage of a call.
type Usage struct {
	Input, Output, CacheRead, CacheCreation             int64
	HasInput, HasOutput, HasCacheRead, HasCacheCreation bool
	// Raw is gen_ai.usage.raw: the provider's usage object as JSON.
	Raw string
}

// Stream accumulates a streamed answer, one server-sent event at a time.
// Event is called with the data of each event; the bytes are only valid
// during the call (copy what is kept). Result is called once, when the
// stream ends, is cut or is closed.
type Stream interface {
	Event(data []byte)
	Result(res *Result, content bool)
}

// Message is one message of gen_ai.input.messages or
// gen_ai.output.messages in the OpenTelemetry GenAI conventions' JSON
// shape (the Python SDK's semconv.ChatMessage and OutputMessage).
type Message struct {
	Role         string `json:"role"`
	Parts        []any  `json:"parts"`
	Name         string `json:"name,omitempty"`
	FinishReason string `json:"finish_reason,omitempty"`
}

// TextPart is {"type": "text", "content": …}.
type TextPart struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

// Text returns the text part s.
func Text(s string) TextPart { return TextPart{Type: "text", Content: s} }

// ToolCallPart is a tool call the model asked for.
type ToolCallPart struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments any    `json:"arguments"`
}

// ToolCall returns a tool call part. Arguments that are JSON are recorded
// as JSON, as the Python SDK decodes them; others (a stream cut in the
// middle of them) as the string they are.
func ToolCall(id, name, arguments string) ToolCallPart {
	var args any = arguments
	if arguments != "" && json.Valid([]byte(arguments)) {
		args = json.RawMessage(arguments)
	}
	return ToolCallPart{Type: "tool_call", ID: id, Name: name, Arguments: args}
}

// ToolCallResponsePart is the result of a tool call, sent back to the model.
type ToolCallResponsePart struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Response any    `json:"response"`
}

// ToolResponse returns a tool call response part.
func ToolResponse(id string, response any) ToolCallResponsePart {
	return ToolCallResponsePart{Type: "tool_call_response", ID: id, Response: response}
}

// MediaPart is a uri, blob or file part (an image, audio or a document).
type MediaPart struct {
	Type      string `json:"type"`
	URI       string `json:"uri,omitempty"`
	Content   string `json:"content,omitempty"`
	FileID    string `json:"file_id,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Modality  string `json:"modality,omitempty"`
}
