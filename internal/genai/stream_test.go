package genai

import (
	"strings"
	"testing"
)

// countStream counts the events it is given and the bytes of their data.
type countStream struct{ events, bytes int }

func (c *countStream) Event(data []byte)    { c.events++; c.bytes += len(data) }
func (c *countStream) Result(*Result, bool) {}

// TestEventScannerSplitsAnywhere: events split across reads at every
// byte, CRLF line ends, comments and [DONE] give the same events.
func TestEventScannerSplitsAnywhere(t *testing.T) {
	stream := "event: message_start\r\ndata: {\"a\":1}\r\n\r\n: a comment\n\ndata:{\"b\":2}\n\ndata: [DONE]\n\ndata: {\"c\":3}"
	for size := 1; size <= len(stream); size++ {
		var got []string
		sc := eventScanner{s: &recordStream{got: &got}}
		for i := 0; i < len(stream); i += size {
			sc.write([]byte(stream[i:min(i+size, len(stream))]))
		}
		sc.handle(sc.line) // the last line, without its newline, as finish does
		if want := `{"a":1}|{"b":2}|{"c":3}`; strings.Join(got, "|") != want {
			t.Fatalf("reads of %d bytes: events %q, want %q", size, got, want)
		}
	}
}

type recordStream struct{ got *[]string }

func (r *recordStream) Event(data []byte)    { *r.got = append(*r.got, string(data)) }
func (r *recordStream) Result(*Result, bool) {}

// TestEventScannerAllocatesNothingPerEvent: once its line buffer has grown
// to the longest line split across reads, the scanner allocates nothing,
// however many events follow.
func TestEventScannerAllocatesNothingPerEvent(t *testing.T) {
	c := &countStream{}
	sc := eventScanner{s: c}
	event := []byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" plus\"}}]}\n\n")
	half := len(event) / 2
	sc.write(event[:half]) // the buffer grows once
	sc.write(event[half:])
	allocs := testing.AllocsPerRun(1000, func() {
		sc.write(event[:half])
		sc.write(event[half:])
	})
	if allocs != 0 {
		t.Errorf("%v allocations per event, want 0", allocs)
	}
	if c.events != 1002 {
		t.Errorf("%d events, want 1002", c.events)
	}
}

// TestEventScannerSkipsOverlongLines: a line longer than maxEventLine is
// not read (and not kept), the next one is.
func TestEventScannerSkipsOverlongLines(t *testing.T) {
	var got []string
	sc := eventScanner{s: &recordStream{got: &got}}
	long := "data: " + strings.Repeat("x", maxEventLine) + "\n"
	for i := 0; i < len(long); i += 1 << 20 {
		sc.write([]byte(long[i:min(i+1<<20, len(long))]))
	}
	sc.write([]byte("data: {}\n"))
	if len(got) != 1 || got[0] != "{}" || cap(sc.line) > 2*maxEventLine {
		t.Errorf("events %d (%.20q), line buffer %d bytes", len(got), got, cap(sc.line))
	}
}
