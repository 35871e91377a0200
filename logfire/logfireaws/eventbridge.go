package logfireaws

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"go.opentelemetry.io/otel/propagation"
)

// otelField is the member of an EventBridge detail that holds the trace
// context.
const otelField = "_otel"

// injectPutEvents returns a copy of in whose entries' details carry c
// under "_otel".
func injectPutEvents(in *eventbridge.PutEventsInput, c propagation.MapCarrier) (any, int, string) {
	ctx, _ := json.Marshal(map[string]string(c)) // a map of strings always encodes
	out := *in
	out.Entries = slices.Clone(in.Entries)
	skipped, why := 0, ""
	for i := range out.Entries {
		d, reason := detailWithContext(out.Entries[i].Detail, ctx)
		if reason != "" {
			skipped, why = skipped+1, reason
			continue
		}
		out.Entries[i].Detail = d
	}
	return &out, skipped, why
}

// detailWithContext returns detail with `"_otel": ctx` as its first member,
// leaving the rest of the JSON as it was written. It returns detail itself
// when it already carries a context (a traceparent in "_otel" or at its top
// level, the places otellambdaflush reads), and a reason when the context
// cannot be added.
func detailWithContext(detail *string, ctx []byte) (*string, string) {
	if detail == nil {
		return nil, "the entry has no detail"
	}
	s := strings.TrimSpace(*detail)
	var members map[string]json.RawMessage
	if !strings.HasPrefix(s, "{") || json.Unmarshal([]byte(s), &members) != nil {
		return detail, "the entry's detail is not a JSON object"
	}
	for k, v := range members {
		switch {
		case strings.EqualFold(k, "traceparent"):
			return detail, ""
		case strings.EqualFold(k, otelField):
			var otel map[string]json.RawMessage
			if json.Unmarshal(v, &otel) == nil {
				for ok := range otel {
					if strings.EqualFold(ok, "traceparent") {
						return detail, ""
					}
				}
			}
			return detail, "the entry's detail already has an " + k + " member without a traceparent"
		}
	}
	var b bytes.Buffer
	b.Grow(len(s) + len(ctx) + len(otelField) + 4)
	b.WriteString(`{"` + otelField + `":`)
	b.Write(ctx)
	if rest := strings.TrimSpace(s[1:]); rest != "}" {
		b.WriteByte(',')
		b.WriteString(rest)
	} else {
		b.WriteByte('}')
	}
	return aws.String(b.String()), ""
}

// eventBuses names the event buses of a PutEvents call: the one bus of
// its entries ("default" when they name none), or "" when they go to
// several.
func eventBuses(in *eventbridge.PutEventsInput) string {
	if in == nil || len(in.Entries) == 0 {
		return ""
	}
	bus := func(e types.PutEventsRequestEntry) string {
		if name := aws.ToString(e.EventBusName); name != "" {
			return shortName("EventBusName", name)
		}
		return "default"
	}
	first := bus(in.Entries[0])
	for _, e := range in.Entries[1:] {
		if bus(e) != first {
			return ""
		}
	}
	return first
}
