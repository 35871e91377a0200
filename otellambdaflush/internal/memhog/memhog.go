// Package memhog makes the test functions of otellambdaflush and
// lambdatest use memory, to run into a Lambda function's memory size.
package memhog

// held keeps what Allocate allocated reachable.
var held [][]byte

// Allocate allocates mb megabytes, writes to every page of them, so that
// they are resident, and keeps them for the life of the process.
func Allocate(mb int) {
	for range mb {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		held = append(held, b)
	}
}
