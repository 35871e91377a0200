//go:build linux

package e2e_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app/conf"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/aws/aws-lambda-go/events"
	"github.com/sirupsen/logrus"
)

// The local AWS of the pipeline test: goaws (a real SQS and SNS emulator
// that speaks the query protocol) holds the queues and the topic and fans
// the topic out to a queue, and a stand-in answers the AWS JSON 1.0
// protocol that the current SQS client speaks and goaws does not, by
// passing each SendMessage on to goaws in the query protocol.

const (
	pipelineAccount = "000000000000"
	pipelineRegion  = "us-east-1"
)

// goaws is goaws running in-process on 127.0.0.1.
type goaws struct {
	URL string
}

// goawsOnce guards goaws's configuration, which is global to the process.
var goawsOnce sync.Mutex

// startGoaws runs goaws with the queues and the topic, subscribed by the
// queue subscriber without raw message delivery, and stops it when the
// test ends.
func startGoaws(t *testing.T, queues []string, topic, subscriber string) *goaws {
	t.Helper()
	goawsOnce.Lock()
	t.Cleanup(goawsOnce.Unlock)
	logrus.SetLevel(logrus.WarnLevel)
	logrus.SetOutput(io.Discard)

	srv := httptest.NewServer(router.New())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "Local:\n  Host: %s\n  Port: %s\n  Region: \"\"\n  AccountId: %q\n  Queues:\n", u.Hostname(), u.Port(), pipelineAccount)
	for _, q := range queues {
		fmt.Fprintf(&yaml, "    - Name: %s\n", q)
	}
	fmt.Fprintf(&yaml, "  Topics:\n    - Name: %s\n      Subscriptions:\n        - QueueName: %s\n          Raw: false\n", topic, subscriber)
	path := filepath.Join(t.TempDir(), "goaws.yaml")
	if err := os.WriteFile(path, []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	conf.LoadYamlConfig(path, "Local")
	return &goaws{URL: srv.URL}
}

// queueURL is the URL of queue name.
func (g *goaws) queueURL(name string) string { return g.URL + "/" + pipelineAccount + "/" + name }

// topicARN is an ARN of topic name (goaws looks topics up by the ARN's
// last part).
func (g *goaws) topicARN(name string) string {
	return "arn:aws:sns:" + pipelineRegion + ":" + pipelineAccount + ":" + name
}

// query sends one query-protocol request to goaws and decodes its XML
// answer into out.
func (g *goaws) query(ctx context.Context, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("goaws %s: %s: %s", form.Get("Action"), resp.Status, body)
	}
	return xml.Unmarshal(body, out)
}

// goawsMessage is a message of goaws's ReceiveMessage answer.
type goawsMessage struct {
	MessageID         string `xml:"MessageId"`
	ReceiptHandle     string `xml:"ReceiptHandle"`
	MD5OfBody         string `xml:"MD5OfBody"`
	Body              string `xml:"Body"`
	MessageAttributes []struct {
		Name  string `xml:"Name"`
		Value struct {
			DataType    string `xml:"DataType"`
			StringValue string `xml:"StringValue"`
		} `xml:"Value"`
	} `xml:"MessageAttribute"`
}

// receive waits (long polling, at most about timeout) for want messages
// on queue and returns them as the records of the SQS event that Lambda's
// event source mapping would deliver.
func (g *goaws) receive(t *testing.T, queue string, want int, timeout time.Duration) []events.SQSMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var records []events.SQSMessage
	for len(records) < want && ctx.Err() == nil {
		var out struct {
			Messages []goawsMessage `xml:"ReceiveMessageResult>Message"`
		}
		form := url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {g.queueURL(queue)}, "WaitTimeSeconds": {"1"},
			"MaxNumberOfMessages": {"10"}, "MessageAttributeName.1": {"All"}}
		if err := g.query(ctx, form, &out); err != nil {
			if ctx.Err() != nil {
				break
			}
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			attrs := map[string]events.SQSMessageAttribute{}
			for _, a := range m.MessageAttributes {
				attrs[a.Name] = events.SQSMessageAttribute{StringValue: &a.Value.StringValue, DataType: a.Value.DataType}
			}
			records = append(records, events.SQSMessage{
				MessageId: m.MessageID, ReceiptHandle: m.ReceiptHandle, Body: m.Body, Md5OfBody: m.MD5OfBody,
				Attributes: map[string]string{"ApproximateReceiveCount": "1"}, MessageAttributes: attrs,
				EventSource: "aws:sqs", EventSourceARN: "arn:aws:sqs:" + pipelineRegion + ":" + pipelineAccount + ":" + queue, AWSRegion: pipelineRegion,
			})
		}
	}
	if len(records) != want {
		t.Fatalf("%d messages on queue %s after %v, want %d: %+v", len(records), queue, timeout, want, records)
	}
	return records
}

// startSQSJSON runs the stand-in for the AWS JSON 1.0 protocol of SQS in
// front of g: it decodes the SendMessage requests of the real client,
// passes them on to goaws, and answers with goaws's message id and MD5.
// It counts the requests it has passed on in sent.
func startSQSJSON(t *testing.T, g *goaws, sent *atomic.Int64) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, typ, msg string) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + typ, "message": msg})
		}
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" {
			fail(http.StatusBadRequest, "UnsupportedOperation", r.Header.Get("X-Amz-Target"))
			return
		}
		var in struct {
			QueueUrl          string
			MessageBody       string
			MessageAttributes map[string]struct {
				DataType    string
				StringValue string
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			fail(http.StatusBadRequest, "InvalidParameterValue", err.Error())
			return
		}
		form := url.Values{"Action": {"SendMessage"}, "QueueUrl": {in.QueueUrl}, "MessageBody": {in.MessageBody}}
		names := make([]string, 0, len(in.MessageAttributes))
		for k := range in.MessageAttributes {
			names = append(names, k)
		}
		sort.Strings(names)
		for i, k := range names {
			p := fmt.Sprintf("MessageAttribute.%d.", i+1)
			form.Set(p+"Name", k)
			form.Set(p+"Value.DataType", in.MessageAttributes[k].DataType)
			form.Set(p+"Value.StringValue", in.MessageAttributes[k].StringValue)
		}
		var out struct {
			MessageID        string `xml:"SendMessageResult>MessageId"`
			MD5OfMessageBody string `xml:"SendMessageResult>MD5OfMessageBody"`
		}
		if err := g.query(r.Context(), form, &out); err != nil {
			fail(http.StatusBadRequest, "InvalidParameterValue", err.Error())
			return
		}
		sent.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": out.MessageID, "MD5OfMessageBody": out.MD5OfMessageBody})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
