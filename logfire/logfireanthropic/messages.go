package logfireanthropic

import (
	"strings"

	"github.com/tidwall/gjson"
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/genai"
)

// messagesRequest reads a Messages request: the model, the parameters the
// Python SDK reads, the messages and the system prompt.
func messagesRequest(body []byte, in *genai.Request) []byte {
	j := genai.Parse(body)
	model := j.Get("model")
	in.Model, in.Null = model.String(), model.Type == gjson.Null
	in.Stream = j.Get("stream").Bool()
	if v := j.Get("max_tokens"); v.Type == gjson.Number {
		in.Params = append(in.Params, attribute.Int64(genai.KeyMaxTokens, v.Int()))
	}
	if v := j.Get("temperature"); v.Type == gjson.Number {
		in.Params = append(in.Params, attribute.Float64(genai.KeyTemperature, v.Float()))
	}
	if v := j.Get("top_p"); v.Type == gjson.Number {
		in.Params = append(in.Params, attribute.Float64(genai.KeyTopP, v.Float()))
	}
	if v := j.Get("top_k"); v.Type == gjson.Number {
		in.Params = append(in.Params, attribute.Int64(genai.KeyTopK, v.Int()))
	}
	if v := j.Get("stop_sequences"); v.IsArray() {
		in.Params = append(in.Params, attribute.String(genai.KeyStopSequences, v.Raw))
	}
	if v := j.Get("tools"); v.Exists() && v.Type != gjson.Null {
		in.Tools = v.Raw
	}
	if !in.Content {
		return nil
	}
	msgs, system := j.Get("messages"), j.Get("system")
	if msgs.Get("#").Int() == 0 && !hasContent(system) {
		return nil
	}
	in.Input = []genai.Message{}
	msgs.ForEach(func(_, m gjson.Result) bool {
		role := genai.Role(m)
		in.Input = append(in.Input, genai.Message{Role: role, Parts: parts(m.Get("content"))})
		return true
	})
	if hasContent(system) {
		in.System = parts(system)
	}
	return nil
}

func hasContent(v gjson.Result) bool {
	switch v.Type {
	case gjson.Null, gjson.False:
		return false
	case gjson.String:
		return v.Str != ""
	}
	return v.Exists() && v.Raw != "[]"
}

// parts converts content, a string or a list of blocks, to the
// conventions' parts (the Python SDK's _convert_content_part_or_parts).
func parts(content gjson.Result) []any {
	out := []any{}
	switch {
	case content.IsArray():
		content.ForEach(func(_, b gjson.Result) bool {
			out = append(out, part(b))
			return true
		})
	case hasContent(content):
		out = append(out, genai.Text(content.String()))
	}
	return out
}

// part converts one content block: text, an image, a tool call or its
// result; another block is kept as it is.
func part(b gjson.Result) any {
	if !b.IsObject() {
		return genai.Text(b.String())
	}
	typ := b.Get("type").String()
	switch typ {
	case "text", "":
		return genai.Text(b.Get("text").String())
	case "image":
		src := b.Get("source")
		switch src.Get("type").String() {
		case "base64":
			return genai.MediaPart{Type: "blob", Modality: "image", Content: src.Get("data").String(), MediaType: src.Get("media_type").String()}
		case "url":
			return genai.MediaPart{Type: "uri", URI: src.Get("url").String(), Modality: "image"}
		}
	case "tool_use":
		return genai.ToolCall(b.Get("id").String(), b.Get("name").String(), genai.Raw(b.Get("input")))
	case "tool_result":
		return genai.ToolResponse(b.Get("tool_use_id").String(), toolResult(b.Get("content")))
	}
	return genai.JSON(b)
}

// toolResult is the text of a tool's result: its text blocks joined by a
// space, as the Python SDK records it.
func toolResult(c gjson.Result) string {
	if !c.IsArray() {
		if !hasContent(c) {
			return ""
		}
		return c.String()
	}
	var texts []string
	c.ForEach(func(_, p gjson.Result) bool {
		switch {
		case p.Type == gjson.String:
			texts = append(texts, p.Str)
		case p.Get("type").String() == "text":
			texts = append(texts, p.Get("text").String())
		}
		return true
	})
	return strings.Join(texts, " ")
}

// messagesResponse reads a Message.
func messagesResponse(body []byte, res *genai.Result, content bool) {
	j := genai.Parse(body)
	res.ID, res.Model = j.Get("id").String(), j.Get("model").String()
	stop := j.Get("stop_reason").String()
	if stop != "" {
		res.FinishReasons = []string{stop}
	}
	u := j.Get("usage")
	setUsage(&res.Usage, u, u)
	if !content {
		return
	}
	msg := genai.Message{Role: j.Get("role").String(), Parts: []any{}, FinishReason: stop}
	j.Get("content").ForEach(func(_, b gjson.Result) bool {
		switch b.Get("type").String() {
		case "text":
			msg.Parts = append(msg.Parts, genai.Text(b.Get("text").String()))
		case "tool_use":
			msg.Parts = append(msg.Parts, genai.ToolCall(b.Get("id").String(), b.Get("name").String(), genai.Raw(b.Get("input"))))
		default:
			msg.Parts = append(msg.Parts, genai.JSON(b))
		}
		return true
	})
	res.Output = []genai.Message{msg}
}

// setUsage reads the usage of a Message from start, overridden by what
// end has (a stream's message_start and message_delta; the same object
// for a Message). The input tokens include the cache reads and writes, as
// the Python SDK and the client's own telemetry count them.
func setUsage(u *genai.Usage, start, end gjson.Result) {
	if !start.IsObject() && !end.IsObject() {
		return
	}
	field := func(name string) (int64, bool) {
		for _, o := range []gjson.Result{end, start} {
			if v := o.Get(name); v.Type == gjson.Number {
				return v.Int(), true
			}
		}
		return 0, false
	}
	in, hasIn := field("input_tokens")
	read, hasRead := field("cache_read_input_tokens")
	created, hasCreated := field("cache_creation_input_tokens")
	if hasIn {
		u.Input, u.HasInput = in+read+created, true
	}
	u.Output, u.HasOutput = field("output_tokens")
	u.CacheRead, u.HasCacheRead = read, hasRead
	u.CacheCreation, u.HasCacheCreation = created, hasCreated
	u.Raw = mergedUsage(start, end)
}

// mergedUsage is the JSON of start with end's fields over it, null fields
// left out.
func mergedUsage(start, end gjson.Result) string {
	if start.Raw == end.Raw || !end.IsObject() {
		end = gjson.Result{}
	}
	var b strings.Builder
	b.WriteByte('{')
	first := true
	write := func(k, v gjson.Result) {
		if v.Type == gjson.Null {
			return
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(k.Raw)
		b.WriteByte(':')
		b.WriteString(v.Raw)
	}
	start.ForEach(func(k, v gjson.Result) bool {
		if e := end.Get(gjson.Escape(k.String())); e.Exists() && e.Type != gjson.Null {
			v = e
		}
		write(k, v)
		return true
	})
	end.ForEach(func(k, v gjson.Result) bool {
		if !start.Get(gjson.Escape(k.String())).Exists() {
			write(k, v)
		}
		return true
	})
	b.WriteByte('}')
	if !gjson.Valid(b.String()) {
		return "" // a malformed body: its parts are not JSON either
	}
	return b.String()
}
