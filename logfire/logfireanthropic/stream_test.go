package logfireanthropic

import (
	"testing"

	"github.com/logfire-go/sdk/internal/genai"
)

// TestStreamAllocatesOnlyTheOutput: a delta costs no allocation of its
// own; only the accumulated text and tool input grow.
func TestStreamAllocatesOnlyTheOutput(t *testing.T) {
	s := new(messagesStream)
	s.Event([]byte(`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"usage":{"input_tokens":19,"output_tokens":1}}}`))
	s.Event([]byte(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`))
	s.Event([]byte(`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}`))
	text := []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" plus"}}`)
	input := []byte(`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ab"}}`)
	ping := []byte(`{"type": "ping"}`)
	allocs := testing.AllocsPerRun(10000, func() {
		s.Event(text)
		s.Event(input)
		s.Event(ping)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per three events, want 0", allocs)
	}
	var res genai.Result
	s.Result(&res, true)
	if got := len(res.Output[0].Parts[0].(genai.TextPart).Content); got != 10001*len(" plus") {
		t.Errorf("accumulated %d bytes of text, want %d", got, 10001*len(" plus"))
	}
}

// TestStreamErrorEvent: an error event in the stream is the call's error.
func TestStreamErrorEvent(t *testing.T) {
	s := new(messagesStream)
	s.Event([]byte(`{"type":"message_start","message":{"id":"msg_1","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"usage":{"input_tokens":19,"output_tokens":1}}}`))
	s.Event([]byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`))
	var res genai.Result
	s.Result(&res, true)
	if res.ErrorType != "overloaded_error" || res.ErrorMessage != "Overloaded" || res.ID != "msg_1" || res.Usage.Input != 19 {
		t.Errorf("result %+v", res)
	}
}
