package llmreplay

import (
	"fmt"
	"strings"
)

const (
	messagesUsage = `{"input_tokens":19,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,` +
		`"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":9,"service_tier":"standard"}`
	// A tool call whose system prompt was partly cached and partly written
	// to the cache: input tokens 12 + 1024 read + 256 written.
	messagesToolUsage = `{"input_tokens":12,"cache_creation_input_tokens":256,"cache_read_input_tokens":1024,` +
		`"cache_creation":{"ephemeral_5m_input_tokens":256,"ephemeral_1h_input_tokens":0},"output_tokens":54,"service_tier":"standard"}`
	toolText = "I'll check the weather in Paris."
)

// messagesAnswer is an Anthropic Message: the text, or a text and a call
// of get_weather for Paris; and its stream.
func messagesAnswer(model string, tool bool, text []string) answer {
	if model == "" {
		model = "claude-sonnet-4-20250514"
	}
	id := "msg_01XFDUDYJgAACzvnptvVoYEL"
	usage, stop := messagesUsage, "end_turn"
	content := `[{"type":"text","text":` + quote(strings.Join(text, "")) + `}]`
	if tool {
		id = "msg_01Aq9w938a90dw8q"
		usage, stop = messagesToolUsage, "tool_use"
		content = `[{"type":"text","text":` + quote(toolText) + `},{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Paris"}}]`
	}
	msg := func(content, stop, usage string) string {
		return fmt.Sprintf(`{"id":%q,"type":"message","role":"assistant","model":%q,"content":%s,"stop_reason":%s,"stop_sequence":null,"usage":%s}`,
			id, model, content, stop, usage)
	}
	a := answer{json: msg(content, quote(stop), usage)}
	add := func(name, data string) { a.events = append(a.events, event{name: name, data: data}) }
	startUsage := `{"input_tokens":19,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}`
	endUsage := `{"output_tokens":9}`
	if tool {
		startUsage = `{"input_tokens":12,"cache_creation_input_tokens":256,"cache_read_input_tokens":1024,"cache_creation":{"ephemeral_5m_input_tokens":256,"ephemeral_1h_input_tokens":0},"output_tokens":2,"service_tier":"standard"}`
		endUsage = `{"output_tokens":54}`
	}
	add("message_start", `{"type":"message_start","message":`+msg("[]", "null", startUsage)+`}`)
	add("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	add("ping", `{"type": "ping"}`)
	pieces := text
	if tool {
		pieces = []string{"I'll check", " the weather", " in Paris."}
	}
	for _, p := range pieces {
		add("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+quote(p)+`}}`)
	}
	add("content_block_stop", `{"type":"content_block_stop","index":0}`)
	if tool {
		add("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{}}}`)
		for _, p := range []string{"", `{"city": `, `"Paris"}`} {
			add("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":`+quote(p)+`}}`)
		}
		add("content_block_stop", `{"type":"content_block_stop","index":1}`)
	}
	add("message_delta", `{"type":"message_delta","delta":{"stop_reason":`+quote(stop)+`,"stop_sequence":null},"usage":`+endUsage+`}`)
	add("message_stop", `{"type":"message_stop"}`)
	return a
}
