package otellambdaflush

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

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
	// (see EventToCarrier).
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

func (m XRayMode) String() string {
	switch m {
	case XRayAsLink:
		return "link"
	case XRayAsParent:
		return "parent"
	case XRayOff:
		return "off"
	}
	return fmt.Sprintf("XRayMode(%d)", int(m))
}

// xrayContextKey is the context key under which aws-lambda-go (v1.55,
// lambda/invoke_loop.go) stores the invocation's Lambda-Runtime-Trace-Id.
// It is a plain string key, so it has to be spelled the same way here.
const xrayContextKey = "x-amzn-trace-id"

// XRayTraceHeader returns the X-Ray trace header of the invocation that ctx
// belongs to ("Root=1-…;Parent=…;Sampled=…"), or "" if there is none. It
// reads the invocation context rather than the _X_AMZN_TRACE_ID variable,
// which is wrong when invocations run concurrently (Lambda Managed
// Instances).
func XRayTraceHeader(ctx context.Context) string {
	//nolint:staticcheck // aws-lambda-go's key is a plain string.
	h, _ := ctx.Value(xrayContextKey).(string)
	return h
}

// Errors of ParseXRayTraceHeader.
var (
	ErrXRayNoRoot   = errors.New("xray: no Root field")
	ErrXRayRoot     = errors.New("xray: Root is not 1-<8 hex>-<24 hex>")
	ErrXRayNoParent = errors.New("xray: no Parent field")
	ErrXRayParent   = errors.New("xray: Parent is not 16 hex digits")
)

// ParseXRayTraceHeader parses an X-Ray trace header such as
// "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
// into a remote span context: the trace id is the 8 hex digits of the
// epoch followed by the 24 of the unique id (X-Ray ids map to W3C ids this
// way, as in OpenTelemetry's X-Ray propagator), the span id is Parent, and
// the sampled flag is set only for Sampled=1. Fields may come in any order,
// with spaces around them; unknown fields (Self, Lineage, …) are ignored;
// keys are matched without regard to case. A header without a valid Root
// or Parent, or with an all-zero id, is an error.
func ParseXRayTraceHeader(header string) (trace.SpanContext, error) {
	var root, parent, sampled string
	var haveRoot, haveParent bool
	for part := range strings.SplitSeq(header, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case strings.EqualFold(k, "Root") && !haveRoot:
			root, haveRoot = v, true
		case strings.EqualFold(k, "Parent") && !haveParent:
			parent, haveParent = v, true
		case strings.EqualFold(k, "Sampled") && sampled == "":
			sampled = v
		}
	}
	if !haveRoot {
		return trace.SpanContext{}, ErrXRayNoRoot
	}
	// 1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy
	if len(root) != 35 || root[:2] != "1-" || root[10] != '-' {
		return trace.SpanContext{}, fmt.Errorf("%w: %q", ErrXRayRoot, clip(root))
	}
	var tid trace.TraceID
	if _, err := hex.Decode(tid[:4], []byte(root[2:10])); err != nil {
		return trace.SpanContext{}, fmt.Errorf("%w: %q", ErrXRayRoot, root)
	}
	if _, err := hex.Decode(tid[4:], []byte(root[11:])); err != nil {
		return trace.SpanContext{}, fmt.Errorf("%w: %q", ErrXRayRoot, root)
	}
	if !tid.IsValid() {
		return trace.SpanContext{}, fmt.Errorf("%w: all zeros", ErrXRayRoot)
	}
	if !haveParent {
		return trace.SpanContext{}, ErrXRayNoParent
	}
	var sid trace.SpanID
	if len(parent) != 16 {
		return trace.SpanContext{}, fmt.Errorf("%w: %q", ErrXRayParent, clip(parent))
	}
	if _, err := hex.Decode(sid[:], []byte(parent)); err != nil || !sid.IsValid() {
		return trace.SpanContext{}, fmt.Errorf("%w: %q", ErrXRayParent, parent)
	}
	var flags trace.TraceFlags
	if sampled == "1" {
		flags = trace.FlagsSampled
	}
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true,
	}), nil
}

// clip shortens a malformed value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// XRaySpanContext returns the X-Ray context of the invocation ctx belongs
// to (see XRayTraceHeader and ParseXRayTraceHeader); ok is false if there
// is none or it is malformed.
func XRaySpanContext(ctx context.Context) (sc trace.SpanContext, ok bool) {
	h := XRayTraceHeader(ctx)
	if h == "" {
		return trace.SpanContext{}, false
	}
	sc, err := ParseXRayTraceHeader(h)
	return sc, err == nil
}
