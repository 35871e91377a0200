// Package fnreply holds the reply of the test function in testdata/fn,
// shared by that function, which encodes it, and the lambdatest tests,
// which decode it.
package fnreply

// Reply is what the test function returns for every action but "error",
// "exit" and "panic": what it saw of its invocation and environment.
type Reply struct {
	Action       string            `json:"action"`
	Message      string            `json:"message"`
	RequestID    string            `json:"requestId"`
	FunctionARN  string            `json:"functionArn"`
	TraceID      string            `json:"traceId"`    // from the context
	EnvTraceID   string            `json:"envTraceId"` // from _X_AMZN_TRACE_ID
	DeadlineMs   int64             `json:"deadlineMs"`
	ClientCustom map[string]string `json:"clientCustom"`
	CognitoID    string            `json:"cognitoId"`
	TenantID     string            `json:"tenantId"`
	Env          map[string]string `json:"env"` // the variables the function reports
	PID          int               `json:"pid"`
}
