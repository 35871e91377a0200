package genai

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/semconv/v1.41.0/genaiconv"
)

// instruments are the GenAI client metrics of the conventions.
type instruments struct {
	duration genaiconv.ClientOperationDuration
	tokens   genaiconv.ClientTokenUsage
}

// The bucket boundaries the conventions give for the two histograms.
var (
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
)

// newInstruments makes the instruments with m. One that m cannot make
// records nothing (genaiconv returns a no-op instrument with the error);
// the meter provider's own error handler has been told.
func newInstruments(m metric.Meter) instruments {
	d, _ := genaiconv.NewClientOperationDuration(m, metric.WithExplicitBucketBoundaries(durationBuckets...))
	t, _ := genaiconv.NewClientTokenUsage(m, metric.WithExplicitBucketBoundaries(tokenBuckets...))
	return instruments{duration: d, tokens: t}
}

// record records the duration of call c and, when res reported them, its
// input and output tokens.
func (in instruments) record(ctx context.Context, c *call, res *Result, responseModel, errType string) {
	attrs := make([]attribute.KeyValue, 0, 5)
	if c.model != "" {
		attrs = append(attrs, in.duration.AttrRequestModel(c.model))
	}
	if responseModel != "" {
		attrs = append(attrs, in.duration.AttrResponseModel(responseModel))
	}
	attrs = append(attrs, c.server...)
	op := genaiconv.OperationNameAttr(c.ep.Operation)
	provider := genaiconv.ProviderNameAttr(c.r.p.Name)
	if res != nil {
		if res.Usage.HasInput {
			in.tokens.Record(ctx, res.Usage.Input, op, provider, genaiconv.TokenTypeInput, attrs...)
		}
		if res.Usage.HasOutput {
			in.tokens.Record(ctx, res.Usage.Output, op, provider, genaiconv.TokenTypeOutput, attrs...)
		}
	}
	if errType != "" {
		attrs = append(attrs, in.duration.AttrErrorType(genaiconv.ErrorTypeAttr(errType)))
	}
	in.duration.Record(ctx, time.Since(c.start).Seconds(), op, provider, attrs...)
}
