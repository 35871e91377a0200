package logfireopenai

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/logfire-go/sdk/internal/genai"
)

// responsesRequest reads a Responses API request: its instructions are
// the system instructions, its input the messages (the Python SDK's
// convert_responses_inputs_to_semconv).
func responsesRequest(body []byte, in *genai.Request) []byte {
	j := genai.Parse(body)
	readRequest(j, in)
	in.StreamInRequestData = true
	if !in.Content {
		return nil
	}
	if ins := j.Get("instructions"); ins.Exists() {
		in.System = contentParts(ins)
	}
	switch input := j.Get("input"); {
	case input.Type == gjson.String && input.Str != "":
		in.Input = []genai.Message{{Role: "user", Parts: []any{genai.Text(input.Str)}}}
	case input.IsArray():
		in.Input = responsesInput(input)
	}
	return nil
}

// responsesInput converts the items of a Responses API input.
func responsesInput(items gjson.Result) []genai.Message {
	var out []genai.Message
	items.ForEach(func(_, it gjson.Result) bool {
		role := genai.Role(it)
		switch typ := it.Get("type").String(); {
		case (typ == "" || typ == "message") && hasContent(it.Get("content")):
			out = append(out, genai.Message{Role: role, Parts: contentParts(it.Get("content"))})
		case typ == "function_call":
			out = append(out, genai.Message{Role: "assistant", Parts: []any{functionCall(it)}})
		case typ == "function_call_output":
			out = append(out, genai.Message{
				Role:  "tool",
				Parts: []any{genai.ToolResponse(it.Get("call_id").String(), toolResponse(it.Get("output")))},
				Name:  it.Get("name").String(),
			})
		}
		return true
	})
	return out
}

func hasContent(c gjson.Result) bool {
	switch c.Type {
	case gjson.Null, gjson.False:
		return false
	case gjson.String:
		return c.Str != ""
	}
	return c.Exists() && c.Raw != "[]" && c.Raw != "{}"
}

func functionCall(it gjson.Result) genai.ToolCallPart {
	return genai.ToolCall(it.Get("call_id").String(), it.Get("name").String(), it.Get("arguments").String())
}

// responsesResponse reads a Response.
func responsesResponse(body []byte, res *genai.Result, content bool) {
	readResponse(genai.Parse(body), res, content)
}

// readResponse reads a Response object: its messages and function calls
// are the output (the Python SDK's convert_responses_outputs_to_semconv;
// it sets no finish reasons), a failed one's error marks the span.
func readResponse(r gjson.Result, res *genai.Result, content bool) {
	res.ID, res.Model = r.Get("id").String(), r.Get("model").String()
	usage := r.Get("usage")
	genai.SetUsage(&res.Usage, usage, "input_tokens", "output_tokens")
	if v := usage.Get("input_tokens_details.cached_tokens"); v.Type == gjson.Number {
		res.Usage.CacheRead, res.Usage.HasCacheRead = v.Int(), true
	}
	if e := r.Get("error"); e.IsObject() {
		res.ErrorType, res.ErrorMessage = streamError(e)
	}
	if !content {
		return
	}
	res.Output = []genai.Message{}
	r.Get("output").ForEach(func(_, it gjson.Result) bool {
		switch typ := it.Get("type").String(); {
		case (typ == "" || typ == "message") && hasContent(it.Get("content")):
			res.Output = append(res.Output, genai.Message{Role: "assistant", Parts: contentParts(it.Get("content"))})
		case typ == "function_call":
			res.Output = append(res.Output, genai.Message{Role: "assistant", Parts: []any{functionCall(it)}})
		}
		return true
	})
}

// responsesStream accumulates a streamed Response: the last event
// (response.completed, .incomplete or .failed) carries the whole
// Response; until it arrives, the text deltas are kept, for a stream that
// ends early.
type responsesStream struct {
	id, model string
	text      []byte
	final     []byte // the JSON of the last event's response
	errType   string
	errMsg    string
}

func (s *responsesStream) Event(data []byte) {
	j := genai.Parse(data)
	switch j.Get("type").String() {
	case "response.created", "response.in_progress":
		if s.id == "" {
			s.id = genai.Clone(j.Get("response.id"))
			s.model = genai.Clone(j.Get("response.model"))
		}
	case "response.output_text.delta":
		s.text = append(s.text, j.Get("delta").Str...)
	case "response.completed", "response.incomplete", "response.failed":
		s.final = append(s.final[:0], j.Get("response").Raw...)
	case "error":
		s.errType, s.errMsg = streamError(j)
	}
}

func (s *responsesStream) Result(res *genai.Result, content bool) {
	if len(s.final) > 0 {
		readResponse(genai.Parse(s.final), res, content)
	} else {
		res.ID, res.Model = s.id, s.model
		if content && len(s.text) > 0 {
			res.Output = []genai.Message{{Role: "assistant", Parts: []any{genai.Text(string(s.text))}}}
		}
	}
	if s.errType != "" {
		res.ErrorType, res.ErrorMessage = s.errType, strings.Clone(s.errMsg)
	}
}
