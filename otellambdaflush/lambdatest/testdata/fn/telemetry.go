package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// startTelemetry registers the internal extension fn-telemetry, with no
// events, subscribes it to the Telemetry API's platform events (25 ms
// buffering) with the first of schemas ("2022-12-13" if empty) that is
// accepted, printing "telemetry subscribe <schema>: <status> <body>" for
// each try, and appends every batch delivered to path as a line
// "<arrival, Unix ns> <JSON array>". It calls /event/next once, as an
// extension must to end INIT; the call returns only when the process ends.
func startTelemetry(client *http.Client, api, path, schemas string) {
	base := "http://" + api
	req, _ := http.NewRequest(http.MethodPost, base+"/2020-01-01/extension/register", strings.NewReader(`{"events":[]}`))
	req.Header.Set("Lambda-Extension-Name", "fn-telemetry")
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println("telemetry registration failed:", err)
		return
	}
	_ = resp.Body.Close()
	id := resp.Header.Get("Lambda-Extension-Identifier")
	if resp.StatusCode != http.StatusOK || id == "" {
		fmt.Println("telemetry registration failed:", resp.StatusCode)
		return
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("telemetry listen:", err)
		return
	}
	var mu sync.Mutex
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			at := time.Now().UnixNano()
			var line bytes.Buffer
			if err := json.Compact(&line, body); err != nil {
				line.Reset()
				line.WriteString(`"not JSON"`)
			}
			mu.Lock()
			defer mu.Unlock()
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			if err == nil {
				_, _ = fmt.Fprintf(f, "%d %s\n", at, line.Bytes())
				_ = f.Close()
			}
		}))
	}()

	if schemas == "" {
		schemas = "2022-12-13"
	}
	port := ln.Addr().(*net.TCPAddr).Port
	for _, schema := range strings.Split(schemas, ",") {
		body := fmt.Sprintf(`{"schemaVersion":%q,"types":["platform"],`+
			`"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":25},`+
			`"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:%d/telemetry"}}`, schema, port)
		req, _ := http.NewRequest(http.MethodPut, base+"/2022-07-01/telemetry", strings.NewReader(body))
		req.Header.Set("Lambda-Extension-Identifier", id)
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println("telemetry subscribe", schema+":", err)
			continue
		}
		msg, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		fmt.Printf("telemetry subscribe %s: %d %s\n", schema, resp.StatusCode, bytes.TrimSpace(msg))
		if resp.StatusCode == http.StatusOK {
			break
		}
	}
	go func() {
		req, _ := http.NewRequest(http.MethodGet, base+"/2020-01-01/extension/event/next", nil)
		req.Header.Set("Lambda-Extension-Identifier", id)
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
}
