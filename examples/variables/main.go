// Command variables shows managed variables: typed values, here the
// configuration of a support agent (its instructions, model and
// temperature) and a retry count, that are changed in the Logfire UI
// without a deploy, rolled out to a share of the users and targeted at a
// plan.
//
//   - A variable is declared once, with its type and its default in code:
//     logfire.Var(nil, "support_agent_config", AgentConfig{…}).
//   - Get resolves it for a request: the targeting key (here the user's
//     id, set with logfire.ContextWithTargetingKey) always gets the same
//     label of a rollout, the same label the Python SDK would pick; the
//     attributes given to Get (here the plan) choose among the overrides.
//   - The label and version go onto the request's span, and, with
//     ContextWithBaggage, into the baggage that the calls made for the
//     request carry.
//
// Without LOGFIRE_API_KEY it serves the variables of variables.json, next
// to this file, with logfire.WithLocalVariables (the same JSON the Logfire
// API answers), and prints:
//
//	alice (free): production v2: gpt-4o-mini at 0.7: Be brief and friendly.
//	bob (free): candidate v3: gpt-4o at 0.3: Answer thoroughly and cite the docs.
//	carol (enterprise): candidate v3: gpt-4o at 0.3: Answer thoroughly and cite the docs.
//	frank (free): production v2: gpt-4o-mini at 0.7: Be brief and friendly.
//	max_retries: 3 (production v1)
//
// With LOGFIRE_API_KEY set to an API key of a project (with the
// project:read_variables scope), it reads the variables of that project
// from Logfire instead, and prints the defaults for those it does not
// have. With LOGFIRE_TOKEN set it also sends its spans to Logfire. It
// exits 0.
//
//	go run ./examples/variables
package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/logfire-go/sdk/logfire"
)

//go:embed variables.json
var localVariables []byte

// AgentConfig is the value of the variable support_agent_config: any type
// that encoding/json decodes into.
type AgentConfig struct {
	Instructions string  `json:"instructions"`
	Model        string  `json:"model"`
	Temperature  float64 `json:"temperature"`
}

// The variables, read through the instance Configure makes (nil).
var (
	agentConfig = logfire.Var(nil, "support_agent_config", AgentConfig{
		Instructions: "You are a helpful assistant.",
		Model:        "gpt-4o-mini",
		Temperature:  0.5,
	})
	maxRetries = logfire.Var(nil, "max_retries", 2)
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	opts := []logfire.Option{logfire.WithServiceName("examples-variables")}
	if os.Getenv("LOGFIRE_API_KEY") == "" {
		opts = append(opts, logfire.WithLocalVariables(localVariables))
	}
	lf, err := logfire.Configure(ctx, opts...)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := lf.Shutdown(sctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()

	for _, u := range []struct{ id, plan string }{
		{"alice", "free"}, {"bob", "free"}, {"carol", "enterprise"}, {"frank", "free"},
	} {
		answer(ctx, lf, out, u.id, u.plan)
	}

	retries, err := maxRetries.Get(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // the default is served
	}
	fmt.Fprintf(out, "max_retries: %d (%s)\n", retries.Value, source(retries.Label, retries.Version, retries.Reason))
	return nil
}

// source says where a value came from: a label at a version, or the
// default and why.
func source(label string, version int, reason string) string {
	if label == "" {
		return "the default: " + reason
	}
	return fmt.Sprintf("%s v%d", label, version)
}

// answer handles one user's request: it resolves the agent's
// configuration for the user and the plan, and makes the model call's span
// with it.
func answer(ctx context.Context, lf *logfire.Logfire, out io.Writer, userID, plan string) {
	ctx = logfire.ContextWithTargetingKey(ctx, userID)
	ctx, span := lf.Span(ctx, "answering {user}", "user", userID)
	defer span.End()

	agent, err := agentConfig.Get(ctx, "plan", plan)
	if err != nil {
		lf.Warn(ctx, "the agent's configuration: {error}", "error", err) // the default is served
	}
	ctx = agent.ContextWithBaggage(ctx)
	_, call := lf.Span(ctx, "calling {model}", "model", agent.Value.Model, "temperature", agent.Value.Temperature)
	call.End()

	fmt.Fprintf(out, "%s (%s): %s: %s at %.1f: %s\n", userID, plan, source(agent.Label, agent.Version, agent.Reason),
		agent.Value.Model, agent.Value.Temperature, agent.Value.Instructions)
}
