package logfireaws_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// sentMessage is one message of a request as the endpoint decoded it from
// the HTTP body: its String message attributes (SQS, SNS), its detail
// (EventBridge) or the client context, base64-decoded (Lambda).
type sentMessage struct {
	ID            string
	Body          string
	Attributes    map[string]string
	Detail        string
	ClientContext string
}

// sentRequest is one request the endpoint received.
type sentRequest struct {
	Operation string // "SQS.SendMessage", "SNS.Publish", …
	Header    http.Header
	Messages  []sentMessage
}

// endpoint is a local stand-in for SQS (AWS JSON 1.0), SNS (query),
// EventBridge (AWS JSON 1.1) and Lambda Invoke (REST JSON) that decodes
// the bodies the real clients send and answers as the services do. A
// request for the queue, topic, bus or function named "missing" gets the
// service's not-found error.
type endpoint struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []sentRequest
}

func newEndpoint(t *testing.T) *endpoint {
	t.Helper()
	e := &endpoint{}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

// config is an aws.Config for the endpoint: dummy static credentials, one
// attempt per call.
func (e *endpoint) config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLOGFIRETEST", SecretAccessKey: "test-secret", Source: "test"}, nil
		}),
		RetryMaxAttempts: 1,
		HTTPClient:       e.srv.Client(),
	}
}

// requests returns what the endpoint has received.
func (e *endpoint) requests() []sentRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sentRequest(nil), e.got...)
}

// only returns the one request received, failing the test if there is
// not exactly one.
func (e *endpoint) only(t *testing.T) sentRequest {
	t.Helper()
	got := e.requests()
	if len(got) != 1 {
		t.Fatalf("the endpoint received %d requests, want 1: %+v", len(got), got)
	}
	return got[0]
}

func (e *endpoint) record(r sentRequest) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, r)
}

func (e *endpoint) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "AmazonSQS."):
		e.sqs(w, r, strings.TrimPrefix(target, "AmazonSQS."), body)
	case strings.HasPrefix(target, "AWSEvents."):
		e.eventBridge(w, r, strings.TrimPrefix(target, "AWSEvents."), body)
	case strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/"):
		e.lambda(w, r)
	default:
		e.sns(w, r, body)
	}
}

// sqsAttribute is a message attribute of the SQS JSON protocol.
type sqsAttribute struct {
	DataType    string
	StringValue *string
}

func stringAttributes(in map[string]sqsAttribute) map[string]string {
	out := map[string]string{}
	for k, a := range in {
		if a.StringValue != nil && strings.HasPrefix(a.DataType, "String") {
			out[k] = *a.StringValue
		}
	}
	return out
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-RequestId", "req-1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (e *endpoint) sqs(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	const ct = "application/x-amz-json-1.0"
	var in struct {
		QueueUrl          string
		MessageBody       string
		MessageAttributes map[string]sqsAttribute
		Entries           []struct {
			Id                string
			MessageBody       string
			MessageAttributes map[string]sqsAttribute
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeJSON(w, ct, http.StatusBadRequest, map[string]string{"__type": "com.amazonaws.sqs#InvalidParameterValue", "message": err.Error()})
		return
	}
	if strings.HasSuffix(in.QueueUrl, "/missing") {
		w.Header().Set("X-Amzn-Query-Error", "AWS.SimpleQueueService.NonExistentQueue;Sender")
		writeJSON(w, ct, http.StatusBadRequest, map[string]string{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "The specified queue does not exist."})
		return
	}
	req := sentRequest{Operation: "SQS." + op, Header: r.Header}
	switch op {
	case "SendMessage":
		req.Messages = []sentMessage{{ID: "m-1", Body: in.MessageBody, Attributes: stringAttributes(in.MessageAttributes)}}
		e.record(req)
		writeJSON(w, ct, http.StatusOK, map[string]string{"MessageId": "m-1", "MD5OfMessageBody": md5Hex(in.MessageBody)})
	case "SendMessageBatch":
		var ok []map[string]string
		for i, m := range in.Entries {
			id := fmt.Sprintf("m-%d", i+1)
			req.Messages = append(req.Messages, sentMessage{ID: id, Body: m.MessageBody, Attributes: stringAttributes(m.MessageAttributes)})
			ok = append(ok, map[string]string{"Id": m.Id, "MessageId": id, "MD5OfMessageBody": md5Hex(m.MessageBody)})
		}
		e.record(req)
		writeJSON(w, ct, http.StatusOK, map[string]any{"Successful": ok, "Failed": []any{}})
	default:
		writeJSON(w, ct, http.StatusBadRequest, map[string]string{"__type": "com.amazonaws.sqs#UnsupportedOperation", "message": op})
	}
}

func (e *endpoint) eventBridge(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	const ct = "application/x-amz-json-1.1"
	var in struct {
		Entries []struct {
			Detail       string
			EventBusName string
		}
	}
	if op != "PutEvents" || json.Unmarshal(body, &in) != nil {
		writeJSON(w, ct, http.StatusBadRequest, map[string]string{"__type": "ValidationException", "message": "bad request"})
		return
	}
	req := sentRequest{Operation: "EventBridge." + op, Header: r.Header}
	var entries []map[string]string
	for i, en := range in.Entries {
		id := fmt.Sprintf("e-%d", i+1)
		req.Messages = append(req.Messages, sentMessage{ID: id, Detail: en.Detail})
		entries = append(entries, map[string]string{"EventId": id})
	}
	e.record(req)
	writeJSON(w, ct, http.StatusOK, map[string]any{"FailedEntryCount": 0, "Entries": entries})
}

func (e *endpoint) lambda(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/invocations") {
		writeJSON(w, "application/json", http.StatusNotFound, map[string]string{"Type": "User", "message": "not found"})
		return
	}
	cc := ""
	if h := r.Header.Get("X-Amz-Client-Context"); h != "" {
		raw, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			writeJSON(w, "application/json", http.StatusBadRequest, map[string]string{"Type": "User", "message": "client context: " + err.Error()})
			return
		}
		cc = string(raw)
	}
	e.record(sentRequest{Operation: "Lambda.Invoke", Header: r.Header, Messages: []sentMessage{{ClientContext: cc}}})
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	writeJSON(w, "application/json", http.StatusOK, map[string]bool{"ok": true})
}

// snsEntry matches the query protocol's indexed members, e.g.
// MessageAttributes.entry.2.Value.StringValue or
// PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name.
var snsEntry = regexp.MustCompile(`^(?:PublishBatchRequestEntries\.member\.(\d+)\.)?MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue)$`)

func (e *endpoint) sns(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("Action") == "" {
		http.Error(w, "not a query request", http.StatusBadRequest)
		return
	}
	op := form.Get("Action")
	if strings.HasSuffix(form.Get("TopicArn"), ":missing") {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`)
		return
	}
	// batch member ("" for Publish) → attribute entry → its fields
	type attr struct{ name, typ, value string }
	byMember := map[string]map[string]*attr{}
	for k, vs := range form {
		m := snsEntry.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		member, entry := m[1], m[2]
		if byMember[member] == nil {
			byMember[member] = map[string]*attr{}
		}
		a := byMember[member][entry]
		if a == nil {
			a = &attr{}
			byMember[member][entry] = a
		}
		switch m[3] {
		case "Name":
			a.name = vs[0]
		case "Value.DataType":
			a.typ = vs[0]
		case "Value.StringValue":
			a.value = vs[0]
		}
	}
	attributes := func(member string) map[string]string {
		out := map[string]string{}
		for _, a := range byMember[member] {
			if strings.HasPrefix(a.typ, "String") {
				out[a.name] = a.value
			}
		}
		return out
	}
	req := sentRequest{Operation: "SNS." + op, Header: r.Header}
	var result string
	switch op {
	case "Publish":
		req.Messages = []sentMessage{{ID: "n-1", Body: form.Get("Message"), Attributes: attributes("")}}
		result = "<MessageId>n-1</MessageId>"
	case "PublishBatch":
		var ids []int
		for k := range form {
			var n int
			if _, err := fmt.Sscanf(k, "PublishBatchRequestEntries.member.%d.Id", &n); err == nil {
				ids = append(ids, n)
			}
		}
		sort.Ints(ids)
		result = "<Successful>"
		for _, n := range ids {
			id := fmt.Sprintf("n-%d", n)
			req.Messages = append(req.Messages, sentMessage{ID: id, Body: form.Get(fmt.Sprintf("PublishBatchRequestEntries.member.%d.Message", n)), Attributes: attributes(fmt.Sprint(n))})
			result += fmt.Sprintf("<member><Id>%s</Id><MessageId>%s</MessageId></member>", form.Get(fmt.Sprintf("PublishBatchRequestEntries.member.%d.Id", n)), id)
		}
		result += "</Successful><Failed></Failed>"
	default:
		http.Error(w, "unsupported "+op, http.StatusBadRequest)
		return
	}
	e.record(req)
	w.Header().Set("Content-Type", "text/xml")
	_, _ = fmt.Fprintf(w, `<%[1]sResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><%[1]sResult>%[2]s</%[1]sResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></%[1]sResponse>`, op, result)
}
