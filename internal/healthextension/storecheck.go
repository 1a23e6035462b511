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
	answeredAt time.Time     // zero: no answer yet
	inFlight   chan struct{} // closed when the ping under way ends; nil when none is
	sentAt     time.Time
	pings      sync.WaitGroup
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
		c.inFlight = make(chan struct{})
		c.sentAt = now
		c.pings.Add(1)
		go c.send(c.inFlight)
	}
	done, sentAt := c.inFlight, c.sentAt
	c.mu.Unlock()

	wait := c.timeout - now.Sub(sentAt)
	if wait <= 0 {
		return c.noAnswer(now, sentAt)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.answer
	case <-timer.C:
		return c.noAnswer(c.now(), sentAt)
	case <-ctx.Done():
		return fmt.Errorf("waiting for the store: %w", ctx.Err())
	}
}

func (c *storeCheck) noAnswer(now, sentAt time.Time) error {
	return fmt.Errorf("no answer to a ping sent %s ago (store_timeout %s)", now.Sub(sentAt).Round(time.Millisecond), c.timeout)
}

func (c *storeCheck) send(done chan struct{}) {
	defer c.pings.Done()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	err := c.ping(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if took := now.Sub(c.sentAt); err == nil && took > c.timeout {
		// A late answer is no answer: the store was too busy or too far
		// to count on, even if it did answer in the end.
		err = fmt.Errorf("answered a ping only after %s (store_timeout %s)", took.Round(time.Millisecond), c.timeout)
	}
	c.answer, c.answeredAt, c.inFlight = err, now, nil
	close(done)
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
