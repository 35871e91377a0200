package logfire_test

import (
	"context"
	"errors"
	"fmt"
	"slices"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
)

// Tail sampling with the Python SDK's defaults: a trace is exported when
// one of its spans is at notice or above, or it lasts over 5 seconds.
func ExampleWithSampling() {
	capture := logfiretest.NewCapture()
	lf, err := logfire.Configure(context.Background(), append(capture.Options(),
		logfire.WithSampling(logfire.SamplingOptions{Tail: logfire.LevelOrDuration{}}))...)
	if err != nil {
		panic(err)
	}
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

// A rule of one's own: keep every trace whose root is a payment.
func ExampleTailFunc() {
	rule := logfire.TailFunc(func(info logfire.SpanInfo) float64 {
		if info.Event == logfire.SpanStarted && info.Span.Name() == "payment {id}" {
			return 1
		}
		return 0.01 // and 1 % of the others
	})
	_ = logfire.WithSampling(logfire.SamplingOptions{Tail: rule})
	fmt.Println(rule.SampleRate(logfire.SpanInfo{Event: logfire.SpanEnded}))
	// Output: 0.01
}

// The fingerprint of the same error recorded at the same place is the
// same, whatever its message.
func ExampleExceptionFingerprint() {
	var fps []string
	for _, id := range []int{41, 42} {
		fps = append(fps, logfire.ExceptionFingerprint(fmt.Errorf("order %d: %w", id, errors.ErrUnsupported)))
	}
	fmt.Println(len(fps[0]), fps[0] == fps[1])
	// Output: 64 true
}

// A panic through a deferred End fails the span and goes on.
func ExampleSpanHandle_End_panic() {
	capture := logfiretest.NewCapture()
	lf, err := logfire.Configure(context.Background(), capture.Options()...)
	if err != nil {
		panic(err)
	}
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
	reader := sdkmetric.NewManualReader()
	lf, err := logfire.Configure(context.Background(),
		logfire.WithSetDefault(false), logfire.WithConsole(nil), logfire.WithSendToLogfire(config.SendNever),
		logfire.WithMetricReader(reader), logfire.WithRuntimeMetrics(),
	)
	if err != nil {
		panic(err)
	}
	defer lf.Shutdown(context.Background())
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names = append(names, m.Name)
		}
	}
	fmt.Println(slices.Contains(names, "go.goroutine.count"), slices.Contains(names, "go.memory.used"))
	// Output: true true
}
