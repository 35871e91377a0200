package console

import (
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
)

// timeLayout is the timestamp at the start of each line.
const timeLayout = "15:04:05.000"

// timeWidth is the width of the timestamp column, separator included:
// len("12:34:56.789") + 1. Continuation lines are indented by it.
const timeWidth = len(timeLayout) + 1

// formatter renders records as text. It holds no mutable state.
type formatter struct {
	paint      painter
	timestamps bool
	hideTags   bool
	loc        *time.Location
	verbose    bool
}

// margin is the indent of anything that lines up under a message at the
// given nesting level: the timestamp column plus two spaces per level.
func (f *formatter) margin(depth int) int {
	m := 2 * depth
	if f.timestamps {
		m += timeWidth
	}
	return m
}

// line appends the line of r at nesting level depth:
// timestamp, indent, message and tags, then a newline.
func (f *formatter) line(buf []byte, r *record, depth int) []byte {
	if f.timestamps {
		if f.paint.colors {
			buf = append(buf, green...)
		}
		buf = r.start.In(f.loc).AppendFormat(buf, timeLayout)
		if f.paint.colors {
			buf = append(buf, reset...)
		}
		buf = append(buf, ' ')
	}
	buf = appendSpaces(buf, 2*depth)
	margin := f.margin(depth)
	buf = f.block(buf, messageStyle(r.level), r.msg, margin)
	buf = f.tags(buf, r.tags, margin)
	return append(buf, '\n')
}

// parentLine appends the dimmed line that re-prints an open parent span:
// no timestamp, only the padding that stands in for it.
func (f *formatter) parentLine(buf []byte, o openSpan) []byte {
	margin := f.margin(o.depth)
	buf = appendSpaces(buf, margin)
	buf = f.block(buf, dim, o.msg, margin)
	return append(buf, '\n')
}

// tags appends " [a,b]" when the logfire.tags attribute holds tags. A single
// string is accepted as one tag; anything else is ignored. Lines after the
// first of a tag with newlines start at margin, like a message's.
func (f *formatter) tags(buf []byte, v attribute.Value, margin int) []byte {
	var list []string
	switch v.Type() {
	case attribute.STRINGSLICE:
		list = v.AsStringSlice()
	case attribute.STRING:
		if s := v.AsString(); s != "" {
			list = []string{s}
		}
	}
	if len(list) == 0 || f.hideTags {
		return buf
	}
	buf = append(buf, ' ')
	if f.paint.colors {
		buf = append(buf, cyan...)
	}
	buf = append(buf, '[')
	for i, t := range list {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendIndented(buf, t, margin)
	}
	buf = append(buf, ']')
	if f.paint.colors {
		buf = append(buf, reset...)
	}
	return buf
}

// styled appends text, made safe for a terminal, in style st.
func (f *formatter) styled(buf []byte, st style, text string) []byte {
	if text == "" {
		return buf
	}
	on := f.paint.colors && st != plain
	if on {
		buf = append(buf, st...)
	}
	buf = appendSafe(buf, text)
	if on {
		buf = append(buf, reset...)
	}
	return buf
}

// block appends text, made safe for a terminal, in style st, the lines
// after its first one indented by margin, so that a multi-line message stays
// in its column, under its first line, and never starts at the left edge
// where the timestamps are. With colours, each line is styled on its own:
// the reset comes before the newline, so the indent is never painted and a
// pager that shows part of the output sees whole sequences.
func (f *formatter) block(buf []byte, st style, text string, margin int) []byte {
	if text == "" {
		return buf
	}
	on := f.paint.colors && st != plain
	for {
		line, rest, more := strings.Cut(text, "\n")
		if on && line != "" {
			buf = append(buf, st...)
		}
		buf = appendSafe(buf, line)
		if on && line != "" {
			buf = append(buf, reset...)
		}
		if !more {
			return buf
		}
		buf = newlineAt(buf, margin, rest)
		text = rest
	}
}

// appendIndented is appendSafe with the lines after the first one indented
// by margin.
func appendIndented(buf []byte, s string, margin int) []byte {
	for {
		line, rest, more := strings.Cut(s, "\n")
		buf = appendSafe(buf, line)
		if !more {
			return buf
		}
		buf = newlineAt(buf, margin, rest)
		s = rest
	}
}

// newlineAt appends a newline and, unless the next line (the start of rest)
// is empty, margin blanks: blank lines get no trailing spaces.
func newlineAt(buf []byte, margin int, rest string) []byte {
	buf = append(buf, '\n')
	if next, _, _ := strings.Cut(rest, "\n"); next != "" {
		buf = appendSpaces(buf, margin)
	}
	return buf
}

// messageStyle is the colour of a message at level l.
func messageStyle(l config.Level) style {
	switch {
	case l >= envconfig.LevelError:
		return red
	case l >= envconfig.LevelWarn:
		return yellow
	case l < envconfig.LevelInfo:
		return dim
	}
	return plain
}

// spaces is a run of blanks that appendSpaces copies from.
const spaces = "                                                                "

// appendSpaces appends n blanks.
func appendSpaces(buf []byte, n int) []byte {
	for n > len(spaces) {
		buf = append(buf, spaces...)
		n -= len(spaces)
	}
	if n > 0 {
		buf = append(buf, spaces[:n]...)
	}
	return buf
}

// appendSafe appends s with the control characters that could take over a
// terminal (escape sequences, carriage returns, C1 controls) written as
// visible escapes such as \x1b. Newlines and tabs are kept. Invalid UTF-8 is
// copied as it is: it cannot form a control sequence.
func appendSafe(buf []byte, s string) []byte {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || c == 0xc2 {
			clean = false
			break
		}
	}
	if clean {
		return append(buf, s...)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError && isControl(r) {
			buf = appendEscape(buf, r)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return buf
}

// isControl reports whether r is a C0 or C1 control character other than
// newline and tab.
func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0)
}

// appendEscape appends r, a control character, as \xNN.
func appendEscape(buf []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(buf, '\\', 'x', hex[r>>4&0xf], hex[r&0xf])
}
