package logfireopenai

import (
	"bytes"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/logfire-go/sdk/internal/genai"
)

// chatRequest reads a chat completion request. A streamed one is sent with
// stream_options.include_usage set, unless the request sets it, so that
// its last chunk reports the tokens.
func chatRequest(body []byte, in *genai.Request) []byte {
	j := genai.Parse(body)
	readRequest(j, in)
	if in.Content {
		if msgs := j.Get("messages"); msgs.IsArray() && msgs.Get("#").Int() > 0 {
			in.Input = chatMessages(msgs)
		}
	}
	if !in.Stream || j.Get("stream_options.include_usage").Exists() {
		return nil
	}
	changed, err := sjson.SetBytes(bytes.Clone(body), "stream_options.include_usage", true)
	if err != nil {
		return nil
	}
	return changed
}

// chatMessages converts the messages of a chat completion request (the
// Python SDK's convert_chat_completions_to_semconv): a tool message is a
// tool_call_response, an assistant message's tool calls are tool_call
// parts after its content.
func chatMessages(msgs gjson.Result) []genai.Message {
	var out []genai.Message
	msgs.ForEach(func(_, m gjson.Result) bool {
		role := genai.Role(m)
		msg := genai.Message{Role: role, Name: m.Get("name").String()}
		content := m.Get("content")
		if id := m.Get("tool_call_id").String(); role == "tool" && id != "" {
			msg.Parts = []any{genai.ToolResponse(id, toolResponse(content))}
		} else {
			msg.Parts = contentParts(content)
			m.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
				msg.Parts = append(msg.Parts, genai.ToolCall(tc.Get("id").String(),
					tc.Get("function.name").String(), tc.Get("function.arguments").String()))
				return true
			})
		}
		out = append(out, msg)
		return true
	})
	return out
}

// chatResponse reads a chat completion.
func chatResponse(body []byte, res *genai.Result, content bool) {
	j := genai.Parse(body)
	res.ID, res.Model = j.Get("id").String(), j.Get("model").String()
	chatUsage(&res.Usage, j.Get("usage"))
	choices := j.Get("choices")
	if content && choices.Get("#").Int() > 0 {
		res.Output = []genai.Message{}
	}
	choices.ForEach(func(_, ch gjson.Result) bool {
		finish := ch.Get("finish_reason").String()
		if finish != "" {
			res.FinishReasons = append(res.FinishReasons, finish)
		}
		if content {
			m := ch.Get("message")
			msg := genai.Message{Role: m.Get("role").String(), Parts: contentParts(m.Get("content")), FinishReason: finish}
			if msg.Role == "" {
				msg.Role = "assistant"
			}
			m.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
				if t := tc.Get("type").String(); t == "function" || t == "" {
					msg.Parts = append(msg.Parts, genai.ToolCall(tc.Get("id").String(),
						tc.Get("function.name").String(), tc.Get("function.arguments").String()))
				}
				return true
			})
			res.Output = append(res.Output, msg)
		}
		return true
	})
}

// chatUsage reads a chat completion's usage; the cached prompt tokens,
// when reported, are the cache reads (OpenAI's prompt_tokens counts them).
func chatUsage(u *genai.Usage, usage gjson.Result) {
	genai.SetUsage(u, usage, "prompt_tokens", "completion_tokens")
	if v := usage.Get("prompt_tokens_details.cached_tokens"); v.Type == gjson.Number {
		u.CacheRead, u.HasCacheRead = v.Int(), true
	}
}

// maxChoices bounds the choices and tool calls a stream is accumulated
// for: an index past it is not recorded.
const maxChoices = 128

// chatStream accumulates a streamed chat completion, as openai-go's
// ChatCompletionAccumulator would: the text and tool calls of each
// choice, its finish reason, and the usage of the last chunk.
type chatStream struct {
	id, model string
	choices   []chatChoice
	usage     genai.Usage
	errType   string
	errMsg    string
}

type chatChoice struct {
	seen   bool
	role   string
	text   []byte
	finish string
	tools  []streamedTool
}

type streamedTool struct {
	id, name string
	args     []byte
}

func (s *chatStream) Event(data []byte) {
	j := genai.Parse(data)
	if e := j.Get("error"); e.IsObject() {
		s.errType, s.errMsg = streamError(e)
		return
	}
	if s.id == "" {
		s.id = genai.Clone(j.Get("id"))
	}
	if s.model == "" {
		s.model = genai.Clone(j.Get("model"))
	}
	j.Get("choices").ForEach(func(_, ch gjson.Result) bool {
		s.choice(ch)
		return true
	})
	if u := j.Get("usage"); u.IsObject() {
		s.usage = genai.Usage{}
		chatUsage(&s.usage, u)
	}
}

// choice adds a chunk's choice to what its index has.
func (s *chatStream) choice(ch gjson.Result) {
	i := int(ch.Get("index").Int())
	if i < 0 || i >= maxChoices {
		return
	}
	for len(s.choices) <= i {
		s.choices = append(s.choices, chatChoice{})
	}
	c := &s.choices[i]
	c.seen = true
	d := ch.Get("delta")
	if c.role == "" {
		c.role = genai.Clone(d.Get("role"))
	}
	if t := d.Get("content"); t.Type == gjson.String {
		c.text = append(c.text, t.Str...)
	}
	d.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		k := int(tc.Get("index").Int())
		if k < 0 || k >= maxChoices {
			return true
		}
		for len(c.tools) <= k {
			c.tools = append(c.tools, streamedTool{})
		}
		t := &c.tools[k]
		if t.id == "" {
			t.id = genai.Clone(tc.Get("id"))
		}
		if t.name == "" {
			t.name = genai.Clone(tc.Get("function.name"))
		}
		t.args = append(t.args, tc.Get("function.arguments").Str...)
		return true
	})
	if f := ch.Get("finish_reason"); f.Type == gjson.String && c.finish == "" {
		c.finish = genai.Clone(f)
	}
}

func (s *chatStream) Result(res *genai.Result, content bool) {
	res.ID, res.Model, res.Usage = s.id, s.model, s.usage
	res.ErrorType, res.ErrorMessage = s.errType, s.errMsg
	for _, c := range s.choices {
		if !c.seen {
			continue
		}
		if c.finish != "" {
			res.FinishReasons = append(res.FinishReasons, c.finish)
		}
		if !content {
			continue
		}
		msg := genai.Message{Role: "assistant", Parts: []any{}, FinishReason: c.finish}
		if c.role != "" {
			msg.Role = c.role
		}
		if len(c.text) > 0 {
			msg.Parts = append(msg.Parts, genai.Text(string(c.text)))
		}
		for _, t := range c.tools {
			msg.Parts = append(msg.Parts, genai.ToolCall(t.id, t.name, string(t.args)))
		}
		res.Output = append(res.Output, msg)
	}
}

// streamError reads an error event: its code (or type) and message.
func streamError(e gjson.Result) (string, string) {
	typ := e.Get("code").String()
	if typ == "" {
		typ = e.Get("type").String()
	}
	if typ == "" {
		typ = "error"
	}
	return strings.Clone(typ), genai.Clone(e.Get("message"))
}
