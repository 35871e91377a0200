package genai

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// maxEventLine is the longest line of a stream that is read for the span
// (a Responses API stream's last event holds the whole response); a longer
// line is passed to the client but not read.
const maxEventLine = 16 << 20

// eventScanner splits the bytes of a server-sent-event stream into lines
// and hands the data of each data line to the stream's accumulator. It
// keeps one line buffer, which grows to the longest line split across
// reads and is reused: a stream costs no allocation per event here.
type eventScanner struct {
	line     []byte
	overlong bool // the current line passed maxEventLine
	s        Stream
}

func (sc *eventScanner) write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			sc.keep(p)
			return
		}
		line := p[:i]
		if len(sc.line) > 0 || sc.overlong {
			sc.keep(line)
			line = sc.line
		}
		if !sc.overlong {
			sc.handle(line)
		}
		sc.line, sc.overlong = sc.line[:0], false
		p = p[i+1:]
	}
}

// keep appends p to the current line, unless it grows too long.
func (sc *eventScanner) keep(p []byte) {
	if sc.overlong || len(sc.line)+len(p) > maxEventLine {
		sc.overlong = true
		return
	}
	sc.line = append(sc.line, p...)
}

var (
	dataPrefix = []byte("data:")
	doneData   = []byte("[DONE]")
)

func (sc *eventScanner) handle(line []byte) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	data, ok := bytes.CutPrefix(line, dataPrefix)
	if !ok {
		return // event:, id:, retry:, comments and the blank line between events
	}
	data = bytes.TrimPrefix(data, []byte{' '})
	if len(data) == 0 || bytes.Equal(data, doneData) {
		return
	}
	sc.s.Event(data)
}

// streamBody is the body of a streamed answer: the client reads it as it
// is, and each read is also scanned for events. The span ends at the end
// of the stream, when a read fails (the error marks it) or when the client
// closes the body, with what arrived by then.
type streamBody struct {
	rc   io.ReadCloser
	c    *call
	mu   sync.Mutex
	sc   eventScanner
	done bool
}

func newStreamBody(rc io.ReadCloser, c *call, s Stream) *streamBody {
	return &streamBody{rc: rc, c: c, sc: eventScanner{s: s}}
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return n, err
	}
	if n > 0 {
		b.sc.write(p[:n])
	}
	if err != nil {
		cause := err
		if errors.Is(err, io.EOF) {
			cause = nil // the end of the stream
		}
		b.finish(cause)
	}
	return n, err
}

func (b *streamBody) Close() error {
	err := b.rc.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.finish(nil)
	}
	return err
}

// finish ends the span with what the stream gave; b.mu is held.
func (b *streamBody) finish(err error) {
	b.done = true
	if len(b.sc.line) > 0 && !b.sc.overlong {
		b.sc.handle(b.sc.line) // a last line without its newline
	}
	var res Result
	b.sc.s.Result(&res, b.c.r.content)
	b.c.end(&res, err, b.c.status)
	b.sc.line = nil
}
