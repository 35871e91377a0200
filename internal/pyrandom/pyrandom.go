// Package pyrandom reproduces the parts of CPython's random module that
// the Python SDK's managed variables use to pick a rollout label for a
// targeting key, so that a key lands in the same label in Go as in
// Python:
//
//	random.Random(seed).choices(population, weights)[0]
//
// with seed a str. That is the Mersenne Twister (MT19937) seeded the way
// random.seed seeds it from a str (version 2: the UTF-8 bytes followed by
// their SHA-512, read as one big-endian integer and given to
// init_by_array in 32-bit words, least significant first), random() (53
// bits from two outputs), choices (cumulative weights, bisect_right) and
// repr of a str, which builds the seed.
package pyrandom

import (
	"crypto/sha512"
	"encoding/binary"
	"math"
)

// MT19937 parameters, as in CPython's Modules/_randommodule.c.
const (
	n         = 624
	m         = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// Rand is a Mersenne Twister in the state random.Random(seed) leaves it.
// It is not safe for concurrent use.
type Rand struct {
	mt  [n]uint32
	idx int
}

// New returns the generator of random.Random(seed) for a str seed.
func New(seed string) *Rand {
	b := []byte(seed)
	sum := sha512.Sum512(b)
	b = append(b, sum[:]...)
	// The integer is b read big-endian; leading zero bytes do not count.
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	// Its 32-bit words, least significant first.
	words := (len(b) + 3) / 4
	key := make([]uint32, max(words, 1))
	for i := range words {
		end := len(b) - 4*i
		start := max(end-4, 0)
		var w [4]byte
		copy(w[4-(end-start):], b[start:end])
		key[i] = binary.BigEndian.Uint32(w[:])
	}
	r := &Rand{}
	r.initByArray(key)
	return r
}

func (r *Rand) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < n; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = n
}

func (r *Rand) initByArray(key []uint32) {
	mt := &r.mt
	r.initGenrand(19650218)
	i, j := 1, 0
	for k := max(n, len(key)); k > 0; k-- {
		mt[i] = (mt[i] ^ ((mt[i-1] ^ (mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= n {
			mt[0] = mt[n-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k := n - 1; k > 0; k-- {
		mt[i] = (mt[i] ^ ((mt[i-1] ^ (mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= n {
			mt[0] = mt[n-1]
			i = 1
		}
	}
	mt[0] = 0x80000000
}

// Uint32 is genrand_uint32.
func (r *Rand) Uint32() uint32 {
	mt := &r.mt
	if r.idx >= n {
		var kk int
		for kk = 0; kk < n-m; kk++ {
			y := (mt[kk] & upperMask) | (mt[kk+1] & lowerMask)
			mt[kk] = mt[kk+m] ^ (y >> 1) ^ (y&1)*matrixA
		}
		for ; kk < n-1; kk++ {
			y := (mt[kk] & upperMask) | (mt[kk+1] & lowerMask)
			mt[kk] = mt[kk+(m-n)] ^ (y >> 1) ^ (y&1)*matrixA
		}
		y := (mt[n-1] & upperMask) | (mt[0] & lowerMask)
		mt[n-1] = mt[m-1] ^ (y >> 1) ^ (y&1)*matrixA
		r.idx = 0
	}
	y := mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// Float64 is random.random(): a float in [0, 1) with 53 random bits.
func (r *Rand) Float64() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(b)) * (1.0 / 9007199254740992.0)
}

// Pick is choices(population, weights)[0] for a population of
// len(weights), given u, the random() the generator returns next (the
// Float64 of the seeded Rand, or any uniform number in [0, 1) for an
// unseeded one): the index it picks. The weights are added up in order,
// as itertools.accumulate does; it returns -1 if their total is not a
// positive finite number (where Python raises ValueError).
func Pick(weights []float64, u float64) int {
	if len(weights) == 0 {
		return -1
	}
	cum := make([]float64, len(weights))
	total := 0.0
	for i, w := range weights {
		total += w
		cum[i] = total
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return -1
	}
	x := u * total
	// bisect_right(cum, x, 0, len-1)
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if x < cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// Sum is the builtin sum() of floats, starting from the int 0, as CPython
// 3.12 and later compute it: Neumaier's compensated summation.
func Sum(xs []float64) float64 {
	sum, c := 0.0, 0.0
	for _, x := range xs {
		t := sum + x
		if math.Abs(sum) >= math.Abs(x) {
			c += (sum - t) + x
		} else {
			c += (x - t) + sum
		}
		sum = t
	}
	if c != 0 && !math.IsInf(c, 0) && !math.IsNaN(c) {
		sum += c
	}
	return sum
}
