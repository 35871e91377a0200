package fingerprint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
)

// writeSource writes lines to a file and returns its path, for frames
// whose source the fingerprint reads.
func writeSource(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.go")
	var text string
	for _, l := range lines {
		text += l + "\n"
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCanonicalExceptionForm pins the text that is hashed: the type with
// its package path, each frame's function and trimmed source line (no
// line number), a repeated frame once, and the wrapped error as a cause.
func TestCanonicalExceptionForm(t *testing.T) {
	src := writeSource(t,
		"package shop",
		"func charge() error {",
		"\treturn fmt.Errorf(\"charge: %w\", fs.ErrNotExist)",
		"}",
		"func handle() {",
		"\t  if err := charge(); err != nil {",
	)
	frames := []runtime.Frame{
		{Function: "example.com/shop.charge", File: src, Line: 3},
		{Function: "example.com/shop.handle", File: src, Line: 6},
		{Function: "example.com/shop.handle", File: src, Line: 6}, // recursion: once
		{Function: "panic"},
	}
	err := fmt.Errorf("charge: %w", fs.ErrNotExist)
	got := canonicalException(err, frames)
	want := "\n*fmt.wrapError\n----\n" +
		"example.com/shop.charge\n   return fmt.Errorf(\"charge: %w\", fs.ErrNotExist)\n" +
		"example.com/shop.handle\n   if err := charge(); err != nil {\n" +
		"panic\n   \n" +
		"\n__cause__:\n" +
		"\n*errors.errorString\n----"
	if got != want {
		t.Errorf("canonical form:\n got %q\nwant %q", got, want)
	}

	// Another line number with the same source line: the same form.
	moved := writeSource(t, "", "", "", "", "", "", "", "return fmt.Errorf(\"charge: %w\", fs.ErrNotExist)")
	frames2 := append([]runtime.Frame{{Function: "example.com/shop.charge", File: moved, Line: 8}}, frames[1:]...)
	if canonicalException(err, frames2) != got {
		t.Errorf("moving a line changed the canonical form")
	}
	// Another message: the same form.
	if canonicalException(fmt.Errorf("refund: %w", fs.ErrNotExist), frames) != got {
		t.Errorf("the message changed the canonical form")
	}
	// Another source line: another form.
	other := writeSource(t, "", "", "return errors.New(\"x\")")
	frames3 := append([]runtime.Frame{{Function: "example.com/shop.charge", File: other, Line: 3}}, frames[1:]...)
	if canonicalException(err, frames3) == got {
		t.Errorf("another source line gave the same canonical form")
	}
}

// TestCanonicalExceptionWithoutSource: a frame whose source file cannot be
// read is its function and the line's offset from the function's start.
func TestCanonicalExceptionWithoutSource(t *testing.T) {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	f, _ := runtime.CallersFrames(pcs[:]).Next()
	f.File = filepath.Join(t.TempDir(), "missing.go")
	got := canonicalException(errors.New("x"), []runtime.Frame{f})
	if !regexp.MustCompile(`^\n\*errors\.errorString\n----\ngithub\.com/logfire-go/sdk/internal/fingerprint\.TestCanonicalExceptionWithoutSource\n   \+[0-9]+$`).MatchString(got) {
		t.Errorf("canonical form without source: %q", got)
	}
}

// TestCanonicalExceptionJoined: the errors of errors.Join are a group,
// sorted and without duplicates, so their order does not matter.
func TestCanonicalExceptionJoined(t *testing.T) {
	a := errors.Join(errors.New("x"), &customErr{}, errors.New("y"))
	b := errors.Join(&customErr{}, errors.New("z"))
	want := "\n*errors.joinError\n----\n\n<ExceptionGroup>\n" +
		"\n*errors.errorString\n----\n" +
		"\n*github.com/logfire-go/sdk/internal/fingerprint.customErr\n----\n" +
		"\n</ExceptionGroup>\n"
	if got := canonicalException(a, nil); got != want {
		t.Errorf("joined:\n got %q\nwant %q", got, want)
	}
	if canonicalException(a, nil) != canonicalException(b, nil) {
		t.Errorf("the order and number of equal members changed the form")
	}
}

// loopingErr wraps itself.
type loopingErr struct{}

func (e *loopingErr) Error() string { return "loop" }
func (e *loopingErr) Unwrap() error { return e }

// TestCanonicalExceptionLoopIsBounded: an Unwrap chain that loops ends
// after maxCauses causes.
func TestCanonicalExceptionLoopIsBounded(t *testing.T) {
	got := canonicalException(&loopingErr{}, nil)
	if n := regexp.MustCompile(`__cause__`).FindAllStringIndex(got, -1); len(n) != maxCauses {
		t.Errorf("%d causes, want %d", len(n), maxCauses)
	}
}

// customErr is an error type of this package.
type customErr struct{}

func (*customErr) Error() string { return "custom" }

// TestUserFramesLeaveOutTheRuntime: the frames start at the caller, and
// Go's runtime frames are not among them.
func TestUserFramesLeaveOutTheRuntime(t *testing.T) {
	frames := UserFrames(0)
	if len(frames) == 0 || frames[0].Function != "github.com/logfire-go/sdk/internal/fingerprint.TestUserFramesLeaveOutTheRuntime" {
		t.Fatalf("first frame %v", frames)
	}
	for _, f := range frames {
		if regexp.MustCompile(`^runtime\.`).MatchString(f.Function) {
			t.Errorf("runtime frame %s", f.Function)
		}
	}
	if sdkPrefix != "github.com/logfire-go/sdk/logfire." {
		t.Errorf("sdkPrefix %q", sdkPrefix)
	}
}

// TestHereIsStable: the same error from the same place has the same
// fingerprint, 64 hex digits; nil has none.
func TestHereIsStable(t *testing.T) {
	var fps []string
	for range 2 {
		fps = append(fps, Here(errors.New("x")))
	}
	if fps[0] != fps[1] || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(fps[0]) {
		t.Errorf("fingerprints %q", fps)
	}
	if Here(nil) != "" {
		t.Errorf("nil has a fingerprint")
	}
}
