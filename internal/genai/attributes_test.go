package genai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"testing"
)

func TestPyRepr(t *testing.T) {
	for _, c := range []struct {
		in   string
		null bool
		want string
	}{
		{"gpt-4o", false, "'gpt-4o'"},
		{"it's", false, `"it's"`},
		{`it's "x"`, false, `'it\'s "x"'`},
		{`a\b`, false, `'a\\b'`},
		{"", true, "None"},
		{"", false, "''"},
	} {
		if got := pyRepr(c.in, c.null); got != c.want {
			t.Errorf("pyRepr(%q, %v) = %s, want %s", c.in, c.null, got, c.want)
		}
	}
}

func TestErrorType(t *testing.T) {
	opErr := &net.OpError{Op: "dial", Err: errors.New("connection refused")}
	for _, c := range []struct {
		err  error
		want string
	}{
		{context.Canceled, "context.Canceled"},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), "context.DeadlineExceeded"},
		{io.ErrUnexpectedEOF, "io.ErrUnexpectedEOF"},
		{&url.Error{Op: "Post", URL: "http://127.0.0.1/", Err: opErr}, "*net.OpError"},
	} {
		if got := errorType(c.err); got != c.want {
			t.Errorf("errorType(%v) = %s, want %s", c.err, got, c.want)
		}
	}
}

func TestProviderMessage(t *testing.T) {
	for body, want := range map[string]string{
		`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`: "overloaded_error: Overloaded",
		`{"error":{"message":"bad model","type":null}}`:                               "bad model",
		`<html>502</html>`: "",
	} {
		if got := providerMessage([]byte(body)); got != want {
			t.Errorf("providerMessage(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"gpt-4o":    `"gpt-4o"`,
		`a"b\c`:     `"a\"b\\c"`,
		"tab\tnl\n": `"tab\u0009nl\u000a"`,
		"21 °C, 東京": `"21 °C, 東京"`,
	} {
		if got := string(appendJSONString(nil, in)); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
}
