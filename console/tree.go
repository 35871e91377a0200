package console

import (
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// maxOpenSpans bounds the memory of the span tracker when spans are started
// and never ended. Past it, new spans are not tracked: their lines are still
// printed, flush left.
const maxOpenSpans = 1 << 16

// openSpan is a span whose pending span has been seen and whose real span
// has not ended yet.
type openSpan struct {
	parent trace.SpanID
	// depth is the nesting level of the span's own line.
	depth int
	// shown says whether the span's line was printed. A hidden span (below
	// the minimum level, or with console output disabled) is transparent:
	// its children line up as if they were children of its parent.
	shown bool
	// msg is the span's message, re-printed by the show-parents style.
	msg string
}

// childDepth is the nesting level of the lines inside the span.
func (o openSpan) childDepth() int {
	if o.shown {
		return o.depth + 1
	}
	return o.depth
}

// tracker follows the open spans for the indented and show-parents styles.
// It is not safe for concurrent use; the processor serialises calls.
type tracker struct {
	open map[trace.SpanID]openSpan
	// peak is the largest size open reached since it was last emptied; a
	// map never shrinks, so a big one is replaced once it is empty again.
	peak int
	// useStack is set for the show-parents style, which keeps stack.
	useStack bool
	// stack is the chain of shown spans, outermost first, that encloses the
	// last printed line (show-parents only).
	stack []trace.SpanID
	// reprint and reprintIDs are reused by enter.
	reprint    []openSpan
	reprintIDs []trace.SpanID
}

// newTracker returns an empty tracker; showParents says whether it keeps the
// stack of the show-parents style.
func newTracker(showParents bool) *tracker {
	return &tracker{open: make(map[trace.SpanID]openSpan), useStack: showParents}
}

// depthUnder returns the nesting level of a line whose enclosing span is
// parent. Unknown spans (a remote parent, a span that started before the
// console existed) count as no parent.
func (t *tracker) depthUnder(parent trace.SpanID) int {
	if !parent.IsValid() {
		return 0
	}
	if o, ok := t.open[parent]; ok {
		return o.childDepth()
	}
	return 0
}

// started records the start of span id, whose line has nesting level depth.
// A shown span becomes the innermost span of the show-parents stack.
func (t *tracker) started(id, parent trace.SpanID, depth int, shown bool, msg string) {
	if !id.IsValid() {
		return
	}
	if _, ok := t.open[id]; !ok && len(t.open) >= maxOpenSpans {
		return
	}
	t.open[id] = openSpan{parent: parent, depth: depth, shown: shown, msg: msg}
	t.peak = max(t.peak, len(t.open))
	if shown && t.useStack {
		t.stack = append(t.stack, id)
	}
}

// ended forgets span id.
func (t *tracker) ended(id trace.SpanID) {
	if _, ok := t.open[id]; !ok {
		return
	}
	delete(t.open, id)
	if n := len(t.stack); n > 0 && t.stack[n-1] == id {
		t.stack = t.stack[:n-1]
	}
	if len(t.open) == 0 && t.peak > 1024 {
		t.open = make(map[trace.SpanID]openSpan)
		t.peak = 0
		t.stack = nil
	}
}

// enter prepares the show-parents stack for a line whose enclosing span is
// parent, and returns the open spans whose lines must be re-printed before
// it, outermost first. It walks up from parent until it meets a span of the
// stack: the stack is cut there, and every shown span met on the way is
// pushed back on and re-printed, so that the reader sees which spans the
// line belongs to. A line whose ancestors are all on the stack (the usual
// case of sequential code) re-prints nothing. The result is valid until the
// next call.
func (t *tracker) enter(parent trace.SpanID) []openSpan {
	t.reprint, t.reprintIDs = t.reprint[:0], t.reprintIDs[:0]
	keep := 0
	// steps bounds the walk: malformed ids may form a cycle.
	for id, steps := parent, 0; id.IsValid() && steps < len(t.open); steps++ {
		o, ok := t.open[id]
		if !ok {
			break
		}
		if i := t.stackIndex(id); i >= 0 {
			keep = i + 1
			break
		}
		if o.shown {
			t.reprint = append(t.reprint, o)
			t.reprintIDs = append(t.reprintIDs, id)
		}
		id = o.parent
	}
	t.stack = t.stack[:keep]
	slices.Reverse(t.reprint)
	slices.Reverse(t.reprintIDs)
	t.stack = append(t.stack, t.reprintIDs...)
	return t.reprint
}

// stackIndex returns the position of id in the stack, or -1.
func (t *tracker) stackIndex(id trace.SpanID) int {
	for i := len(t.stack) - 1; i >= 0; i-- {
		if t.stack[i] == id {
			return i
		}
	}
	return -1
}
