package otellambdaflush

import (
	"encoding/json"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// eventShape holds the few fields that tell which AWS service sent an
// event.
type eventShape struct {
	RequestContext *json.RawMessage `json:"requestContext"`
	HTTPMethod     string           `json:"httpMethod"`
	RouteKey       string           `json:"routeKey"`
	Source         string           `json:"source"`
	DetailType     string           `json:"detail-type"`
	Records        []struct {
		EventSource  string `json:"eventSource"`
		EventSource2 string `json:"EventSource"` // SNS spells it this way
	} `json:"Records"`
}

// trigger returns the faas.trigger value for an event's JSON: http for API
// Gateway, function URLs and ALB; pubsub for SQS, SNS and EventBridge
// events; datasource for S3, DynamoDB and Kinesis; timer for scheduled
// events; other for anything else.
func trigger(event []byte) string {
	var e eventShape
	if len(event) == 0 || event[0] != '{' || json.Unmarshal(event, &e) != nil {
		return semconv.FaaSTriggerOther.Value.AsString()
	}
	switch {
	case e.RequestContext != nil && (e.HTTPMethod != "" || e.RouteKey != "" || strings.Contains(string(*e.RequestContext), `"http"`)):
		return "http"
	case e.RequestContext != nil && strings.Contains(string(*e.RequestContext), `"elb"`):
		return "http"
	case e.DetailType == "Scheduled Event":
		return "timer"
	case e.Source != "" && e.DetailType != "":
		return "pubsub"
	case len(e.Records) > 0:
		src := e.Records[0].EventSource
		if src == "" {
			src = e.Records[0].EventSource2
		}
		switch src {
		case "aws:sqs", "aws:sns":
			return "pubsub"
		case "aws:s3", "aws:dynamodb", "aws:kinesis":
			return "datasource"
		}
	}
	return "other"
}

// coldStart is true until the first invocation of the process asks.
type coldStart struct{ seen atomic.Bool }

// attributes returns the attributes otellambda adds to the invocation span
// through WithTraceAttributeFn.
func (c *coldStart) attributes(event []byte) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.FaaSColdstart(!c.seen.Swap(true)),
		attribute.String(string(semconv.FaaSTriggerKey), trigger(event)),
	}
}
