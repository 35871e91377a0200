package otellambdaflush

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/fingerprint"
)

// A handler may return an io.Reader (events.LambdaFunctionURLStreamingResponse,
// events.APIGatewayProxyStreamingResponse, or any reader that does not
// encode as a non-empty JSON object): aws-lambda-go then posts it to the
// Runtime API as it is read, in a chunked request, and Lambda streams it to
// the client. An error while reading it is sent in the
// Lambda-Runtime-Function-Error-Type and -Body trailers.
//
// aws-lambda-go only streams what a handler function returns: a
// lambda.Handler's Invoke returns bytes, which it must read to the end
// first. So Runtime.Handler gives aws-lambda-go a function (see
// outerHandler.invoke), and takes the reader from the user's function
// before aws-lambda-go's own encoding would read it (see streamable). The
// invocation span then ends when the body has been read to its end, fails,
// or is closed (see streamBody), and the flush runs once aws-lambda-go has
// posted the whole body, before it asks for the next event.

var readerType = reflect.TypeFor[io.Reader]()

// streamable wraps handler, if it is a function whose result may be an
// io.Reader that aws-lambda-go would stream, with a function of the same
// type that hands such a reader to the invocation in the context (see
// invocation.stream) instead of returning it, so that the bytes
// aws-lambda-go's encoding produces for the invocation are not the body.
// Any other handler is returned as it is.
func streamable(handler any) any {
	v := reflect.ValueOf(handler)
	if !v.IsValid() || v.Kind() != reflect.Func || v.IsNil() {
		return handler
	}
	t := v.Type()
	if t.NumOut() != 2 || t.IsVariadic() {
		return handler
	}
	if out := t.Out(0); out.Kind() != reflect.Interface && !out.Implements(readerType) {
		return handler // its result can never be a reader
	}
	zero := reflect.Zero(t.Out(0))
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		res := v.Call(args)
		if !res[1].IsNil() || len(args) == 0 {
			return res
		}
		ctx, _ := args[0].Interface().(context.Context)
		inv := invocationFrom(ctx)
		if inv == nil || res[0].Kind() == reflect.Interface && res[0].IsNil() {
			return res
		}
		r, ok := res[0].Interface().(io.Reader)
		if !ok || !streamedByLambda(r) {
			return res
		}
		inv.reader = r
		return []reflect.Value{zero, res[1]}
	}).Interface()
}

// streamedByLambda reports whether aws-lambda-go would post r as it is
// read rather than encode it as JSON: when it does not encode, or encodes
// as an empty JSON object.
func streamedByLambda(r io.Reader) bool {
	b, err := json.Marshal(r)
	return err != nil || len(b) >= 2 && b[0] == '{' && b[1] == '}'
}

// contentTyper is implemented by the readers that name their content
// type, which aws-lambda-go sends as the response's Content-Type.
type contentTyper interface{ ContentType() string }

// contentTypeBytes is aws-lambda-go's Content-Type for a response that
// names none.
const contentTypeBytes = "application/octet-stream"

// streamBody is the streamed body of an invocation's response, as
// aws-lambda-go reads it: the user's reader, with the invocation span ended
// when the body ends (read to EOF, failed, or closed) and the flush run
// when aws-lambda-go closes it, after posting it. A panic while reading is
// recorded on the span and flushed before it goes on.
type streamBody struct {
	r    io.Reader
	span trace.Span
	inv  *invocation
	// end settles the invocation with the body's error (nil at EOF),
	// marks the span with it and ends the span; flush flushes as the mode
	// says. Both run once, in that order.
	end     func(err error, rec any)
	flush   func()
	ended   sync.Once
	flushed sync.Once
	closed  atomic.Bool
}

// Read reads from the user's reader, ending the invocation at EOF or on
// an error.
func (b *streamBody) Read(p []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			b.inv.panicked.Store(true)
			b.finish(nil, r)
			b.doFlush()
			panic(r)
		}
	}()
	n, err = b.r.Read(p)
	switch {
	case err == io.EOF:
		b.finish(nil, nil)
	case err != nil:
		b.finish(err, nil)
	}
	return n, err
}

// Close ends the invocation if the body was not read to its end, closes
// the user's reader if it is an io.Closer, and flushes.
func (b *streamBody) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	var err error
	if c, ok := b.r.(io.Closer); ok {
		err = c.Close()
	}
	b.finish(nil, nil)
	b.doFlush()
	return err
}

// ContentType is the user's reader's, as aws-lambda-go would send it.
func (b *streamBody) ContentType() string {
	if ct, ok := b.r.(contentTyper); ok {
		return ct.ContentType()
	}
	return contentTypeBytes
}

func (b *streamBody) finish(err error, rec any) {
	b.ended.Do(func() { b.end(err, rec) })
}

func (b *streamBody) doFlush() {
	b.flushed.Do(b.flush)
}

// endStream stops the timeout watchdog, settles inv at the end of its
// streamed body, records err (nil at EOF, and when the body was closed
// before its end: aws-lambda-go closes it after a post that failed, and
// reports that failure itself) or the recovered panic value rec on span,
// and ends it. If the watchdog came first, the span is already ended and
// marked as timed out.
func endStream(span trace.Span, inv *invocation, stop func(), err error, rec any) {
	stop()
	if !inv.settle(outcomeReturned) {
		inv.waitTimeoutMarked()
		return
	}
	switch {
	case rec != nil:
		markPanic(span, rec)
	case err != nil:
		markFailed(span, fmt.Sprintf("%T", err), err.Error(), "", fingerprint.Here(err))
	}
	span.End()
}
