package logfire_test

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/logfire"
)

// The SDK's own problems go to the handler instead of standard error,
// OpenTelemetry's (otel.Handle) included.
func ExampleWithErrorHandler() {
	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithSendToLogfire(config.SendNever),
		logfire.WithErrorHandler(func(err error) { fmt.Println("logfire problem:", err) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lf.Shutdown(context.Background())

	otel.Handle(errors.New("an exporter could not connect"))
	// Output: logfire problem: an exporter could not connect
}
