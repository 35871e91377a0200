package detect

import (
	"context"
	"os"
	"runtime"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// platformDetector adds the machine attributes that OpenTelemetry Go has
// no detector for: host.arch, from the architecture the program was built
// for, and, on Linux, os.version, the kernel release (what uname -r prints,
// and what the Python SDK sends).
type platformDetector struct{}

// osReleaseFile holds the kernel release on Linux.
var osReleaseFile = "/proc/sys/kernel/osrelease"

func (platformDetector) Detect(context.Context) (*resource.Resource, error) {
	attrs := []attribute.KeyValue{hostArch(runtime.GOARCH)}
	if runtime.GOOS == "linux" {
		if b, err := os.ReadFile(osReleaseFile); err == nil {
			if v := strings.TrimSpace(string(b)); v != "" {
				attrs = append(attrs, semconv.OSVersion(v))
			}
		}
	}
	return resource.NewSchemaless(attrs...), nil
}

// hostArch maps GOARCH to the host.arch values of the semantic
// conventions; an architecture they do not name is sent as GOARCH says.
func hostArch(goarch string) attribute.KeyValue {
	switch goarch {
	case "amd64":
		return semconv.HostArchAMD64
	case "arm64":
		return semconv.HostArchARM64
	case "386":
		return semconv.HostArchX86
	case "arm":
		return semconv.HostArchARM32
	case "ppc64", "ppc64le":
		return semconv.HostArchPPC64
	case "s390x":
		return semconv.HostArchS390x
	case "ppc":
		return semconv.HostArchPPC32
	}
	return semconv.HostArchKey.String(goarch)
}
