package logfire

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/instance"
)

// The integrations read the code attributes of their callers' call sites
// the way this package does its own.
func init() {
	instance.CodeAttributes = func(pc uintptr) [3]attribute.KeyValue { return site(pc).code }
}
