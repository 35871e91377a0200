package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/internal/llmreplay"
)

// The attributes of the LLM spans of internal/cmd/llmcalls, as the
// collector receives them, by scenario and in the order of the attempts.
var (
	openaiChat = map[string]any{
		"request_data":          `{"model":"gpt-4o"}`,
		"gen_ai.system":         "openai",
		"gen_ai.provider.name":  "openai",
		"gen_ai.operation.name": "chat",
		"gen_ai.request.model":  "gpt-4o",
		"gen_ai.input.messages": `[{"role":"user","parts":[{"type":"text","content":"What is four plus five?"}]}]`,
		"server.address":        "127.0.0.1",
		"logfire.msg_template":  "Chat Completion with {request_data[model]!r}",
		"logfire.msg":           "Chat Completion with 'gpt-4o'",
		"logfire.span_type":     "span",
		"logfire.tags":          []any{"LLM"},
	}
	openaiAnswer = llmreplay.With(openaiChat, map[string]any{
		"gen_ai.response.model":                "gpt-4o-2024-08-06",
		"gen_ai.response.id":                   "chatcmpl-CKr7VYzNzkv2wQ0J1sXbR3",
		"gen_ai.usage.input_tokens":            23,
		"gen_ai.usage.output_tokens":           6,
		"gen_ai.usage.cache_read.input_tokens": 0,
		"gen_ai.usage.raw":                     `{"prompt_tokens":23,"completion_tokens":6,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`,
		"gen_ai.output.messages":               `[{"role":"assistant","parts":[{"type":"text","content":"Four plus five is nine."}],"finish_reason":"stop"}]`,
		"gen_ai.response.finish_reasons":       `["stop"]`,
		"http.response.status_code":            200,
	})
	rateLimited      = map[string]any{"error.type": "429", "logfire.level_num": 17, "http.response.status_code": 429}
	anthropicMessage = map[string]any{
		"request_data":              `{"model":"claude-sonnet-4-20250514"}`,
		"gen_ai.system":             "anthropic",
		"gen_ai.provider.name":      "anthropic",
		"gen_ai.operation.name":     "chat",
		"gen_ai.request.model":      "claude-sonnet-4-20250514",
		"gen_ai.request.max_tokens": 1000,
		"gen_ai.input.messages":     `[{"role":"user","parts":[{"type":"text","content":"What is four plus five?"}]}]`,
		"server.address":            "127.0.0.1",
		"logfire.msg_template":      "Message with {request_data[model]!r}",
		"logfire.msg":               "Message with 'claude-sonnet-4-20250514'",
		"logfire.span_type":         "span",
		"logfire.tags":              []any{"LLM"},
	}

	llmSpans = map[string][]map[string]any{
		"openai tool call": {llmreplay.With(openaiChat, map[string]any{
			"gen_ai.tool.definitions":              `[{"function":{"name":"get_weather","parameters":{"properties":{"city":{"type":"string"}},"type":"object"}},"type":"function"}]`,
			"gen_ai.input.messages":                `[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]}]`,
			"gen_ai.response.model":                "gpt-4o-2024-08-06",
			"gen_ai.response.id":                   "chatcmpl-CKr7VYzNzkv2wQ0J1sXbR3",
			"gen_ai.usage.input_tokens":            1180,
			"gen_ai.usage.output_tokens":           17,
			"gen_ai.usage.cache_read.input_tokens": 1024,
			"gen_ai.usage.raw":                     `{"prompt_tokens":1180,"completion_tokens":17,"total_tokens":1197,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`,
			"gen_ai.output.messages":               `[{"role":"assistant","parts":[{"type":"tool_call","id":"call_pWq0sCzF2Q5Xn3Hj","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_calls"}]`,
			"gen_ai.response.finish_reasons":       `["tool_calls"]`,
			"http.response.status_code":            200,
		})},
		"openai stream": {openaiAnswer},
		"openai retry": {
			llmreplay.With(openaiChat, rateLimited),
			llmreplay.With(openaiAnswer, map[string]any{"http.request.resend_count": 1}),
		},
		"openai cut": {llmreplay.With(openaiChat, map[string]any{
			"gen_ai.response.model":     "gpt-4o-2024-08-06",
			"gen_ai.response.id":        "chatcmpl-CKr7VYzNzkv2wQ0J1sXbR3",
			"gen_ai.output.messages":    `[{"role":"assistant","parts":[{"type":"text","content":"Four plus five"}]}]`,
			"error.type":                "io.ErrUnexpectedEOF",
			"logfire.level_num":         17,
			"http.response.status_code": 200,
		})},
		"openai responses stream": {llmreplay.With(openaiChat, map[string]any{
			"request_data":                         `{"model":"gpt-4o","stream":true}`,
			"logfire.msg_template":                 "Responses API with {gen_ai.request.model!r}",
			"logfire.msg":                          "Responses API with 'gpt-4o'",
			"gen_ai.response.model":                "gpt-4o-2024-08-06",
			"gen_ai.response.id":                   "resp_68af4030592c81938ec0a5fbab4a3e9f",
			"gen_ai.usage.input_tokens":            20,
			"gen_ai.usage.output_tokens":           7,
			"gen_ai.usage.cache_read.input_tokens": 0,
			"gen_ai.usage.raw":                     `{"input_tokens":20,"input_tokens_details":{"cached_tokens":0},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":27}`,
			"gen_ai.output.messages":               `[{"role":"assistant","parts":[{"type":"text","content":"Four plus five is nine."}]}]`,
			"http.response.status_code":            200,
		})},
		"openai embeddings": {llmreplay.With(openaiChat, map[string]any{
			"request_data":              `{"model":"text-embedding-3-small"}`,
			"gen_ai.operation.name":     "embeddings",
			"gen_ai.request.model":      "text-embedding-3-small",
			"gen_ai.input.messages":     nil,
			"logfire.msg_template":      "Embedding Creation with {request_data[model]!r}",
			"logfire.msg":               "Embedding Creation with 'text-embedding-3-small'",
			"gen_ai.response.model":     "text-embedding-3-small",
			"gen_ai.usage.input_tokens": 5,
			"gen_ai.usage.raw":          `{"prompt_tokens":5,"total_tokens":5}`,
			"http.response.status_code": 200,
		})},
		"anthropic tool stream": {llmreplay.With(anthropicMessage, map[string]any{
			"gen_ai.tool.definitions":                  `[{"input_schema":{"properties":{"city":{"type":"string"}},"type":"object"},"name":"get_weather"}]`,
			"gen_ai.input.messages":                    `[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]}]`,
			"gen_ai.response.model":                    "claude-sonnet-4-20250514",
			"gen_ai.response.id":                       "msg_01Aq9w938a90dw8q",
			"gen_ai.usage.input_tokens":                12 + 1024 + 256,
			"gen_ai.usage.output_tokens":               54,
			"gen_ai.usage.cache_read.input_tokens":     1024,
			"gen_ai.usage.cache_creation.input_tokens": 256,
			"gen_ai.usage.raw":                         `{"input_tokens":12,"cache_creation_input_tokens":256,"cache_read_input_tokens":1024,"cache_creation":{"ephemeral_5m_input_tokens":256,"ephemeral_1h_input_tokens":0},"output_tokens":54,"service_tier":"standard"}`,
			"gen_ai.output.messages":                   `[{"role":"assistant","parts":[{"type":"text","content":"I'll check the weather in Paris."},{"type":"tool_call","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_use"}]`,
			"gen_ai.response.finish_reasons":           `["tool_use"]`,
			"http.response.status_code":                200,
		})},
		"anthropic retry cut": {
			llmreplay.With(anthropicMessage, rateLimited),
			llmreplay.With(anthropicMessage, map[string]any{
				"http.request.resend_count":                1,
				"gen_ai.response.model":                    "claude-sonnet-4-20250514",
				"gen_ai.response.id":                       "msg_01XFDUDYJgAACzvnptvVoYEL",
				"gen_ai.usage.input_tokens":                19,
				"gen_ai.usage.output_tokens":               1,
				"gen_ai.usage.cache_read.input_tokens":     0,
				"gen_ai.usage.cache_creation.input_tokens": 0,
				"gen_ai.usage.raw":                         `{"input_tokens":19,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}`,
				"gen_ai.output.messages":                   `[{"role":"assistant","parts":[{"type":"text","content":"Four plus"}]}]`,
				"error.type":                               "io.ErrUnexpectedEOF",
				"logfire.level_num":                        17,
				"http.response.status_code":                200,
			}),
		},
	}
)

// TestLLMCalls runs internal/cmd/llmcalls (the real OpenAI and Anthropic
// clients, instrumented, against the local stand-in) and checks every LLM
// span at the collector, attribute by attribute, with its parent, status
// and events, and the GenAI metrics' totals.
func TestLLMCalls(t *testing.T) {
	want := 0
	for _, spans := range llmSpans {
		want += 1 + len(spans)
	}
	c, _, spans := runLLMProgram(t, buildRepoPackage(t, "./internal/cmd/llmcalls"), want)
	for name, wantAttrs := range llmSpans {
		scenario, ok := scenarioSpan(spans, name)
		if !ok {
			t.Errorf("no span for scenario %q", name)
			continue
		}
		var calls []collector.Span
		for _, s := range spans {
			if s.Parent(scenario) {
				calls = append(calls, s)
			}
		}
		sort.Slice(calls, func(i, j int) bool { return calls[i].StartTime.Before(calls[j].StartTime) })
		if len(calls) != len(wantAttrs) {
			t.Errorf("%s: %d calls, want %d:\n%s", name, len(calls), len(wantAttrs), collector.FormatSpans(calls))
			continue
		}
		for i, s := range calls {
			checkLLMSpan(t, fmt.Sprintf("%s, attempt %d", name, i+1), s, wantAttrs[i])
		}
	}
	checkLLMMetrics(t, c)
}

// runLLMProgram runs bin against a collector, with no provider keys in its
// environment, and returns the collector, the run and the n spans (not
// pending) that arrived, failing t if the run fails or other than n
// arrive.
func runLLMProgram(t *testing.T, bin string, n int) (*collector.Collector, result, []collector.Span) {
	t.Helper()
	c := collector.Start(t)
	run := runExample(t, bin, time.Minute,
		"LOGFIRE_TOKEN="+basicToken,
		"LOGFIRE_BASE_URL="+c.Endpoint(),
		"LOGFIRE_SERVICE_NAME=llm-e2e",
		"LOGFIRE_CONSOLE=false",
	)
	if run.err != nil {
		t.Fatalf("%s failed: %v", bin, run)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	spans, err := c.WaitForSpans(ctx, func(s []collector.Span) bool { return len(collector.WithoutPending(s)) >= n })
	if err != nil {
		t.Fatalf("%v; got:\n%s", err, collector.FormatSpans(spans))
	}
	spans = collector.WithoutPending(spans)
	if len(spans) != n {
		t.Fatalf("%d spans, want %d:\n%s", len(spans), n, collector.FormatSpans(spans))
	}
	return c, run, spans
}

func scenarioSpan(spans []collector.Span, name string) (collector.Span, bool) {
	for _, s := range spans {
		if s.Attributes["logfire.msg"] == "scenario "+name {
			return s, true
		}
	}
	return collector.Span{}, false
}

// checkLLMSpan compares s with want: every attribute (server.port is the
// stand-in's, which changes from run to run; logfire.json_schema must list
// every other attribute), the kind, the scope, and for a failed attempt
// the status and the exception event.
func checkLLMSpan(t *testing.T, what string, s collector.Span, want map[string]any) {
	t.Helper()
	got := map[string]any{}
	for k, v := range s.Attributes {
		got[k] = v
	}
	if port, ok := got["server.port"].(int64); !ok || port <= 0 {
		t.Errorf("%s: server.port %v", what, got["server.port"])
	}
	var schema struct{ Properties map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(fmt.Sprint(got["logfire.json_schema"])), &schema); err != nil {
		t.Errorf("%s: logfire.json_schema %v: %v", what, got["logfire.json_schema"], err)
	}
	// The call's site: the scenario's function in llmcalls.
	if fn, _ := got["code.function"].(string); got["code.filepath"] != "internal/cmd/llmcalls/main.go" || !strings.HasPrefix(fn, "main.run.func") {
		t.Errorf("%s: code.filepath %v, code.function %v", what, got["code.filepath"], got["code.function"])
	}
	for _, k := range []string{"server.port", "logfire.json_schema", "code.filepath", "code.lineno", "code.function"} {
		delete(got, k)
	}
	for k := range got {
		if _, listed := schema.Properties[k]; !listed && !strings.HasPrefix(k, "logfire.") {
			t.Errorf("%s: logfire.json_schema does not list %s", what, k)
		}
	}
	for _, k := range sortedKeys(got, want) {
		g, w := got[k], normalValue(want[k])
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, g, w)
		}
	}
	if s.Kind != "client" || !strings.HasPrefix(s.ScopeName, "logfire.") {
		t.Errorf("%s: kind %s, scope %s", what, s.Kind, s.ScopeName)
	}
	errType, failed := want["error.type"]
	if !failed {
		if s.Status.Code != collector.StatusUnset || len(s.Events) != 0 {
			t.Errorf("%s: status %+v, events %v", what, s.Status, s.Events)
		}
		return
	}
	e, ok := s.Event("exception")
	if s.Status.Code != collector.StatusError || !ok || len(s.Events) != 1 {
		t.Errorf("%s: status %+v, events %v; want Error and one exception event", what, s.Status, s.Events)
		return
	}
	wantType, wantMessage := "*errors.errorString", "unexpected EOF"
	if errType == "429" {
		wantType = map[string]string{"openai": "*openai.Error", "anthropic": "*anthropic.Error"}[fmt.Sprint(want["gen_ai.provider.name"])]
		wantMessage = "429 Too Many Requests: rate_limit_error: Rate limit reached for requests. Please try again in 0s."
	}
	if e.Attributes["exception.type"] != wantType || e.Attributes["exception.message"] != wantMessage || s.Status.Message != wantMessage {
		t.Errorf("%s: exception %v, status %q; want %s %q", what, e.Attributes, s.Status.Message, wantType, wantMessage)
	}
}

func sortedKeys(maps ...map[string]any) []string {
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// normalValue is v as the collector gives it: integers as int64.
func normalValue(v any) any {
	if i, ok := v.(int); ok {
		return int64(i)
	}
	return v
}

// checkLLMMetrics checks the totals of gen_ai.client.token.usage by
// provider, operation and token type, and the count of
// gen_ai.client.operation.duration by provider and error.type: one
// duration per attempt, tokens for each attempt that reported them.
func checkLLMMetrics(t *testing.T, c *collector.Collector) {
	t.Helper()
	type total struct {
		count uint64
		sum   float64
	}
	wantTokens := map[string]total{
		"openai chat input":       {4, 1180 + 23 + 23 + 20},
		"openai chat output":      {4, 17 + 6 + 6 + 7},
		"openai embeddings input": {1, 5},
		"anthropic chat input":    {2, 1292 + 19},
		"anthropic chat output":   {2, 54 + 1},
	}
	wantDurations := map[string]uint64{
		"openai ":                       5,
		"openai 429":                    1,
		"openai io.ErrUnexpectedEOF":    1,
		"anthropic ":                    1,
		"anthropic 429":                 1,
		"anthropic io.ErrUnexpectedEOF": 1,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	metrics, err := c.WaitForMetrics(ctx, func(m []collector.Metric) bool {
		_, tok := collector.FindMetric(m, "gen_ai.client.token.usage")
		_, dur := collector.FindMetric(m, "gen_ai.client.operation.duration")
		return tok && dur
	})
	if err != nil {
		t.Fatalf("%v; got:\n%s", err, collector.FormatMetrics(metrics))
	}
	tokens, durations := map[string]total{}, map[string]uint64{}
	for _, m := range collector.MetricsNamed(metrics, "gen_ai.client.token.usage") {
		if m.Unit != "{token}" || m.Type != collector.TypeExponentialHistogram {
			t.Errorf("gen_ai.client.token.usage: unit %q, type %s", m.Unit, m.Type)
		}
		for _, dp := range m.DataPoints {
			k := fmt.Sprint(dp.Attributes["gen_ai.provider.name"], " ", dp.Attributes["gen_ai.operation.name"], " ", dp.Attributes["gen_ai.token.type"])
			tokens[k] = total{tokens[k].count + dp.Count, tokens[k].sum + dp.Sum}
		}
	}
	for _, m := range collector.MetricsNamed(metrics, "gen_ai.client.operation.duration") {
		if m.Unit != "s" {
			t.Errorf("gen_ai.client.operation.duration: unit %q", m.Unit)
		}
		for _, dp := range m.DataPoints {
			et, _ := dp.Attributes["error.type"].(string)
			durations[fmt.Sprint(dp.Attributes["gen_ai.provider.name"], " ", et)] += dp.Count
		}
	}
	if !reflect.DeepEqual(tokens, wantTokens) {
		t.Errorf("token usage %v, want %v", tokens, wantTokens)
	}
	if !reflect.DeepEqual(durations, wantDurations) {
		t.Errorf("operation durations %v, want %v", durations, wantDurations)
	}
}

// TestLLMExample runs examples/llm against its local stand-in (no keys in
// its environment) and checks its four calls at the collector: children of
// its span, in order, with their messages and tokens.
func TestLLMExample(t *testing.T) {
	_, run, spans := runLLMProgram(t, buildExample(t, "llm"), 5)
	for _, line := range []string{
		"OpenAI: " + llmreplay.Answer,
		"OpenAI, streamed: " + llmreplay.Answer,
		`Anthropic asks for get_weather({"city":"Paris"})`,
		"Anthropic, streamed: " + llmreplay.WeatherAnswer,
	} {
		if !strings.Contains(run.stdout, line+"\n") {
			t.Errorf("examples/llm did not print %q:\n%s", line, run.stdout)
		}
	}
	root, ok := collector.FindSpan(spans, "answering questions")
	if !ok {
		t.Fatalf("want the example's span and four calls:\n%s", collector.FormatSpans(spans))
	}
	var calls []collector.Span
	for _, s := range spans {
		if s.Parent(root) {
			calls = append(calls, s)
		}
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].StartTime.Before(calls[j].StartTime) })
	want := []struct {
		msg           string
		input, output int64
		finish        string
	}{
		{"Chat Completion with 'gpt-4.1-mini'", 23, 6, `["stop"]`},
		{"Chat Completion with 'gpt-4.1-mini'", 23, 6, `["stop"]`},
		{"Message with 'claude-haiku-4-5'", 12 + 1024 + 256, 54, `["tool_use"]`},
		{"Message with 'claude-haiku-4-5'", 19, 9, `["end_turn"]`},
	}
	if len(calls) != len(want) {
		t.Fatalf("%d calls under the example's span, want %d:\n%s", len(calls), len(want), collector.FormatSpans(spans))
	}
	for i, w := range want {
		a := calls[i].Attributes
		if a["logfire.msg"] != w.msg || a["gen_ai.usage.input_tokens"] != w.input || a["gen_ai.usage.output_tokens"] != w.output ||
			a["gen_ai.response.finish_reasons"] != w.finish || calls[i].Kind != "client" || a["code.filepath"] != "examples/llm/main.go" {
			t.Errorf("call %d: %s", i+1, calls[i])
		}
	}
	// The second Anthropic call sends the tool's result back.
	if in := fmt.Sprint(calls[3].Attributes["gen_ai.input.messages"]); !strings.Contains(in, `{"type":"tool_call_response","id":"toolu_01A09q90qw90lq917835lq9","response":"{\"temperature_c\": 21, \"sky\": \"clear\"}"}`) {
		t.Errorf("the last call's input lacks the tool's result: %s", in)
	}
}
