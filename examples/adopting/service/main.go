// Command service is a plain net/http service after it adopted Logfire:
// docs/adopting.md shows the lines that changed. Every request is a server
// span (logfirehttp), and the handler's log is its child. On Ctrl-C or
// SIGTERM it stops serving and shuts Logfire down, which sends what is
// still queued.
//
//	go run ./examples/adopting/service   # listens on 127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lf, err := logfire.Configure(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer lf.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", getOrder)
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: logfirehttp.NewHandler(lf, mux, "orders")}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
	}
}

func getOrder(w http.ResponseWriter, r *http.Request) {
	logfire.Info(r.Context(), "order {id} requested", "id", r.PathValue("id"))
	_, _ = w.Write([]byte(`{"status":"shipped"}`))
}
