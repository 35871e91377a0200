package otlpwire

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"google.golang.org/protobuf/encoding/protowire"
)

// Fields of opentelemetry.proto.logs.v1.LogRecord.
const (
	logTime         protowire.Number = 1
	logSeverity     protowire.Number = 2
	logSeverityText protowire.Number = 3
	logBody         protowire.Number = 5
	logAttrs        protowire.Number = 6
	logDroppedAttrs protowire.Number = 7
	logFlags        protowire.Number = 8
	logTraceID      protowire.Number = 9
	logSpanID       protowire.Number = 10
	logObserved     protowire.Number = 11
	logEventName    protowire.Number = 12
)

// Logs encodes records into ExportLogsServiceRequest bodies, calling emit
// for each request with its body (valid only during the call) and the
// number of log records in it.
func (e *Encoder) Logs(records []sdklog.Record, emit func(body []byte, records int)) {
	s := e.get()
	defer e.put(s)
	s.req.emit = emit
	s.groupBy(len(records), func(i int) (*resource.Resource, instrumentation.Scope) {
		return records[i].Resource(), records[i].InstrumentationScope()
	})
	s.eachGroup(
		func(r *resource.Resource) []byte { return e.headers.resource(r, ifNotEmpty) },
		func(sc instrumentation.Scope) []byte { return e.headers.scope(sc, false) },
		func(i int) { s.logRecord(&records[i]) },
	)
	s.finish()
}

// logRecord writes r as a record of the request, its strings shortened if
// they are too large together.
func (s *state) logRecord(r *sdklog.Record) {
	start := len(s.b)
	s.log(r)
	if len(s.b)-start > MaxRecordBytes {
		if limit := logLimit(r); limit >= 0 {
			s.b = s.b[:start]
			s.limit = limit
			s.log(r)
			s.limit = -1
		}
	}
	s.recorded(start)
}

// logLimit is the per-string limit of r (see perStringLimit).
func logLimit(r *sdklog.Record) int {
	total, count := len(r.EventName())+len(r.SeverityText()), 2
	stringBytes(r.Body(), &total, &count)
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		total += len(kv.Key)
		stringBytes(kv.Value, &total, &count)
		return true
	})
	return perStringLimit(total, count)
}

// log writes the LogRecord field of r.
func (s *state) log(r *sdklog.Record) {
	var m int
	s.b, m = openMsg(s.b, groupRecords, recordMsg)
	s.b = appendFixed64(s.b, logTime, unixNano(r.Timestamp().UnixNano()))
	s.b = appendFixed64(s.b, logObserved, unixNano(r.ObservedTimestamp().UnixNano()))
	s.b = appendVarint(s.b, logSeverity, severity(r.Severity()))
	s.text(logSeverityText, r.SeverityText())
	body := r.Body()
	s.value(logBody, &body) // always there, empty for an empty body
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		s.encodeKeyValue(logAttrs, &kv)
		return true
	})
	s.b = appendVarint(s.b, logDroppedAttrs, clampUint32(r.DroppedAttributes()))
	s.b = appendFixed32(s.b, logFlags, uint32(r.TraceFlags()))
	if tid := r.TraceID(); tid.IsValid() {
		s.b = appendBytes(s.b, logTraceID, tid[:])
	}
	if sid := r.SpanID(); sid.IsValid() {
		s.b = appendBytes(s.b, logSpanID, sid[:])
	}
	s.text(logEventName, r.EventName())
	s.b = closeMsg(s.b, m)
}

// severity is the OTLP SeverityNumber of sev: the same numbers, 0 for one
// out of range.
func severity(sev log.Severity) uint64 {
	if sev < log.SeverityTrace1 || sev > log.SeverityFatal4 {
		return 0
	}
	return uint64(sev)
}
