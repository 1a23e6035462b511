package tenantprocessor

import (
	"hash/maphash"
	"math"
	"math/bits"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// A series is identified by a 64-bit hash of its resource attributes, scope
// name, metric name and data point attributes, computed in place: building
// the identity as a string would allocate per data point. Attribute sets
// hash the same whatever order the client sent them in. The keys are random
// per process (hashes never leave memory), so clients cannot aim for
// collisions; at 64 bits an accidental collision among even millions of
// series is negligible, and its only effect is one series counted as another.

// seriesHasher holds the process's hash keys.
type seriesHasher struct {
	seed   maphash.Seed
	k1, k2 uint64
}

func newSeriesHasher() seriesHasher {
	seed := maphash.MakeSeed()
	return seriesHasher{seed: seed, k1: maphash.String(seed, "k1") | 1, k2: maphash.String(seed, "k2") | 1}
}

// combine hashes an ordered pair of 64-bit values: the folded 128-bit
// product of both, each first mixed with a secret key (wyhash's mum). It is
// a few cycles, against tens for hashing the 16 bytes with maphash, and it
// runs a few times per attribute of every data point. The keys keep a
// client from choosing values that zero a factor.
func (h *seriesHasher) combine(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^h.k1, b^h.k2)
	return hi ^ lo
}

func (h *seriesHasher) str(s string) uint64 { return maphash.String(h.seed, s) }

func (h *seriesHasher) base(resource uint64, scope, metric string) uint64 {
	return h.combine(h.combine(resource, h.str(scope)), h.str(metric))
}

// attrs is order-independent: the sum of each key/value pair's hash.
func (h *seriesHasher) attrs(m pcommon.Map) uint64 {
	sum := uint64(m.Len())
	m.Range(func(k string, v pcommon.Value) bool {
		sum += h.combine(h.str(k), h.value(v))
		return true
	})
	return sum
}

// value tags every non-string value with its type, so that "1", 1, 1.0
// and true are different series.
func (h *seriesHasher) value(v pcommon.Value) uint64 {
	t := uint64(v.Type())
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return h.str(v.Str())
	case pcommon.ValueTypeInt:
		return h.combine(t, uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		return h.combine(t, math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return h.combine(t, 1)
		}
		return h.combine(t, 0)
	case pcommon.ValueTypeBytes:
		// Streamed byte by byte: AsRaw would copy the value. Rare enough
		// that the slower path does not matter.
		var mh maphash.Hash
		mh.SetSeed(h.seed)
		b := v.Bytes()
		for i := 0; i < b.Len(); i++ {
			mh.WriteByte(b.At(i))
		}
		return h.combine(t, mh.Sum64())
	case pcommon.ValueTypeMap:
		return h.combine(t, h.attrs(v.Map()))
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		acc := h.combine(t, uint64(s.Len()))
		for i := 0; i < s.Len(); i++ {
			acc = h.combine(acc, h.value(s.At(i)))
		}
		return acc
	}
	return h.combine(t, 0) // empty
}

// pointScan walks a metric's data points for one tenant portion: it counts
// them, checks their attribute count and, if the tenant has a series limit,
// collects their series hashes.
type pointScan struct {
	hash     *seriesHasher
	po       *portion
	base     uint64 // hash of resource, scope name and metric name
	track    bool
	maxAttrs int
	bad      int // index of the first data point over maxAttrs, or -1
	badLen   int
}

type attributed interface{ Attributes() pcommon.Map }

type pointSlice[T attributed] interface {
	Len() int
	At(int) T
}

func scanPoints[T attributed, S pointSlice[T]](sc *pointScan, points S) {
	n := points.Len()
	sc.po.items += n
	if !sc.track && sc.maxAttrs <= 0 {
		return
	}
	for i := 0; i < n; i++ {
		attrs := points.At(i).Attributes()
		if sc.maxAttrs > 0 {
			if l := attrs.Len(); l > sc.maxAttrs {
				sc.bad, sc.badLen = i, l
				return
			}
		}
		if sc.track {
			sc.po.hashes = append(sc.po.hashes, sc.hash.combine(sc.base, sc.hash.attrs(attrs)))
		}
	}
}
