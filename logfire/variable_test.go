package logfire

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"

	"github.com/logfire-go/sdk/internal/varstest"
)

// agentConfig is a structured variable, as a prompt and its model.
type agentConfig struct {
	Instructions string  `json:"instructions"`
	Model        string  `json:"model"`
	Temperature  float64 `json:"temperature"`
}

// localConfig has three variables: agent (a struct, with an override for
// enterprise plans), max_tokens (a number whose canary value is a string)
// and flag (no label: the code default).
const localConfig = `{"variables": {
  "agent": {"name": "agent",
    "labels": {
      "production": {"version": 1, "serialized_value": "{\"instructions\": \"Be brief.\", \"model\": \"gpt-4o-mini\", \"temperature\": 0.2}"},
      "premium": {"version": 2, "serialized_value": "{\"instructions\": \"Be thorough.\", \"model\": \"gpt-4o\", \"temperature\": 0.7}"}
    },
    "rollout": {"labels": {"production": 1}},
    "overrides": [{"conditions": [{"kind": "value-equals", "attribute": "plan", "value": "enterprise"}], "rollout": {"labels": {"premium": 1}}}]},
  "max_tokens": {"name": "max_tokens",
    "labels": {"canary": {"version": 4, "serialized_value": "\"lots\""}},
    "rollout": {"labels": {"canary": 1}}, "overrides": []},
  "flag": {"name": "flag", "labels": {}, "rollout": {"labels": {}}, "overrides": []}
}}`

// TestGetLocal: values, labels, versions and reasons from a local
// configuration; the override sees Get's attributes and the baggage.
func TestGetLocal(t *testing.T) {
	clearEnv(t)
	seen := &handlerErrors{}
	lf, _ := newTestInstance(t, WithLocalVariables([]byte(localConfig)), WithErrorHandler(seen.handle))
	def := agentConfig{Instructions: "default", Model: "none"}
	agent := Var(lf, "agent", def)
	ctx := context.Background()

	r, err := agent.Get(ctx)
	if err != nil || r.Value.Model != "gpt-4o-mini" || r.Value.Temperature != 0.2 || r.Label != "production" || r.Version != 1 || r.Reason != "resolved" {
		t.Errorf("Get = %+v, %v", r, err)
	}
	if r, _ := agent.Get(ctx, "plan", "enterprise"); r.Value.Model != "gpt-4o" || r.Label != "premium" || r.Version != 2 {
		t.Errorf("Get with plan=enterprise = %+v", r)
	}
	if r, _ := agent.Get(ctx, attribute.String("plan", "free")); r.Label != "production" {
		t.Errorf("Get with plan=free = %+v", r)
	}
	b, _ := baggage.Parse("plan=enterprise")
	if r, _ := agent.Get(baggage.ContextWithBaggage(ctx, b)); r.Label != "premium" {
		t.Errorf("Get with plan=enterprise in the baggage = %+v", r)
	}
	if r, _ := agent.Get(baggage.ContextWithBaggage(ctx, b), "plan", "free"); r.Label != "production" {
		t.Errorf("Get's attributes win over the baggage: %+v", r)
	}

	flag := Var(lf, "flag", true)
	if r, err := flag.Get(ctx); err != nil || !r.Value || r.Label != "" || r.Version != 0 || r.Reason != "code_default" {
		t.Errorf("flag = %+v, %v", r, err)
	}
	missing := Var(lf, "not_in_config", 7)
	if r, err := missing.Get(ctx); err != nil || r.Value != 7 || r.Reason != "unrecognized_variable" {
		t.Errorf("not_in_config = %+v, %v", r, err)
	}
	if len(seen.all()) != 0 {
		t.Errorf("errors reported: %q", seen.all())
	}
}

// TestGetValueNotDecodable: a value that does not decode into T serves the
// default, with an error that names the variable, label, version and
// type; the error handler hears of it once.
func TestGetValueNotDecodable(t *testing.T) {
	clearEnv(t)
	seen := &handlerErrors{}
	lf, _ := newTestInstance(t, WithLocalVariables([]byte(localConfig)), WithErrorHandler(seen.handle))
	maxTokens := Var(lf, "max_tokens", 500)
	for range 3 {
		r, err := maxTokens.Get(context.Background())
		if r.Value != 500 || r.Label != "canary" || r.Version != 4 || r.Reason != "validation_error" {
			t.Errorf("Get = %+v", r)
		}
		want := `logfire: variable "max_tokens": the value of label "canary" (version 4) does not decode into int: json: cannot unmarshal string into Go value of type int; serving the default`
		if err == nil || err.Error() != want {
			t.Errorf("error %v\nwant   %s", err, want)
		}
	}
	if got := seen.all(); len(got) != 1 || !strings.Contains(got[0], `variable "max_tokens"`) {
		t.Errorf("the error handler heard %q, want the problem once", got)
	}
}

// TestGetWithoutSource: with no API key and no local configuration, or no
// instance at all, Get serves the default; a bad name and a nil Variable
// are errors, never a panic.
func TestGetWithoutSource(t *testing.T) {
	clearEnv(t)
	lf, _ := newTestInstance(t)
	if r, err := Var(lf, "model", "gpt").Get(context.Background()); err != nil || r.Value != "gpt" || r.Reason != "no_provider" {
		t.Errorf("Get = %+v, %v", r, err)
	}
	if r, err := Var[string](nil, "model", "gpt").Get(nil); err != nil || r.Value != "gpt" { //nolint:staticcheck // a nil context on purpose
		t.Errorf("Get with no instance = %+v, %v", r, err)
	}
	r, err := Var(lf, "my-model", "gpt").Get(context.Background())
	if err == nil || !strings.Contains(err.Error(), `variable "my-model": the name is not valid`) || r.Value != "gpt" || r.Reason != "other_error" {
		t.Errorf("bad name: %+v, %v", r, err)
	}
	if ctx := r.ContextWithBaggage(context.Background()); baggage.FromContext(ctx).Len() != 0 {
		t.Errorf("a bad name went into the baggage: %v", baggage.FromContext(ctx))
	}
	var nilVar *Variable[int]
	if _, err := nilVar.Get(context.Background()); err == nil {
		t.Error("Get on a nil Variable: no error")
	}
}

// TestVariablesSettingsErrors: Configure says what is wrong with a local
// configuration, a polling interval out of bounds, an API key whose region
// is unknown (unless the base URL is set) or that is not shaped like one,
// and never quotes the key.
func TestVariablesSettingsErrors(t *testing.T) {
	clearEnv(t)
	const unknownRegion = "pylf_v2_mars_0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{[]Option{WithLocalVariables([]byte(`{"variables": {"a": {"name": "b"}}}`))}, `logfire.WithLocalVariables: variable "a": its "name" is "b"`},
		{[]Option{WithLocalVariables(nil)}, "logfire.WithLocalVariables: it is empty"},
		{[]Option{WithVariablePolling(time.Second)}, "logfire.WithVariablePolling: 1s: accepted values are 10s to 24h0m0s"},
		{[]Option{WithAPIKey(unknownRegion)}, `LOGFIRE_API_KEY: the API key starting "pylf_v2_mars_" names the region "mars", which this SDK does not know`},
		{[]Option{WithAPIKey("pylf_v2_us_" + strings.Repeat("x", 20) + "!")}, "logfire.WithAPIKey: the API key is not shaped like one"},
	} {
		_, err := Configure(context.Background(), append([]Option{notDefault(), WithConsole(nil)}, tc.opts...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "0123456789abcdef") || strings.Contains(err.Error(), "xxxxxxxx")) {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
	// With the base URL set, the key's region does not matter.
	lf, _ := newTestInstance(t, WithAPIKey(unknownRegion), WithBaseURL("http://127.0.0.1:1"))
	if lf.vars == nil || lf.vars.remote == nil || lf.vars.remote.url != "http://127.0.0.1:1/v1/variables/" {
		t.Errorf("with a base URL: %+v", lf.vars)
	}
}

// TestGetAnnotatesSpanAndBaggage: Get sets the label and version on the
// span in ctx; ContextWithBaggage puts them in the baggage, which the
// spans started after carry as attributes with WithBaggageAttributes(true).
func TestGetAnnotatesSpanAndBaggage(t *testing.T) {
	clearEnv(t)
	for _, baggageAttrs := range []bool{false, true} {
		lf, mem := newTestInstance(t, WithLocalVariables([]byte(localConfig)), WithBaggageAttributes(baggageAttrs))
		agent := Var(lf, "agent", agentConfig{})
		flag := Var(lf, "flag", false)

		ctx, span := lf.Span(context.Background(), "handle request")
		r, err := agent.Get(ctx, "plan", "enterprise")
		if err != nil {
			t.Fatal(err)
		}
		fr, _ := flag.Get(ctx)
		ctx = fr.ContextWithBaggage(r.ContextWithBaggage(ctx))
		_, child := lf.Span(ctx, "call the model")
		child.End()
		span.End()

		attrs := func(name string) map[string]string {
			for _, s := range mem.GetSpans() {
				if s.Name == name {
					m := map[string]string{}
					for _, kv := range s.Attributes {
						if strings.HasPrefix(string(kv.Key), "logfire.variables.") {
							m[string(kv.Key)] = kv.Value.Emit()
						}
					}
					return m
				}
			}
			t.Fatalf("no span %q", name)
			return nil
		}
		want := map[string]string{
			"logfire.variables.agent":         "premium",
			"logfire.variables.agent.version": "2",
			"logfire.variables.flag":          "<code_default>",
		}
		if got := attrs("handle request"); !equalMaps(got, want) {
			t.Errorf("the span of the Get: %v, want %v", got, want)
		}
		wantChild := want
		if !baggageAttrs {
			wantChild = map[string]string{}
		}
		if got := attrs("call the model"); !equalMaps(got, wantChild) {
			t.Errorf("WithBaggageAttributes(%v): the span after: %v, want %v", baggageAttrs, got, wantChild)
		}
		m := baggage.FromContext(ctx)
		if m.Member("logfire.variables.agent").Value() != "premium" || m.Member("logfire.variables.agent.version").Value() != "2" ||
			m.Member("logfire.variables.flag").Value() != "<code_default>" || m.Len() != 3 {
			t.Errorf("baggage %v", m)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTargetingKey: ContextWithTargetingKey's key wins over the trace id;
// the trace id makes every Get of one trace land in the same label; with
// neither, the pick is random.
func TestTargetingKey(t *testing.T) {
	clearEnv(t)
	doc := varstest.Config(varstest.Variable("model",
		[]varstest.Label{{Name: "a", Version: 1, Value: "A"}, {Name: "b", Version: 2, Value: "B"}},
		varstest.Weight{Label: "a", Weight: 0.5}, varstest.Weight{Label: "b", Weight: 0.5}))
	lf, _ := newTestInstance(t, WithLocalVariables([]byte(doc)))
	model := Var(lf, "model", "")

	// CPython: random.Random("'model':'user42'").choices(['a', 'b'], [0.5, 0.5])[0] == 'a'
	for range 5 {
		if r, _ := model.Get(ContextWithTargetingKey(context.Background(), "user42")); r.Label != "a" {
			t.Fatalf("user42 got %q, Python picks a", r.Label)
		}
	}
	ctx, span := lf.Span(context.Background(), "request")
	defer span.End()
	key, ok := targetingKey(ctx)
	if id := span.SpanContext().TraceID(); !ok || key != "trace_id:"+id.String() {
		t.Errorf("targeting key %q, %v for trace %s", key, ok, id)
	}
	first, _ := model.Get(ctx)
	for range 10 {
		if r, _ := model.Get(ctx); r.Label != first.Label {
			t.Fatalf("one trace got %q then %q", first.Label, r.Label)
		}
	}
	if k, _ := targetingKey(ContextWithTargetingKey(ctx, "org-1")); k != "org-1" {
		t.Errorf("the explicit key lost to the trace id: %q", k)
	}
	if _, ok := targetingKey(context.Background()); ok {
		t.Error("a targeting key without a key or a span")
	}
	labels := map[string]bool{}
	for range 200 {
		r, _ := model.Get(context.Background())
		labels[r.Label] = true
	}
	if !labels["a"] || !labels["b"] {
		t.Errorf("random picks gave only %v", labels)
	}
}
