// Command c is a command: not in the snapshot.
package main

// Exported is not public.
func Exported() {}

func main() {}
