package logfire

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/logfire-go/sdk/internal/keys"
)

// ExceptionFingerprintKey is the span attribute by which Logfire groups
// exceptions into issues: two exceptions with the same fingerprint are the
// same issue. The SDK sets it on a failed span, or an error-level log, that
// has no parent span in this process (a root span, or one whose parent came
// from another service), as the Python and JavaScript SDKs do.
const ExceptionFingerprintKey = keys.ExceptionFingerprint

// ExceptionFingerprint returns the value of logfire.exception.fingerprint
// for err recorded where ExceptionFingerprint is called: 64 lowercase hex
// digits, the SHA-256 of a canonical form of the exception that leaves out
// what changes between two occurrences of the same problem. It is what the
// SDK records on spans and logs itself; call it to give the same
// fingerprint to an error recorded on a span from other instrumentation.
//
// The canonical form is, as the Python SDK's for a traceback:
//
//   - err's type, with its package path ("*io/fs.PathError");
//   - one entry per frame of the calling goroutine's stack, innermost
//     first, without the SDK's and Go runtime's own frames (on the spans
//     and logs the SDK makes, only the frames from where the error is
//     recorded up to the function that started the span or made the log,
//     as a Python traceback runs from where an exception is caught to
//     where it was raised): the function
//     with its package path, and the source line it was at, trimmed, read
//     from the source file when the file is where the binary was built
//     from, or else the line's offset from the start of the function
//     ("+3"); never the line number itself, so that editing other
//     functions of the file does not change the fingerprint; a frame seen
//     before (recursion) is left out;
//   - each error err wraps, by its type, as a cause (errors.Unwrap), or, for
//     an error that joins several (Unwrap() []error), their canonical
//     forms, sorted and without duplicates.
//
// The message is not part of it: it often holds ids or values that differ
// between occurrences.
func ExceptionFingerprint(err error) string {
	if err == nil {
		return ""
	}
	return fingerprint(err, userFrames(1))
}

// fingerprint hashes the canonical form of err recorded with frames.
func fingerprint(err error, frames []runtime.Frame) string {
	sum := sha256.Sum256([]byte(canonicalException(err, frames)))
	return hex.EncodeToString(sum[:])
}

// maxCauses bounds the wrapped errors a canonical form describes, against
// an Unwrap chain that loops.
const maxCauses = 32

// canonicalException is the text that fingerprint hashes.
func canonicalException(err error, frames []runtime.Frame) (s string) {
	defer func() {
		if recover() != nil { // an Unwrap method that panics
			s = "\n" + qualifiedTypeName(reflect.TypeOf(err)) + "\n----"
		}
	}()
	parts := []string{"\n" + qualifiedTypeName(reflect.TypeOf(err)) + "\n----"}
	seen := map[string]bool{}
	for _, f := range frames {
		entry := frameSummary(f)
		if seen[entry] {
			continue
		}
		seen[entry] = true
		parts = append(parts, entry)
	}
	budget := maxCauses
	parts = append(parts, canonicalCauses(err, &budget)...)
	return strings.Join(parts, "\n")
}

// canonicalCauses describes what err wraps. Wrapped errors carry no stack
// of their own in Go: each is its type and, in turn, what it wraps.
func canonicalCauses(err error, budget *int) []string {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var members []string
		for _, e := range joined.Unwrap() {
			if e == nil || *budget <= 0 {
				continue
			}
			*budget--
			members = append(members, strings.Join(append([]string{"\n" + qualifiedTypeName(reflect.TypeOf(e)) + "\n----"}, canonicalCauses(e, budget)...), "\n"))
		}
		slices.Sort(members)
		members = slices.Compact(members)
		return append(append([]string{"\n<ExceptionGroup>"}, members...), "\n</ExceptionGroup>\n")
	}
	cause := errors.Unwrap(err)
	if cause == nil || *budget <= 0 {
		return nil
	}
	*budget--
	return append([]string{"\n__cause__:", "\n" + qualifiedTypeName(reflect.TypeOf(cause)) + "\n----"}, canonicalCauses(cause, budget)...)
}

// qualifiedTypeName is a type with its package path: "*io/fs.PathError",
// "github.com/acme/shop.OutOfStock".
func qualifiedTypeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	if t.Kind() == reflect.Pointer && t.Name() == "" {
		return "*" + qualifiedTypeName(t.Elem())
	}
	if t.PkgPath() != "" && t.Name() != "" {
		return t.PkgPath() + "." + t.Name()
	}
	return t.String()
}

// frameSummary is one frame of a canonical form: the function and, on the
// next line, indented, its source line (or offset, see
// ExceptionFingerprint).
func frameSummary(f runtime.Frame) string {
	return f.Function + "\n   " + sourceLine(f)
}

// sourceLine returns the trimmed source line of f, or "+N", N the line's
// offset from the function's first line, when the source is not readable.
func sourceLine(f runtime.Frame) string {
	if line, ok := sources.line(f.File, f.Line); ok {
		return line
	}
	if f.Func != nil {
		if _, start := f.Func.FileLine(f.Entry); start > 0 && f.Line >= start {
			return "+" + strconv.Itoa(f.Line-start)
		}
	}
	return ""
}

// Bounds of the source cache: files larger than maxSourceBytes are not
// read, and past maxSourceLines cached lines a line is read again each time
// rather than kept (the result is the same, only slower). Only the lines
// fingerprints use are kept, not whole files.
const (
	maxSourceBytes = 1 << 20
	maxSourceLines = 4096
)

// sources caches the source lines fingerprints read.
var sources sourceCache

type sourceCache struct {
	mu    sync.Mutex
	lines map[sourceKey]sourceLineOf
}

type sourceKey struct {
	file string
	line int
}

type sourceLineOf struct {
	text string
	ok   bool // false: the file or the line could not be read
}

// line returns line n (1-based) of file, trimmed.
func (c *sourceCache) line(file string, n int) (string, bool) {
	if file == "" || n <= 0 {
		return "", false
	}
	k := sourceKey{file, n}
	c.mu.Lock()
	l, cached := c.lines[k]
	c.mu.Unlock()
	if !cached {
		l.text, l.ok = readLine(file, n)
		c.mu.Lock()
		if c.lines == nil {
			c.lines = map[sourceKey]sourceLineOf{}
		}
		if len(c.lines) < maxSourceLines {
			c.lines[k] = l
		}
		c.mu.Unlock()
	}
	return l.text, l.ok
}

// readLine reads line n (1-based) of a source file, trimmed; false if the
// file cannot be read, is too large, or is shorter.
func readLine(file string, n int) (string, bool) {
	fh, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > maxSourceBytes {
		return "", false
	}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 64<<10), maxSourceBytes)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return strings.TrimSpace(sc.Text()), true
		}
	}
	return "", false
}
