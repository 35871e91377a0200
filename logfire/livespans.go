package logfire

import (
	"context"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// liveSpans keeps the sampled spans that have started and not ended (up to
// a bound: see maxOpenPerShard), so
// that Shutdown can end those still open before it flushes, as the Python
// SDK ends them at exit: a span left open by a goroutine that never
// returned, or by a function the program's end cut short, is exported with
// its attributes and the time of the shutdown as its end, instead of being
// lost (only its pending span would have reached Logfire). Logs, which end
// as they start, are not kept.
//
// It is a span processor that runs before the others. The set is sharded
// by span id, so that spans starting and ending on many goroutines seldom
// wait for one another.
type liveSpans struct {
	shards [openSpanShards]openShard
}

const openSpanShards = 16

// maxOpenPerShard bounds the spans kept per shard, 2,048 in all: a program
// that leaves spans open by the thousands (a root span per request that is
// never ended, say) must not grow its heap with each of them. Those past
// the bound are not ended at Shutdown; their pending spans were sent when
// they started, as for any span never ended.
const maxOpenPerShard = 128

type openShard struct {
	mu    sync.Mutex
	spans map[trace.SpanID]sdktrace.ReadWriteSpan
}

func (o *liveSpans) shard(id trace.SpanID) *openShard { return &o.shards[id[7]%openSpanShards] }

func (o *liveSpans) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	sc := s.SpanContext()
	if !sc.IsSampled() || isLog(ctx) {
		return
	}
	sh := o.shard(sc.SpanID())
	sh.mu.Lock()
	if sh.spans == nil {
		sh.spans = map[trace.SpanID]sdktrace.ReadWriteSpan{}
	}
	if len(sh.spans) < maxOpenPerShard {
		sh.spans[sc.SpanID()] = s
	}
	sh.mu.Unlock()
}

func (o *liveSpans) OnEnd(s sdktrace.ReadOnlySpan) {
	sc := s.SpanContext()
	if !sc.IsSampled() {
		return
	}
	sh := o.shard(sc.SpanID())
	sh.mu.Lock()
	delete(sh.spans, sc.SpanID())
	sh.mu.Unlock()
}

// endAll ends every span still open and returns how many it ended.
func (o *liveSpans) endAll() int {
	if o == nil {
		return 0
	}
	var open []sdktrace.ReadWriteSpan
	for i := range o.shards {
		sh := &o.shards[i]
		sh.mu.Lock()
		for _, s := range sh.spans {
			open = append(open, s)
		}
		sh.mu.Unlock()
	}
	for _, s := range open {
		s.End() // OnEnd removes it
	}
	return len(open)
}

func (o *liveSpans) Shutdown(context.Context) error   { return nil }
func (o *liveSpans) ForceFlush(context.Context) error { return nil }
