package logfireopenai

import (
	"fmt"
	"testing"

	"github.com/logfire-go/sdk/internal/genai"
)

// TestChatStreamAllocatesOnlyTheOutput: a chunk costs no allocation of its
// own; only the accumulated text grows (by doubling, a few times in a long
// stream).
func TestChatStreamAllocatesOnlyTheOutput(t *testing.T) {
	s := new(chatStream)
	first := []byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}`)
	chunk := []byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":" plus"},"logprobs":null,"finish_reason":null}],"usage":null}`)
	s.Event(first)
	allocs := testing.AllocsPerRun(10000, func() { s.Event(chunk) })
	if allocs != 0 {
		t.Errorf("%v allocations per chunk, want 0", allocs)
	}
	var res genai.Result
	s.Result(&res, true)
	if got := len(res.Output[0].Parts[0].(genai.TextPart).Content); got != 10001*len(" plus") {
		t.Errorf("accumulated %d bytes of text, want %d", got, 10001*len(" plus"))
	}
}

// TestStreamedToolCallAllocatesOnlyTheOutput: the same for a tool call's
// arguments.
func TestStreamedToolCallAllocatesOnlyTheOutput(t *testing.T) {
	s := new(chatStream)
	s.Event([]byte(`{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}`))
	chunk := []byte(`{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ab"}}]},"finish_reason":null}]}`)
	if allocs := testing.AllocsPerRun(10000, func() { s.Event(chunk) }); allocs != 0 {
		t.Errorf("%v allocations per chunk, want 0", allocs)
	}
}

func BenchmarkChatStreamChunk(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			chunk := []byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":" plus"},"logprobs":null,"finish_reason":null}],"usage":null}`)
			b.ReportAllocs()
			for b.Loop() {
				s := new(chatStream)
				for range n {
					s.Event(chunk)
				}
			}
		})
	}
}

// TestStreamErrors: an error chunk of a chat completion stream, and a
// failed Response, are the call's error.
func TestStreamErrors(t *testing.T) {
	chat := new(chatStream)
	chat.Event([]byte(`{"error":{"message":"The server had an error","type":"server_error","code":null}}`))
	var res genai.Result
	chat.Result(&res, true)
	if res.ErrorType != "server_error" || res.ErrorMessage != "The server had an error" {
		t.Errorf("chat: %+v", res)
	}

	r := new(responsesStream)
	r.Event([]byte(`{"type":"response.failed","response":{"id":"resp_1","model":"gpt-4o","status":"failed","error":{"code":"server_error","message":"boom"},"output":[],"usage":null}}`))
	res = genai.Result{}
	r.Result(&res, true)
	if res.ErrorType != "server_error" || res.ErrorMessage != "boom" || res.ID != "resp_1" {
		t.Errorf("responses: %+v", res)
	}
}
