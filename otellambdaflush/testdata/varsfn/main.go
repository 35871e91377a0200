// Command varsfn is the Lambda function that the managed-variables tests
// and benchmark of otellambdaflush run under lambdatest: each invocation
// reads the managed variable "model" (a string, "default-model" by
// default) and answers with what Get returned, as JSON:
//
//	{"value": "gpt-4o", "label": "production", "version": 2, "reason": "resolved", "error": "", "started": <ns>}
//
// started is when the handler started (Unix nanoseconds), to tell a fetch
// made before it from one made by its Get.
//
// It configures Logfire from the environment: LOGFIRE_API_KEY and
// LOGFIRE_BASE_URL point at a fake of the variables API. Besides:
//
//	FN_VARS_INTERVAL=d   the polling interval (a Go duration), without the 10 s minimum of
//	                     logfire.WithVariablePolling: the age past which an invocation refreshes
//	FN_VARS=off          declares no variable and reads none: the same function without
//	                     managed variables, for the benchmark's baseline
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

type reply struct {
	Value   string `json:"value"`
	Label   string `json:"label"`
	Version int    `json:"version"`
	Reason  string `json:"reason"`
	Error   string `json:"error"`
	Started int64  `json:"started"`
}

func main() {
	ctx := context.Background()
	var hook testhook.Settings
	if d, err := time.ParseDuration(os.Getenv("FN_VARS_INTERVAL")); err == nil {
		hook.VariablesInterval = d
	}
	lf, err := logfire.Configure(testhook.With(ctx, hook))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv("FN_VARS") == "off" {
		otellambdaflush.Start(lf, func(ctx context.Context) (reply, error) {
			_, span := lf.Span(ctx, "handle")
			span.End()
			return reply{Reason: "off", Started: time.Now().UnixNano()}, nil
		})
		return
	}
	model := logfire.Var(lf, "model", "default-model")
	otellambdaflush.Start(lf, func(ctx context.Context) (reply, error) {
		started := time.Now().UnixNano()
		r, err := model.Get(ctx)
		_, span := lf.Span(r.ContextWithBaggage(ctx), "handle")
		span.End()
		out := reply{Value: r.Value, Label: r.Label, Version: r.Version, Reason: r.Reason, Started: started}
		if err != nil {
			out.Error = err.Error()
		}
		return out, nil
	})
}
