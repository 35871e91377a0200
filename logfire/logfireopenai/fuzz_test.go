package logfireopenai

import (
	"encoding/json"
	"testing"

	"github.com/logfire-go/sdk/internal/genai"
)

// FuzzBodies feeds any bytes to the readers of requests, answers and
// stream events: none may panic, and the messages they make must encode as
// JSON (an attribute is never lost to a value that cannot be encoded).
func FuzzBodies(f *testing.F) {
	for _, s := range []string{
		`{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"input_audio","input_audio":{"data":"AAA"}}]},{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{\"a\":"}}]},{"role":"tool","tool_call_id":"c","content":[{"type":"text","text":"r"}]}],"stream":true,"stop":["x"],"tools":[{"type":"function"}]}`,
		`{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi","tool_calls":[{"type":"function","id":"1","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":null}}}`,
		`{"input":[{"type":"function_call","call_id":"1","name":"f","arguments":"x"},{"type":"function_call_output","call_id":"1","output":{"a":1}}],"instructions":[1,2]}`,
		`{"type":"response.completed","response":{"id":"r","output":[{"type":"message","content":[{"type":"output_text","text":"t"}]}]}}`,
		`{"choices":[{"index":127,"delta":{"tool_calls":[{"index":-1}]}}]}`,
		`[1,2`, `"`, `{"model":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(what string, v any) {
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("%s of %q does not encode: %v", what, data, err)
			}
		}
		for _, ep := range []*genai.Endpoint{chatEndpoint, responsesEndpoint, embeddingsEndpoint} {
			in := genai.Request{Content: true}
			ep.Request(append([]byte(nil), data...), &in)
			check("the input", in.Input)
			check("the system instructions", in.System)
			var res genai.Result
			ep.Response(append([]byte(nil), data...), &res, true)
			check("the output", res.Output)
			if ep.Stream != nil {
				s := ep.Stream()
				s.Event(append([]byte(nil), data...))
				s.Event(append([]byte(nil), data...))
				var res genai.Result
				s.Result(&res, true)
				check("the streamed output", res.Output)
			}
		}
	})
}
