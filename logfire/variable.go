package logfire

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// Variable is a managed variable: a typed value, such as a prompt, a model
// name, a feature flag or a threshold, defined in the Logfire UI with
// versions, labels, rollouts and targeting, with a default in code. Make
// one with Var, usually as a package-level variable, and read it with
// Get. It is safe for concurrent use.
type Variable[T any] struct {
	lf   *Logfire
	name string
	def  T
}

// declaredVariables counts the calls of Var: on AWS Lambda the
// configuration is refreshed at the start of an invocation only in a
// program that declares variables.
var declaredVariables atomic.Int64

// Var declares the managed variable name, of type T, read through lf (nil
// means the instance Configure made last, when Get runs), with def served
// whenever the configuration gives no value: before it has been fetched,
// when its rollout picks no label, when the variable is not in it, or when
// its value does not decode into T.
//
// T is any type that encoding/json decodes into: the values of the
// variable are JSON documents. The name is the variable's name in Logfire:
// letters, digits and underscores, not starting with a digit (a bad name
// is reported by Get).
//
// The values come from the Logfire API when an API key is configured
// (LOGFIRE_API_KEY or WithAPIKey), or from WithLocalVariables; see Get.
func Var[T any](lf *Logfire, name string, def T) *Variable[T] {
	declaredVariables.Add(1)
	return &Variable[T]{lf: lf, name: name, def: def}
}

// Resolved is a variable's value as Get resolved it, with where it came
// from.
type Resolved[T any] struct {
	// Value is the value of the label the rollout picked, or the
	// variable's default.
	Value T
	// Label is the label the value is from; "" for the default.
	Label string
	// Version is the version of the value; 0 for the default.
	Version int
	// Reason says why this value was served, with the Python SDK's
	// words: "resolved" (a label's value), "code_default" (the rollout
	// picked no label, or a label standing for the default),
	// "unrecognized_variable" (the configuration has no such variable),
	// "missing_config" (no configuration has been fetched yet),
	// "no_provider" (no API key and no local configuration),
	// "validation_error" (the value does not decode into T; Label and
	// Version name it) or "other_error" (the variable's name is not
	// valid).
	Reason string

	name string
}

// Baggage members that carry the label and version of a variable, as in
// the Python SDK: logfire.variables.<name> is the label, or <code_default>.
const (
	variableBaggagePrefix = "logfire.variables."
	variableCodeDefault   = "<code_default>"
)

// ContextWithBaggage returns ctx with the variable's label (or
// "<code_default>") and version in its baggage, under
// logfire.variables.<name> and logfire.variables.<name>.version, as the
// Python SDK sets them. The baggage travels with the context to the
// services it calls (see Logfire.Propagator); with
// WithBaggageAttributes(true), every span started from it carries the
// members as attributes, so that all the spans of a request show which
// value served it.
func (r Resolved[T]) ContextWithBaggage(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if r.name == "" {
		return ctx
	}
	b := baggage.FromContext(ctx)
	for _, kv := range r.members() {
		m, err := baggage.NewMemberRaw(string(kv.Key), kv.Value.AsString())
		if err != nil {
			continue
		}
		if nb, err := b.SetMember(m); err == nil {
			b = nb
		}
	}
	return baggage.ContextWithBaggage(ctx, b)
}

// members are the baggage members (and span attributes) of r.
func (r Resolved[T]) members() []attribute.KeyValue {
	label := r.Label
	if label == "" {
		label = variableCodeDefault
	}
	kvs := []attribute.KeyValue{attribute.String(variableBaggagePrefix+r.name, label)}
	if r.Version != 0 {
		kvs = append(kvs, attribute.String(variableBaggagePrefix+r.name+".version", strconv.Itoa(r.Version)))
	}
	return kvs
}

type targetingKeyKey struct{}

// ContextWithTargetingKey returns ctx with key as the targeting key of the
// variables read with it (see Get): a user's or an organisation's id, so
// that the same key always gets the same label of a rollout.
func ContextWithTargetingKey(ctx context.Context, key string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, targetingKeyKey{}, key)
}

// targetingKey returns the targeting key for ctx: the one
// ContextWithTargetingKey set, else "trace_id:<32 hex digits>" of the
// span in ctx, as in the Python SDK; false if there is neither.
func targetingKey(ctx context.Context) (string, bool) {
	if k, ok := ctx.Value(targetingKeyKey{}).(string); ok {
		return k, true
	}
	if sc := trace.SpanContextFromContext(ctx); sc.TraceID().IsValid() {
		id := sc.TraceID()
		return "trace_id:" + hex.EncodeToString(id[:]), true
	}
	return "", false
}

// Get resolves the variable for ctx and returns its value with its label
// and version. The configuration comes from the Logfire API (with an API
// key) or from WithLocalVariables; without either, Get serves the default.
//
// The label is picked as the Python SDK picks it, so that a targeting key
// gets the same label in every SDK: the first override whose conditions
// all hold replaces the rollout, and the rollout picks a label by weight,
// always the same one for the same targeting key. The targeting key is
// the one ContextWithTargetingKey put in ctx, else the trace id of the
// span in ctx; with neither, the pick is random. The conditions see the
// instance's resource attributes, then ctx's baggage, then args, later
// ones winning: key-value pairs ("plan", "enterprise"), attribute.KeyValue
// or slog.Attr values, as the logging functions take them.
//
// Get sets logfire.variables.<name> (the label, or "<code_default>") and
// logfire.variables.<name>.version on the span in ctx; to carry them to
// the spans started after it, and to other services, give them to
// Resolved.ContextWithBaggage.
//
// From the Logfire API, the first Get waits for the first fetch, at most
// 10 s (on AWS Lambda, 1 s or a quarter of the time the invocation has
// left) or until ctx is done; after that, Get does not wait: the values
// are kept fresh in the background (on AWS Lambda, at the start of each
// invocation; see WithVariablePolling). When the API cannot be reached,
// Get serves the values fetched last, or the default.
//
// The result is always usable. The error is not nil when the value served
// is the default because of a mistake to fix: the variable's name is not
// valid, or its value (Label, Version) does not decode into T. A value
// that does not decode is also reported, once, to the instance's error
// handler.
func (v *Variable[T]) Get(ctx context.Context, args ...any) (Resolved[T], error) {
	if v == nil {
		return Resolved[T]{Reason: reasonOther}, errors.New("logfire: Get on a nil *logfire.Variable: make variables with logfire.Var")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	r := Resolved[T]{Value: v.def, name: v.name}
	if !variableName.MatchString(v.name) {
		r.Reason = reasonOther
		r.name = ""
		return r, fmt.Errorf("logfire: variable %q: the name is not valid: accepted names are letters, digits and _, not starting with a digit, as in Logfire", cut(v.name, 100))
	}
	lf := v.lf
	if lf == nil {
		lf = current()
	}
	src := lf.variableSource()
	var cfg *variablesConfig
	switch {
	case src == nil:
		r.Reason = reasonNoProvider
	default:
		if cfg = src.current(ctx); cfg == nil {
			r.Reason = reasonMissing
		}
	}
	var err error
	if cfg != nil {
		key, keyed := targetingKey(ctx)
		res := cfg.resolve(v.name, key, keyed, func() map[string]attribute.Value { return lf.variableAttributes(ctx, args) })
		r.Reason = res.reason
		if res.serialized != nil {
			var val T
			if derr := json.Unmarshal([]byte(*res.serialized), &val); derr != nil {
				r.Reason, r.Label, r.Version = reasonValidation, res.label, res.version
				err = fmt.Errorf("logfire: variable %q: the value of label %q (version %d) does not decode into %s: %w; serving the default",
					v.name, res.label, res.version, typeName[T](), derr)
				lf.reportVariableOnce(v.name+"\x00"+res.label+"\x00"+strconv.Itoa(res.version)+"\x00"+typeName[T](), err)
			} else {
				r.Value, r.Label, r.Version = val, res.label, res.version
			}
		}
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(r.members()...)
	}
	return r, err
}

// typeName names T in messages.
func typeName[T any]() string { return reflect.TypeFor[T]().String() }
