package llmreplay

import (
	"fmt"
	"strings"
)

// The text every answer gives, in the pieces a stream sends it in.
var answerPieces = []string{"Four", " plus", " five", " is", " nine."}

// Answer is the text of an answer that is not a tool call, and
// WeatherAnswer the one to a tool's result.
var (
	Answer        = strings.Join(answerPieces, "")
	WeatherAnswer = strings.Join(weatherPieces, "")
	weatherPieces = []string{"It is", " 21 °C", " and clear", " in Paris."}
)

const (
	openaiCreated = 1754000000
	fingerprint   = "fp_07871e2ad8"
)

// openaiModel is the model an OpenAI answer names: the request's, with a
// snapshot date, as the API answers an alias.
func openaiModel(model string) string {
	if model == "" {
		return "gpt-4o-2024-08-06"
	}
	return model + "-2024-08-06"
}

const chatUsage = `{"prompt_tokens":23,"completion_tokens":6,"total_tokens":29,` +
	`"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},` +
	`"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`

const chatToolUsage = `{"prompt_tokens":1180,"completion_tokens":17,"total_tokens":1197,` +
	`"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},` +
	`"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`

// chatAnswer is a chat completion: the text, or a call of get_weather for
// Paris; streamed with the usage chunk last when usage was asked for.
func chatAnswer(model string, tool, usage bool, pieces []string) answer {
	m := openaiModel(model)
	id := "chatcmpl-CKr7VYzNzkv2wQ0J1sXbR3"
	head := fmt.Sprintf(`"id":%q,"object":"chat.completion","created":%d,"model":%q,`, id, openaiCreated, m)
	chunkHead := fmt.Sprintf(`{"id":%q,"object":"chat.completion.chunk","created":%d,"model":%q,"service_tier":"default","system_fingerprint":%q,`, id, openaiCreated, m, fingerprint)
	var a answer
	if tool {
		a.json = "{" + head + `"choices":[{"index":0,"message":{"role":"assistant","content":null,` +
			`"tool_calls":[{"id":"call_pWq0sCzF2Q5Xn3Hj","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}],` +
			`"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":` + chatToolUsage +
			`,"service_tier":"default","system_fingerprint":"` + fingerprint + `"}`
		a.events = append(a.events,
			event{data: chunkHead + `"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_pWq0sCzF2Q5Xn3Hj","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`},
			event{data: chunkHead + `"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\""}}]},"logprobs":null,"finish_reason":null}],"usage":null}`},
			event{data: chunkHead + `"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"city\":\""}}]},"logprobs":null,"finish_reason":null}],"usage":null}`},
			event{data: chunkHead + `"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"Paris\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}`},
			event{data: chunkHead + `"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}`},
		)
		if usage {
			a.events = append(a.events, event{data: chunkHead + `"choices":[],"usage":` + chatToolUsage + `}`})
		}
	} else {
		a.json = "{" + head + `"choices":[{"index":0,"message":{"role":"assistant","content":` + quote(strings.Join(pieces, "")) +
			`,"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":` + chatUsage +
			`,"service_tier":"default","system_fingerprint":"` + fingerprint + `"}`
		a.events = append(a.events, event{data: chunkHead + `"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`})
		for _, p := range pieces {
			a.events = append(a.events, event{data: chunkHead + `"choices":[{"index":0,"delta":{"content":` + quote(p) + `},"logprobs":null,"finish_reason":null}],"usage":null}`})
		}
		a.events = append(a.events, event{data: chunkHead + `"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`})
		if usage {
			a.events = append(a.events, event{data: chunkHead + `"choices":[],"usage":` + chatUsage + `}`})
		}
	}
	a.events = append(a.events, event{data: "[DONE]"})
	return a
}

const responsesUsage = `{"input_tokens":20,"input_tokens_details":{"cached_tokens":0},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":27}`

// responsesAnswer is a Response with the text, and its stream.
func responsesAnswer(model string) answer {
	m := openaiModel(model)
	const id, msgID = "resp_68af4030592c81938ec0a5fbab4a3e9f", "msg_68af40337e5c8193b2a1e7f6f4c0ae2e"
	response := func(status, output, usage string) string {
		return fmt.Sprintf(`{"id":%q,"object":"response","created_at":%d,"status":%q,"background":false,"error":null,`+
			`"incomplete_details":null,"instructions":null,"max_output_tokens":null,"model":%q,"output":%s,`+
			`"parallel_tool_calls":true,"previous_response_id":null,"store":true,"temperature":1.0,"text":{"format":{"type":"text"}},`+
			`"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":%s,"user":null,"metadata":{}}`,
			id, openaiCreated, status, m, output, usage)
	}
	message := func(status, text string) string {
		return fmt.Sprintf(`{"id":%q,"type":"message","status":%q,"content":[{"type":"output_text","annotations":[],"logprobs":[],"text":%s}],"role":"assistant"}`,
			msgID, status, quote(text))
	}
	done := response("completed", "["+message("completed", Answer)+"]", responsesUsage)
	a := answer{json: done}
	seq := 0
	add := func(typ, fields string) {
		a.events = append(a.events, event{name: typ, data: fmt.Sprintf(`{"type":%q,"sequence_number":%d,%s}`, typ, seq, fields)})
		seq++
	}
	add("response.created", `"response":`+response("in_progress", "[]", "null"))
	add("response.in_progress", `"response":`+response("in_progress", "[]", "null"))
	add("response.output_item.added", `"output_index":0,"item":`+fmt.Sprintf(`{"id":%q,"type":"message","status":"in_progress","content":[],"role":"assistant"}`, msgID))
	add("response.content_part.added", fmt.Sprintf(`"item_id":%q,"output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}`, msgID))
	for _, p := range answerPieces {
		add("response.output_text.delta", fmt.Sprintf(`"item_id":%q,"output_index":0,"content_index":0,"delta":%s,"logprobs":[]`, msgID, quote(p)))
	}
	add("response.output_text.done", fmt.Sprintf(`"item_id":%q,"output_index":0,"content_index":0,"text":%s,"logprobs":[]`, msgID, quote(Answer)))
	add("response.content_part.done", fmt.Sprintf(`"item_id":%q,"output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":%s}`, msgID, quote(Answer)))
	add("response.output_item.done", `"output_index":0,"item":`+message("completed", Answer))
	add("response.completed", `"response":`+done)
	return a
}

func embeddingsJSON(model string) string {
	if model == "" {
		model = "text-embedding-3-small"
	}
	return fmt.Sprintf(`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292,-0.0028842222]}],"model":%q,"usage":{"prompt_tokens":5,"total_tokens":5}}`, model)
}
