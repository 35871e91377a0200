package logfireaws_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/logfire-go/sdk/logfire/logfireaws"
)

func TestEventBridgePutEvents(t *testing.T) {
	s := newSetup(t)
	client := eventbridge.NewFromConfig(s.cfg)
	newInput := func() *eventbridge.PutEventsInput {
		return &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			{EventBusName: aws.String("orders-bus"), Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(` {"order_id": 42, "items": [1, 2]} `)},
			{EventBusName: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/orders-bus"), Source: aws.String("shop"), DetailType: aws.String("Empty"), Detail: aws.String(`{}`)},
			{EventBusName: aws.String("orders-bus"), Source: aws.String("shop"), DetailType: aws.String("NotAnObject"), Detail: aws.String(`[1]`)},
			{EventBusName: aws.String("orders-bus"), Source: aws.String("shop"), DetailType: aws.String("Own"), Detail: aws.String(`{"_otel":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}`)},
		}}
	}
	in := newInput()
	before := logfireaws.Skipped()
	parent, call := s.call(t, "EventBridge.PutEvents", func(ctx context.Context) error {
		_, err := client.PutEvents(ctx, in)
		return err
	})
	checkCallSpan(t, call, parent, "EventBridge.PutEvents orders-bus")
	req := s.ep.only(t)
	if len(req.Messages) != 4 {
		t.Fatalf("sent %d entries, want 4", len(req.Messages))
	}
	otel := fmt.Sprintf(`{"_otel":{"traceparent":%q}`, traceparent(call.SpanContext))
	for i, want := range []string{
		otel + `,"order_id": 42, "items": [1, 2]}`, // the entry's own JSON is kept as written
		otel + `}`,
		`[1]`, // not an object: sent as it was
		`{"_otel":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}`,
	} {
		if got := req.Messages[i].Detail; got != want {
			t.Errorf("entry %d: detail %s, want %s", i, got, want)
		}
	}
	unchanged(t, in, newInput)
	if n := logfireaws.Skipped() - before; n != 1 {
		t.Errorf("Skipped grew by %d, want 1 (the detail that is not an object)", n)
	}
}

// clientContext decodes a sent client context.
func clientContext(t *testing.T, raw string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("client context %q: %v", raw, err)
	}
	return m
}

func TestLambdaInvoke(t *testing.T) {
	s := newSetup(t)
	client := lambda.NewFromConfig(s.cfg)
	existing := base64.StdEncoding.EncodeToString([]byte(`{"client":{"app_title":"shop"},"custom":{"tenant":"acme"},"env":{"locale":"en"}}`))
	for _, tc := range []struct {
		name, clientContext string
		want                func(tp string) map[string]any
	}{
		{"none", "", func(tp string) map[string]any {
			return map[string]any{"custom": map[string]any{"traceparent": tp}}
		}},
		{"kept", existing, func(tp string) map[string]any {
			return map[string]any{"client": map[string]any{"app_title": "shop"}, "env": map[string]any{"locale": "en"},
				"custom": map[string]any{"tenant": "acme", "traceparent": tp}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.capture.Reset()
			s.ep.mu.Lock()
			s.ep.got = nil
			s.ep.mu.Unlock()
			newInput := func() *lambda.InvokeInput {
				in := &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:000000000000:function:order-processor"), Payload: []byte(`{"order_id":42}`)}
				if tc.clientContext != "" {
					in.ClientContext = aws.String(tc.clientContext)
				}
				return in
			}
			in := newInput()
			parent, call := s.call(t, "Lambda.Invoke", func(ctx context.Context) error {
				_, err := client.Invoke(ctx, in)
				return err
			})
			checkCallSpan(t, call, parent, "Lambda.Invoke order-processor")
			got := clientContext(t, s.ep.only(t).Messages[0].ClientContext)
			if want := tc.want(traceparent(call.SpanContext)); !reflect.DeepEqual(got, want) {
				t.Errorf("client context %v, want %v", got, want)
			}
			unchanged(t, in, newInput)
		})
	}
}

// TestLambdaInvokeSkipped: a client context that is not base64 JSON, or
// that the trace context would make too large, is sent as it was and
// counted.
func TestLambdaInvokeSkipped(t *testing.T) {
	s := newSetup(t)
	client := lambda.NewFromConfig(s.cfg)
	big := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"pad":"` + strings.Repeat("x", 2600) + `"}}`))
	if len(big) > 3583 {
		t.Fatalf("the test's client context is too large already: %d", len(big))
	}
	notJSON := base64.StdEncoding.EncodeToString([]byte(`not json`))
	before := logfireaws.Skipped()
	for _, cc := range []string{big, notJSON} {
		s.call(t, "Lambda.Invoke", func(ctx context.Context) error {
			_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("order-processor"), ClientContext: aws.String(cc)})
			return err
		})
	}
	reqs := s.ep.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if want, _ := base64.StdEncoding.DecodeString(big); reqs[0].Messages[0].ClientContext != string(want) {
		t.Errorf("the large client context was changed")
	}
	if reqs[1].Messages[0].ClientContext != "not json" {
		t.Errorf("the malformed client context was changed: %q", reqs[1].Messages[0].ClientContext)
	}
	if n := logfireaws.Skipped() - before; n != 2 {
		t.Errorf("Skipped grew by %d, want 2", n)
	}
}
