package otellambdaflush

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"go.opentelemetry.io/otel/propagation"
)

// eventToCarrier returns the trace context that a Lambda event carries, as
// a carrier for the propagator (W3C traceparent, tracestate and baggage by
// default), for otellambda.WithEventToCarrier. It reads the raw JSON event
// and tells its type by its shape, for the events of package
// github.com/aws/aws-lambda-go/events:
//
//   - HTTP: API Gateway REST APIs (APIGatewayProxyRequest), HTTP APIs
//     (APIGatewayV2HTTPRequest), WebSocket APIs, function URLs
//     (LambdaFunctionURLRequest) and Application Load Balancers
//     (ALBTargetGroupRequest): the request headers, from "headers" and
//     "multiValueHeaders" (values of a repeated header are joined with
//     commas, except traceparent, whose first value counts).
//   - SQS (SQSEvent): the String message attributes of the record
//     (traceparent, tracestate, baggage, …). A record without them whose
//     body is an SNS notification (SNS to SQS without raw delivery) or an
//     EventBridge event (EventBridge to SQS) gives the context inside it.
//   - SNS (SNSEvent): the String message attributes of the record.
//   - EventBridge (EventBridgeEvent, CloudWatchEvent): the string fields of
//     the object "_otel" inside "detail", and the fields "traceparent",
//     "tracestate" and "baggage" of "detail" itself, so a producer writes
//     either {"detail": {"_otel": {"traceparent": "00-…"}, …}} (preferred:
//     it keeps the context apart from the event's data) or
//     {"detail": {"traceparent": "00-…", …}}.
//
// Names are matched without regard to case. An SQS or SNS event with
// several records (a batch) gives no context: one parent cannot stand for
// several producers, so the invocation span starts a new trace and links
// to each record's context instead (see eventLinks). Any other event,
// malformed JSON or a missing context gives an empty carrier: the
// invocation span starts a new trace.
func eventToCarrier(event []byte) propagation.TextMapCarrier {
	e := parseEvent(event)
	c := e.carrier
	switch e.kind {
	case kindSQS, kindSNS:
		c = nil
		if len(e.records) == 1 {
			c = e.records[0].carrier
		}
	}
	if c == nil {
		c = textCarrier{}
	}
	return &eventCarrier{textCarrier: c, event: e}
}

// eventCarrier is the carrier eventToCarrier returns: the context to
// extract, and the parsed event, from which the invocation propagator
// takes the links of a batch.
type eventCarrier struct {
	textCarrier
	event parsedEvent
}

// SQSMessageCarrier returns the trace context of one SQS message, for code
// that handles the records of a batch one by one: the String message
// attributes (traceparent, tracestate, baggage, …, names matched without
// regard to case), or, for a message without them whose body is an SNS
// notification (SNS to SQS without raw delivery) or an EventBridge event,
// the context inside it. The invocation span of a batch has no parent but
// a link to each record's context; a span started from the record's
// context belongs to the producer's trace:
//
//	for _, m := range ev.Records {
//		ctx := lf.Propagator().Extract(ctx, otellambdaflush.SQSMessageCarrier(m))
//		ctx, span := logfire.Span(ctx, "processing {message_id}", "message_id", m.MessageId)
//		…
//	}
func SQSMessageCarrier(m events.SQSMessage) propagation.TextMapCarrier {
	c := textCarrier{}
	for k, a := range m.MessageAttributes {
		if a.StringValue != nil && !strings.HasPrefix(a.DataType, "Binary") {
			c.Set(k, *a.StringValue)
		}
	}
	if !c.hasContext() && len(m.Body) > 0 && m.Body[0] == '{' {
		if inner := parseEnvelope([]byte(m.Body)); inner != nil {
			return inner
		}
	}
	return c
}

// textCarrier is a propagation.TextMapCarrier with case-insensitive keys
// (stored in lower case).
type textCarrier map[string]string

func (c textCarrier) Get(key string) string { return c[strings.ToLower(key)] }

func (c textCarrier) Set(key, value string) { c[strings.ToLower(key)] = value }

func (c textCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// hasContext reports whether c has a traceparent (valid or not: whether
// it is valid is the propagator's business).
func (c textCarrier) hasContext() bool { return c["traceparent"] != "" }

type eventKind int

const (
	kindUnknown eventKind = iota
	kindHTTP
	kindSQS
	kindSNS
	kindEventBridge
)

// parsedEvent is what parseEvent found in an event.
type parsedEvent struct {
	kind    eventKind
	carrier textCarrier // HTTP and EventBridge
	records []record    // SQS and SNS
}

// record is one SQS or SNS record.
type record struct {
	messageID string
	carrier   textCarrier
	xray      string // SQS's AWSTraceHeader system attribute
}

type rawObject = map[string]json.RawMessage

// eventTop holds the top-level fields that tell an event's type. Decoding
// into it, rather than into a map, skips the rest of the event (an HTTP
// body, say) without copying it. Like all of encoding/json's struct
// decoding, it matches field names without regard to case.
type eventTop struct {
	Records           json.RawMessage `json:"Records"`
	Detail            json.RawMessage `json:"detail"`
	DetailType        json.RawMessage `json:"detail-type"`
	Source            json.RawMessage `json:"source"`
	Headers           json.RawMessage `json:"headers"`
	MultiValueHeaders json.RawMessage `json:"multiValueHeaders"`
}

// parseEvent tells the event's type by its shape and collects its trace
// context. It never fails: anything it does not understand is skipped.
func parseEvent(event []byte) parsedEvent {
	event = bytes.TrimSpace(event)
	if len(event) == 0 || event[0] != '{' {
		return parsedEvent{}
	}
	var top eventTop
	if json.Unmarshal(event, &top) != nil {
		return parsedEvent{}
	}
	switch {
	case top.Records != nil:
		return parseRecords(top.Records)
	case top.Detail != nil && (top.DetailType != nil || top.Source != nil):
		return parsedEvent{kind: kindEventBridge, carrier: detailCarrier(top.Detail)}
	case top.Headers != nil || top.MultiValueHeaders != nil:
		return parsedEvent{kind: kindHTTP, carrier: headersCarrier(top.Headers, top.MultiValueHeaders)}
	}
	return parsedEvent{}
}

func has(o rawObject, key string) bool {
	_, ok := o[key]
	return ok
}

// str decodes a JSON string; ok is false for anything else.
func str(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func object(raw json.RawMessage) rawObject {
	var o rawObject
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &o) != nil {
		return nil
	}
	return o
}

// headersCarrier collects the headers of an HTTP event.
func headersCarrier(headers, multiValueHeaders json.RawMessage) textCarrier {
	c := textCarrier{}
	multi := object(multiValueHeaders)
	for _, k := range slices.Sorted(maps.Keys(multi)) {
		raw := multi[k]
		var vs []json.RawMessage
		if json.Unmarshal(raw, &vs) != nil {
			continue
		}
		var vals []string
		for _, v := range vs {
			if s, ok := str(v); ok {
				vals = append(vals, s)
			}
		}
		if len(vals) == 0 {
			continue
		}
		key := strings.ToLower(k)
		if key == "traceparent" {
			c.add(key, vals[0])
		} else {
			c.add(key, strings.Join(vals, ","))
		}
	}
	single := object(headers)
	for _, k := range slices.Sorted(maps.Keys(single)) {
		if s, ok := str(single[k]); ok {
			if key := strings.ToLower(k); c[key] == "" {
				c[key] = s
			}
		}
	}
	return c
}

// add sets key (lower case) to v, or joins v to what is there: headers
// whose names differ only in case are one header.
func (c textCarrier) add(key, v string) {
	if cur, ok := c[key]; ok && cur != "" && key != "traceparent" {
		c[key] = cur + "," + v
		return
	}
	if _, ok := c[key]; !ok {
		c[key] = v
	}
}

// contextFields are the fields read from the top level of an EventBridge
// detail.
var contextFields = map[string]bool{"traceparent": true, "tracestate": true, "baggage": true}

// detailCarrier collects the trace context of an EventBridge detail.
func detailCarrier(raw json.RawMessage) textCarrier {
	c := textCarrier{}
	detail := object(raw)
	for k, v := range detail {
		if strings.EqualFold(k, "_otel") {
			for ok, ov := range object(v) {
				if s, isStr := str(ov); isStr {
					c.Set(ok, s)
				}
			}
		}
	}
	for k, v := range detail {
		if key := strings.ToLower(k); contextFields[key] && c[key] == "" {
			if s, ok := str(v); ok {
				c[key] = s
			}
		}
	}
	return c
}

// parseRecords collects the SQS and SNS records of a Records event;
// records of other services are skipped.
func parseRecords(raw json.RawMessage) parsedEvent {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return parsedEvent{}
	}
	e := parsedEvent{}
	for _, r := range list {
		o := object(r)
		if o == nil {
			continue
		}
		if src, _ := str(o["eventSource"]); src == "aws:sqs" {
			e.records = append(e.records, sqsRecord(o))
			if e.kind == kindUnknown {
				e.kind = kindSQS
			}
			continue
		}
		if src, _ := str(o["EventSource"]); src == "aws:sns" {
			e.records = append(e.records, snsRecord(object(o["Sns"])))
			if e.kind == kindUnknown {
				e.kind = kindSNS
			}
		}
	}
	return e
}

// sqsAttribute is an SQS message attribute; also SNS's {"Type", "Value"}
// (struct fields match JSON names without regard to case).
type sqsAttribute struct {
	StringValue *string `json:"stringValue"`
	DataType    string  `json:"dataType"`
}

func sqsRecord(o rawObject) record {
	r := record{carrier: textCarrier{}}
	r.messageID, _ = str(o["messageId"])
	for k, raw := range object(o["messageAttributes"]) {
		var a sqsAttribute
		if json.Unmarshal(raw, &a) != nil || a.StringValue == nil || strings.HasPrefix(a.DataType, "Binary") {
			continue
		}
		r.carrier.Set(k, *a.StringValue)
	}
	for k, raw := range object(o["attributes"]) {
		if strings.EqualFold(k, "AWSTraceHeader") {
			r.xray, _ = str(raw)
		}
	}
	if !r.carrier.hasContext() {
		if body, ok := str(o["body"]); ok && strings.HasPrefix(body, "{") {
			if inner := parseEnvelope([]byte(body)); inner != nil {
				r.carrier = inner
			}
		}
	}
	return r
}

// parseEnvelope returns the trace context of an SQS body that is an SNS
// notification or an EventBridge event, or nil.
func parseEnvelope(body []byte) textCarrier {
	o := object(body)
	if o == nil {
		return nil
	}
	if typ, _ := str(o["Type"]); typ == "Notification" && has(o, "MessageAttributes") {
		if c := snsAttributes(object(o["MessageAttributes"])); c.hasContext() {
			return c
		}
		return nil
	}
	if detail, ok := o["detail"]; ok && has(o, "detail-type") {
		if c := detailCarrier(detail); c.hasContext() {
			return c
		}
	}
	return nil
}

func snsRecord(sns rawObject) record {
	r := record{carrier: textCarrier{}}
	if sns == nil {
		return r
	}
	r.messageID, _ = str(sns["MessageId"])
	r.carrier = snsAttributes(object(sns["MessageAttributes"]))
	return r
}

// snsAttributes collects String message attributes {"Type": "String",
// "Value": "…"}.
func snsAttributes(attrs rawObject) textCarrier {
	c := textCarrier{}
	for k, raw := range attrs {
		var a map[string]any
		if json.Unmarshal(raw, &a) != nil {
			continue
		}
		if s, ok := snsStringAttribute(a); ok {
			c.Set(k, s)
		}
	}
	return c
}

func snsStringAttribute(a map[string]any) (string, bool) {
	var typ, val any
	for k, v := range a {
		switch {
		case strings.EqualFold(k, "Type"):
			typ = v
		case strings.EqualFold(k, "Value"):
			val = v
		}
	}
	t, _ := typ.(string)
	s, ok := val.(string)
	if !ok || (t != "" && t != "String" && !strings.HasPrefix(t, "String.")) {
		return "", false
	}
	return s, true
}
