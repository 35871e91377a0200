// Command telemetryprobe is a Lambda function that records what a Lambda
// environment offers an internal extension that subscribes to the
// Telemetry API. It prints one line per observation on its standard
// output: "probe " and a JSON object (see note).
//
// During INIT it registers an internal extension "telemetryprobe" for
// INVOKE; where that is refused it registers one with no events. It asks
// for the extension's next event in the background (Lambda ends INIT only
// once every registered extension has asked). It subscribes to the
// platform telemetry with each schema version in PROBE_SCHEMAS
// (comma-separated), in order, with the smallest buffering Lambda allows,
// to an HTTP listener on 127.0.0.1, and prints every batch the listener
// receives. During the first invocation it subscribes once more.
//
// An invocation sleeps the event's sleepMs, then answers "ok", or fails
// if the event has "fail": true.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

var (
	api    = "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API")
	client = &http.Client{Timeout: 10 * time.Second}
	outMu  sync.Mutex
)

// Observation is one line of the probe's output.
type Observation struct {
	// Kind is "register", "subscribe", "event" or "batch".
	Kind string `json:"kind"`
	// Request is the registration's or subscription's body.
	Request string `json:"request,omitempty"`
	// When is "init" or "invoke" for a subscription.
	When string `json:"when,omitempty"`
	// Status and Body are the API's answer; for a batch, Body is what the
	// listener received, at Path with ContentType.
	Status      int    `json:"status,omitempty"`
	Body        string `json:"body"`
	Path        string `json:"path,omitempty"`
	ContentType string `json:"contentType,omitempty"`
}

// note prints o as a line "probe {json}".
func note(o Observation) {
	b, _ := json.Marshal(o)
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Printf("probe %s\n", b)
}

func call(method, url, body string, header map[string]string) (int, string, http.Header) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, err.Error(), nil
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error(), nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(bytes.TrimSpace(b)), resp.Header
}

// register registers the internal extension for events and returns its
// identifier, "" if refused.
func register(events string) string {
	reg := `{"events":` + events + `}`
	status, body, header := call(http.MethodPost, api+"/2020-01-01/extension/register", reg,
		map[string]string{"Lambda-Extension-Name": "telemetryprobe"})
	note(Observation{Kind: "register", Request: reg, Status: status, Body: body})
	if status != http.StatusOK {
		return ""
	}
	return header.Get("Lambda-Extension-Identifier")
}

// event is what an invocation does: sleep SleepMs, then fail if Fail.
type event struct {
	SleepMs int  `json:"sleepMs"`
	Fail    bool `json:"fail"`
}

func main() {
	id := register(`["INVOKE"]`)
	if id == "" {
		id = register(`[]`)
	}
	if id != "" {
		go func() {
			for {
				status, body, _ := call(http.MethodGet, api+"/2020-01-01/extension/event/next", "",
					map[string]string{"Lambda-Extension-Identifier": id})
				note(Observation{Kind: "event", Status: status, Body: body})
				if status != http.StatusOK {
					return
				}
			}
		}()
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		note(Observation{Kind: "batch", Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: string(b)})
	}))

	subscribe := func(when, schema string) {
		sub := fmt.Sprintf(`{"schemaVersion":%q,"types":["platform"],"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":25},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:%d/telemetry"}}`, schema, port)
		status, body, _ := call(http.MethodPut, api+"/2022-07-01/telemetry", sub,
			map[string]string{"Lambda-Extension-Identifier": id, "Content-Type": "application/json"})
		note(Observation{Kind: "subscribe", When: when, Request: sub, Status: status, Body: body})
	}
	schemas := strings.Split(os.Getenv("PROBE_SCHEMAS"), ",")
	for _, s := range schemas {
		subscribe("init", s)
	}

	var once sync.Once
	lambda.StartWithOptions(func(ctx context.Context, ev event) (string, error) {
		once.Do(func() { subscribe("invoke", schemas[len(schemas)-1]) })
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
		if ev.Fail {
			return "", errors.New("failed on purpose")
		}
		return "ok", nil
	}, lambda.WithEnableSIGTERM(func() {}))
}
