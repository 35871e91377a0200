package logfire_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"

	"github.com/logfire-go/sdk/logfire"
)

// By default the propagator writes the W3C traceparent header for the span
// in the context, and the baggage header: what HTTP code that otelhttp does
// not instrument sends along.
func ExampleLogfire_Propagator_inject() {
	lf, _ := captured() // deterministic ids: trace 1, span 1
	defer lf.Shutdown(context.Background())

	ctx, span := lf.Span(context.Background(), "calling the billing service")
	defer span.End()
	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	ctx = baggage.ContextWithBaggage(ctx, bag)

	h := http.Header{}
	lf.Propagator().Inject(ctx, propagation.HeaderCarrier(h))
	fmt.Println(h.Get("traceparent"))
	fmt.Println(h.Get("baggage"))
	// Output:
	// 00-00000000000000000000000000000001-0000000000000001-01
	// tenant=acme
}

// WithPropagator chooses what crosses process boundaries: here the trace
// context only, no baggage.
func ExampleWithPropagator() {
	lf, _ := captured(logfire.WithPropagator(propagation.TraceContext{}))
	defer lf.Shutdown(context.Background())

	ctx, span := lf.Span(context.Background(), "outgoing request")
	defer span.End()
	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	ctx = baggage.ContextWithBaggage(ctx, bag)

	h := http.Header{}
	lf.Propagator().Inject(ctx, propagation.HeaderCarrier(h))
	fmt.Println(slices.Sorted(maps.Keys(h)))
	// Output: [Traceparent]
}

// A server continues the caller's trace: the span started from the
// extracted context has the caller's trace id and the caller's span as its
// parent.
func ExampleLogfire_Propagator() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	incoming := http.Header{}
	incoming.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	ctx := lf.Propagator().Extract(context.Background(), propagation.HeaderCarrier(incoming))

	_, span := lf.Span(ctx, "handling {path}", "path", "/pay")
	span.End()
	s := c.Span("handling {path}")
	fmt.Println(s.SpanContext.TraceID(), s.Parent.SpanID(), s.Parent.IsRemote())
	// Output: 0af7651916cd43dd8448eb211c80319c b7ad6b7169203331 true
}

// With baggage attributes on, each baggage member of the parent context
// becomes an attribute of the spans and logs started in it.
func ExampleWithBaggageAttributes() {
	lf, c := captured(logfire.WithBaggageAttributes(true))
	defer lf.Shutdown(context.Background())

	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	ctx := baggage.ContextWithBaggage(context.Background(), bag)

	lf.Info(ctx, "order placed")
	fmt.Println(c.Log("order placed").Value("tenant"))
	// Output: acme
}

// An extra pattern marks more keys and values as secrets.
func ExampleScrubbingOptions_extraPatterns() {
	lf, c := captured(logfire.WithScrubbing(&logfire.ScrubbingOptions{ExtraPatterns: []string{`card[_ ]?number`}}))
	defer lf.Shutdown(context.Background())

	lf.Info(context.Background(), "payment", "card_number", "4242 4242 4242 4242", "amount", 10)
	log := c.Log("payment")
	fmt.Println(log.Value("card_number"))
	fmt.Println(log.Value("amount"))
	// Output:
	// [Scrubbed due to 'card_number']
	// 10
}

// A callback can keep what a default pattern would redact, here any value
// whose key matched "session".
func ExampleScrubbingOptions_callback() {
	keepSessions := func(m logfire.ScrubMatch) (attribute.Value, bool) {
		if m.Matched == "session" {
			return m.Value, true
		}
		return attribute.Value{}, false
	}
	lf, c := captured(logfire.WithScrubbing(&logfire.ScrubbingOptions{Callback: keepSessions}))
	defer lf.Shutdown(context.Background())

	lf.Info(context.Background(), "login", "session_id", "s-123", "password", "hunter2")
	log := c.Log("login")
	fmt.Println(log.Value("session_id"))
	fmt.Println(log.Value("password"))
	// Output:
	// s-123
	// [Scrubbed due to 'password']
}
