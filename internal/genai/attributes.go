package genai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/logfire"
)

// The attribute names. The gen_ai.* ones are OpenTelemetry's (semconv
// v1.41.0, the last version that has them); gen_ai.system (deprecated by
// the conventions, still set by the Python SDK and read by Logfire),
// request_data and gen_ai.usage.raw are the Python SDK's own.
const (
	keyRequestData   = "request_data"
	keySystem        = "gen_ai.system"
	keyUsageRaw      = "gen_ai.usage.raw"
	keyProvider      = string(semconv.GenAIProviderNameKey)
	keyOperation     = string(semconv.GenAIOperationNameKey)
	keyRequestModel  = string(semconv.GenAIRequestModelKey)
	keyResponseModel = string(semconv.GenAIResponseModelKey)
	keyResponseID    = string(semconv.GenAIResponseIDKey)
	keyFinishReasons = string(semconv.GenAIResponseFinishReasonsKey)
	keyInputTokens   = string(semconv.GenAIUsageInputTokensKey)
	keyOutputTokens  = string(semconv.GenAIUsageOutputTokensKey)
	keyCacheRead     = string(semconv.GenAIUsageCacheReadInputTokensKey)
	keyCacheCreation = string(semconv.GenAIUsageCacheCreationInputTokensKey)
	keyInput         = string(semconv.GenAIInputMessagesKey)
	keyOutput        = string(semconv.GenAIOutputMessagesKey)
	keyInstructions  = string(semconv.GenAISystemInstructionsKey)
	keyTools         = string(semconv.GenAIToolDefinitionsKey)
	keyErrorType     = string(semconv.ErrorTypeKey)
	keyServerAddress = string(semconv.ServerAddressKey)
	keyServerPort    = string(semconv.ServerPortKey)
	keyHTTPStatus    = string(semconv.HTTPResponseStatusCodeKey)
	keyResendCount   = string(semconv.HTTPRequestResendCountKey)

	keyMsgTemplate = keys.MsgTemplate
	keyMsg         = keys.Msg
	keySpanType    = keys.SpanType
	keyTags        = keys.Tags
	keyLevelNum    = keys.LevelNum
	keyJSONSchema  = keys.JSONSchema

	levelError = int(logfire.LevelError)
	codesError = codes.Error
)

// The request parameters' keys, for the provider packages.
const (
	KeyMaxTokens        = string(semconv.GenAIRequestMaxTokensKey)
	KeyTemperature      = string(semconv.GenAIRequestTemperatureKey)
	KeyTopP             = string(semconv.GenAIRequestTopPKey)
	KeyTopK             = string(semconv.GenAIRequestTopKKey)
	KeyStopSequences    = string(semconv.GenAIRequestStopSequencesKey)
	KeySeed             = string(semconv.GenAIRequestSeedKey)
	KeyFrequencyPenalty = string(semconv.GenAIRequestFrequencyPenaltyKey)
	KeyPresencePenalty  = string(semconv.GenAIRequestPresencePenaltyKey)
)

// startAttrs are the attributes a span starts with, in the order the
// Python SDK sets them.
func startAttrs(p *Provider, ep *Endpoint, in *Request) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 12+len(in.Params))
	attrs = append(attrs,
		attribute.String(keyRequestData, requestData(in)),
		attribute.String(keySystem, p.Name),
		attribute.String(keyProvider, p.Name),
		attribute.String(keyOperation, ep.Operation),
	)
	if !in.Null && in.Model != "" {
		attrs = append(attrs, attribute.String(keyRequestModel, in.Model))
	}
	attrs = append(attrs, in.Params...)
	if in.Tools != "" {
		attrs = append(attrs, attribute.String(keyTools, in.Tools))
	}
	if in.Content && in.Input != nil {
		attrs = append(attrs, attribute.String(keyInput, encode(in.Input)))
	}
	if in.Content && len(in.System) > 0 {
		attrs = append(attrs, attribute.String(keyInstructions, encode(in.System)))
	}
	return attrs
}

// requestData is the Python SDK's request_data with version='latest':
// {"model": …} (and "stream" for the Responses API), which its message
// template reads.
func requestData(in *Request) string {
	b := make([]byte, 0, 32+len(in.Model))
	b = append(b, `{"model":`...)
	if in.Null {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, in.Model)
	}
	if in.StreamInRequestData {
		b = append(b, `,"stream":`...)
		b = strconv.AppendBool(b, in.Stream)
	}
	b = append(b, '}')
	return string(b)
}

// resultAttrs are the attributes an answer gives the span.
func resultAttrs(res *Result, content bool) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 10)
	if res.Model != "" {
		attrs = append(attrs, attribute.String(keyResponseModel, res.Model))
	}
	if res.ID != "" {
		attrs = append(attrs, attribute.String(keyResponseID, res.ID))
	}
	u := &res.Usage
	if u.HasInput {
		attrs = append(attrs, attribute.Int64(keyInputTokens, u.Input))
	}
	if u.HasOutput {
		attrs = append(attrs, attribute.Int64(keyOutputTokens, u.Output))
	}
	if u.HasCacheRead {
		attrs = append(attrs, attribute.Int64(keyCacheRead, u.CacheRead))
	}
	if u.HasCacheCreation {
		attrs = append(attrs, attribute.Int64(keyCacheCreation, u.CacheCreation))
	}
	if u.Raw != "" {
		attrs = append(attrs, attribute.String(keyUsageRaw, u.Raw))
	}
	if content && res.Output != nil {
		attrs = append(attrs, attribute.String(keyOutput, encode(res.Output)))
	}
	if len(res.FinishReasons) > 0 {
		b := []byte{'['}
		for i, r := range res.FinishReasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, r)
		}
		attrs = append(attrs, attribute.String(keyFinishReasons, string(append(b, ']'))))
	}
	return attrs
}

// encode returns the JSON of v, with <, > and & as they are (the content
// of messages is read by people).
func encode(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a value of a provider package's own making gets here; its
		// parts are strings and JSON that was checked.
		return "null"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// schemaTypes are the logfire.json_schema entries of the attributes whose
// value is JSON, as the Python SDK writes them.
var schemaTypes = map[string]string{
	keyRequestData:   `{"type":"object"}`,
	keyInput:         `{"type":"array"}`,
	keyOutput:        `{"type":"array"}`,
	keyInstructions:  `{"type":"array"}`,
	keyFinishReasons: `{"type":"array"}`,
	keyUsageRaw:      `{"type":"object"}`,
}

// jsonSchema returns logfire.json_schema for the span's attributes: every
// attribute that is not Logfire's own, in order, with the type of those
// whose value is JSON.
func jsonSchema(lists ...[]attribute.KeyValue) string {
	b := make([]byte, 0, 1024)
	b = append(b, `{"type":"object","properties":{`...)
	first := true
	for i, attrs := range lists {
		for j, kv := range attrs {
			k := string(kv.Key)
			if strings.HasPrefix(k, "logfire.") || seenBefore(lists, i, j) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, k)
			b = append(b, ':')
			if t, ok := schemaTypes[k]; ok {
				b = append(b, t...)
			} else {
				b = append(b, "{}"...)
			}
		}
	}
	return string(append(b, "}}"...))
}

// seenBefore reports whether the key of lists[i][j] comes earlier in lists.
func seenBefore(lists [][]attribute.KeyValue, i, j int) bool {
	k := lists[i][j].Key
	for li := 0; li <= i; li++ {
		end := len(lists[li])
		if li == i {
			end = j
		}
		for _, kv := range lists[li][:end] {
			if kv.Key == k {
				return true
			}
		}
	}
	return false
}

// appendJSONString appends s to b as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// errorType is error.type for a call that failed with err: a low-
// cardinality name, as the conventions ask.
func errorType(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "io.ErrUnexpectedEOF"
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return fmt.Sprintf("%T", err)
}

// errorTypeName is exception.type: the Go type of err.
func errorTypeName(err error) string { return fmt.Sprintf("%T", err) }

// providerMessage returns the message of a provider's error body
// ({"error": {"message": …}}, as OpenAI's and Anthropic's are), or "".
func providerMessage(body []byte) string {
	var e struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
		return ""
	}
	if e.Error.Type != "" {
		return e.Error.Type + ": " + e.Error.Message
	}
	return e.Error.Message
}
