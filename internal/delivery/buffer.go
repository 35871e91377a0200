package delivery

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// BufferConfig bounds a retry buffer.
type BufferConfig struct {
	// Memory is the most compressed request bytes kept in memory.
	Memory int64
	// Disk is the most bytes written to files once memory is full; 0
	// means DefaultBufferDisk, less than 0 keeps everything in memory.
	Disk int64
	// Dir is the directory of those files. Empty: a new directory under
	// os.TempDir(), made when first needed and removed by Close. Set: the
	// directory is kept, and requests left in it by an earlier process for
	// the same destination are sent first.
	Dir string
}

// Defaults of a retry buffer.
const (
	DefaultBufferMemory = 8 << 20
	DefaultBufferDisk   = 64 << 20
)

// entry is one request body waiting to be sent again: compressed OTLP
// protobuf of one signal, in memory or in a file.
type entry struct {
	signal Signal
	count  int // records in it
	// resent counts the records of it an earlier attempt may have
	// delivered (its answer never came): if it is delivered now, the
	// backend may have them twice.
	resent int
	// onLate, if set, takes what is left of the entry when a request a
	// flush left under way ends (see Sender.tryLate).
	onLate func(left []*entry)
	// inBuffer: the entry stands for buffered ones being sent (popped by
	// popRun), not for a new request.
	inBuffer bool
	seq      uint64 // order of arrival, across signals
	uid      uint64 // tells apart the files of entries of one seq
	size     int64  // len of the compressed body
	raw      int64  // len of the body uncompressed; 0 if unknown (a file of an earlier process)
	gz       []byte // the body when in memory
	plain    bool   // the body is not compressed
	// borrowed: gz is the caller's body, to be copied before it is kept.
	borrowed bool
	path     string // its file when on disk
}

// Buffer holds the requests a Transport could not deliver, per signal, in
// order of arrival, within the memory and disk bounds of its BufferConfig.
// When full, the oldest requests make room and are counted as dropped
// (BufferFull).
type Buffer struct {
	cfg      BufferConfig
	counters *Counters
	key      string // names this destination's files in a shared directory

	mu       sync.Mutex
	lists    [numSignals][]*entry
	claimed  map[*entry]bool // popped, being sent
	memBytes int64
	disk     int64
	seq      uint64
	dir      string // "" until made (or cfg.Dir)
	made     bool   // dir was made by us and is removed by Close
	dirErr   error  // the directory could not be made: memory only
	uid      uint64
	// closed: close has run. What reaches the buffer after it (exports
	// that ended after Shutdown's context) is handled as close handled
	// what it found (see afterClose).
	closed bool
}

// newBuffer returns a buffer for the destination named key (a hash that
// tells destinations apart without revealing their token).
func newBuffer(cfg BufferConfig, counters *Counters, key string) *Buffer {
	if cfg.Memory <= 0 {
		cfg.Memory = DefaultBufferMemory
	}
	if cfg.Disk == 0 {
		cfg.Disk = DefaultBufferDisk
	}
	b := &Buffer{cfg: cfg, counters: counters, key: key, claimed: map[*entry]bool{}}
	if cfg.Dir != "" {
		b.dir = cfg.Dir
		b.load()
	}
	return b
}

// fileName is "<key>-<signal>-<seq>-<uid>-<count>.otlp.gz", or .otlp for
// an uncompressed body.
func (b *Buffer) fileName(e *entry) string {
	ext := ".otlp.gz"
	if e.plain {
		ext = ".otlp"
	}
	return fmt.Sprintf("%s-%d-%020d-%d-%d%s", b.key, e.signal, e.seq, e.uid, e.count, ext)
}

// load adopts the files an earlier process left in cfg.Dir for this
// destination.
func (b *Buffer) load() {
	names, err := os.ReadDir(b.dir)
	if err != nil {
		return // nothing there yet; the directory is made when needed
	}
	var found []*entry
	for _, de := range names {
		name := de.Name()
		rest, ok := strings.CutPrefix(name, b.key+"-")
		plain := strings.HasSuffix(rest, ".otlp")
		if !ok || (!plain && !strings.HasSuffix(rest, ".otlp.gz")) {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(strings.TrimSuffix(rest, ".gz"), ".otlp"), "-")
		if len(parts) != 4 {
			continue
		}
		sig, err1 := strconv.Atoi(parts[0])
		seq, err2 := strconv.ParseUint(parts[1], 10, 64)
		count, err3 := strconv.Atoi(parts[3])
		info, err4 := de.Info()
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || sig < 0 || sig >= int(numSignals) || count < 0 {
			continue
		}
		found = append(found, &entry{signal: Signal(sig), seq: seq, count: count, size: info.Size(), path: filepath.Join(b.dir, name), plain: plain})
	}
	slices.SortFunc(found, func(x, y *entry) int { return cmp.Compare(x.seq, y.seq) })
	for _, e := range found {
		b.uid++
		e.uid = b.uid
		b.lists[e.signal] = append(b.lists[e.signal], e)
		b.disk += e.size
		b.seq = max(b.seq, e.seq)
		b.counters.Buffered(e.signal, e.count)
	}
}

// push adds e at the back of its signal's line.
func (b *Buffer) push(e *entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e.seq = b.seq
	if b.closed {
		b.afterClose(e, false)
		return
	}
	if !b.place(e) {
		return
	}
	b.lists[e.signal] = append(b.lists[e.signal], e)
	b.counters.Buffered(e.signal, e.count)
}

// pushIfRoom adds e at the back of its signal's line if it fits in
// memory as the buffer is, and reports whether it did: unlike push, it
// never makes room by dropping older entries.
func (b *Buffer) pushIfRoom(e *entry) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.memBytes+e.size > b.cfg.Memory {
		return false
	}
	b.seq++
	e.seq = b.seq
	b.uid++
	e.uid = b.uid
	b.memBytes += e.size
	b.lists[e.signal] = append(b.lists[e.signal], e)
	b.counters.Buffered(e.signal, e.count)
	return true
}

// has reports whether sig has entries waiting.
func (b *Buffer) has(sig Signal) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.lists[sig]) > 0
}

// pushFront adds e, which replaces an entry that was first in its line,
// at the front of that line.
func (b *Buffer) pushFront(e *entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		b.afterClose(e, false)
		return
	}
	if !b.place(e) {
		return
	}
	b.lists[e.signal] = append([]*entry{e}, b.lists[e.signal]...)
	b.counters.Buffered(e.signal, e.count)
}

// requeue puts back, at the front of its line, an entry that pop handed
// out and that could not be sent.
func (b *Buffer) requeue(e *entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.claimed, e)
	// Its memory or file is still accounted for: pop kept it.
	if b.closed {
		b.afterClose(e, true)
		return
	}
	b.lists[e.signal] = append([]*entry{e}, b.lists[e.signal]...)
	b.counters.Buffered(e.signal, e.count)
}

// place finds room for e (not yet in any list) in memory or on disk,
// dropping the oldest entries, wherever they are, if it must. It reports
// false if e itself was dropped. b.mu is held.
func (b *Buffer) place(e *entry) bool {
	b.uid++
	e.uid = b.uid
	limit := b.cfg.Memory + max(b.cfg.Disk, 0)
	if b.dirErr != nil {
		limit = b.cfg.Memory
	}
	if e.size > limit {
		b.counters.Dropped(e.signal, BufferFull, e.count, fmt.Sprintf("a request of %d bytes is larger than the whole retry buffer (%d bytes)", e.size, limit))
		b.forget(e)
		return false
	}
	for {
		if b.memBytes+e.size <= b.cfg.Memory {
			b.memBytes += e.size
			return true
		}
		if b.cfg.Disk > 0 && b.dirErr == nil && b.disk+e.size <= b.cfg.Disk && b.spill(e) {
			return true
		}
		if !b.evictOldest() {
			b.counters.Dropped(e.signal, BufferFull, e.count, "the retry buffer is full")
			b.forget(e)
			return false
		}
	}
}

// spill writes e's body to a file and lets go of it in memory. b.mu is
// held.
func (b *Buffer) spill(e *entry) bool {
	if b.dir == "" {
		dir, err := os.MkdirTemp("", "logfire-go-retry-")
		if err != nil {
			b.dirErr = err
			return false
		}
		b.dir, b.made = dir, true
	} else if err := os.MkdirAll(b.dir, 0o700); err != nil {
		b.dirErr = err
		return false
	}
	path := filepath.Join(b.dir, b.fileName(e))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, e.gz, 0o600); err != nil {
		os.Remove(tmp)
		return false
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return false
	}
	e.path, e.gz = path, nil
	b.disk += e.size
	return true
}

// evictOldest drops the oldest entry of any signal, in memory or on
// disk, to make room, counting its records as dropped. It reports false if
// there was none. b.mu is held.
func (b *Buffer) evictOldest() bool {
	var oldest *entry
	var at Signal
	for sig := range numSignals {
		// Each list is in order of arrival: its first entry is its oldest.
		if l := b.lists[sig]; len(l) > 0 && (oldest == nil || l[0].seq < oldest.seq) {
			oldest, at = l[0], sig
		}
	}
	if oldest == nil {
		return false
	}
	b.lists[at] = b.lists[at][1:]
	b.counters.Buffered(oldest.signal, -oldest.count)
	b.counters.Dropped(oldest.signal, BufferFull, oldest.count, "the retry buffer was full: the oldest requests made room")
	b.release(oldest)
	return true
}

// release frees e's memory or file. b.mu is held.
func (b *Buffer) release(e *entry) {
	if e.path != "" {
		os.Remove(e.path)
		b.disk -= e.size
		e.path = ""
	} else {
		b.memBytes -= e.size
	}
	e.gz = nil
}

// forget lets go of an entry that was never placed. b.mu is held.
func (b *Buffer) forget(e *entry) {
	if e.path != "" {
		os.Remove(e.path)
		b.disk -= e.size
	}
	e.gz, e.path = nil, ""
}

// pop hands out the oldest entry of sig, with its body in memory, or nil.
// The caller must pass it to done or requeue.
func (b *Buffer) pop(sig Signal) (*entry, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.popLocked(sig)
}

// popRun hands out the oldest entries of sig that one request of at most
// limit bytes (uncompressed) can carry together, at least one, with their
// bodies in memory; none if sig has none. An entry whose uncompressed size
// is unknown (a file an earlier process left) goes alone. The caller must
// pass each to done or requeue.
func (b *Buffer) popRun(sig Signal, limit int64) ([]*entry, [][]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var run []*entry
	var bodies [][]byte
	var raw int64
	for {
		if len(run) > 0 {
			l := b.lists[sig]
			if len(l) == 0 || run[0].raw == 0 || l[0].raw == 0 || raw+l[0].raw > limit {
				return run, bodies
			}
		}
		e, body := b.popLocked(sig)
		if e == nil {
			return run, bodies
		}
		run, bodies, raw = append(run, e), append(bodies, body), raw+e.raw
	}
}

// popLocked is pop. b.mu is held.
func (b *Buffer) popLocked(sig Signal) (*entry, []byte) {
	for len(b.lists[sig]) > 0 {
		e := b.lists[sig][0]
		b.lists[sig] = b.lists[sig][1:]
		b.counters.Buffered(sig, -e.count)
		body := e.gz
		if e.path != "" {
			data, err := os.ReadFile(e.path)
			if err != nil {
				b.counters.Dropped(sig, BufferFull, e.count, "a spilled request could not be read back: "+err.Error())
				b.release(e)
				continue
			}
			body = data
		}
		b.claimed[e] = true
		return e, body
	}
	return nil, nil
}

// done forgets an entry that pop handed out and that was delivered or
// dropped.
func (b *Buffer) done(e *entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.claimed, e)
	b.release(e)
}

// pending reports the records of each signal in the buffer, claimed ones
// included.
func (b *Buffer) pending() [numSignals]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var n [numSignals]int64
	for sig := range numSignals {
		for _, e := range b.lists[sig] {
			n[sig] += int64(e.count)
		}
	}
	for e := range b.claimed {
		n[e.signal] += int64(e.count)
	}
	return n
}

// isEmpty reports whether nothing is waiting.
func (b *Buffer) isEmpty() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for sig := range numSignals {
		if len(b.lists[sig]) > 0 {
			return false
		}
	}
	return true
}

// close ends the buffer at shutdown. With a directory of the user's, what
// is in memory is written there, where the next process finds it; what
// cannot be (or everything, with a directory of our own) is counted as
// dropped for Shutdown, and our own directory is removed.
func (b *Buffer) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	keep := b.cfg.Dir != ""
	for sig := range numSignals {
		var left []*entry
		for _, e := range b.lists[sig] {
			if keep && (e.path != "" || (b.cfg.Disk > 0 && b.disk+e.size <= b.cfg.Disk && b.spillKept(e))) {
				left = append(left, e)
				continue
			}
			b.counters.Buffered(sig, -e.count)
			b.counters.Dropped(sig, Shutdown, e.count, "still in the retry buffer at shutdown")
			b.release(e)
		}
		b.lists[sig] = left
	}
	if b.made {
		os.RemoveAll(b.dir)
		b.dir, b.made = "", false
	}
	b.closed = true
}

// afterClose handles an entry that reaches the buffer after close as
// close handled those it found: with a directory of the user's, it is
// written there for the next process; otherwise (or if it cannot be) its
// records are dropped for Shutdown. placed says that its memory or file
// is accounted for already (a requeued entry). b.mu is held.
func (b *Buffer) afterClose(e *entry, placed bool) {
	if b.cfg.Dir != "" && e.path == "" && b.cfg.Disk > 0 && b.disk+e.size <= b.cfg.Disk {
		if placed {
			b.spillKept(e)
		} else {
			b.spill(e)
		}
	}
	if b.cfg.Dir != "" && e.path != "" {
		b.lists[e.signal] = append(b.lists[e.signal], e)
		b.counters.Buffered(e.signal, e.count)
		return
	}
	b.counters.Dropped(e.signal, Shutdown, e.count, "reached the retry buffer after shutdown")
	if placed {
		b.release(e)
	} else {
		b.forget(e)
	}
}

// spillKept moves an in-memory entry to disk at close. b.mu is held.
func (b *Buffer) spillKept(e *entry) bool {
	b.memBytes -= e.size
	if b.spill(e) {
		return true
	}
	b.memBytes += e.size
	return false
}
