// Command service is a plain net/http service after it adopted Logfire:
// docs/adopting.md shows the lines that changed. Every request is a server
// span (logfirehttp), and the handler's log is its child.
//
//	go run ./examples/adopting/service   # listens on 127.0.0.1:8080
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
)

func main() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer lf.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", getOrder)
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", logfirehttp.NewHandler(lf, mux, "orders")))
}

func getOrder(w http.ResponseWriter, r *http.Request) {
	logfire.Info(r.Context(), "order {id} requested", "id", r.PathValue("id"))
	_, _ = w.Write([]byte(`{"status":"shipped"}`))
}
