package logfire

import (
	"os"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/selflog"
)

// A use of the SDK that records nothing, or that is not what was meant,
// is said once per process and kind of misuse, on standard error through
// the SDK's own line (internal/selflog), never with a panic.
type misuse int

const (
	misuseBeforeConfigure misuse = iota // a package-level call with no default instance
	misuseAfterShutdown                 // a record, or a flush, after Shutdown
	misuseSecondConfigure               // Configure replaced a default instance still running
	numMisuses
)

var misuseOnce [numMisuses]sync.Once

// warn writes the line of kind k, the first time only.
func (k misuse) warn(format string, args ...any) {
	misuseOnce[k].Do(func() { selflog.Printf(format, args...) })
}

// noDefault says that the package-level function fn was called with no
// instance configured, unless LOGFIRE_IGNORE_NO_CONFIG is true (as in the
// Python SDK; a variable only, since no option reaches a program that has
// not called Configure).
func noDefault(fn string) {
	ignore := false
	if envconfig.Bool(&ignore)(os.Getenv("LOGFIRE_IGNORE_NO_CONFIG")) == nil && ignore {
		return
	}
	misuseBeforeConfigure.warn("logfire.%s was called before logfire.Configure: nothing is recorded. Call logfire.Configure once at start (it makes the default instance that the package-level functions use), or call the method on the *logfire.Logfire it returns", fn)
}

// afterShutdown says that what was about to be recorded is dropped, and
// counts it ("shutdown") for each destination, which would have
// exported it.
func (lf *Logfire) afterShutdown(what string) {
	misuseAfterShutdown.warn("%s after (*logfire.Logfire).Shutdown: nothing is recorded or sent after Shutdown. Shut down once, when the program ends, and make no spans or logs after it", what)
	for _, d := range lf.dests {
		d.counters.Dropped(delivery.Spans, delivery.Shutdown, 1, "recorded after Shutdown")
	}
}

// replacedDefault says that Configure made lf the default in place of
// prev, which is still running.
func replacedDefault(prev, lf *Logfire) {
	misuseSecondConfigure.warn("a second logfire.Configure made the instance of service %q the default in place of that of service %q, which keeps exporting until its own Shutdown: the package-level functions and OpenTelemetry's global providers now use the new one. Configure once, at start, and pass the *logfire.Logfire of any other instance explicitly",
		serviceName(lf), serviceName(prev))
}

func serviceName(lf *Logfire) string {
	if lf.resource == nil {
		return ""
	}
	v, _ := lf.resource.Set().Value(attribute.Key(semconv.ServiceNameKey))
	return v.Emit()
}
