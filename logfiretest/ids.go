package logfiretest

import (
	"context"
	"encoding/binary"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
)

// idGenerator is a deterministic sdktrace.IDGenerator: the n-th trace id
// is n and the n-th span id is n, both starting at 1 and written
// big-endian. Trace and span ids count separately. It is safe for
// concurrent use; the zero value is ready to use.
type idGenerator struct {
	traces atomic.Uint64
	spans  atomic.Uint64
}

// NewIDs returns the next trace id and the next span id, for a root span.
func (g *idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	var tid trace.TraceID
	binary.BigEndian.PutUint64(tid[8:], g.traces.Add(1))
	return tid, g.NewSpanID(ctx, tid)
}

// NewSpanID returns the next span id, for a span in an existing trace (and
// for pending spans).
func (g *idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var sid trace.SpanID
	binary.BigEndian.PutUint64(sid[:], g.spans.Add(1))
	return sid
}
