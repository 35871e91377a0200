// Command slogapp is a program that logs with log/slog, after it adopted
// Logfire: docs/adopting.md shows the lines that changed. Its slog calls
// stay as they are; slog's default logger now records to Logfire.
//
//	go run ./examples/adopting/slogapp
package main

import (
	"context"
	"log"
	"log/slog"
	"time"

	"github.com/logfire-go/sdk/logfire"
)

func main() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	slog.SetDefault(slog.New(lf.SlogHandler()))

	start := time.Now()
	slog.Info("import started", "source", "orders.csv")
	slog.InfoContext(ctx, "import finished", "rows", 1200, "took", time.Since(start))
}
