package logfireaws

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// skipped counts the messages sent without the trace context.
var skipped atomic.Uint64

// Skipped returns how many messages this process has sent without the
// trace context because they could not hold it: SQS and SNS messages that
// already had too many message attributes, EventBridge entries whose
// detail is not a JSON object, Invoke calls whose client context is
// malformed or would be too large (see the package documentation). Each
// such message was sent as the caller gave it; its consumer starts a new
// trace.
func Skipped() uint64 { return skipped.Load() }

// logEvery is the least time between two lines about skipped messages.
const logEvery = time.Minute

// skipLog writes at most one line per logEvery about skipped messages,
// with the number skipped since the last line.
type skipLog struct {
	last    atomic.Int64  // Unix nanoseconds of the last line, 0 before
	pending atomic.Uint64 // skipped since the last line
}

// skip counts n messages of operation skipped for reason and writes a
// line with logf unless one was written less than logEvery ago.
func (l *skipLog) skip(logf func(string, ...any), operation, reason string, n int) {
	if n <= 0 {
		return
	}
	skipped.Add(uint64(n))
	l.pending.Add(uint64(n))
	now := time.Now().UnixNano()
	last := l.last.Load()
	if last != 0 && now-last < int64(logEvery) || !l.last.CompareAndSwap(last, now) {
		return
	}
	// Only the caller that won the swap of last gets here in a window, so
	// pending holds at least its own n.
	since := l.pending.Swap(0)
	logf("logfireaws: %d message(s) sent without the trace context, the last by %s: %s (logfireaws.Skipped counts them; at most one such line a minute)",
		since, operation, reason)
}

func stderrf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
