// Command basic is the main example of the Logfire Go SDK: it configures
// the SDK from the environment, records logs, nested spans, an error and a
// metric, then shuts down, which sends everything.
//
// With no environment it prints to the console only. With LOGFIRE_TOKEN
// set it also sends to Logfire:
//
//	go run ./examples/basic
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/logfire-go/sdk/logfire"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	lf, err := logfire.Configure(ctx)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := lf.Shutdown(sctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()

	processed, err := lf.MeterProvider().Meter("examples/basic").Int64Counter("orders_processed")
	if err != nil {
		return err
	}

	logfire.Info(ctx, "Hello {name}", "name", "world")

	orderCtx, order := logfire.Span(ctx, "processing order {order_id}", "order_id", 42)
	_, check := logfire.Span(orderCtx, "checking stock for {item}", "item", "widget")
	time.Sleep(5 * time.Millisecond) // stands in for real work
	check.End()
	logfire.Warn(orderCtx, "stock for {item} is low: {left} left", "item", "widget", "left", 3)
	order.End()

	// The error is in the message too, so that the console, which prints
	// only the message (unless LOGFIRE_CONSOLE_VERBOSE=true), says why.
	logfire.Error(ctx, "payment for order {order_id} failed: {error}", "order_id", 42, "error", errors.New("card declined"))
	processed.Add(ctx, 1)
	return nil
}
