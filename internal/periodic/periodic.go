// Package periodic runs a component's background work — reloading a file,
// flushing counts, sweeping state — at fixed intervals until the component
// shuts down.
package periodic

import (
	"sync"
	"time"
)

// Loops are the periodic jobs of one component. The zero value is ready.
type Loops struct {
	mu      sync.Mutex
	stop    chan struct{}
	stopped bool
	wg      sync.WaitGroup
}

// Every runs fn every d, in its own goroutine, until Stop; runs of one job
// never overlap. After Stop it does nothing.
func (l *Loops) Every(d time.Duration, fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return
	}
	if l.stop == nil {
		l.stop = make(chan struct{})
	}
	stop := l.stop
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fn()
			}
		}
	}()
}

// Stop ends every job and waits for runs in progress; calling it again
// does nothing.
func (l *Loops) Stop() {
	l.mu.Lock()
	if !l.stopped {
		l.stopped = true
		if l.stop != nil {
			close(l.stop)
		}
	}
	l.mu.Unlock()
	l.wg.Wait()
}
