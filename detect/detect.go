// Package detect builds the OpenTelemetry resource that tags every span,
// metric and log the SDK sends: who is sending (service name, version,
// environment, instance), with which SDK, and on which platform.
//
// On AWS Lambda it adds the contrib Lambda detector's cloud.* and faas.*
// attributes plus cloud.platform=aws_lambda, and the function name becomes
// the service name unless one is configured.
package detect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	lambdadetector "go.opentelemetry.io/contrib/detectors/aws/lambda"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/keys"
)

// lambdaFunctionNameEnv is set by AWS Lambda in every execution environment.
const lambdaFunctionNameEnv = "AWS_LAMBDA_FUNCTION_NAME"

// OnLambda reports whether the process runs in an AWS Lambda execution
// environment.
func OnLambda() bool { return os.Getenv(lambdaFunctionNameEnv) != "" }

// Resource builds the resource from cfg. Later sources win over earlier
// ones:
//
//  1. OpenTelemetry's telemetry.sdk.*, process.pid, process.runtime.*,
//     host.name and os.* (os.type, os.description) detectors, and
//     host.arch and os.version (see platformDetector), the attributes the
//     Python SDK sends about the machine;
//  2. OTEL_RESOURCE_ATTRIBUTES (cfg.OTelResourceAttributes);
//  3. on AWS Lambda, the contrib Lambda detector and cloud.platform;
//  4. LOGFIRE_RESOURCE_ATTRIBUTES (cfg.ResourceAttributes);
//  5. service.name, service.version, deployment.environment.name,
//     logfire.version (sdkVersion) and service.instance.id.
//
// service.name is the first non-empty of cfg.ServiceName,
// cfg.OTelServiceName, a service.name given in step 2 or 4, the Lambda
// function name, and unknown_service:<executable name>.
func Resource(ctx context.Context, cfg config.Config, sdkVersion string) (*resource.Resource, error) {
	base, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithProcessRuntimeDescription(),
		resource.WithProcessPID(),
		resource.WithHost(),
		resource.WithOS(),
		resource.WithDetectors(platformDetector{}),
	)
	if err != nil && base == nil {
		// The built-in detectors above fail only on exotic platforms; a
		// partial result is kept, a missing one replaced by an empty one.
		base = resource.Empty()
	}

	layers := []*resource.Resource{base, fromPairs(cfg.OTelResourceAttributes)}
	onLambda := false
	if OnLambda() {
		// v0.70.0 of the detector returns an error when not on Lambda; we
		// only call it when the environment says we are.
		if r, err := lambdadetector.NewResourceDetector().Detect(ctx); err == nil {
			onLambda = true
			layers = append(layers, r, resource.NewSchemaless(semconv.CloudPlatformAWSLambda))
		}
	}
	if extra := requestedDetectors(ctx, cfg.ResourceDetectors); extra != nil {
		layers = append(layers, extra)
	}
	layers = append(layers, fromPairs(cfg.ResourceAttributes))

	merged := resource.Empty()
	for _, l := range layers {
		m, err := resource.Merge(merged, l)
		if err != nil {
			return nil, fmt.Errorf("logfire: merging resource attributes: %w", err)
		}
		merged = m
	}

	final := []attribute.KeyValue{
		semconv.ServiceName(serviceName(cfg, merged, onLambda)),
		attribute.String(keys.ResourceVersion, sdkVersion),
	}
	if cfg.ServiceVersion != "" {
		final = append(final, semconv.ServiceVersion(cfg.ServiceVersion))
	}
	if cfg.Environment != "" {
		final = append(final, semconv.DeploymentEnvironmentNameKey.String(cfg.Environment))
	}
	if _, ok := merged.Set().Value(semconv.ServiceInstanceIDKey); !ok {
		final = append(final, semconv.ServiceInstanceID(newInstanceID()))
	}
	return resource.Merge(merged, resource.NewSchemaless(final...))
}

func fromPairs(attrs []attribute.KeyValue) *resource.Resource {
	return resource.NewSchemaless(attrs...)
}

func serviceName(cfg config.Config, merged *resource.Resource, onLambda bool) string {
	if cfg.ServiceName != "" {
		return cfg.ServiceName
	}
	if cfg.OTelServiceName != "" {
		return cfg.OTelServiceName
	}
	for _, a := range cfg.ResourceAttributes {
		if a.Key == semconv.ServiceNameKey && a.Value.Emit() != "" {
			return a.Value.Emit()
		}
	}
	for _, a := range cfg.OTelResourceAttributes {
		if a.Key == semconv.ServiceNameKey && a.Value.Emit() != "" {
			return a.Value.Emit()
		}
	}
	if onLambda {
		if v, ok := merged.Set().Value(semconv.FaaSNameKey); ok && v.AsString() != "" {
			return v.AsString()
		}
		return os.Getenv(lambdaFunctionNameEnv)
	}
	return "unknown_service:" + executableName()
}

func executableName() string {
	if exe, err := os.Executable(); err == nil {
		return filepath.Base(exe)
	}
	return filepath.Base(os.Args[0])
}

// newInstanceID returns 32 random hex characters, like a UUIDv4 without
// dashes, as the Logfire SDKs send.
func newInstanceID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return hex.EncodeToString(b[:])
}
