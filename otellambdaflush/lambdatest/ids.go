package lambdatest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// newUUID returns a random (version 4) UUID in its canonical text form, the
// format Lambda uses for request and extension identifiers.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (see crypto/rand.Read)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newTraceHeader returns a sampled X-Ray trace header in the form Lambda
// puts into Lambda-Runtime-Trace-Id.
func newTraceHeader(now time.Time) string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=1", now.Unix(), randomHex(12), randomHex(8))
}

// newLogStreamName returns a log stream name in Lambda's
// "2006/01/02/[version]hex" format.
func newLogStreamName(now time.Time, version string) string {
	return now.UTC().Format("2006/01/02") + "/[" + version + "]" + randomHex(16)
}
