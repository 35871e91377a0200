package delivery

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testEntry(sig Signal, count int, size int) *entry {
	gz := bytes.Repeat([]byte{byte(count)}, size)
	return &entry{signal: sig, count: count, gz: gz, size: int64(size)}
}

// TestBufferSpillsToDiskInOrder: past its memory, the buffer writes
// requests to files, and hands everything back oldest first, per signal.
func TestBufferSpillsToDiskInOrder(t *testing.T) {
	var c Counters
	dir := t.TempDir()
	b := newBuffer(BufferConfig{Memory: 100, Disk: 1000, Dir: dir}, &c, "k")
	for i := 1; i <= 5; i++ {
		b.push(testEntry(Spans, i, 40)) // 2 fit in memory, 3 spill
	}
	b.push(testEntry(Logs, 9, 10))
	files, _ := filepath.Glob(filepath.Join(dir, "k-*.otlp.gz"))
	if len(files) != 3 { // the last 3 spans; the small log fits in memory
		t.Errorf("%d files, want 3: %v", len(files), files)
	}
	if got := c.Snapshot().Buffered; got[Spans] != 15 || got[Logs] != 9 {
		t.Errorf("buffered %v", got)
	}
	for want := 1; want <= 5; want++ {
		e, body := b.pop(Spans)
		if e == nil || e.count != want || len(body) != 40 || body[0] != byte(want) {
			t.Fatalf("pop %d: %+v %d bytes", want, e, len(body))
		}
		b.done(e)
	}
	if e, _ := b.pop(Spans); e != nil {
		t.Errorf("a sixth span entry: %+v", e)
	}
	e, body := b.pop(Logs)
	if e == nil || body[0] != 9 {
		t.Fatalf("log entry: %+v", e)
	}
	b.done(e)
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("files left after done: %v", files)
	}
	if b.memBytes != 0 || b.disk != 0 {
		t.Errorf("accounted bytes left: memory %d, disk %d", b.memBytes, b.disk)
	}
}

// TestBufferFullDropsTheOldest: when memory and disk are full, the oldest
// requests make room and their records are counted as dropped.
func TestBufferFullDropsTheOldest(t *testing.T) {
	var c Counters
	b := newBuffer(BufferConfig{Memory: 100, Disk: 100, Dir: t.TempDir()}, &c, "k")
	for i := 1; i <= 6; i++ {
		b.push(testEntry(Spans, i, 40)) // room for 4
	}
	s := c.Snapshot()
	if s.Dropped[Spans][BufferFull] != 1+2 || s.Buffered[Spans] != 3+4+5+6 {
		t.Errorf("dropped %d, buffered %d", s.Dropped[Spans][BufferFull], s.Buffered[Spans])
	}
	if e, _ := b.pop(Spans); e == nil || e.count != 3 {
		t.Errorf("oldest kept: %+v, want the third", e)
	}
	// A request larger than the whole buffer is dropped at once.
	b.push(testEntry(Logs, 7, 500))
	if got := c.Snapshot().Dropped[Logs][BufferFull]; got != 7 {
		t.Errorf("dropped logs %d", got)
	}
}

// TestBufferDefaultsSpillToFiles: a zero BufferConfig, what Configure
// passes without WithRetryBuffer, writes files under os.TempDir() once its
// 8 MiB of memory are full, and Close removes them.
func TestBufferDefaultsSpillToFiles(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var c Counters
	b := newBuffer(BufferConfig{}, &c, "k")
	const size = 1 << 20
	for i := 1; i <= 10; i++ { // 10 MiB: 8 in memory, 2 in files
		b.push(testEntry(Spans, i, size))
	}
	if b.disk != 2*size || b.dir == "" || !strings.HasPrefix(b.dir, os.TempDir()) {
		t.Fatalf("%d bytes in files in %q, want %d under %s", b.disk, b.dir, 2*size, os.TempDir())
	}
	if s := c.Snapshot(); s.Buffered[Spans] != 55 || s.Dropped[Spans][BufferFull] != 0 {
		t.Errorf("buffered %d, dropped %d; want 55 and 0", s.Buffered[Spans], s.Dropped[Spans][BufferFull])
	}
	dir := b.dir
	b.close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the buffer's directory is still there after close: %v", err)
	}
}

// TestBufferMemoryOnly: with Disk < 0 nothing is written.
func TestBufferMemoryOnly(t *testing.T) {
	var c Counters
	dir := t.TempDir()
	b := newBuffer(BufferConfig{Memory: 100, Disk: -1, Dir: dir}, &c, "k")
	for i := 1; i <= 4; i++ {
		b.push(testEntry(Metrics, i, 40))
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("files written: %v", files)
	}
	if got := c.Snapshot().Dropped[Metrics][BufferFull]; got != 1+2 {
		t.Errorf("dropped %d", got)
	}
}

// TestBufferKeptForTheNextProcess: with a directory of the user's, what
// is left at close is kept on disk, and a new buffer for the same
// destination picks it up, oldest first; another destination's files are
// left alone.
func TestBufferKeptForTheNextProcess(t *testing.T) {
	dir := t.TempDir()
	var c1 Counters
	b1 := newBuffer(BufferConfig{Memory: 1000, Disk: 1000, Dir: dir}, &c1, "dest1")
	b1.push(testEntry(Spans, 1, 10))
	b1.push(testEntry(Spans, 2, 10))
	b1.push(testEntry(Logs, 3, 10))
	other := newBuffer(BufferConfig{Memory: 0, Disk: 1000, Dir: dir}, &Counters{}, "dest2")
	other.push(testEntry(Spans, 4, DefaultBufferMemory+1)) // spills: memory default is smaller
	b1.close()
	if s := c1.Snapshot(); s.DroppedTotal(Spans) != 0 || s.DroppedTotal(Logs) != 0 {
		t.Errorf("dropped at close with a kept directory: %+v", s.Dropped)
	}

	var c2 Counters
	b2 := newBuffer(BufferConfig{Memory: 1000, Disk: 1000, Dir: dir}, &c2, "dest1")
	if got := c2.Snapshot().Buffered; got[Spans] != 3 || got[Logs] != 3 {
		t.Fatalf("picked up %v", got)
	}
	for _, want := range []int{1, 2} {
		e, body := b2.pop(Spans)
		if e == nil || e.count != want || body[0] != byte(want) {
			t.Fatalf("pop: %+v", e)
		}
		b2.done(e)
	}
	if e, _ := b2.pop(Spans); e != nil {
		t.Errorf("another destination's entry: %+v", e)
	}
}

// TestBufferCloseDropsWithOwnDirectory: with a directory of its own, the
// buffer counts what it still holds at close as dropped and removes the
// directory.
func TestBufferCloseDropsWithOwnDirectory(t *testing.T) {
	var c Counters
	b := newBuffer(BufferConfig{Memory: 10, Disk: 1000}, &c, "k")
	b.push(testEntry(Spans, 5, 8))
	b.push(testEntry(Spans, 6, 8)) // spills into a new temporary directory
	dir := b.dir
	if dir == "" || !strings.Contains(dir, "logfire-go-retry-") {
		t.Fatalf("no temporary directory: %q", dir)
	}
	b.close()
	s := c.Snapshot()
	if s.Dropped[Spans][Shutdown] != 11 || s.Buffered[Spans] != 0 {
		t.Errorf("dropped %d, buffered %d", s.Dropped[Spans][Shutdown], s.Buffered[Spans])
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("directory %s still there: %v", dir, err)
	}
}

// TestBufferAfterClose: a request that reaches the buffer after close (an
// export that outlived Shutdown's context) is never left counted as
// buffered with nobody to send it: with a directory of our own its
// records are dropped for Shutdown; with one of the user's it is written
// there for the next process.
func TestBufferAfterClose(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var c Counters
	b := newBuffer(BufferConfig{Memory: 100}, &c, "k")
	b.close()
	b.push(testEntry(Spans, 3, 10))
	b.pushFront(testEntry(Logs, 2, 10))
	s := c.Snapshot()
	if s.Buffered[Spans] != 0 || s.Buffered[Logs] != 0 || s.Dropped[Spans][Shutdown] != 3 || s.Dropped[Logs][Shutdown] != 2 {
		t.Errorf("own directory: buffered %v, dropped spans %d logs %d; want nothing buffered, 3 and 2 dropped",
			s.Buffered, s.Dropped[Spans][Shutdown], s.Dropped[Logs][Shutdown])
	}
	if !b.isEmpty() || b.memBytes != 0 {
		t.Errorf("own directory: the buffer holds %d bytes after close", b.memBytes)
	}

	dir := t.TempDir()
	var c2 Counters
	b2 := newBuffer(BufferConfig{Memory: 100, Dir: dir}, &c2, "k")
	b2.push(testEntry(Metrics, 1, 10))
	e, _ := b2.pop(Metrics) // being sent when Shutdown closes the buffer
	b2.close()
	b2.requeue(e)
	b2.push(testEntry(Spans, 4, 10))
	if s := c2.Snapshot(); s.Buffered[Metrics] != 1 || s.Buffered[Spans] != 4 || s.Dropped[Spans][Shutdown] != 0 {
		t.Errorf("user's directory: buffered %v, dropped %d", s.Buffered, s.Dropped[Spans][Shutdown])
	}
	files, _ := filepath.Glob(filepath.Join(dir, "k-*"))
	if len(files) != 2 {
		t.Errorf("files in the user's directory: %v, want the two late requests", files)
	}
	next := newBuffer(BufferConfig{Memory: 100, Dir: dir}, &Counters{}, "k")
	if p := next.pending(); p[Metrics] != 1 || p[Spans] != 4 {
		t.Errorf("the next process finds %v", p)
	}
}
