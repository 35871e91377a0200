// Command slog shows the Logfire Go SDK behind the standard library's
// log/slog: with a logger on lf.SlogHandler() as slog's default, slog.Info
// and friends become Logfire logs.
//
//   - The slog message is a Logfire message template: {placeholders} are
//     filled from the record's attributes.
//   - slog levels map to Logfire levels (see (*logfire.Logfire).SlogHandler): DEBUG → debug,
//     INFO → info, WARN → warn, ERROR → error.
//   - A record logged with a context (slog.InfoContext) becomes a child of
//     the span in that context.
//   - Groups become dotted keys: WithGroup("req") then "path" is
//     "req.path", and so is slog.Group("req", "path", …).
//   - Attributes given to Logger.With are converted once, when With is
//     called, not on every record.
//   - The source location (code.filepath, code.lineno, code.function) is
//     where slog was called.
//
// It needs no token: with none it only prints to the console. With
// LOGFIRE_TOKEN set it also sends everything to Logfire. It exits 0.
//
//	go run ./examples/slog
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	lf, err := logfire.Configure(ctx, logfire.WithServiceName("examples-slog"))
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

	// From here on, slog's default logger records to Logfire.
	slog.SetDefault(slog.New(lf.SlogHandler()))

	slog.Info("service {service} starting", "service", "checkout", "pid", os.Getpid())

	// Records logged with the span's context are its children.
	ctx, span := lf.Span(ctx, "handling request {method} {path}", "method", "POST", "path", "/orders")
	handle(ctx)
	span.End()

	slog.Debug("shutting down") // Logfire level debug: hidden by the console's default minimum (info), still exported
	return nil
}

// handle logs the way application code does: through slog alone.
func handle(ctx context.Context) {
	// With: attributes converted once, then carried by every record.
	logger := slog.Default().With("request_id", "r-123", "user", map[string]any{"id": 7, "plan": "pro"})

	logger.InfoContext(ctx, "request {request_id}: order of {items} items placed", "items", 3)

	// WithGroup: the record's own attributes go under "payment.".
	payments := logger.WithGroup("payment")
	payments.InfoContext(ctx, "charging {payment.amount} {payment.currency}", "amount", 42.5, "currency", "EUR")

	// A group attribute: "stock.item" and "stock.left".
	logger.WarnContext(ctx, "stock for {stock.item} is low",
		slog.Group("stock", slog.String("item", "widget"), slog.Int("left", 2)))

	// An error value is recorded as an exception; at ERROR the log is failed.
	logger.ErrorContext(ctx, "sending the receipt failed: {error}", "error", errors.New("smtp timeout"))
}
