package logfireaws

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"go.opentelemetry.io/otel/propagation"
)

// maxClientContext is the most bytes of base64 that Invoke's client
// context may hold.
const maxClientContext = 3583

// injectInvoke returns a copy of in whose client context carries c in its
// "custom" object, the map that aws-lambda-go hands the function as
// lambdacontext.ClientContext.Custom.
func injectInvoke(in *lambda.InvokeInput, c propagation.MapCarrier) (any, int, string) {
	cc, reason := clientContextWith(aws.ToString(in.ClientContext), c)
	if reason != "" {
		return in, 1, reason
	}
	if cc == "" {
		return in, 0, ""
	}
	out := *in
	out.ClientContext = aws.String(cc)
	return &out, 0, ""
}

// clientContextWith returns the base64 client context cc with the entries
// of c added to its "custom" object, keeping every other member. It
// returns "" when cc already carries a traceparent, and a reason when the
// context cannot be added.
func clientContextWith(cc string, c propagation.MapCarrier) (string, string) {
	doc := map[string]json.RawMessage{}
	if cc != "" {
		raw, err := base64.StdEncoding.DecodeString(cc)
		if err != nil {
			return "", "the client context is not base64"
		}
		if json.Unmarshal(raw, &doc) != nil || doc == nil {
			return "", "the client context is not a JSON object"
		}
	}
	key := "custom" // aws-lambda-go matches it without regard to case
	if _, exact := doc[key]; !exact {
		for _, k := range slices.Sorted(maps.Keys(doc)) { // the same one every time
			if strings.EqualFold(k, key) {
				key = k
				break
			}
		}
	}
	custom := map[string]json.RawMessage{}
	if raw, ok := doc[key]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &custom) != nil {
			return "", "the client context's " + key + " member is not a JSON object"
		}
	}
	for k := range custom {
		if strings.EqualFold(k, "traceparent") {
			return "", ""
		}
	}
	merged := maps.Clone(custom)
	for k, v := range c {
		b, _ := json.Marshal(v) // a string always marshals
		merged[k] = b
	}
	var err error
	if doc[key], err = json.Marshal(merged); err != nil {
		return "", "the client context cannot be encoded: " + err.Error()
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return "", "the client context cannot be encoded: " + err.Error()
	}
	out := base64.StdEncoding.EncodeToString(raw)
	if len(out) > maxClientContext {
		return "", fmt.Sprintf("the client context with the trace context is %d bytes of base64, the limit is %d", len(out), maxClientContext)
	}
	return out, ""
}
