package logfireopenai

import "github.com/logfire-go/sdk/internal/genai"

// embeddingsRequest reads an embeddings request: its model and
// parameters. The input is not recorded, as in the Python SDK.
func embeddingsRequest(body []byte, in *genai.Request) []byte {
	readRequest(genai.Parse(body), in)
	return nil
}

// embeddingsResponse reads the model and usage of an embeddings answer
// (it has no id; its prompt tokens are the input tokens).
func embeddingsResponse(body []byte, res *genai.Result, _ bool) {
	j := genai.Parse(body)
	res.Model = j.Get("model").String()
	genai.SetUsage(&res.Usage, j.Get("usage"), "prompt_tokens", "completion_tokens")
}
