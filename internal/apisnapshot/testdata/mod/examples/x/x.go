// Package x is an example: not in the snapshot.
package x

// X is not public.
func X() {}
