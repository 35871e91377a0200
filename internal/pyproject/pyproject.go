// Package pyproject reads the [tool.logfire] table of a pyproject.toml,
// where the Python SDK reads settings from (its configure() docs: "Config
// file"), so that a Go service in a repository shared with Python ones can
// take the same settings.
//
// It reads the subset of TOML that such a table holds: key = value lines
// whose values are strings (basic or literal, on one line), booleans,
// integers, floats, arrays of those (over several lines if need be) and
// inline tables of strings. Anything else inside the table is an error
// that names the file and line; the rest of the file is skipped, whatever
// it holds.
package pyproject

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// File is the name of the file read in the configuration directory.
const File = "pyproject.toml"

// table is the table read.
const table = "tool.logfire"

// maxFileBytes bounds the file read: a pyproject.toml is a few KiB.
const maxFileBytes = 4 << 20

// Setting is one key of [tool.logfire] and its value written as the
// environment variable of the setting would hold it: a boolean as true or
// false, a number as written, an array as comma-separated items, an
// inline table as key=value pairs with percent-encoded values.
type Setting struct {
	Key   string
	Value string
	Line  int
}

// Read returns the settings of the [tool.logfire] table of
// dir/pyproject.toml, in the order of the file. A missing file, or one
// without the table, gives none and no error.
func Read(dir string) ([]Setting, error) {
	path := filepath.Join(dir, File)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, maxFileBytes>>20)
	}
	return parse(data, path)
}

// parse reads the [tool.logfire] table of data, from path.
func parse(data []byte, path string) ([]Setting, error) {
	var out []Setting
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), maxFileBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(stripComment(sc.Text()))
		if line == "" {
			continue
		}
		if name, ok := header(line); ok {
			in = name == table
			continue
		}
		if !in {
			continue
		}
		start := n
		// An array may go on over several lines, until its brackets close.
		for open := depth(line); open > 0 && sc.Scan(); open = depth(line) {
			n++
			line += " " + strings.TrimSpace(stripComment(sc.Text()))
		}
		s, err := setting(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: [%s]: %w", path, start, table, err)
		}
		s.Line = start
		out = append(out, s)
	}
	return out, sc.Err()
}

// header returns the name of a table header line, [a.b] or [ "a" . b ],
// with its quotes and blanks removed; not for [[arrays of tables]].
func header(line string) (string, bool) {
	if !strings.HasPrefix(line, "[") || strings.HasPrefix(line, "[[") || !strings.HasSuffix(line, "]") {
		return "", false
	}
	parts := strings.Split(line[1:len(line)-1], ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && (p[0] == '"' || p[0] == '\'') && p[len(p)-1] == p[0] {
			p = p[1 : len(p)-1]
		}
		if p == "" || strings.ContainsAny(p, "[]=,\"'") {
			return "", false
		}
		parts[i] = p
	}
	return strings.Join(parts, "."), true
}

// outsideStrings calls f with the index of each byte of s that is not
// inside a string, until f returns false.
func outsideStrings(s string, f func(i int) bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case !f(i):
			return
		}
	}
}

// stripComment removes a # comment that is not inside a string.
func stripComment(s string) string {
	end := len(s)
	outsideStrings(s, func(i int) bool {
		if s[i] == '#' {
			end = i
			return false
		}
		return true
	})
	return s[:end]
}

// depth is how many brackets and braces of s are open, outside strings.
func depth(s string) int {
	d := 0
	outsideStrings(s, func(i int) bool {
		switch s[i] {
		case '[', '{':
			d++
		case ']', '}':
			d--
		}
		return true
	})
	return d
}

// setting parses one key = value line.
func setting(line string) (Setting, error) {
	k, v, ok := strings.Cut(line, "=")
	if !ok {
		return Setting{}, fmt.Errorf("%q is not a key = value line", clip(line))
	}
	key, err := bareKey(strings.TrimSpace(k))
	if err != nil {
		return Setting{}, err
	}
	val, rest, err := value(strings.TrimSpace(v), true)
	if err != nil {
		return Setting{}, fmt.Errorf("%s: %w", key, err)
	}
	if strings.TrimSpace(rest) != "" {
		return Setting{}, fmt.Errorf("%s: unexpected %q after the value", key, clip(strings.TrimSpace(rest)))
	}
	return Setting{Key: key, Value: val}, nil
}

// bareKey accepts a bare key (letters, digits, _ and -) or a quoted one
// (of anything but its quote).
func bareKey(k string) (string, error) {
	if len(k) >= 2 && (k[0] == '"' || k[0] == '\'') && k[len(k)-1] == k[0] && len(k) > 2 {
		return k[1 : len(k)-1], nil // a quoted key may hold anything
	}
	if k == "" || strings.IndexFunc(k, func(r rune) bool {
		return !(r == '_' || r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	}) >= 0 {
		return "", fmt.Errorf("%q is not a key this reader takes (letters, digits, _ and -)", clip(k))
	}
	return k, nil
}

// value parses the value at the start of s and returns it in the
// environment's form and what follows it. top allows arrays and inline
// tables, which may not nest.
func value(s string, top bool) (string, string, error) {
	switch {
	case strings.HasPrefix(s, `"""`), strings.HasPrefix(s, `'''`):
		return "", "", errors.New("multi-line strings are not supported here: write the value on one line")
	case strings.HasPrefix(s, `"`):
		return basicString(s)
	case strings.HasPrefix(s, `'`):
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", "", errors.New("a string is not closed")
		}
		return s[1 : end+1], s[end+2:], nil
	case strings.HasPrefix(s, "[") && top:
		return array(s[1:])
	case strings.HasPrefix(s, "{") && top:
		return inlineTable(s[1:])
	}
	end := strings.IndexAny(s, ",]} \t")
	if end < 0 {
		end = len(s)
	}
	word, rest := s[:end], s[end:]
	switch word {
	case "true", "false":
		return word, rest, nil
	}
	num := strings.ReplaceAll(word, "_", "")
	if _, err := strconv.ParseFloat(num, 64); err == nil && word != "" {
		return num, rest, nil
	}
	return "", "", fmt.Errorf("%q is not a value this reader takes: strings, true, false, numbers, arrays and inline tables", clip(s))
}

// basicString parses a "..." string with its escapes.
func basicString(s string) (string, string, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			v, err := strconv.Unquote(s[:i+1])
			if err != nil {
				return "", "", fmt.Errorf("%s is not a string this reader takes: %w", clip(s[:i+1]), err)
			}
			return v, s[i+1:], nil
		}
	}
	return "", "", errors.New("a string is not closed")
}

// array parses the items after "[" up to "]", joined by commas.
func array(s string) (string, string, error) {
	items, rest, err := list(s, ']', "an array", func(s string) (string, string, error) { return value(s, false) })
	return strings.Join(items, ","), rest, err
}

// inlineTable parses the pairs after "{" up to "}", as key=value pairs
// separated by commas with percent-encoded values, as
// LOGFIRE_RESOURCE_ATTRIBUTES is written.
func inlineTable(s string) (string, string, error) {
	pairs, rest, err := list(s, '}', "an inline table", func(s string) (string, string, error) {
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			return "", "", errors.New("a pair of an inline table has no =")
		}
		key, err := bareKey(strings.TrimSpace(k))
		if err != nil {
			return "", "", err
		}
		v, rest, err := value(strings.TrimSpace(rest), false)
		return key + "=" + escapeValue.Replace(v), rest, err
	})
	return strings.Join(pairs, ","), rest, err
}

// list parses the items of s, which follows an opening bracket, up to
// closing, one at a time with item, separated by commas; it returns them
// and what follows closing. what names the list in errors.
func list(s string, closing byte, what string, item func(string) (string, string, error)) ([]string, string, error) {
	var out []string
	for {
		s = strings.TrimSpace(s)
		if s != "" && s[0] == closing {
			return out, s[1:], nil
		}
		if s == "" {
			return nil, "", fmt.Errorf("%s is not closed", what)
		}
		v, rest, err := item(s)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
		rest = strings.TrimSpace(rest)
		switch {
		case strings.HasPrefix(rest, ","):
			rest = rest[1:]
		case rest != "" && rest[0] != closing:
			return nil, "", fmt.Errorf("unexpected %q in %s", clip(rest), what)
		}
		s = rest
	}
}

// escapeValue percent-encodes what would end a value of a key=value
// list: the comma, and the percent sign itself.
var escapeValue = strings.NewReplacer("%", "%25", ",", "%2C")

// clip shortens what an error quotes.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
