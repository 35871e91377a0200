package logfireanthropic

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
		`{"model":"m","system":[{"type":"text","text":"s"}],"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA"}},{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"a"},"b"]}]}],"stop_sequences":["x"],"top_k":3}`,
		`{"id":"m","model":"c","role":"assistant","content":[{"type":"text","text":"t"},{"type":"tool_use","id":"1","name":"f","input":{"a":1}},{"type":"thinking","thinking":"x"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"cache_read_input_tokens":null}}`,
		`{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"1","name":"f","input":{}}}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\""}}`,
		`{"type":"content_block_start","index":3,"content_block":{"type":"server_tool_use"}}`,
		`{"type":"message_delta","usage":{"output_tokens":3,"input_tokens":null}}`,
		`[1,2`, `"`, `{"type":"error"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(what string, v any) {
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("%s of %q does not encode: %v", what, data, err)
			}
		}
		in := genai.Request{Content: true}
		messagesRequest(append([]byte(nil), data...), &in)
		check("the input", in.Input)
		check("the system instructions", in.System)
		var res genai.Result
		messagesResponse(append([]byte(nil), data...), &res, true)
		check("the output", res.Output)
		s := new(messagesStream)
		s.Event(append([]byte(nil), data...))
		s.Event(append([]byte(nil), data...))
		res = genai.Result{}
		s.Result(&res, true)
		check("the streamed output", res.Output)
		check("the usage", json.RawMessage(orEmpty(res.Usage.Raw)))
	})
}

func orEmpty(raw string) string {
	if raw == "" {
		return "{}"
	}
	return raw
}
