//go:build linux

package rie

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

const (
	// unavailable is the Error-Type of the Managed Instances mode's
	// answer when every runtime worker is busy.
	unavailable = "Runtime.Unavailable"
	// maxRefusals and refusedWait bound Invoke's retries (5 s).
	maxRefusals = 500
	refusedWait = 10 * time.Millisecond
)

// Response is the emulator's answer to one invocation.
type Response struct {
	// StatusCode and Header are the HTTP answer's. Header has Error-Type
	// when the emulator reports an error of its own (a timeout, a crash,
	// Runtime.Unavailable) and, in the Managed Instances mode,
	// Lambda-Runtime-Function-Response-Mode ("buffered" or "streaming").
	StatusCode int
	Header     http.Header
	// Body is the whole body: the function's response or error document.
	Body []byte
	// Sent is when the request was sent, FirstByte when the answer's
	// first byte arrived (its headers), Done when its body had been read.
	Sent, FirstByte, Done time.Time
	// Refused counts the times the Managed Instances mode refused the
	// invocation with Runtime.Unavailable before it took it.
	Refused int
}

// ErrorType returns the Error-Type header, "" if none.
func (r *Response) ErrorType() string {
	return r.Header.Get("Error-Type")
}

// Invoke invokes the function with payload and returns the emulator's
// answer, which comes once the function has answered and, in the classic
// mode, once every extension has asked for its next event.
//
// The Managed Instances mode refuses an invocation at once with
// Runtime.Unavailable when all of its runtime workers are busy, or have
// not asked for the next invocation yet, where Lambda would route it to
// another execution environment. Invoke then tries again every 10 ms, up
// to 500 times, and counts the refusals in Response.Refused.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (*Response, error) {
	refused := 0
	for {
		r, err := e.invokeOnce(ctx, payload)
		if err != nil || r.ErrorType() != unavailable || refused >= maxRefusals {
			if r != nil {
				r.Refused = refused
			}
			return r, err
		}
		refused++
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("rie: invocation refused %d times (%s): %w", refused, unavailable, ctx.Err())
		case <-time.After(refusedWait):
		}
	}
}

func (e *Emulator) invokeOnce(ctx context.Context, payload []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL(), bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	r := &Response{Sent: time.Now()}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rie: invoke: %w", err)
	}
	defer resp.Body.Close()
	r.FirstByte = time.Now()
	r.StatusCode, r.Header = resp.StatusCode, resp.Header
	r.Body, err = io.ReadAll(resp.Body)
	r.Done = time.Now()
	if err != nil {
		return r, fmt.Errorf("rie: reading the answer: %w", err)
	}
	return r, nil
}
