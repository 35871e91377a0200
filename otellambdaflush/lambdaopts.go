package otellambdaflush

import (
	"reflect"

	"github.com/aws/aws-lambda-go/lambda"
)

// This file reads a private detail of github.com/aws/aws-lambda-go,
// written against v1.55.1 (lambdaoptsPinnedVersion): the enableSIGTERM
// field of its unexported handlerOptions, which lambda.WithEnableSIGTERM
// sets. TestLambdaOptsPinnedVersion fails when go.mod moves to another
// version, and TestEnablesSIGTERM when the field no longer tells: check
// lambda/handler.go of the new version, then move the pin.

// lambdaoptsPinnedVersion is the aws-lambda-go version this file was
// checked against.
const lambdaoptsPinnedVersion = "v1.55.1"

// enablesSIGTERM reports whether opt is (or includes) a
// lambda.WithEnableSIGTERM option.
//
// lambda.WithEnableSIGTERM registers aws-lambda-go's GoLangEnableSIGTERM
// extension whenever a handler is built with it, so Start must keep it
// away from the handler it builds for the user's function and give it to
// lambda.StartWithOptions only. lambda.Option is a function of an
// unexported type, so the only way to tell is to apply it to a throwaway
// handler, which has no side effect for any of aws-lambda-go's options
// (they only set fields), and look at the flag it sets.
func enablesSIGTERM(opt lambda.Option) bool {
	if opt == nil {
		return false
	}
	probe := reflect.ValueOf(lambda.NewHandler(nil)) // a *handlerOptions that only reports an error
	fn := reflect.ValueOf(opt)
	if probe.Kind() != reflect.Pointer || fn.Type().NumIn() != 1 || !probe.Type().AssignableTo(fn.Type().In(0)) {
		return false
	}
	fn.Call([]reflect.Value{probe})
	flag := probe.Elem().FieldByName("enableSIGTERM")
	return flag.IsValid() && flag.Kind() == reflect.Bool && flag.Bool()
}
