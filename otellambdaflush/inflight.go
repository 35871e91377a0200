package otellambdaflush

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// When Lambda kills the runtime process in the middle of an invocation
// (the kernel's OOM killer at the function's memory size, a fatal runtime
// error, os.Exit), the extension that would have received that
// invocation's report dies with it, and Lambda resets the environment: the
// next invocation starts a new process. But a reset does not clear /tmp.
// So, while an invocation runs, its request id, the context of its span,
// its start and the highest resident memory seen during it (once past half
// of the memory size) are kept in a file under os.TempDir(), cleared when
// the invocation ends or the process shuts down. A new process that finds
// the file filled in records that invocation's report itself (see
// platformTelemetry.recordDeath): status error, error.type
// Runtime.OutOfMemory if it had used at least half of the memory size,
// Runtime.ExitError otherwise.

const (
	// inflightFile is the name of the file, under os.TempDir().
	inflightFile = "logfire-lambda-invocation"
	// inflightSize is the length of every write (and of buf): the record,
	// padded with spaces, so that each write replaces the whole file in
	// one pwrite.
	inflightSize = 512
	// memorySample is how often the resident memory is read while an
	// invocation runs.
	memorySample = 10 * time.Millisecond
)

// inflightRecord is what the file holds while an invocation runs.
type inflightRecord struct {
	RequestID string `json:"id"`
	TraceID   string `json:"trace,omitempty"`
	SpanID    string `json:"span,omitempty"`
	Sampled   bool   `json:"sampled,omitempty"`
	Start     int64  `json:"start"`         // Unix nanoseconds
	Memory    uint64 `json:"rss,omitempty"` // the highest resident memory seen, in bytes, once past half of the limit
	Limit     uint64 `json:"limit,omitempty"`
	// Seen is when Memory was read (Unix nanoseconds): the last moment
	// the invocation is known to have been alive.
	Seen int64 `json:"seen,omitempty"`
}

// spanContext is the context of the invocation's span, as the record keeps it.
func (r *inflightRecord) spanContext() trace.SpanContext {
	tid, err1 := trace.TraceIDFromHex(r.TraceID)
	sid, err2 := trace.SpanIDFromHex(r.SpanID)
	if err1 != nil || err2 != nil {
		return trace.SpanContext{}
	}
	var flags trace.TraceFlags
	if r.Sampled {
		flags = trace.FlagsSampled
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true})
}

// inflight keeps the record of the invocation in progress. A nil
// *inflight does nothing.
type inflight struct {
	f     *os.File
	statm *os.File // /proc/self/statm; nil where there is none
	limit uint64

	mu     sync.Mutex
	rec    inflightRecord
	active bool
	timer  *time.Timer
	buf    []byte
}

// openInflight opens the record's file in dir, returns what a process
// that died during an invocation left in it (nil if nothing), and clears
// it. limitMB is the function's memory size. A file that cannot be opened
// gives a nil *inflight and an error that says why.
func openInflight(dir string, limitMB int) (*inflight, *inflightRecord, error) {
	f, err := os.OpenFile(filepath.Join(dir, inflightFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("otellambdaflush: an invocation the process dies in (out of memory) will not be recorded: %w", err)
	}
	m := &inflight{f: f, limit: uint64(max(limitMB, 0)) << 20, buf: make([]byte, inflightSize)}
	var left *inflightRecord
	b := make([]byte, inflightSize)
	if n, _ := f.ReadAt(b, 0); n > 0 {
		if b = bytes.TrimSpace(b[:n]); len(b) > 0 {
			var r inflightRecord
			if json.Unmarshal(b, &r) == nil && r.RequestID != "" {
				left = &r
			}
		}
	}
	if left != nil {
		m.write(nil)
	}
	if s, err := os.Open("/proc/self/statm"); err == nil {
		m.statm = s
	}
	return m, left, nil
}

// write replaces the file's content with r (nil: nothing). Locked by the
// caller, or before any other use.
func (m *inflight) write(r *inflightRecord) {
	var b []byte
	if r != nil {
		b, _ = json.Marshal(r)
		if len(b) > inflightSize {
			return // a request id of hundreds of bytes: not kept
		}
	}
	n := copy(m.buf, b)
	for i := n; i < len(m.buf); i++ {
		m.buf[i] = ' '
	}
	_, _ = m.f.WriteAt(m.buf, 0)
}

// begin records that invocation id, whose span has context sc, starts.
func (m *inflight) begin(id string, sc trace.SpanContext) {
	if m == nil || id == "" {
		return
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rec = inflightRecord{RequestID: id, Start: now.UnixNano(), Limit: m.limit}
	if sc.IsValid() {
		m.rec.TraceID, m.rec.SpanID, m.rec.Sampled = sc.TraceID().String(), sc.SpanID().String(), sc.IsSampled()
	}
	m.write(&m.rec)
	m.active = true
	if m.statm == nil || m.limit == 0 {
		return
	}
	if m.timer == nil {
		m.timer = time.AfterFunc(memorySample, m.sample)
	} else {
		m.timer.Reset(memorySample)
	}
}

// sample reads the resident memory and, past half of the limit and a
// megabyte above what is kept, keeps it.
func (m *inflight) sample() {
	rss := m.resident()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.active {
		return
	}
	if rss >= m.limit/2 && rss >= m.rec.Memory+1<<20 {
		m.rec.Memory, m.rec.Seen = rss, time.Now().UnixNano()
		m.write(&m.rec)
	}
	m.timer.Reset(memorySample)
}

// resident is the process's resident memory in bytes, from the second
// field of /proc/self/statm (in pages); 0 if it cannot be read.
func (m *inflight) resident() uint64 {
	var b [128]byte
	n, _ := m.statm.ReadAt(b[:], 0)
	f := bytes.Fields(b[:n])
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// end records that the invocation in progress has ended (or, at the
// shutdown, that none can be killed any more).
func (m *inflight) end() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.active {
		return
	}
	m.active = false
	if m.timer != nil {
		m.timer.Stop()
	}
	m.write(nil)
}

// deathReport is the report that stands for invocation r, which its
// process did not survive: error, Runtime.OutOfMemory if it had used at
// least half of the memory size, else Runtime.ExitError; its duration
// runs to the last moment it was known alive.
func deathReport(r *inflightRecord) *platformEvent {
	end := time.Unix(0, max(r.Seen, r.Start))
	ev := &platformEvent{Type: "platform.report", Time: end.UTC().Format(time.RFC3339Nano)}
	ev.Record.RequestID = r.RequestID
	ev.Record.Status = "error"
	ev.Record.ErrorType = "Runtime.ExitError"
	if r.Limit > 0 && r.Memory >= r.Limit/2 {
		ev.Record.ErrorType = errOutOfMemory
		mb := float64(r.Memory >> 20)
		size := float64(r.Limit >> 20)
		ev.Record.Metrics.MaxMemoryUsedMB = &mb
		ev.Record.Metrics.MemorySizeMB = &size
	}
	d := float64(end.Sub(time.Unix(0, r.Start))) / float64(time.Millisecond)
	ev.Record.Metrics.DurationMs = &d
	return ev
}
