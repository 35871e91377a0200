package logfireaws

import (
	"fmt"
	"sync/atomic"
	"time"
)

// skipped counts the messages this process sent without the trace context
// because they could not hold it: SQS and SNS messages that already had
// too many message attributes, EventBridge entries whose detail is not a
// JSON object, Invoke calls whose client context is malformed or would be
// too large (see the package documentation). Each such message was sent as
// the caller gave it; its consumer starts a new trace.
var skipped atomic.Uint64

// reportEvery is the least time between two reports about skipped
// messages.
const reportEvery = time.Minute

// skipLog reports skipped messages at most once per reportEvery, with the
// number skipped since the last report.
type skipLog struct {
	last    atomic.Int64  // Unix nanoseconds of the last report, 0 before
	pending atomic.Uint64 // skipped since the last report
}

// skip counts n messages of operation skipped for reason and reports them
// unless a report went out less than reportEvery ago.
func (l *skipLog) skip(report func(error), operation, reason string, n int) {
	if n <= 0 {
		return
	}
	skipped.Add(uint64(n))
	l.pending.Add(uint64(n))
	now := time.Now().UnixNano()
	last := l.last.Load()
	if last != 0 && now-last < int64(reportEvery) || !l.last.CompareAndSwap(last, now) {
		return
	}
	// Only the caller that won the swap of last gets here in a window, so
	// pending holds at least its own n.
	since := l.pending.Swap(0)
	report(fmt.Errorf("logfireaws: %d message(s) sent without the trace context, the last by %s: %s (at most one such report a minute)",
		since, operation, reason))
}
