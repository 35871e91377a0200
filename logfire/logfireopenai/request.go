package logfireopenai

import (
	"encoding/json"

	"github.com/tidwall/gjson"
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/genai"
)

// readRequest reads what every endpoint's request has: the model and the
// parameters, as the Python SDK's _extract_request_parameters does, with
// max_completion_tokens (what openai-go's MaxCompletionTokens sends) read
// too.
func readRequest(j gjson.Result, in *genai.Request) {
	model := j.Get("model")
	in.Model, in.Null = model.String(), model.Type == gjson.Null
	in.Stream = j.Get("stream").Bool()
	for _, k := range []string{"max_tokens", "max_completion_tokens", "max_output_tokens"} {
		if v := j.Get(k); v.Type == gjson.Number {
			in.Params = append(in.Params, attribute.Int64(genai.KeyMaxTokens, v.Int()))
			break
		}
	}
	number(in, j, "temperature", genai.KeyTemperature)
	number(in, j, "top_p", genai.KeyTopP)
	switch stop := j.Get("stop"); {
	case stop.Type == gjson.String:
		b, _ := json.Marshal([]string{stop.String()})
		in.Params = append(in.Params, attribute.String(genai.KeyStopSequences, string(b)))
	case stop.IsArray():
		in.Params = append(in.Params, attribute.String(genai.KeyStopSequences, stop.Raw))
	}
	if v := j.Get("seed"); v.Type == gjson.Number {
		in.Params = append(in.Params, attribute.Int64(genai.KeySeed, v.Int()))
	}
	number(in, j, "frequency_penalty", genai.KeyFrequencyPenalty)
	number(in, j, "presence_penalty", genai.KeyPresencePenalty)
	if tools := j.Get("tools"); tools.Exists() && tools.Type != gjson.Null {
		in.Tools = tools.Raw
	}
}

// number adds the parameter field of j as key, when it is a number.
func number(in *genai.Request, j gjson.Result, field, key string) {
	if v := j.Get(field); v.Type == gjson.Number {
		in.Params = append(in.Params, attribute.Float64(key, v.Float()))
	}
}

// contentParts converts a message's content, a string or a list of parts,
// to the conventions' parts (the Python SDK's
// _convert_content_part_or_parts).
func contentParts(content gjson.Result) []any {
	parts := []any{}
	switch {
	case content.IsArray():
		content.ForEach(func(_, p gjson.Result) bool {
			parts = append(parts, contentPart(p))
			return true
		})
	case content.Type == gjson.String && content.Str != "":
		parts = append(parts, genai.Text(content.Str))
	case content.Type == gjson.Number || content.Type == gjson.True:
		parts = append(parts, genai.Text(content.Raw))
	}
	return parts
}

// contentPart converts one part of a message's content.
func contentPart(p gjson.Result) any {
	if !p.IsObject() {
		return genai.Text(p.String())
	}
	switch typ := p.Get("type").String(); typ {
	case "text", "output_text", "input_text":
		return genai.Text(p.Get("text").String())
	case "image_url", "input_image":
		if m, ok := media(p, "image_url", "image"); ok {
			return m
		}
	case "input_audio":
		return genai.MediaPart{Type: "blob", Content: p.Get("input_audio.data").String(), Modality: "audio"}
	case "input_file":
		if m, ok := media(p, "file_url", "document"); ok {
			return m
		}
	}
	return genai.JSON(p)
}

// media converts an image or file part: a URL (a string or {"url": …}
// under urlKey), inline data or a file id.
func media(p gjson.Result, urlKey, modality string) (genai.MediaPart, bool) {
	u := p.Get(urlKey)
	if u.IsObject() {
		u = u.Get("url")
	}
	switch {
	case u.Type == gjson.String && u.Str != "":
		return genai.MediaPart{Type: "uri", URI: u.Str, Modality: modality}, true
	case p.Get("file_data").String() != "":
		return genai.MediaPart{Type: "blob", Content: p.Get("file_data").String(), Modality: modality}, true
	case p.Get("file_id").Type == gjson.String && p.Get("file_id").Str != "":
		return genai.MediaPart{Type: "file", FileID: p.Get("file_id").Str, Modality: modality}, true
	}
	return genai.MediaPart{}, false
}

// toolResponse is the response of a tool's result: its text, or its JSON.
func toolResponse(v gjson.Result) any {
	switch {
	case !v.Exists() || v.Type == gjson.Null:
		return nil
	case v.Type == gjson.String:
		return v.Str
	}
	return genai.JSON(v)
}
