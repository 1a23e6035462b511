package healthextension

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// storeCheck tells whether the store answers a ping within timeout. An
// answer serves every probe for cacheFor, and at most one ping is under way:
// the embedded engine runs one statement at a time and cannot abandon one,
// so probes arriving while it is busy must not pile pings up behind it.
type storeCheck struct {
	ping     func(context.Context) error
	timeout  time.Duration
	cacheFor time.Duration
	now      func() time.Time

	mu         sync.Mutex
	answer     error
	answeredAt time.Time  // zero: no answer yet
	inFlight   *storePing // nil when no ping is under way
	pings      sync.WaitGroup
}

// storePing is one ping to the store, which the probes arriving while it is
// under way wait for. It carries its own answer: by the time a waiting probe
// wakes, a later ping may already have replaced c.answer.
type storePing struct {
	sentAt time.Time
	done   chan struct{} // closed once err is set
	err    error
}

// check returns nil when the store answered, else why slopipe cannot count
// on it.
func (c *storeCheck) check(ctx context.Context) error {
	c.mu.Lock()
	now := c.now()
	if !c.answeredAt.IsZero() && now.Sub(c.answeredAt) < c.cacheFor {
		err := c.answer
		c.mu.Unlock()
		return err
	}
	if c.inFlight == nil {
		c.inFlight = &storePing{sentAt: now, done: make(chan struct{})}
		c.pings.Add(1)
		go c.send(c.inFlight)
	}
	p := c.inFlight
	c.mu.Unlock()

	wait := c.timeout - now.Sub(p.sentAt)
	if wait <= 0 {
		return c.noAnswer(now, p.sentAt)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.err
	case <-timer.C:
		return c.noAnswer(c.now(), p.sentAt)
	case <-ctx.Done():
		return fmt.Errorf("waiting for the store: %w", ctx.Err())
	}
}

func (c *storeCheck) noAnswer(now, sentAt time.Time) error {
	return fmt.Errorf("no answer to a ping sent %s ago (store_timeout %s)", now.Sub(sentAt).Round(time.Millisecond), c.timeout)
}

func (c *storeCheck) send(p *storePing) {
	defer c.pings.Done()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	err := c.ping(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if took := now.Sub(p.sentAt); err == nil && took > c.timeout {
		// A late answer is no answer: the store was too busy or too far
		// to count on, even if it did answer in the end.
		err = fmt.Errorf("answered a ping only after %s (store_timeout %s)", took.Round(time.Millisecond), c.timeout)
	}
	p.err = err
	c.answer, c.answeredAt, c.inFlight = err, now, nil
	close(p.done)
}

// wait returns once no ping is under way, or when ctx ends.
func (c *storeCheck) wait(ctx context.Context) error {
	idle := make(chan struct{})
	go func() {
		c.pings.Wait()
		close(idle)
	}()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
