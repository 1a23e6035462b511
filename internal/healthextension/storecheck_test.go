package healthextension

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newStoreCheck(clock *fakeClock, ping func(context.Context) error) *storeCheck {
	return &storeCheck{ping: ping, timeout: 100 * time.Millisecond, cacheFor: time.Second, now: clock.Now}
}

func TestStoreCheckCachesTheAnswer(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	var pings atomic.Int32
	var down atomic.Bool
	c := newStoreCheck(clock, func(context.Context) error {
		pings.Add(1)
		if down.Load() {
			return errors.New("dial tcp 127.0.0.1:9000: connect: connection refused")
		}
		return nil
	})
	ctx := context.Background()
	for range 5 {
		if err := c.check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := pings.Load(); n != 1 {
		t.Fatalf("5 probes within store_cache_for sent %d pings, want 1", n)
	}
	down.Store(true)
	clock.Advance(500 * time.Millisecond)
	if err := c.check(ctx); err != nil {
		t.Fatalf("a cached answer was not reused: %v", err)
	}
	clock.Advance(600 * time.Millisecond)
	err := c.check(ctx)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("store down: %v, want the ping's error", err)
	}
	down.Store(false)
	clock.Advance(time.Second)
	if err := c.check(ctx); err != nil {
		t.Fatalf("store back: %v", err)
	}
	if n := pings.Load(); n != 3 {
		t.Errorf("%d pings, want 3", n)
	}
}

// A store that does not answer fails the check at store_timeout, and
// probes meanwhile join the ping under way instead of sending more.
func TestStoreCheckGivesUpAtTheTimeoutWithOnePingInFlight(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	release := make(chan struct{})
	var pings atomic.Int32
	c := newStoreCheck(clock, func(context.Context) error {
		pings.Add(1)
		<-release
		return nil
	})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = c.check(context.Background()) })
	}
	start := time.Now()
	wg.Wait()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("checks took %s, want about store_timeout (100ms)", took)
	}
	for _, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "no answer to a ping") {
			t.Fatalf("stuck store: %v, want 'no answer to a ping'", err)
		}
	}
	if n := pings.Load(); n != 1 {
		t.Fatalf("%d pings in flight, want 1", n)
	}
	// Past the timeout a probe answers at once: the ping is still stuck.
	clock.Advance(time.Second)
	start = time.Now()
	if err := c.check(context.Background()); err == nil || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("probe while a ping is stuck past the timeout: %v after %s", err, time.Since(start))
	}
	// The answer comes at last, too late to count.
	close(release)
	if err := c.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.check(context.Background()); err == nil || !strings.Contains(err.Error(), "only after") {
		t.Fatalf("a late answer: %v, want it counted as a failure", err)
	}
	clock.Advance(2 * time.Second)
	if err := c.check(context.Background()); err != nil {
		t.Fatalf("a prompt answer after a late one: %v", err)
	}
}
