package capture_test

import (
	"fmt"
	"sync"

	"github.com/logfire-go/sdk/internal/capture"
)

func ExampleBuffer() {
	var out capture.Buffer
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() { fmt.Fprintf(&out, "line %d\n", i) })
	}
	wg.Wait()
	fmt.Println(len(out.String()))
	// Output: 21
}

func ExampleBuffer_Take() {
	var out capture.Buffer
	fmt.Fprintln(&out, "first")
	fmt.Print(out.Take())
	fmt.Fprintln(&out, "second")
	fmt.Print(out.Take())
	fmt.Printf("%q\n", out.String())
	// Output:
	// first
	// second
	// ""
}
