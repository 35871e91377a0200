package logfireanthropic

import (
	"net/http"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/logfire-go/sdk/internal/genai"
	"github.com/logfire-go/sdk/logfire"
)

// Middleware returns the client option that records every call of an
// anthropic-sdk-go client to the Messages API (streamed or not) as a span
// of lf, with the GenAI metrics. Add it to the client's options:
//
//	client := anthropic.NewClient(logfireanthropic.Middleware(lf))
//
// The option also turns off the client's own OpenTelemetry spans
// (option.WithoutOpenTelemetry), which would record each call a second
// time, with its tokens: see the package documentation.
//
// A nil lf stands for the default instance as it is when Middleware is
// called (the one the last logfire.Configure made); without any instance,
// OpenTelemetry's global providers are used. Calls to other endpoints are
// sent as they are and not recorded.
func Middleware(lf *logfire.Logfire, opts ...Option) option.RequestOption {
	record := genai.Middleware(lf, provider, genai.ConfigOf(opts, Option.setting))
	return option.Join(option.WithoutOpenTelemetry(), option.WithMiddleware(record))
}

// Option configures Middleware.
type Option interface {
	setting() func(*genai.Config)
}

type setting func(*genai.Config)

func (s setting) setting() func(*genai.Config) { return s }

// WithoutContent leaves the messages out of the spans: no
// gen_ai.input.messages, gen_ai.output.messages or
// gen_ai.system_instructions. The model, parameters, token counts, finish
// reasons and tool definitions are still recorded.
func WithoutContent() Option { return setting(genai.WithoutContent) }

// provider is Anthropic's API as the Python SDK's instrumentation sees it.
var provider = &genai.Provider{
	Name:      "anthropic",
	Scope:     "logfire.anthropic",
	ErrorType: "*anthropic.Error",
	Endpoint:  endpoint,
}

var messagesEndpoint = &genai.Endpoint{
	Operation: "chat",
	Template:  "Message with {request_data[model]!r}",
	Message:   "Message with ",
	Request:   messagesRequest,
	Response:  messagesResponse,
	Stream:    func() genai.Stream { return new(messagesStream) },
}

// endpoint returns the Messages endpoint for POST …/v1/messages (the beta
// messages too, which add ?beta=true), nil for the others.
func endpoint(method, path string) *genai.Endpoint {
	if method == http.MethodPost && strings.HasSuffix(path, "/v1/messages") {
		return messagesEndpoint
	}
	return nil
}
