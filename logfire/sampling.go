package logfire

import (
	"container/list"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/keys"
)

// Sampling decides which traces are exported, in two steps, as in the
// Python SDK:
//
//   - head sampling, when a trace starts, by its trace id alone: the share
//     of traces recorded at all (SamplingOptions.Head,
//     LOGFIRE_TRACE_SAMPLE_RATE, or OTEL_TRACES_SAMPLER);
//   - tail sampling (SamplingOptions.Tail), from what the trace's spans
//     turn out to be: the spans of a trace that starts in this process are
//     held in a buffer until a span says the trace is worth keeping (an
//     error, a long duration, see LevelOrDuration), and then exported, with
//     their pending spans; a trace that ends without that is not exported.

// SamplingOptions are the options of WithSampling.
type SamplingOptions struct {
	// Head is the share of traces recorded at all, from 0 to 1, decided
	// when a trace starts by its trace id alone, so that a trace is kept
	// or dropped whole (a trace continued from another service follows
	// its caller's decision). It replaces LOGFIRE_TRACE_SAMPLE_RATE, and
	// OTEL_TRACES_SAMPLER with OTEL_TRACES_SAMPLER_ARG. 0 leaves the rate
	// to those variables, by default 1 (every trace); to record no trace
	// at all, set LOGFIRE_TRACE_SAMPLE_RATE=0.
	Head float64
	// Tail decides, from its spans, which of the traces that start in this
	// process and head sampling recorded are exported. Nil: no tail
	// sampling. LevelOrDuration{}.SampleRate is the usual rule.
	//
	// Tail returns the share, from 0 to 1, of traces like the one info's
	// span belongs to that are kept (1 or more: always; 0, less or NaN:
	// not by this call). It is called for each span of an undecided trace
	// as the span starts and as it ends, while the SDK holds a lock: it
	// must be quick and must not call the SDK; if it panics, the trace is
	// kept. The trace is kept as soon as one call keeps it: with a rate of
	// 1 always, with a rate between 0 and 1 when the trace id falls within
	// that share (the same test as OpenTelemetry's TraceIDRatioBased, so a
	// trace's decision does not depend on which span asked).
	Tail func(info SpanInfo) float64
	// MaxBufferBytes bounds, by their estimated size in memory, the spans
	// held while their traces are undecided. When a new span does not fit,
	// the traces buffered longest are dropped whole to make room, and
	// their spans counted as dropped ("sampling_buffer"). 0 means 16 MiB.
	MaxBufferBytes int
}

// The values of SpanInfo.Event.
const (
	eventStart = "start"
	eventEnd   = "end"
	eventFlush = "flush"
)

// SpanInfo is what SamplingOptions.Tail decides from.
type SpanInfo struct {
	// Span is the span that starts or ends.
	Span sdktrace.ReadOnlySpan
	// Event says when Tail is asked: "start", the span has just started;
	// "end", it has just ended; "flush", the trace is still undecided at a
	// flush on AWS Lambda (the process may be frozen after it) or at
	// Shutdown, and this is the last chance to keep it (Span is then the
	// trace's first span, Level the highest level among its spans so far
	// and Duration the time since the trace started).
	Event string
	// Level is the span's level (logfire.level_num; a span of other
	// instrumentation without one is info, or error once its status is
	// Error).
	Level Level
	// Duration is the time from the start of the trace's first span to the
	// start ("start") or end ("end") of this one.
	Duration time.Duration
}

// LevelOrDuration is the tail-sampling rule of the Python SDK's
// SamplingOptions.level_or_duration: a trace is kept when any of its spans
// reaches Level, or when it lasts longer than Duration; of the other
// traces, BackgroundRate is kept. The zero value has the Python SDK's
// defaults: notice, 5 seconds, none of the other traces.
//
//	logfire.Configure(ctx, logfire.WithSampling(logfire.SamplingOptions{Tail: logfire.LevelOrDuration{}.SampleRate}))
type LevelOrDuration struct {
	// Level keeps a trace that has a span at this level or above. 0 means
	// notice.
	Level Level
	// Duration keeps a trace that lasts longer. 0 means 5 seconds; a
	// negative value keeps no trace for its duration.
	Duration time.Duration
	// BackgroundRate is the share of the other traces kept, from 0 to 1
	// (a value above 1 keeps them all, one below 0 none; no more are kept
	// than head sampling records).
	BackgroundRate float64
}

// Python's defaults.
const (
	defaultTailLevel    = LevelNotice
	defaultTailDuration = 5 * time.Second
)

// SampleRate returns 1 for a span at Level or above or a trace older than
// Duration, and BackgroundRate otherwise. Pass it as SamplingOptions.Tail.
func (r LevelOrDuration) SampleRate(info SpanInfo) float64 {
	level, d := r.Level, r.Duration
	if level == 0 {
		level = defaultTailLevel
	}
	if d == 0 {
		d = defaultTailDuration
	}
	if info.Level >= level || (d > 0 && info.Duration > d) {
		return 1
	}
	return r.BackgroundRate
}

// WithSampling sets head and tail sampling (see SamplingOptions).
//
// With a Tail, the spans of each trace that starts in this process wait in
// a bounded buffer until Tail keeps the trace, and are then exported with
// their pending spans; a trace whose first span ends without that is not
// exported (counted in SamplingStats, not as dropped). A trace continued
// from another service (a remote parent) is not tail-sampled: its sampling
// was decided where it started. The console still prints every span.
// Logfire's exporters and the OTEL_EXPORTER_OTLP_ENDPOINT backend see kept
// traces only; processors added with WithSpanProcessor see every span, as
// they would without tail sampling. On AWS Lambda, every trace still
// undecided when the invocation is flushed is decided then ("flush"),
// since the process may be frozen afterwards; Shutdown decides the rest
// likewise.
//
// Head sampling applies first: a trace it drops is not recorded at all.
func WithSampling(o SamplingOptions) Option {
	return optionFunc(func(s *settings) {
		s.sampling = o
		if o.Head > 0 && o.Head <= 1 { // other values: validateSampling says why not
			s.cfg.TraceSampleRate = o.Head
			s.otel.TracesSampler = ""
		}
	})
}

// Bounds of SamplingOptions.
const (
	defaultSamplingBuffer = 16 << 20
	maxSamplingBuffer     = 1 << 30
)

// validateSampling checks the options of WithSampling.
func (s *settings) validateSampling() error {
	o := s.sampling
	fail := func(format string, args ...any) error {
		return &config.Error{Setting: "logfire.WithSampling", Err: fmt.Errorf(format, args...)}
	}
	if !(o.Head >= 0 && o.Head <= 1) {
		return fail("Head is %v: accepted values are numbers from 0 to 1 (0: LOGFIRE_TRACE_SAMPLE_RATE, by default 1)", o.Head)
	}
	if o.MaxBufferBytes < 0 || o.MaxBufferBytes > maxSamplingBuffer {
		return fail("MaxBufferBytes is %d: accepted values are 0 (the default, 16 MiB) to %d bytes", o.MaxBufferBytes, maxSamplingBuffer)
	}
	return nil
}

// headSampler is the tracer provider's sampler: the SDK's own,
// ParentBased(TraceIDRatioBased(rate)), unless OTEL_TRACES_SAMPLER names
// another (sampler) and neither LOGFIRE_TRACE_SAMPLE_RATE nor
// SamplingOptions.Head is given (envconfig.LoadOTel and WithSampling see
// to that; config.Load makes the sampler's ratio the rate).
func headSampler(rate float64, sampler envconfig.Sampler) sdktrace.Sampler {
	switch sampler {
	case envconfig.SamplerAlwaysOn:
		return sdktrace.AlwaysSample()
	case envconfig.SamplerAlwaysOff:
		return sdktrace.NeverSample()
	case envconfig.SamplerTraceIDRatio:
		return sdktrace.TraceIDRatioBased(rate)
	case envconfig.SamplerParentBasedAlwaysOn:
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	case envconfig.SamplerParentBasedAlwaysOff:
		return sdktrace.ParentBased(sdktrace.NeverSample())
	}
	return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(rate))
}

// SamplingStats says what tail sampling did (see WithSampling); all zero
// without it. Spans count real spans and logs, not pending spans.
type SamplingStats struct {
	// BufferedTraces and BufferedSpans are held now, undecided, in
	// BufferedBytes (estimated).
	BufferedTraces, BufferedSpans, BufferedBytes int
	// KeptTraces counts the traces kept and exported.
	KeptTraces int64
	// SampledOutTraces and SampledOutSpans count what was not exported
	// because the traces were not worth keeping: sampled out on purpose,
	// not dropped.
	SampledOutTraces, SampledOutSpans int64
	// DroppedSpans counts the spans dropped because the buffer was full;
	// DeliveryStats counts them too, as "sampling_buffer", once per
	// destination.
	DroppedSpans int64
}

// SamplingStats returns what tail sampling did since Configure.
func (lf *Logfire) SamplingStats() SamplingStats {
	if lf == nil || lf.tail == nil {
		return SamplingStats{}
	}
	return lf.tail.stats()
}

// The fixed costs, in bytes, of what the tail-sampling buffer holds
// besides the spans themselves: a trace, and a span that has started.
const (
	traceBufferCost = 256
	startEventCost  = 96
)

// maxDecided bounds the trace ids remembered as not kept, so that the
// spans that end after their trace was decided are not exported either.
const maxDecided = 4096

// tailSampler holds the spans of undecided traces and hands those of kept
// traces to next (and, for their pending spans, to exporters). It sits
// behind the pending-span processor, beside the console (see newPipelines).
type tailSampler struct {
	rule          func(SpanInfo) float64
	max           int
	next          fanOut          // Logfire's exporters and processors
	exporters     []*spanExporter // in next too; they also get spanStarted
	counters      []*delivery.Counters
	onDrop        func(delivery.Signal, delivery.Reason, int, string) // when there are no counters
	decideOnFlush bool

	mu      sync.Mutex
	traces  map[trace.TraceID]*traceBuffer
	order   list.List // of *traceBuffer: the undecided traces, oldest first
	bytes   int
	spans   int
	decided map[trace.TraceID]bool // true: dropped (buffer full); false: sampled out
	ring    []trace.TraceID
	next0   int // next slot of ring
	st      SamplingStats
}

// traceBuffer is the buffer of one undecided trace.
type traceBuffer struct {
	id       trace.TraceID
	start    time.Time
	events   []tailEvent
	pending  map[trace.SpanID]int // index in events of the pending span of an open span
	bytes    int
	spans    int // real spans and logs that ended
	level    Level
	pushing  bool // kept: its events are being handed on
	finished bool // decided, out of the buffer
	elem     *list.Element
}

// tailEvent is one call the sampler holds back: a span that starts
// (parent set), or one that ends.
type tailEvent struct {
	parent  context.Context
	started sdktrace.ReadWriteSpan
	ended   sdktrace.ReadOnlySpan
	size    int
}

func newTailSampler(o SamplingOptions, next []sdktrace.SpanProcessor, exporters []*spanExporter) *tailSampler {
	t := &tailSampler{
		rule:      o.Tail,
		max:       o.MaxBufferBytes,
		next:      next,
		exporters: exporters,
		traces:    map[trace.TraceID]*traceBuffer{},
		decided:   map[trace.TraceID]bool{},
		ring:      make([]trace.TraceID, maxDecided),
	}
	if t.max == 0 {
		t.max = defaultSamplingBuffer
	}
	return t
}

func (t *tailSampler) OnStart(parent context.Context, s sdktrace.ReadWriteSpan) {
	sc := s.SpanContext()
	if !sc.IsSampled() {
		t.start(parent, s)
		return
	}
	t.mu.Lock()
	buf := t.traces[sc.TraceID()]
	if buf == nil {
		if _, gone := t.decided[sc.TraceID()]; gone || s.Parent().IsValid() {
			// A span of a trace decided already (a late child: its end
			// is counted) or one that did not start here: not held.
			t.mu.Unlock()
			if !gone {
				t.start(parent, s)
			}
			return
		}
		buf = &traceBuffer{id: sc.TraceID(), start: s.StartTime(), bytes: traceBufferCost}
		t.traces[buf.id] = buf
		buf.elem = t.order.PushBack(buf)
		t.bytes += traceBufferCost
	}
	if buf.pushing {
		buf.events = append(buf.events, tailEvent{parent: parent, started: s})
		t.mu.Unlock()
		return
	}
	t.add(buf, tailEvent{parent: parent, started: s, size: startEventCost})
	if buf.finished {
		t.mu.Unlock() // dropped to make room: its end is counted
		return
	}
	keep := t.check(buf, SpanInfo{Span: s, Event: eventStart, Level: spanLevelOf(s), Duration: s.StartTime().Sub(buf.start)})
	t.mu.Unlock()
	if keep {
		t.push(buf)
	}
}

func (t *tailSampler) OnEnd(s sdktrace.ReadOnlySpan) {
	sc := s.SpanContext()
	if !sc.IsSampled() {
		t.next.OnEnd(s)
		return
	}
	pending := isPendingSpan(s)
	t.mu.Lock()
	buf := t.traces[sc.TraceID()]
	if buf == nil {
		dropped, gone := t.decided[sc.TraceID()]
		if gone && !pending {
			t.countGone(dropped, 1)
		}
		t.mu.Unlock()
		if !gone {
			t.next.OnEnd(s)
		}
		return
	}
	if buf.pushing {
		buf.events = append(buf.events, tailEvent{ended: s})
		t.mu.Unlock()
		return
	}
	if pending {
		if buf.pending == nil {
			buf.pending = map[trace.SpanID]int{}
		}
		buf.pending[s.Parent().SpanID()] = len(buf.events)
		t.add(buf, tailEvent{ended: s, size: spanSize(s)})
		t.mu.Unlock()
		return
	}
	if i, ok := buf.pending[sc.SpanID()]; ok {
		// The real span says all its pending span would.
		t.bytes -= buf.events[i].size
		buf.bytes -= buf.events[i].size
		buf.events[i] = tailEvent{}
		delete(buf.pending, sc.SpanID())
	}
	buf.spans++
	t.spans++
	t.add(buf, tailEvent{ended: s, size: spanSize(s)})
	if buf.finished {
		t.mu.Unlock() // dropped to make room, this span with it
		return
	}
	keep := t.check(buf, SpanInfo{Span: s, Event: eventEnd, Level: spanLevelOf(s), Duration: s.EndTime().Sub(buf.start)})
	if !keep && !s.Parent().IsValid() {
		// The trace's first span ended without a reason to keep it.
		t.finish(buf, false)
	}
	t.mu.Unlock()
	if keep {
		t.push(buf)
	}
}

// add appends e to buf and makes room for it by dropping the traces
// buffered longest (buf itself, if it is the only one left). t.mu is held.
func (t *tailSampler) add(buf *traceBuffer, e tailEvent) {
	buf.events = append(buf.events, e)
	buf.bytes += e.size
	t.bytes += e.size
	for t.bytes > t.max && t.order.Len() > 0 {
		t.finish(t.order.Front().Value.(*traceBuffer), true)
	}
}

// check asks the rule about info's span and reports whether buf is kept;
// then it is marked so, out of the undecided. t.mu is held.
func (t *tailSampler) check(buf *traceBuffer, info SpanInfo) bool {
	buf.level = max(buf.level, info.Level)
	if !t.decide(buf.id, info) {
		return false
	}
	buf.pushing = true
	t.st.KeptTraces++
	t.bytes -= buf.bytes
	t.spans -= buf.spans
	t.order.Remove(buf.elem)
	return true
}

// decide applies the rule, which must not make the SDK fail: a rule that
// panics keeps the trace (nothing is lost for a bug in it).
func (t *tailSampler) decide(id trace.TraceID, info SpanInfo) (keep bool) {
	defer func() {
		if recover() != nil {
			keep = true
		}
	}()
	rate := t.rule(info)
	switch {
	case rate >= 1:
		return true
	case !(rate > 0): // also NaN
		return false
	}
	return traceIDBelow(id, rate)
}

// traceIDBelow reports whether id falls in the first rate of the trace id
// space, as OpenTelemetry's TraceIDRatioBased sampler decides (from the
// id's last 8 bytes), so that both agree on a trace; it is computed here
// rather than by building that sampler for each decision.
func traceIDBelow(id trace.TraceID, rate float64) bool {
	return binary.BigEndian.Uint64(id[8:16])>>1 < uint64(rate*(1<<63))
}

// finish takes an undecided trace out of the buffer, not kept: sampled out,
// or dropped (the buffer was full), and remembers it so that its spans
// that end later are not exported either. t.mu is held.
func (t *tailSampler) finish(buf *traceBuffer, dropped bool) {
	buf.finished = true
	delete(t.traces, buf.id)
	t.order.Remove(buf.elem)
	t.bytes -= buf.bytes
	t.spans -= buf.spans
	if !dropped {
		t.st.SampledOutTraces++
	}
	t.countGone(dropped, buf.spans)
	if old := t.ring[t.next0]; old.IsValid() {
		delete(t.decided, old)
	}
	t.ring[t.next0] = buf.id
	t.next0 = (t.next0 + 1) % len(t.ring)
	t.decided[buf.id] = dropped
	buf.events, buf.pending = nil, nil
}

// countGone counts n spans not exported: sampled out or, when dropped,
// dropped for the full buffer. t.mu is held.
func (t *tailSampler) countGone(dropped bool, n int) {
	if n == 0 {
		return
	}
	if !dropped {
		t.st.SampledOutSpans += int64(n)
		return
	}
	t.st.DroppedSpans += int64(n)
	const cause = "the tail-sampling buffer was full (logfire.SamplingOptions.MaxBufferBytes)"
	if len(t.counters) == 0 && t.onDrop != nil {
		t.onDrop(delivery.Spans, delivery.SamplingBuffer, n, cause)
	}
	for _, c := range t.counters {
		c.Dropped(delivery.Spans, delivery.SamplingBuffer, n, cause)
	}
}

// push hands on the events of a kept trace, in their order, including
// those that arrive meanwhile, and then lets the trace's later spans pass.
func (t *tailSampler) push(buf *traceBuffer) {
	for {
		t.mu.Lock()
		events := buf.events
		buf.events = nil
		if len(events) == 0 {
			delete(t.traces, buf.id)
			buf.finished = true
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
		for _, e := range events {
			switch {
			case e.started != nil:
				t.start(e.parent, e.started)
			case e.ended != nil:
				t.next.OnEnd(e.ended)
			}
		}
	}
}

// start hands on a span that started, as the pending-span processor would
// have: to every processor, and to the exporters for its pending span.
func (t *tailSampler) start(parent context.Context, s sdktrace.ReadWriteSpan) {
	t.next.OnStart(parent, s)
	if isLog(parent) || !s.SpanContext().IsSampled() {
		return
	}
	for _, e := range t.exporters {
		e.spanStarted(s)
	}
}

// decideAll decides every undecided trace now ("flush").
func (t *tailSampler) decideAll() {
	now := time.Now()
	var kept []*traceBuffer
	t.mu.Lock()
	for _, buf := range t.traces {
		if buf.pushing {
			continue
		}
		var first sdktrace.ReadOnlySpan
		for _, e := range buf.events {
			if e.started != nil {
				first = e.started
				break
			}
		}
		if t.check(buf, SpanInfo{Span: first, Event: eventFlush, Level: buf.level, Duration: now.Sub(buf.start)}) {
			kept = append(kept, buf)
		} else {
			t.finish(buf, false)
		}
	}
	t.mu.Unlock()
	for _, buf := range kept {
		t.push(buf)
	}
}

func (t *tailSampler) ForceFlush(ctx context.Context) error {
	if t.decideOnFlush {
		t.decideAll()
	}
	return t.next.ForceFlush(ctx)
}

func (t *tailSampler) Shutdown(ctx context.Context) error {
	t.decideAll()
	return t.next.Shutdown(ctx)
}

func (t *tailSampler) stats() SamplingStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.st
	st.BufferedBytes = t.bytes
	st.BufferedSpans = t.spans
	for _, buf := range t.traces {
		if !buf.pushing {
			st.BufferedTraces++
		}
	}
	return st
}

// spanLevelOf is a span's level for tail sampling: its logfire.level_num,
// else info; error at least when its status is Error.
func spanLevelOf(s sdktrace.ReadOnlySpan) Level {
	level := LevelInfo
	for _, kv := range s.Attributes() {
		if kv.Key == keys.LevelNum && kv.Value.Type() == attribute.INT64 {
			level = Level(kv.Value.AsInt64())
		}
	}
	if s.Status().Code == codes.Error {
		level = max(level, LevelError)
	}
	return level
}
