package otellambdaflush

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// XRayMode says what the invocation span does with the AWS X-Ray trace
// context that Lambda hands every invocation (the Lambda-Runtime-Trace-Id
// header, which aws-lambda-go puts in the invocation context and, outside
// Lambda Managed Instances, in _X_AMZN_TRACE_ID).
//
// Lambda sends that header whether or not X-Ray active tracing is on; with
// it off (passive tracing) the header says Sampled=0. If it were simply
// the parent of the invocation span, OpenTelemetry's parent-based sampler
// would drop every span of the function. So it is a link by default, and
// when it is the parent (XRayAsParent) its Sampled flag is ignored: the
// trace is sampled by the SDK's own rate (LOGFIRE_TRACE_SAMPLE_RATE),
// decided on the trace id as for a trace that starts here.
type XRayMode int

const (
	// XRayAsLink links the invocation span to the X-Ray context when the
	// event carries no trace context of its own (no parent, no batch
	// records to link to). The span's parent comes from the event only
	// (see the package documentation).
	XRayAsLink XRayMode = iota
	// XRayAsParent makes the X-Ray context the parent of the invocation
	// span when the event carries no trace context of its own (an event
	// that does keeps its parent and links, and the X-Ray context is not
	// used). Use it to continue traces that AWS services or other X-Ray
	// instrumented code started. The spans then have X-Ray's trace id.
	XRayAsParent
	// XRayOff does neither.
	XRayOff
)

// errXRayHeader is parseXRayHeader's error for a header it cannot read.
var errXRayHeader = errors.New("xray: not an X-Ray trace header with a valid Root and Parent")

// parseXRayHeader parses an X-Ray trace header such as
// "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
// into a remote span context, with OpenTelemetry's X-Ray propagator
// (go.opentelemetry.io/contrib/propagators/aws/xray): the trace id is the
// 8 hex digits of the epoch followed by the 24 of the unique id, the span
// id is Parent, and the sampled flag is set only for Sampled=1. Fields may
// come in any order; other fields (Self, Lineage, …) are ignored; as the
// propagator reads it, field names are matched with their case, hex digits
// are lower case, and a repeated field's last value counts. A header
// without a valid Root or Parent, or with an all-zero id, is an error
// matching errXRayHeader.
func parseXRayHeader(header string) (trace.SpanContext, error) {
	ctx := xray.Propagator{}.Extract(context.Background(), propagation.MapCarrier{xrayHeaderField: header})
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return trace.SpanContext{}, fmt.Errorf("%w: %q", errXRayHeader, clip(header))
	}
	return sc, nil
}

// xrayHeaderField is the field the X-Ray propagator reads.
var xrayHeaderField = xray.Propagator{}.Fields()[0]

// clip shortens a malformed value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// xraySpanContext returns the X-Ray context of the invocation ctx belongs
// to (see xrayTraceHeader); ok is false if there is none or it is
// malformed.
func xraySpanContext(ctx context.Context) (sc trace.SpanContext, ok bool) {
	h := xrayTraceHeader(ctx)
	if h == "" {
		return trace.SpanContext{}, false
	}
	sc, err := parseXRayHeader(h)
	return sc, err == nil
}
