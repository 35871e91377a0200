package logfireaws

import (
	"testing"

	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
)

// TestOTelAWSInternals: the otelaws this module builds with has the
// initialize middleware that otelaws_internals.go names, and this
// package's middleware is inserted right after it. A failure means otelaws
// changed: update otelawsSpanMiddleware and the version it is pinned to.
func TestOTelAWSInternals(t *testing.T) {
	var opts []func(*middleware.Stack) error
	otelaws.AppendMiddlewares(&opts)
	stack := middleware.NewStack("test", nil)
	for _, o := range opts {
		if err := o(stack); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := stack.Initialize.Get(otelawsSpanMiddleware); !ok {
		t.Fatalf("otelaws has no initialize middleware %q any more (it has %v): otelaws changed; update otelaws_internals.go",
			otelawsSpanMiddleware, stack.Initialize.List())
	}

	opts = nil
	AppendMiddlewares(nil, &opts)
	stack = middleware.NewStack("test", nil)
	for _, o := range opts {
		if err := o(stack); err != nil {
			t.Fatal(err)
		}
	}
	ids := stack.Initialize.List()
	for i, id := range ids {
		if id == otelawsSpanMiddleware {
			if i+1 >= len(ids) || ids[i+1] != (*callMiddleware)(nil).ID() {
				t.Errorf("initialize middlewares %v: want %q right after %q", ids, (*callMiddleware)(nil).ID(), otelawsSpanMiddleware)
			}
			return
		}
	}
	t.Errorf("initialize middlewares %v: no %q", ids, otelawsSpanMiddleware)
}
