package logfire

import "github.com/logfire-go/sdk/internal/version"

// Version is the version of this SDK. It is sent as the logfire.version
// resource attribute, the instrumentation scope version and in the
// User-Agent header (logfire-go/<Version>).
const Version = version.Version

// userAgent is sent with every export request.
const userAgent = "logfire-go/" + Version

// scopeName is the instrumentation scope of spans and logs made through
// this package, as in the other Logfire SDKs.
const scopeName = "logfire"
