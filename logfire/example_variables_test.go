package logfire_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
)

// models is a local configuration: the variable "model", with 90% of the
// users on gpt-4o-mini (label production, version 3) and 10% on gpt-4o
// (label candidate, version 4), and everyone on an enterprise plan on
// gpt-4o.
const models = `{"variables": {"model": {
	"name": "model",
	"labels": {
		"production": {"version": 3, "serialized_value": "\"gpt-4o-mini\""},
		"candidate": {"version": 4, "serialized_value": "\"gpt-4o\""}
	},
	"rollout": {"labels": {"production": 0.9, "candidate": 0.1}},
	"overrides": [{"conditions": [{"kind": "value-equals", "attribute": "plan", "value": "enterprise"}],
		"rollout": {"labels": {"candidate": 1}}}]
}}}`

// A variable read for two users: the same user always gets the same label
// (the one the Python SDK picks for that targeting key), and an attribute
// given to Get chooses an override.
func ExampleVar() {
	lf, _ := captured(logfire.WithLocalVariables([]byte(models)))
	model := logfire.Var(lf, "model", "gpt-4o-mini")

	for _, user := range []struct{ id, plan string }{{"user-10", "free"}, {"user-3", "free"}, {"user-3", "enterprise"}} {
		ctx := logfire.ContextWithTargetingKey(context.Background(), user.id)
		r, err := model.Get(ctx, "plan", user.plan)
		if err != nil {
			fmt.Println(err)
		}
		fmt.Printf("%s (%s): %s, label %s, version %d\n", user.id, user.plan, r.Value, r.Label, r.Version)
	}
	// Output:
	// user-10 (free): gpt-4o, label candidate, version 4
	// user-3 (free): gpt-4o-mini, label production, version 3
	// user-3 (enterprise): gpt-4o, label candidate, version 4
}

// The label and version on the span of the call that read the variable,
// and, through the baggage, on the spans after it (with baggage
// attributes on).
func ExampleResolved_ContextWithBaggage() {
	lf, capture := captured(logfire.WithLocalVariables([]byte(models)), logfire.WithBaggageAttributes(true))
	model := logfire.Var(lf, "model", "gpt-4o-mini")

	ctx, span := lf.Span(logfire.ContextWithTargetingKey(context.Background(), "user-3"), "answering")
	r, _ := model.Get(ctx)
	ctx = r.ContextWithBaggage(ctx)
	_, call := lf.Span(ctx, "calling {model}", "model", r.Value)
	call.End()
	span.End()

	for _, name := range []string{"answering", "calling {model}"} {
		s := capture.Span(name)
		fmt.Printf("%s: label %v, version %v\n", name, s.Value("logfire.variables.model"), s.Value("logfire.variables.model.version"))
	}
	// Output:
	// answering: label production, version 3
	// calling {model}: label production, version 3
}

// TestWithLogfiretest is the test docs/variables.md shows: a test
// instance with a local configuration.
func TestWithLogfiretest(t *testing.T) {
	lf, _ := logfiretest.New(t, logfire.WithLocalVariables([]byte(`{"variables": {"max_retries": {
	"name": "max_retries",
	"labels": {"production": {"version": 1, "serialized_value": "5"}},
	"rollout": {"labels": {"production": 1}}, "overrides": []}}}`)))
	retries, err := logfire.Var(lf, "max_retries", 2).Get(context.Background())
	if err != nil || retries.Value != 5 || retries.Label != "production" || retries.Version != 1 {
		t.Errorf("Get = %+v, %v", retries, err)
	}
}
