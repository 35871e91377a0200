package logfire_test

// Examples of the methods of *SpanHandle.

import (
	"context"
	"fmt"
	"os"

	"github.com/logfire-go/sdk/logfire"
)

// End is idempotent, so a deferred End is safe next to an explicit one.
func ExampleSpanHandle_End() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "once")
	defer span.End()
	span.End()
	fmt.Println(len(c.Spans()))
	// Output: 1
}

func ExampleSpanHandle_RecordError() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "upload")
	span.RecordError(os.ErrPermission)
	span.End()
	s := c.Span("upload")
	fmt.Println(s.Level(), s.Status.Description)
	// Output: error *errors.errorString: permission denied
}

// Attributes set on an open span update logfire.json_schema at End.
func ExampleSpanHandle_SetAttribute() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "query")
	span.SetAttribute("rows", []int{1, 2})
	span.End()
	s := c.Span("query")
	fmt.Println(s.Value("rows"), s.Value("logfire.json_schema"))
	// Output: [1,2] {"type":"object","properties":{"rows":{"type":"array"}}}
}

func ExampleSpanHandle_SetMessage() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "import {file}", "file", "a.csv")
	span.SetMessage("import a.csv: 10 rows")
	span.End()
	fmt.Println(c.All()[0].SpanType(), c.All()[0].Message()) // the pending span
	fmt.Println(c.Span("import {file}").Message())
	// Output:
	// pending_span import a.csv
	// import a.csv: 10 rows
}

func ExampleSpanHandle_SetLevel() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "sync")
	span.SetLevel(logfire.LevelWarn)
	span.End()
	fmt.Println(c.Span("sync").Level())
	// Output: warn
}

func ExampleSpanHandle_AddTags() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "deploy", logfire.Tags("ops"))
	span.AddTags("rollback")
	span.End()
	fmt.Println(c.Span("deploy").Value("logfire.tags"))
	// Output: [ops rollback]
}

func ExampleSpanHandle_SpanContext() {
	lf, _ := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "work")
	defer span.End()
	sc := span.SpanContext()
	fmt.Println(sc.TraceID(), sc.SpanID(), sc.IsSampled())

	var none *logfire.SpanHandle // what Span returns below the minimum level
	fmt.Println(none.SpanContext().IsValid())
	// Output:
	// 00000000000000000000000000000001 0000000000000001 true
	// false
}

func ExampleSpanHandle_OTelSpan() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	_, span := lf.Span(context.Background(), "download")
	span.OTelSpan().AddEvent("first byte")
	span.End()
	fmt.Println(c.Span("download").Events[0].Name)
	// Output: first byte
}
