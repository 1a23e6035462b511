package tenantprocessor

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// tenantState is everything kept per tenant. Its mutex is the only lock a
// request takes for its tenant, so tenants never wait on each other.
type tenantState struct {
	name string

	mu sync.Mutex
	// evicted is set, under mu, when the sweeper drops an idle state; a
	// request holding a stale pointer looks the tenant up again.
	evicted  bool
	lastSeen int64 // unix nanos of the last accepted request

	// Token bucket. Hand-rolled rather than golang.org/x/time/rate because
	// a request spanning tenants must check every bucket before taking from
	// any, and the check has to be repeatable at one instant.
	tokens   float64
	lastFill int64 // unix nanos; 0 = never filled

	// series maps a series hash to the unix nanos it was last seen.
	series map[uint64]int64
	// oldestSeen is at most the smallest value in series, so that
	// "nothing can have expired yet" is known without a scan.
	oldestSeen int64

	usage     [numSignals]usageAcc
	usageDone []usageRow

	// accepted holds the accepted-items counter's options per signal, built
	// once so that counting costs no allocation per request.
	accepted [numSignals][]metric.AddOption
}

func newTenantState(name string) *tenantState {
	st := &tenantState{name: name, oldestSeen: math.MaxInt64}
	for s := range numSignals {
		set := attribute.NewSet(attribute.String("tenant", name), attribute.String("signal", signal(s).String()))
		st.accepted[s] = []metric.AddOption{metric.WithAttributeSet(set)}
	}
	return st
}

// fill brings the bucket up to now. A bucket never seen, or seen while the
// tenant had no rate limit, starts full.
func (st *tenantState) fill(now int64, l *Limits) {
	burst := float64(l.Burst)
	if st.lastFill == 0 {
		st.tokens = burst
	} else if now > st.lastFill {
		st.tokens += float64(now-st.lastFill) / 1e9 * l.Rate
	}
	// Also clamps after an override lowered the burst.
	st.tokens = min(st.tokens, burst)
	if now > st.lastFill {
		st.lastFill = now
	}
}

// rateWait is how long until the bucket holds n tokens; 0 means it does now.
// It only fills, never takes, so every tenant of a request can be checked
// before any is charged.
func (st *tenantState) rateWait(now int64, l *Limits, n int) time.Duration {
	st.fill(now, l)
	missing := float64(n) - st.tokens
	if missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing / l.Rate * 1e9))
}

// newSeries counts the distinct series among hashes that are not active at
// now. scratch is reused storage; it is returned for the next call.
func (st *tenantState) newSeries(now, window int64, hashes []uint64, scratch []uint64) (int, []uint64) {
	scratch = scratch[:0]
	for _, h := range hashes {
		if last, ok := st.series[h]; !ok || now-last > window {
			scratch = append(scratch, h)
		}
	}
	if len(scratch) < 2 {
		return len(scratch), scratch
	}
	slices.Sort(scratch)
	return len(slices.Compact(scratch)), scratch
}

// sweepSeries drops series not seen within the window and recomputes
// oldestSeen exactly.
func (st *tenantState) sweepSeries(now, window int64) {
	if now-st.oldestSeen <= window {
		return
	}
	oldest := int64(math.MaxInt64)
	for h, last := range st.series {
		if now-last > window {
			delete(st.series, h)
		} else if last < oldest {
			oldest = last
		}
	}
	st.oldestSeen = oldest
}

func (st *tenantState) touchSeries(now int64, hashes []uint64) {
	if len(hashes) == 0 {
		return
	}
	if st.series == nil {
		st.series = make(map[uint64]int64, len(hashes))
	}
	for _, h := range hashes {
		st.series[h] = now
	}
	st.oldestSeen = min(st.oldestSeen, now)
}

// idle reports whether dropping the state loses nothing: no active series,
// no usage waiting for a flush, and a bucket that would be full anyway.
func (st *tenantState) idle(now, window int64, l *Limits) bool {
	if now-st.lastSeen <= window || len(st.series) > 0 || len(st.usageDone) > 0 {
		return false
	}
	for _, u := range st.usage {
		if u.items != 0 || u.bytes != 0 {
			return false
		}
	}
	if l.Rate > 0 && st.lastFill != 0 {
		st.fill(now, l)
		if st.tokens < float64(l.Burst) {
			return false
		}
	}
	return true
}

// tenantShards is the tenant map, split so that looking up one tenant
// contends only with lookups in the same shard, and only on a read lock.
type tenantShards struct {
	seed   maphash.Seed
	shards [64]tenantShard
}

type tenantShard struct {
	mu sync.RWMutex
	m  map[string]*tenantState
	// Pads the shard to 64 bytes: neighbouring shards' locks stay off one
	// cache line.
	_ [32]byte
}

func newTenantShards() *tenantShards {
	t := &tenantShards{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].m = map[string]*tenantState{}
	}
	return t
}

func (t *tenantShards) shard(name string) *tenantShard {
	return &t.shards[maphash.String(t.seed, name)%uint64(len(t.shards))]
}

// get returns the tenant's state, creating it on first sight.
func (t *tenantShards) get(name string) *tenantState {
	sh := t.shard(name)
	sh.mu.RLock()
	st := sh.m[name]
	sh.mu.RUnlock()
	if st != nil {
		return st
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if st = sh.m[name]; st == nil {
		// The name may point into the request's buffer; the map must not
		// keep that buffer alive.
		name = strings.Clone(name)
		st = newTenantState(name)
		sh.m[name] = st
	}
	return st
}

// lock returns the tenant's live state, locked.
func (t *tenantShards) lock(name string) *tenantState {
	for {
		st := t.get(name)
		st.mu.Lock()
		if !st.evicted {
			return st
		}
		st.mu.Unlock()
	}
}

// each calls fn for every tenant, locked, one at a time; fn returns true to
// drop the tenant. TryLock keeps the sweeper from waiting on (or deadlocking
// with) a request that holds a tenant lock while looking up another tenant
// in this shard: a busy tenant is not idle anyway.
func (t *tenantShards) each(fn func(st *tenantState) (drop bool)) {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for name, st := range sh.m {
			if !st.mu.TryLock() {
				continue
			}
			if fn(st) {
				st.evicted = true
				delete(sh.m, name)
			}
			st.mu.Unlock()
		}
		sh.mu.Unlock()
	}
}

// snapshot lists the current tenants, for passes that lock each tenant in
// turn without holding a shard lock.
func (t *tenantShards) snapshot(dst []*tenantState) []*tenantState {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.RLock()
		for _, st := range sh.m {
			dst = append(dst, st)
		}
		sh.mu.RUnlock()
	}
	return dst
}
