package logfiretest

import (
	"context"
	"encoding/binary"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
)

// IDGenerator is a deterministic sdktrace.IDGenerator: the n-th trace id
// is n and the n-th span id is n, both starting at 1 and written
// big-endian (trace id 1 is 00000000000000000000000000000001, span id 1 is
// 0000000000000001). Trace and span ids count separately, as in the Python
// SDK's IncrementalIdGenerator. It is safe for concurrent use; the zero
// value is ready to use.
//
// With small sequential trace ids, trace-id-ratio sampling (used for
// logfire.WithTraceSampleRate below 1) keeps nearly every trace, so test
// sampling with random ids instead.
type IDGenerator struct {
	traces atomic.Uint64
	spans  atomic.Uint64
}

// NewIDGenerator returns a generator whose first ids are 1.
func NewIDGenerator() *IDGenerator { return &IDGenerator{} }

// NewIDs returns the next trace id and the next span id, for a root span.
func (g *IDGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	var tid trace.TraceID
	binary.BigEndian.PutUint64(tid[8:], g.traces.Add(1))
	return tid, g.NewSpanID(ctx, tid)
}

// NewSpanID returns the next span id, for a span in an existing trace (and
// for pending spans).
func (g *IDGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var sid trace.SpanID
	binary.BigEndian.PutUint64(sid[:], g.spans.Add(1))
	return sid
}
