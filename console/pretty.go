package console

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/jsontree"
)

// The verbose console prints attribute values the way the Python SDK does:
// Python literals ('text', True, None), with objects and arrays spread over
// several lines, four spaces per level and a comma after every item:
//
//	{
//	    'a': 1,
//	    'b': [],
//	}

// pyIndent is the indent of each nesting level in a printed value.
const pyIndent = 4

// appendPyJSON appends v as a Python literal; nested lines are indented by
// indent spaces plus four per level.
func appendPyJSON(buf []byte, v jsontree.Value, indent int) []byte {
	switch v.Kind {
	case jsontree.Null:
		return append(buf, "None"...)
	case jsontree.Bool:
		return appendPyBool(buf, v.Truth)
	case jsontree.Number:
		return append(buf, v.Text...)
	case jsontree.String:
		return appendPyString(buf, v.Text)
	case jsontree.Array:
		if len(v.Items) == 0 {
			return append(buf, "[]"...)
		}
		buf = append(buf, '[', '\n')
		for _, item := range v.Items {
			buf = appendSpaces(buf, indent+pyIndent)
			buf = appendPyJSON(buf, item, indent+pyIndent)
			buf = append(buf, ',', '\n')
		}
		buf = appendSpaces(buf, indent)
		return append(buf, ']')
	case jsontree.Object:
		if len(v.Items) == 0 {
			return append(buf, "{}"...)
		}
		buf = append(buf, '{', '\n')
		for i, item := range v.Items {
			buf = appendSpaces(buf, indent+pyIndent)
			buf = appendPyString(buf, v.Keys[i])
			buf = append(buf, ':', ' ')
			buf = appendPyJSON(buf, item, indent+pyIndent)
			buf = append(buf, ',', '\n')
		}
		buf = appendSpaces(buf, indent)
		return append(buf, '}')
	}
	return buf
}

// appendPyAttr appends an attribute value as a Python literal.
func appendPyAttr(buf []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.BOOL:
		return appendPyBool(buf, v.AsBool())
	case attribute.INT64:
		return strconv.AppendInt(buf, v.AsInt64(), 10)
	case attribute.FLOAT64:
		return appendPyFloat(buf, v.AsFloat64())
	case attribute.STRING:
		return appendPyString(buf, v.AsString())
	case attribute.BOOLSLICE:
		return appendPyList(buf, v.AsBoolSlice(), appendPyBool)
	case attribute.INT64SLICE:
		return appendPyList(buf, v.AsInt64Slice(), func(b []byte, n int64) []byte {
			return strconv.AppendInt(b, n, 10)
		})
	case attribute.FLOAT64SLICE:
		return appendPyList(buf, v.AsFloat64Slice(), appendPyFloat)
	case attribute.STRINGSLICE:
		return appendPyList(buf, v.AsStringSlice(), appendPyString)
	}
	return append(buf, "None"...)
}

// appendPyList appends a list of scalars, one per line.
func appendPyList[T any](buf []byte, list []T, add func([]byte, T) []byte) []byte {
	if len(list) == 0 {
		return append(buf, "[]"...)
	}
	buf = append(buf, '[', '\n')
	for _, item := range list {
		buf = appendSpaces(buf, pyIndent)
		buf = add(buf, item)
		buf = append(buf, ',', '\n')
	}
	return append(buf, ']')
}

func appendPyBool(buf []byte, b bool) []byte {
	if b {
		return append(buf, "True"...)
	}
	return append(buf, "False"...)
}

// appendPyFloat appends f as Python's repr does: always with a decimal point
// or an exponent (1.0, 1e+16), and nan, inf, -inf.
func appendPyFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "nan"...)
	case math.IsInf(f, 1):
		return append(buf, "inf"...)
	case math.IsInf(f, -1):
		return append(buf, "-inf"...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.AppendFloat(buf, f, 'e', -1, 64)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'f', -1, 64)
	if !bytes.ContainsRune(buf[start:], '.') {
		buf = append(buf, '.', '0')
	}
	return buf
}

// appendPyString appends s quoted as Python's repr quotes it: in single
// quotes unless s holds a single quote and no double quote, with
// backslash escapes for the quote, backslashes and unprintable characters.
func appendPyString(buf []byte, s string) []byte {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	buf = append(buf, quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = appendEscape(buf, rune(s[i]))
		case r == rune(quote) || r == '\\':
			buf = append(buf, '\\', byte(r))
		case r == '\n':
			buf = append(buf, '\\', 'n')
		case r == '\r':
			buf = append(buf, '\\', 'r')
		case r == '\t':
			buf = append(buf, '\\', 't')
		case unicode.IsPrint(r):
			buf = append(buf, s[i:i+size]...)
		case r < 0x100:
			buf = appendEscape(buf, r)
		case r < 0x10000:
			buf = append(buf, '\\', 'u')
			buf = appendHex(buf, uint32(r), 4)
		default:
			buf = append(buf, '\\', 'U')
			buf = appendHex(buf, uint32(r), 8)
		}
		i += size
	}
	return append(buf, quote)
}

// appendHex appends n as the given number of lower-case hex digits.
func appendHex(buf []byte, n uint32, digits int) []byte {
	const hex = "0123456789abcdef"
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		buf = append(buf, hex[n>>uint(shift)&0xf])
	}
	return buf
}
