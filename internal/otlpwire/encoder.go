package otlpwire

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// Encoder encodes the requests of one exporter. It is safe for concurrent
// use.
type Encoder struct {
	maxRequest int
	headers    headerCache
	// states are encoding states kept for reuse, with their buffers and
	// site caches; a fixed number, so that they outlive garbage
	// collections (a sync.Pool would lose the site caches at each).
	states chan *state
}

// keptStates is how many encoding states an Encoder keeps for reuse.
const keptStates = 4

// maxKeptBuffer is the largest buffer a kept state holds on to.
const maxKeptBuffer = 1 << 20

// NewEncoder returns an encoder whose requests are at most maxRequestBytes
// (uncompressed) unless they hold a single record; 0 or less means no
// limit.
func NewEncoder(maxRequestBytes int) *Encoder {
	if maxRequestBytes <= 0 {
		maxRequestBytes = int(^uint(0) >> 1)
	}
	return &Encoder{maxRequest: maxRequestBytes, states: make(chan *state, keptStates)}
}

// state is what one encoding call works with.
type state struct {
	e     *Encoder
	b     []byte
	limit int // the most bytes of a string of the record; -1: no limit
	// siteField is the field number of the attribute list being written
	// that takes attributes from the site cache (the attributes of
	// spans), or siteFieldNone.
	siteField protowire.Number
	sites     siteCache
	req       request
	order     []int32 // records in group order (group.go)
	groups    []group
	spill     []byte // a record moved to the next request
	header    []byte // the headers of a metric and its data (metrics.go)
}

// siteFieldNone: no attribute list being written takes the site cache.
const siteFieldNone protowire.Number = 0

func (e *Encoder) get() *state {
	select {
	case s := <-e.states:
		return s
	default:
		return &state{e: e, limit: -1}
	}
}

func (e *Encoder) put(s *state) {
	if cap(s.b) > maxKeptBuffer {
		s.b = nil
	}
	if cap(s.spill) > maxKeptBuffer {
		s.spill = nil
	}
	s.b, s.spill = s.b[:0], s.spill[:0]
	s.limit, s.siteField = -1, siteFieldNone
	s.req = request{}
	clear(s.groups)
	s.groups = s.groups[:0]
	select {
	case e.states <- s:
	default:
	}
}

// A request is written as a stack of nested messages (a resource group, a
// scope group, for metrics a metric and its data) around the records. When
// a record makes the request larger than the limit, the request is closed
// without it and sent, and a new one opens the same stack again, with the
// record as its first.

// maxDepth is the deepest stack of messages around a record.
const maxDepth = 4

// level is one open message of the stack: its field number, the length
// reservation, the content written right after it opens (a resource, a
// scope, a metric's name) and where it opened in the buffer.
type level struct {
	num     protowire.Number
	reserve int
	header  []byte
	start   int // where its tag is
	mark    int // its length, for closeMsg
	body    int // where what follows the header starts
}

// request is the request being written.
type request struct {
	levels  [maxDepth]level
	depth   int
	records int
	sent    int // requests emitted so far
	emit    func([]byte, int)
}

// push opens the message field num with header as its first content.
func (s *state) push(num protowire.Number, reserve int, header []byte) {
	l := &s.req.levels[s.req.depth]
	s.req.depth++
	*l = level{num: num, reserve: reserve, header: header, start: len(s.b)}
	s.b, l.mark = openMsg(s.b, num, reserve)
	s.b = append(s.b, header...)
	l.body = len(s.b)
}

// pop closes the innermost open message.
func (s *state) pop() { s.popLevel(false) }

// popLevel closes the innermost open message or, if dropEmpty and nothing
// followed its header (a group that a cut request left empty), leaves it
// out.
func (s *state) popLevel(dropEmpty bool) {
	s.req.depth--
	l := &s.req.levels[s.req.depth]
	if dropEmpty && len(s.b) == l.body {
		s.b = s.b[:l.start]
		return
	}
	s.b = closeMsg(s.b, l.mark)
}

// recorded counts the record that starts at start and ends the buffer;
// if it made the request too large, the request is sent without it and
// the record begins the next one.
func (s *state) recorded(start int) {
	s.fit(start)
	s.req.records++
}

// fit moves what starts at start and ends the buffer to a new request if
// it made this one, which holds records, larger than the limit.
func (s *state) fit(start int) {
	if len(s.b) > s.e.maxRequest && s.req.records > 0 {
		s.spill = append(s.spill[:0], s.b[start:]...)
		s.b = s.b[:start]
		s.send()
		s.b = append(s.b, s.spill...)
	}
}

// send closes the messages open, emits the request and opens them again
// in an empty buffer.
func (s *state) send() {
	depth := s.req.depth
	for s.req.depth > 0 {
		s.popLevel(true)
	}
	if s.req.records > 0 {
		s.req.emit(s.b, s.req.records)
		s.req.sent++
	}
	s.b = s.b[:0]
	s.req.records = 0
	for i := range depth {
		l := s.req.levels[i]
		s.push(l.num, l.reserve, l.header)
	}
}

// finish closes the messages open and emits what is left.
func (s *state) finish() {
	for s.req.depth > 0 {
		s.pop()
	}
	if s.req.records > 0 {
		s.req.emit(s.b, s.req.records)
	}
	s.b = s.b[:0]
	s.req.records = 0
}
