package periodic

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestEveryRunsUntilStop(t *testing.T) {
	var l Loops
	var runs atomic.Int64
	l.Every(5*time.Millisecond, func() { runs.Add(1) })
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the job did not run")
		}
		time.Sleep(time.Millisecond)
	}
	l.Stop()
	after := runs.Load()
	time.Sleep(30 * time.Millisecond)
	if runs.Load() != after {
		t.Errorf("the job ran after Stop returned")
	}
	l.Stop() // again: nothing
	l.Every(time.Millisecond, func() { runs.Add(1) })
	time.Sleep(20 * time.Millisecond)
	if runs.Load() != after {
		t.Errorf("a job added after Stop ran")
	}
}

func TestStopWithoutJobs(t *testing.T) {
	var l Loops
	l.Stop()
}
