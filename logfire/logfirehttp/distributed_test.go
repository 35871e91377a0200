package logfirehttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
)

// TestDistributedTracingOff: with logfire.WithDistributedTracing(false), a
// request that carries a traceparent gets a server span that starts a new
// trace and links to the caller's span.
func TestDistributedTracingOff(t *testing.T) {
	for _, on := range []bool{false, true} {
		lf, capture := newInstance(t, "server", logfire.WithDistributedTracing(on))
		srv := httptest.NewServer(logfirehttp.NewHandler(lf, http.NewServeMux(), "server"))
		req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		s := one(t, ended(t, capture, 1), trace.SpanKindServer)
		caller := "0af7651916cd43dd8448eb211c80319c"
		if on {
			if s.Parent.SpanID().String() != "b7ad6b7169203331" || s.SpanContext.TraceID().String() != caller || len(s.Links) != 0 {
				t.Errorf("on: parent %v trace %v links %d; want the caller's span as parent", s.Parent.SpanID(), s.SpanContext.TraceID(), len(s.Links))
			}
			continue
		}
		if s.Parent.IsValid() || s.SpanContext.TraceID().String() == caller {
			t.Errorf("off: parent %v trace %v; want a new trace", s.Parent.SpanID(), s.SpanContext.TraceID())
		}
		if len(s.Links) != 1 || s.Links[0].SpanContext.TraceID().String() != caller || s.Links[0].SpanContext.SpanID().String() != "b7ad6b7169203331" {
			t.Errorf("off: links %+v; want one to the caller's span", s.Links)
		}
	}
}
