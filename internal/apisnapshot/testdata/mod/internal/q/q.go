// Package q is internal: not in the snapshot.
package q

// Q is not public.
func Q() {}
