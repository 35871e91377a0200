package logfire

import (
	"iter"
	"strings"
	"sync"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/internal/otlpwire"
	"github.com/logfire-go/sdk/internal/redact"
)

// The SDK's own credential never leaves the process. Whatever scrubbing
// says (it may be off, and its safe keys let anything through), the
// configured tokens, and anything shaped like a Logfire write token
// (pylf_v<n>_<region>_…), are replaced with [REDACTED] in everything the
// SDK writes: span and log names, attribute keys and values of every type
// (those of events, links, the resource and the instrumentation scope
// too), status descriptions, log bodies, the console, its own lines on
// standard error and every error it returns. The pass runs in the span
// and log processors that every exporter of the instance sits behind (see
// scrubber.span and scrubbingLogProcessor), after scrubbing, so that
// logfire.scrubbed and logfire.json_schema are covered as well.
//
// URL attributes follow OpenTelemetry's semantic conventions: the
// user-info of url.full, url.original and http.url becomes REDACTED, and
// in those, url.query and http.target the values of the query parameters
// that carry secrets (the conventions' list, names that say token, key or
// signature, and, with scrubbing on, names that a scrubbing pattern
// matches) become REDACTED.

// tokens are the tokens the settings name, for redacting the errors of
// Configure before an instance (and its scrubber) exists.
func (s *settings) tokens() *redact.Tokens {
	tokens := append([]string{s.cfg.APIKey}, s.cfg.Tokens...)
	for _, d := range s.hook.Destinations {
		tokens = append(tokens, d.Token)
	}
	return redact.NewTokens(tokens...)
}

// idleProviders stand in for the providers of a nil or zero *Logfire:
// they record and export nothing, so that code holding such a handle
// never panics.
type idleProviders struct {
	tp *sdktrace.TracerProvider
	mp *sdkmetric.MeterProvider
	lp *sdklog.LoggerProvider
}

var idle = sync.OnceValue(func() idleProviders {
	return idleProviders{
		tp: sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())),
		mp: sdkmetric.NewMeterProvider(),
		lp: sdklog.NewLoggerProvider(),
	}
})

// redactValue returns v with tokens redacted from its strings (map keys
// included), and whether anything changed.
func redactValue(t *redact.Tokens, v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		s := v.AsString()
		if !t.Has(s) {
			return v, false
		}
		if r := t.String(s); r != s {
			return attribute.StringValue(r), true
		}
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice()
		var out []string
		for i, s := range ss {
			if !t.Has(s) {
				continue
			}
			r := t.String(s)
			if r == s {
				continue
			}
			if out == nil {
				out = append([]string(nil), ss...)
			}
			out[i] = r
		}
		if out != nil {
			return attribute.StringSliceValue(out), true
		}
	case attribute.SLICE:
		vs := v.AsSlice()
		var out []attribute.Value
		for i, e := range vs {
			r, changed := redactValue(t, e)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]attribute.Value(nil), vs...)
			}
			out[i] = r
		}
		if out != nil {
			return attribute.SliceValue(out...), true
		}
	case attribute.MAP:
		if out := redactAttrs(t, v.AsMap()); out != nil {
			return attribute.MapValue(out...), true
		}
	case attribute.BYTESLICE:
		b := v.AsByteSlice()
		if r := t.Bytes(b); len(r) != len(b) || string(r) != string(b) {
			return attribute.ByteSliceValue(r), true
		}
	}
	return v, false
}

// redactAttrs returns kvs with tokens redacted from their keys and values,
// or nil when there was nothing to redact (no allocation then).
func redactAttrs(t *redact.Tokens, kvs []attribute.KeyValue) []attribute.KeyValue {
	var out []attribute.KeyValue
	for i, kv := range kvs {
		k := string(kv.Key)
		nk := k
		if t.Has(k) {
			nk = t.String(k)
		}
		nv, changed := redactValue(t, kv.Value)
		if !changed && nk == k {
			if out != nil {
				out = append(out, kv)
			}
			continue
		}
		if out == nil {
			out = make([]attribute.KeyValue, i, len(kvs))
			copy(out, kvs[:i])
		}
		out = append(out, attribute.KeyValue{Key: attribute.Key(nk), Value: nv})
	}
	return out
}

// redactString is t.String that says whether it changed s.
func redactString(t *redact.Tokens, s string) (string, bool) {
	if !t.Has(s) {
		return s, false
	}
	r := t.String(s)
	return r, r != s
}

// redactScope returns the instrumentation scope with tokens redacted, and
// whether anything changed.
func redactScope(t *redact.Tokens, sc instrumentation.Scope) (instrumentation.Scope, bool) {
	name, n := redactString(t, sc.Name)
	version, v := redactString(t, sc.Version)
	schema, u := redactString(t, sc.SchemaURL)
	attrs := redactAttrs(t, sc.Attributes.ToSlice())
	if !n && !v && !u && attrs == nil {
		return sc, false
	}
	out := instrumentation.Scope{Name: name, Version: version, SchemaURL: schema, Attributes: sc.Attributes}
	if attrs != nil {
		out.Attributes = attribute.NewSet(attrs...)
	}
	return out, true
}

// redactResource returns r with tokens redacted from its attributes, or r
// itself when there are none.
func redactResource(t *redact.Tokens, r *resource.Resource) *resource.Resource {
	if r == nil {
		return r
	}
	attrs := redactAttrs(t, r.Attributes())
	schema, changed := redactString(t, r.SchemaURL())
	if attrs == nil && !changed {
		return r
	}
	if attrs == nil {
		attrs = r.Attributes()
	}
	return resource.NewWithAttributes(schema, attrs...)
}

// urlKeys are the attributes that hold a URL, or part of one, that the
// semantic conventions ask to redact.
var urlKeys = map[attribute.Key]urlPart{
	"url.full":     wholeURL,
	"url.original": wholeURL,
	"http.url":     wholeURL,
	"url.query":    queryOnly,
	"http.target":  wholeURL, // a path and query: no authority, so only the query is touched
}

// mayBeURLKey is a cheap test that k is not one of urlKeys, for the hot
// path: they all start with u or h and are 8 bytes or longer.
func mayBeURLKey(k attribute.Key) bool { return len(k) >= 8 && (k[0] == 'u' || k[0] == 'h') }

type urlPart int

const (
	wholeURL urlPart = iota + 1
	queryOnly
)

// urlAttr redacts a URL attribute (see urlKeys): the credentials of its
// user-info and the values of its sensitive query parameters. With
// scrubbing on, a parameter whose name a scrubbing pattern matches is
// sensitive too.
func (sc *scrubber) urlAttr(k attribute.Key, v attribute.Value) (attribute.Value, bool) {
	part, ok := urlKeys[k]
	if !ok || v.Type() != attribute.STRING {
		return v, false
	}
	var extra func(string) bool
	if sc.patterns {
		extra = func(name string) bool { _, ok := sc.matchKey(name); return ok }
	}
	s := v.AsString()
	var r string
	var changed bool
	if part == queryOnly {
		r, changed = redact.Query(s, extra)
	} else {
		r, changed = redact.URL(s, extra)
	}
	if !changed {
		return v, false
	}
	return attribute.StringValue(r), true
}

// redactedError is an error whose message had a token in it: Error
// returns the message redacted; Unwrap gives the original error, for
// errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactError returns err, or, if its message holds a token, an error
// with the same chain whose message has the token redacted.
func redactError(t *redact.Tokens, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r, changed := redactString(t, msg); changed {
		return &redactedError{msg: r, err: err}
	}
	return err
}

// redactMetrics redacts tokens, in place, from what an export of rm
// would send: the scope, the names, descriptions and units of the
// metrics, and the attributes of their data points and exemplars. (The
// resource is redacted when the instance is built.)
func redactMetrics(t *redact.Tokens, rm *metricdata.ResourceMetrics) {
	if rm == nil {
		return
	}
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		sm.Scope, _ = redactScope(t, sm.Scope)
		for j := range sm.Metrics {
			m := &sm.Metrics[j]
			m.Name, _ = redactString(t, m.Name)
			m.Description, _ = redactString(t, m.Description)
			m.Unit, _ = redactString(t, m.Unit)
			redactMetricData(t, m.Data)
		}
	}
}

// redactSet returns s with tokens redacted, or s itself.
func redactSet(t *redact.Tokens, s attribute.Set) attribute.Set {
	if kvs := redactAttrs(t, s.ToSlice()); kvs != nil {
		return attribute.NewSet(kvs...)
	}
	return s
}

// redactMetricData redacts the data points of d, and their exemplars, in
// place (their slices are shared with d).
func redactMetricData(t *redact.Tokens, d metricdata.Aggregation) {
	eachPoint(d, func(attrs *attribute.Set, exemplars iter.Seq[*[]attribute.KeyValue]) {
		*attrs = redactSet(t, *attrs)
		for e := range exemplars {
			if kvs := redactAttrs(t, *e); kvs != nil {
				*e = kvs
			}
		}
	})
}

// validResource returns r with its strings made valid UTF-8, so that
// every exporter, the user's included, can encode it.
func validResource(r *resource.Resource) *resource.Resource {
	if r == nil {
		return r
	}
	kvs, changed := otlpwire.ValidAttributes(r.Attributes())
	if !changed && utf8.ValidString(r.SchemaURL()) {
		return r
	}
	return resource.NewWithAttributes(strings.ToValidUTF8(r.SchemaURL(), "\uFFFD"), kvs...)
}
