package collectordist

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/collector/client"
)

func ptr(s string) *string { return &s }

// TestHeadersSetter: each action on a header present or absent, a value
// from the request's metadata, its default, and a fixed value.
func TestHeadersSetter(t *testing.T) {
	md := client.NewMetadata(map[string][]string{"Authorization": {"app-token"}})
	ctx := client.NewContext(context.Background(), client.Info{Metadata: md})
	for _, tc := range []struct {
		name    string
		h       HeaderConfig
		present string // the header's value before, "" for absent
		want    string // after, "" for absent
	}{
		{"upsert from context, absent", HeaderConfig{Key: "Authorization", FromContext: ptr("authorization")}, "", "app-token"},
		{"upsert from context, present", HeaderConfig{Key: "Authorization", FromContext: ptr("authorization"), Action: "upsert"}, "old", "app-token"},
		{"insert keeps what is there", HeaderConfig{Key: "Authorization", FromContext: ptr("authorization"), Action: "insert"}, "old", "old"},
		{"insert sets what is absent", HeaderConfig{Key: "Authorization", FromContext: ptr("authorization"), Action: "insert"}, "", "app-token"},
		{"update leaves absent", HeaderConfig{Key: "Authorization", FromContext: ptr("authorization"), Action: "update"}, "", ""},
		{"update replaces present", HeaderConfig{Key: "Authorization", FromContext: ptr("authorization"), Action: "update"}, "old", "app-token"},
		{"delete", HeaderConfig{Key: "Authorization", Action: "delete"}, "old", ""},
		{"missing metadata, default", HeaderConfig{Key: "X-Tenant", FromContext: ptr("x-tenant"), DefaultValue: ptr("shared")}, "", "shared"},
		{"missing metadata, no default", HeaderConfig{Key: "X-Tenant", FromContext: ptr("x-tenant")}, "", ""},
		{"fixed value", HeaderConfig{Key: "X-Tenant", Value: ptr("acme")}, "", "acme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &HeadersSetterConfig{Headers: []HeaderConfig{tc.h}}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			var got http.Header
			rt, err := (&headersSetter{headers: cfg.Headers}).RoundTripper(roundTripperFunc(func(r *http.Request) (*http.Response, error) {
				got = r.Header
				return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:1/v1/traces", nil)
			if tc.present != "" {
				req.Header.Set(tc.h.Key, tc.present)
			}
			if _, err := rt.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
			if v := got.Get(tc.h.Key); v != tc.want {
				t.Errorf("%s = %q, want %q", tc.h.Key, v, tc.want)
			}
		})
	}
	for _, bad := range []HeadersSetterConfig{
		{},
		{Headers: []HeaderConfig{{FromContext: ptr("a")}}},
		{Headers: []HeaderConfig{{Key: "A"}}},
		{Headers: []HeaderConfig{{Key: "A", Value: ptr("v"), FromContext: ptr("a")}}},
		{Headers: []HeaderConfig{{Key: "A", Value: ptr("v"), Action: "append"}}},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v: valid, want an error", bad)
		}
	}
}
