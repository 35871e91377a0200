package logfireanthropic

import (
	"github.com/tidwall/gjson"

	"github.com/logfire-go/sdk/internal/genai"
)

// maxBlocks bounds the content blocks a stream is accumulated for: a
// block whose index is past it is not recorded.
const maxBlocks = 128

// messagesStream accumulates a streamed Message, as the client's
// Message.Accumulate does: each content block's text, tool input or
// thinking, the stop reason, and the usage of message_start and
// message_delta.
type messagesStream struct {
	id, model, role string
	blocks          []block
	stop            string
	startUsage      []byte
	endUsage        []byte
	errType, errMsg string
}

type block struct {
	typ, id, name string
	text          []byte // text, thinking or the tool input's JSON
	signature     []byte
	raw           []byte // a block of another type, as it started
}

func (s *messagesStream) Event(data []byte) {
	j := genai.Parse(data)
	switch j.Get("type").String() {
	case "message_start":
		m := j.Get("message")
		s.id, s.model, s.role = genai.Clone(m.Get("id")), genai.Clone(m.Get("model")), genai.Clone(m.Get("role"))
		s.startUsage = append(s.startUsage[:0], m.Get("usage").Raw...)
	case "content_block_start":
		b := s.block(j)
		if b == nil {
			return
		}
		*b = block{} // a block starts once; a repeated start replaces it
		cb := j.Get("content_block")
		b.typ = genai.Clone(cb.Get("type"))
		switch b.typ {
		case "text":
			b.text = append(b.text, cb.Get("text").Str...)
		case "thinking":
			b.text = append(b.text, cb.Get("thinking").Str...)
		case "tool_use":
			b.id, b.name = genai.Clone(cb.Get("id")), genai.Clone(cb.Get("name"))
		default:
			b.raw = append(b.raw, cb.Raw...)
		}
	case "content_block_delta":
		b := s.block(j)
		if b == nil {
			return
		}
		d := j.Get("delta")
		switch d.Get("type").String() {
		case "text_delta":
			b.text = append(b.text, d.Get("text").Str...)
		case "input_json_delta":
			b.text = append(b.text, d.Get("partial_json").Str...)
		case "thinking_delta":
			b.text = append(b.text, d.Get("thinking").Str...)
		case "signature_delta":
			b.signature = append(b.signature, d.Get("signature").Str...)
		}
	case "message_delta":
		if r := j.Get("delta.stop_reason"); r.Type == gjson.String {
			s.stop = genai.Clone(r)
		}
		if u := j.Get("usage"); u.IsObject() {
			s.endUsage = append(s.endUsage[:0], u.Raw...)
		}
	case "error":
		e := j.Get("error")
		s.errType, s.errMsg = genai.Clone(e.Get("type")), genai.Clone(e.Get("message"))
		if s.errType == "" {
			s.errType = "error"
		}
	}
}

// block returns the block an event's index names, nil past maxBlocks.
func (s *messagesStream) block(j gjson.Result) *block {
	i := int(j.Get("index").Int())
	if i < 0 || i >= maxBlocks {
		return nil
	}
	for len(s.blocks) <= i {
		s.blocks = append(s.blocks, block{})
	}
	return &s.blocks[i]
}

func (s *messagesStream) Result(res *genai.Result, content bool) {
	res.ID, res.Model = s.id, s.model
	res.ErrorType, res.ErrorMessage = s.errType, s.errMsg
	if s.stop != "" {
		res.FinishReasons = []string{s.stop}
	}
	setUsage(&res.Usage, genai.Parse(s.startUsage), genai.Parse(s.endUsage))
	if !content || len(s.blocks) == 0 {
		return
	}
	role := s.role
	if role == "" {
		role = "assistant"
	}
	msg := genai.Message{Role: role, Parts: []any{}, FinishReason: s.stop}
	for _, b := range s.blocks {
		switch b.typ {
		case "text":
			msg.Parts = append(msg.Parts, genai.Text(string(b.text)))
		case "tool_use":
			input := string(b.text)
			if input == "" {
				input = "{}"
			}
			msg.Parts = append(msg.Parts, genai.ToolCall(b.id, b.name, input))
		case "thinking":
			msg.Parts = append(msg.Parts, thinking{Type: "thinking", Thinking: string(b.text), Signature: string(b.signature)})
		case "":
			// A block whose start never arrived.
		default:
			msg.Parts = append(msg.Parts, genai.JSON(genai.Parse(b.raw)))
		}
	}
	res.Output = []genai.Message{msg}
}

// thinking is a thinking block, as the client's Message holds it.
type thinking struct {
	Type      string `json:"type"`
	Thinking  string `json:"thinking"`
	Signature string `json:"signature,omitempty"`
}
