package logfireopenai

import (
	"net/http"
	"strings"

	"github.com/openai/openai-go/v3/option"

	"github.com/logfire-go/sdk/internal/genai"
	"github.com/logfire-go/sdk/logfire"
)

// Middleware returns the client option that records every call of an
// openai-go client (chat completions, the Responses API and embeddings,
// streamed or not) as a span of lf, with the GenAI metrics. Add it to the
// client's options:
//
//	client := openai.NewClient(logfireopenai.Middleware(lf))
//
// A nil lf stands for the default instance as it is when Middleware is
// called (the one the last logfire.Configure made); without any instance,
// OpenTelemetry's global providers are used. Calls to other endpoints are
// sent as they are and not recorded.
func Middleware(lf *logfire.Logfire, opts ...Option) option.RequestOption {
	record := genai.Middleware(lf, provider, genai.ConfigOf(opts, Option.setting))
	return option.WithMiddleware(record)
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

// provider is OpenAI's API as the Python SDK's instrumentation sees it.
var provider = &genai.Provider{
	Name:      "openai",
	Scope:     "logfire.openai",
	ErrorType: "*openai.Error",
	Endpoint:  endpoint,
}

var (
	chatEndpoint = &genai.Endpoint{
		Operation: "chat",
		Template:  "Chat Completion with {request_data[model]!r}",
		Message:   "Chat Completion with ",
		Request:   chatRequest,
		Response:  chatResponse,
		Stream:    func() genai.Stream { return new(chatStream) },
	}
	responsesEndpoint = &genai.Endpoint{
		Operation: "chat",
		Template:  "Responses API with {gen_ai.request.model!r}",
		Message:   "Responses API with ",
		Request:   responsesRequest,
		Response:  responsesResponse,
		Stream:    func() genai.Stream { return new(responsesStream) },
	}
	embeddingsEndpoint = &genai.Endpoint{
		Operation: "embeddings",
		Template:  "Embedding Creation with {request_data[model]!r}",
		Message:   "Embedding Creation with ",
		Request:   embeddingsRequest,
		Response:  embeddingsResponse,
	}
)

// endpoint returns the endpoint of a request: the path's end, so that a
// base URL with a path of its own (an OpenAI-compatible server's /v1, a
// proxy's prefix) is recognised too.
func endpoint(method, path string) *genai.Endpoint {
	if method != http.MethodPost {
		return nil
	}
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return chatEndpoint
	case strings.HasSuffix(path, "/responses"):
		return responsesEndpoint
	case strings.HasSuffix(path, "/embeddings"):
		return embeddingsEndpoint
	}
	return nil
}
