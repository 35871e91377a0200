package pyrandom

import (
	"fmt"
	"strings"
	"unicode"
)

// Repr is Python's repr() of the str s: single quotes, or double quotes
// when s holds a single quote and no double quote; backslash escapes for
// the quote, the backslash, \t, \n, \r; \xhh for the other ASCII control
// characters and for unprintable characters up to U+00FF, \uhhhh and
// \Uhhhhhhhh for the unprintable ones beyond. Printable non-ASCII
// characters stay as they are (Python's str.isprintable and Go's
// unicode.IsPrint agree: letters, marks, numbers, punctuation, symbols and
// the ASCII space). Bytes of s that are not UTF-8 are read as U+FFFD, which
// is what a Python program that decoded them with errors="replace" would
// hold.
func Repr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}
