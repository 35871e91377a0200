package console

import (
	"context"
	"os"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/logfire-go/sdk/config"
)

// processor prints Logfire pending spans and logs to a terminal or any
// writer; see the package documentation for what it expects to receive.
// It is safe for concurrent use. The zero value and a nil *processor
// print nothing, and a nil context counts as context.Background().
type processor struct {
	minLevel config.Level
	verbose  bool
	format   formatter
	queue    *queue

	// mu serialises the layout of records, so that lines are queued in the
	// order OnEnd was called and the span tracker sees that same order.
	mu sync.Mutex
	// tree follows open spans; nil for the simple style.
	tree        *tracker
	showParents bool
	// scratch is reused to format each record before it is queued.
	scratch []byte
	closed  bool
}

var _ sdktrace.SpanProcessor = (*processor)(nil)

// New returns a span processor that prints what it receives as o says (nil
// o: as the environment says, else the defaults: to standard output, with
// colours when that is a terminal and NO_COLOR is not set, with
// timestamps, in the show-parents style, records at info and above).
//
// Its OnEnd formats the text in the calling goroutine and hands it to a
// writer goroutine, started with the first line, so it never waits for
// the writer. ForceFlush waits until the text of every record handled
// before the call has been written, or until ctx is done. Shutdown stops
// accepting records, writes everything queued and stops the writer
// goroutine (if ctx is done first, because the writer blocks, it returns
// ctx.Err() and the goroutine stops once the writer returns); calling it
// again is harmless. A nil context counts as context.Background().
func New(o *Options) sdktrace.SpanProcessor {
	return newProcessor(o.resolve(os.Getenv))
}

// newProcessor returns the processor of s.
func newProcessor(s settings) *processor {
	p := &processor{
		minLevel: s.minLevel,
		verbose:  s.verbose,
		format: formatter{
			paint:      painter{colors: useColors(&s)},
			timestamps: s.timestamps,
			hideTags:   !s.tags,
			loc:        s.location,
			verbose:    s.verbose,
		},
		queue: newQueue(s.writer),
	}
	switch s.style {
	case config.SpanStyleSimple:
	case config.SpanStyleIndented:
		p.tree = newTracker(false)
	default:
		p.tree = newTracker(true)
		p.showParents = true
	}
	return p
}

// OnStart does nothing: a span is printed when its pending span arrives.
func (p *processor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd prints s if it is a pending span or a log at or above the minimum
// level, and forgets the span if it is a real span that ended. It formats
// the text in the calling goroutine and queues it for the writer; it never
// waits for the writer.
func (p *processor) OnEnd(s sdktrace.ReadOnlySpan) {
	if p == nil || s == nil || p.queue == nil {
		return
	}
	// The console must never take the program down: a record that makes
	// the formatting fail is dropped. (Tests call handle directly, so that
	// such a failure shows.)
	defer func() { _ = recover() }()
	p.handle(s)
}

// handle is OnEnd without its safety net.
func (p *processor) handle(s sdktrace.ReadOnlySpan) {
	r := readRecord(s)
	if r.kind == kindSpanEnd {
		if p.tree != nil {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.tree.ended(r.spanID)
		}
		return
	}
	shown := !r.disabled && r.level >= p.minLevel
	if !shown && (r.kind != kindPending || p.tree == nil) {
		return
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	depth := 0
	if p.tree != nil {
		depth = p.tree.depthUnder(r.parentID)
	}
	if !shown {
		// A hidden span still takes part in the layout, so that its
		// children line up under its visible parent.
		p.tree.started(r.spanID, r.parentID, depth, false, r.msg)
		return
	}
	buf := p.scratch[:0]
	if p.showParents {
		for _, o := range p.tree.enter(r.parentID) {
			buf = p.format.parentLine(buf, o)
		}
	}
	buf = p.format.line(buf, &r, depth)
	if p.verbose {
		buf = p.format.details(buf, s, &r, depth)
	}
	if r.kind == kindPending && p.tree != nil {
		p.tree.started(r.spanID, r.parentID, depth, true, r.msg)
	}
	p.queue.push(buf)
	if cap(buf) <= maxSpare {
		p.scratch = buf
	}
}

// ForceFlush waits until the text of every record that OnEnd handled before
// the call has been written to the writer, or until ctx is done, in which case it returns ctx.Err().
func (p *processor) ForceFlush(ctx context.Context) error {
	if p == nil || p.queue == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return p.queue.flush(ctx)
}

// Shutdown stops accepting records, writes everything queued and stops the
// writer goroutine. If ctx is done first (a writer that blocks), it returns
// ctx.Err() and the goroutine stops once the writer returns. Calling
// Shutdown again is harmless.
func (p *processor) Shutdown(ctx context.Context) error {
	if p == nil || p.queue == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	return p.queue.close(ctx)
}
