// Package p has one exported identifier of each kind that the snapshot
// writes down.
package p

import (
	"context"
	"io"
)

// Level is a defined integer type with constants.
type Level int

// The levels.
const (
	LevelLow  Level = 1
	LevelHigh Level = 9
)

// Name is a string constant: its value is left out.
const Name = "p"

// Err is a variable.
var Err error

// Options is a struct with exported, unexported and embedded fields.
type Options struct {
	io.Writer
	Level   Level
	Tail    func(info string) float64
	private int
}

// Option is an interface with an unexported method.
type Option interface{ apply(*Options) }

// Sink is an interface with exported methods.
type Sink interface {
	Write(ctx context.Context, b []byte) (n int, err error)
	Close() error
}

// Alias is an alias.
type Alias = Options

// Pair is generic.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// Get is a method on a generic type.
func (p Pair[K, V]) Get() V { return p.Val }

// Configure has variadic parameters and two results.
func Configure(ctx context.Context, opts ...Option) (*Options, error) { return nil, nil }

// Map is a generic function.
func Map[T, U any](in []T, f func(T) U) []U { return nil }

// Set is a method with a pointer receiver.
func (o *Options) Set(l Level) {}

// String is a method with a value receiver.
func (l Level) String() string { return "" }

func (o *Options) unexported() {}

type hidden struct{}

// Hidden is exported, on an unexported type: not part of the API.
func (hidden) Hidden() {}
