package otellambdaflush

import (
	"reflect"

	"github.com/aws/aws-lambda-go/lambda"
)

// enablesSIGTERM reports whether opt is (or includes) a
// lambda.WithEnableSIGTERM option.
//
// lambda.WithEnableSIGTERM registers aws-lambda-go's GoLangEnableSIGTERM
// extension whenever a handler is built with it, so Runtime must keep it
// away from the handler it builds for the user's function and give it to
// lambda.StartWithOptions only. lambda.Option is a function of an
// unexported type, so the only way to tell is to apply it to a throwaway
// handler, which has no side effect for any of aws-lambda-go's options
// (they only set fields), and look at the flag it sets. The test
// TestEnablesSIGTERM pins this against the aws-lambda-go version in
// go.mod.
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
