package genai

import (
	"runtime"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/instance"
)

// clientPackages are the packages whose frames stand between a program's
// call of a client and the middleware: the clients', this one's and the
// runtime's.
var clientPackages = []string{
	"github.com/openai/openai-go/",
	"github.com/anthropics/anthropic-sdk-go/",
	"github.com/logfire-go/sdk/internal/genai.",
	"runtime.",
}

// callerCode returns code.filepath, code.lineno and code.function of the
// program's call of the client: the first frame on the stack outside the
// client's packages, as the Python SDK records the caller of create. It
// returns nothing when there is no such frame (the middleware ran on
// another goroutine) or package logfire is not linked in.
func callerCode() []attribute.KeyValue {
	if instance.CodeAttributes == nil {
		return nil
	}
	var pcs [64]uintptr
	n := runtime.Callers(3, pcs[:])
	for _, pc := range pcs[:n] {
		f := runtime.FuncForPC(pc - 1)
		if f == nil || fromClient(f.Name()) {
			continue
		}
		code := instance.CodeAttributes(pc)
		return code[:]
	}
	return nil
}

func fromClient(function string) bool {
	for _, p := range clientPackages {
		if strings.HasPrefix(function, p) {
			return true
		}
	}
	return false
}
