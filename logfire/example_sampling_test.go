package logfire_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/logfire-go/sdk/logfire"
)

// Tail sampling with the Python SDK's defaults: a trace is exported when
// one of its spans is at notice or above, or it lasts over 5 seconds.
func ExampleWithSampling() {
	lf, capture := captured(logfire.WithSampling(logfire.SamplingOptions{Tail: logfire.LevelOrDuration{}.SampleRate}))
	defer lf.Shutdown(context.Background())
	ctx := context.Background()
	for _, order := range []int{1, 2, 3} {
		octx, span := lf.Span(ctx, "order {id}", "id", order)
		lf.Info(octx, "charged")
		if order == 2 {
			lf.Error(octx, "shipping failed", errors.New("no courier"))
		}
		span.End()
	}
	for _, s := range append(capture.Logs(), capture.Spans()...) {
		fmt.Println(s.Message())
	}
	st := lf.SamplingStats()
	fmt.Println("kept", st.KeptTraces, "sampled out", st.SampledOutTraces)
	// Output:
	// charged
	// shipping failed
	// order 2
	// kept 1 sampled out 2
}

// A rule of one's own: keep every trace with a payment span, and 1 % of
// the others; half the traces are recorded at all (head sampling).
func ExampleSamplingOptions() {
	lf, capture := captured(logfire.WithSampling(logfire.SamplingOptions{
		Head: 0.5,
		Tail: func(info logfire.SpanInfo) float64 {
			if info.Event == "start" && info.Span.Name() == "payment {id}" {
				return 1
			}
			return 0.01
		},
	}))
	defer lf.Shutdown(context.Background())
	_, span := lf.Span(context.Background(), "payment {id}", "id", 7)
	span.End()
	fmt.Println(capture.Span("payment {id}").Message())
	// Output: payment 7
}

// The fingerprint of the same error recorded at the same place is the
// same, whatever its message.
func Example_exceptionFingerprint() {
	lf, capture := captured()
	defer lf.Shutdown(context.Background())
	for _, id := range []int{41, 42} {
		lf.Error(context.Background(), "order {id} failed", "id", id, fmt.Errorf("order %d: %w", id, errors.ErrUnsupported))
	}
	var fps []string
	for _, log := range capture.Logs() {
		fps = append(fps, log.Value("logfire.exception.fingerprint").(string))
	}
	fmt.Println(len(fps[0]), fps[0] == fps[1])
	// Output: 64 true
}

// A panic through a deferred End fails the span and goes on.
func ExampleSpanHandle_End_panic() {
	lf, capture := captured()
	defer lf.Shutdown(context.Background())
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		_, span := lf.Span(context.Background(), "reserving stock")
		defer span.End()
		panic("out of stock")
	}()
	s := capture.Span("reserving stock")
	fmt.Println(s.Status.Description, s.Level())
	// Output:
	// recovered: out of stock
	// logfire.panicError: out of stock error
}

// The Go runtime's metrics, through the instance's meter provider.
func ExampleWithRuntimeMetrics() {
	lf, capture := captured(logfire.WithRuntimeMetrics())
	defer lf.Shutdown(context.Background())
	ms := capture.Metrics()
	_, goroutines := ms["go.goroutine.count"]
	_, memory := ms["go.memory.used"]
	fmt.Println(goroutines, memory)
	// Output: true true
}
