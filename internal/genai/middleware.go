package genai

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/logfire"
)

// Next sends a request: the next handler of a client's middleware chain
// (option.MiddlewareNext of both clients).
type Next = func(*http.Request) (*http.Response, error)

// Config is what Middleware works from.
type Config struct {
	// Content is whether the messages are recorded
	// (gen_ai.input.messages, gen_ai.output.messages,
	// gen_ai.system_instructions).
	Content bool
}

// ConfigOf returns the Config that a provider package's options make:
// setting returns what each option changes. Content is recorded unless an
// option says otherwise.
func ConfigOf[O comparable](opts []O, setting func(O) func(*Config)) Config {
	c := Config{Content: true}
	var zero O
	for _, o := range opts {
		if o != zero {
			setting(o)(&c)
		}
	}
	return c
}

// WithoutContent is the setting of the provider packages' WithoutContent.
func WithoutContent(c *Config) { c.Content = false }

// recorder holds what every call of one Middleware shares.
type recorder struct {
	p          *Provider
	content    bool
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	metrics    instruments
}

// Middleware returns the middleware that records each attempt of the
// provider's calls as a span of lf (nil: the default instance, as it is
// now; without one, OpenTelemetry's global providers) with the metrics
// gen_ai.client.operation.duration and gen_ai.client.token.usage.
func Middleware(lf *logfire.Logfire, p *Provider, c Config) func(*http.Request, Next) (*http.Response, error) {
	if lf == nil {
		lf, _ = instance.Default().(*logfire.Logfire)
	}
	var tp trace.TracerProvider = otel.GetTracerProvider()
	var mp metric.MeterProvider = otel.GetMeterProvider()
	prop := otel.GetTextMapPropagator()
	if lf != nil {
		tp, mp, prop = lf.TracerProvider(), lf.MeterProvider(), lf.Propagator()
	}
	r := &recorder{
		p:          p,
		content:    c.Content,
		tracer:     tp.Tracer(p.Scope, trace.WithInstrumentationVersion(logfire.Version)),
		propagator: prop,
		metrics:    newInstruments(mp.Meter(p.Scope, metric.WithInstrumentationVersion(logfire.Version))),
	}
	return r.handle
}

// handle records one attempt: it reads the request, starts the span, sends
// the request and reads the answer; a streamed answer ends the span when
// its body ends or is closed.
func (r *recorder) handle(req *http.Request, next Next) (*http.Response, error) {
	if req == nil || req.URL == nil {
		return next(req)
	}
	ep := r.p.Endpoint(req.Method, req.URL.Path)
	if ep == nil || req.Body == nil || req.Body == http.NoBody {
		return next(req)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		// What was read, then the error: the client reports it.
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return next(req)
	}
	in := Request{Content: r.content}
	if changed := ep.Request(body, &in); changed != nil {
		body = changed
	}
	setBody(req, body)

	c := r.start(req, ep, &in)
	res, err := next(req)
	if err != nil || res == nil {
		c.end(nil, err, 0) // no answer (a custom HTTP doer may return neither)
		return res, err
	}
	if res.Body == nil {
		res.Body = http.NoBody
	}
	if res.StatusCode >= 400 {
		res.Body = c.failed(res)
		return res, nil
	}
	if ep.Stream != nil && isEventStream(res.Header.Get("Content-Type")) {
		c.status = res.StatusCode
		res.Body = newStreamBody(res.Body, c, ep.Stream())
		return res, nil
	}
	data, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	var out Result
	if len(data) > 0 && ep.Response != nil {
		ep.Response(data, &out, r.content)
	}
	c.end(&out, err, res.StatusCode)
	if err != nil {
		res.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{err}))
	} else {
		res.Body = io.NopCloser(bytes.NewReader(data))
	}
	return res, nil
}

// setBody makes body the request's body, for this attempt and for a
// resend.
func setBody(req *http.Request, body []byte) {
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func isEventStream(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "text/event-stream"
}

// call is one attempt in flight.
type call struct {
	r       *recorder
	ep      *Endpoint
	ctx     context.Context
	span    trace.Span
	start   time.Time
	model   string
	status  int                  // the answer's status code, once known
	server  []attribute.KeyValue // server.address, server.port
	started []attribute.KeyValue // the span's attributes at start, for the schema
}

// start starts the attempt's span, as the child of the span in the
// request's context, and writes its context into the request's headers.
func (r *recorder) start(req *http.Request, ep *Endpoint, in *Request) *call {
	c := &call{r: r, ep: ep, start: time.Now(), model: in.Model, server: serverAttrs(req)}
	attrs := startAttrs(r.p, ep, in)
	attrs = append(attrs, c.server...)
	if n, err := strconv.Atoi(req.Header.Get("X-Stainless-Retry-Count")); err == nil && n > 0 {
		attrs = append(attrs, attribute.Int(keyResendCount, n))
	}
	c.started = attrs
	logfireAttrs := append([]attribute.KeyValue{
		attribute.String(keyMsgTemplate, ep.Template),
		attribute.String(keyMsg, ep.Message+pyRepr(in.Model, in.Null)),
		attribute.String(keySpanType, "span"),
		attribute.StringSlice(keyTags, llmTags),
	}, callerCode()...)
	ctx, span := r.tracer.Start(req.Context(), ep.Template,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(append(attrs, logfireAttrs...)...),
	)
	c.ctx, c.span = ctx, span
	r.propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
	return c
}

var llmTags = []string{"LLM"}

// serverAttrs are server.address and server.port of the request's URL.
func serverAttrs(req *http.Request) []attribute.KeyValue {
	host := req.URL.Hostname()
	if host == "" {
		return nil
	}
	attrs := []attribute.KeyValue{attribute.String(keyServerAddress, host)}
	port := req.URL.Port()
	if port == "" {
		switch req.URL.Scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	if n, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, attribute.Int(keyServerPort, n))
	}
	return attrs
}

// end ends the attempt: it sets what the answer said (res may be nil),
// marks a failure, sets logfire.json_schema and records the metrics.
func (c *call) end(res *Result, err error, status int) {
	var attrs []attribute.KeyValue
	var responseModel string
	if res != nil {
		responseModel = res.Model
		attrs = resultAttrs(res, c.r.content)
		if res.ErrorType != "" && err == nil {
			c.fail(res.ErrorType, res.ErrorType, res.ErrorMessage, &attrs)
		}
	}
	if err != nil {
		c.fail(errorType(err), errorTypeName(err), err.Error(), &attrs)
	}
	if status != 0 {
		attrs = append(attrs, attribute.Int(keyHTTPStatus, status))
	}
	schema := jsonSchema(c.started, attrs)
	attrs = append(attrs, attribute.String(keyJSONSchema, schema))
	c.span.SetAttributes(attrs...)
	c.span.End()
	c.r.metrics.record(c.ctx, c, res, responseModel, errorTypeOf(attrs))
}

// fail marks the span as failed: error.type, status Error, Logfire's error
// level and an exception event.
func (c *call) fail(errType, excType, message string, attrs *[]attribute.KeyValue) {
	*attrs = append(*attrs, attribute.String(keyErrorType, errType), attribute.Int(keyLevelNum, levelError))
	c.span.AddEvent("exception", trace.WithAttributes(
		attribute.String("exception.type", excType),
		attribute.String("exception.message", message),
	))
	c.span.SetStatus(codesError, message)
}

// failed ends the attempt of an answer with an error status (4xx, 5xx):
// the provider's error message, read from the start of the body, goes into
// the status description. It returns the body for the client, unread.
func (c *call) failed(res *http.Response) io.ReadCloser {
	head, err := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	body := readCloser{io.MultiReader(bytes.NewReader(head), res.Body), res.Body}
	if err != nil {
		body.Reader = io.MultiReader(bytes.NewReader(head), errReader{err})
	}
	message := http.StatusText(res.StatusCode)
	if m := providerMessage(head); m != "" {
		message += ": " + m
	}
	message = strconv.Itoa(res.StatusCode) + " " + message
	var attrs []attribute.KeyValue
	c.fail(strconv.Itoa(res.StatusCode), c.r.p.ErrorType, message, &attrs)
	attrs = append(attrs, attribute.Int(keyHTTPStatus, res.StatusCode))
	attrs = append(attrs, attribute.String(keyJSONSchema, jsonSchema(c.started, attrs)))
	c.span.SetAttributes(attrs...)
	c.span.End()
	c.r.metrics.record(c.ctx, c, nil, "", strconv.Itoa(res.StatusCode))
	return body
}

// maxErrorBody is how much of an error answer is read for its message.
const maxErrorBody = 64 << 10

type readCloser struct {
	io.Reader
	io.Closer
}

// errorTypeOf returns the error.type among attrs, or "".
func errorTypeOf(attrs []attribute.KeyValue) string {
	for _, kv := range attrs {
		if string(kv.Key) == keyErrorType {
			return kv.Value.AsString()
		}
	}
	return ""
}

// pyRepr quotes s as Python's repr of a string does in the message
// ('gpt-4o'); null is Python's None.
func pyRepr(s string, null bool) string {
	if null {
		return "None"
	}
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + doubleQuoted.Replace(s) + `"`
	}
	return "'" + singleQuoted.Replace(s) + "'"
}

// The escapes of Python's repr inside each kind of quotes.
var (
	singleQuoted = strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	doubleQuoted = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
)
