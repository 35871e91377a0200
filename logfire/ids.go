package logfire

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// ulidGenerator makes trace ids that are ULIDs, as the other Logfire SDKs
// do: a 48-bit big-endian millisecond timestamp followed by 80 random bits,
// so traces sort by start time. Span ids are 64 random bits. The random
// low 8 bytes keep trace-id-ratio sampling uniform.
type ulidGenerator struct{}

func (ulidGenerator) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	return newULIDTraceID(time.Now()), newSpanID()
}

func (ulidGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	return newSpanID()
}

func newULIDTraceID(now time.Time) trace.TraceID {
	var id trace.TraceID
	ms := uint64(now.UnixMilli())
	binary.BigEndian.PutUint64(id[0:8], ms<<16|uint64(rand.Uint32()&0xffff))
	binary.BigEndian.PutUint64(id[8:16], rand.Uint64())
	return id
}

func newSpanID() trace.SpanID {
	var id trace.SpanID
	for {
		binary.BigEndian.PutUint64(id[:], rand.Uint64())
		if id.IsValid() {
			return id
		}
	}
}
