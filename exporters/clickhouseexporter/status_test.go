package clickhouseexporter

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
)

// reportingHost is the collector's host as a component gets it: the
// extensions, and a place to report the component's status.
type reportingHost struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *reportingHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *reportingHost) reported() []*componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*componentstatus.Event(nil), h.events...)
}

// stuckStore holds every insert until released, as a store that stopped
// answering would, and signals entered at the first one.
type stuckStore struct {
	store.Store
	release chan struct{}
	entered chan struct{} // buffered, capacity 1
}

func (s *stuckStore) Insert(ctx context.Context, b *store.Batch) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-s.release
	return s.Store.Insert(ctx, b)
}

// frozenClock is a clock that moves only when the test moves it.
type frozenClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *frozenClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *frozenClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func oneLog(tenant string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("tenant.id", tenant)
	rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("queued")
	return ld
}

// A full sending queue is reported as a recoverable error wrapping
// exporterhelper.ErrQueueIsFull, again every refusalReportEvery while it
// refuses, and the next request it takes as OK.
func TestAFullQueueIsReportedAsTheExportersStatusUntilItTakesDataAgain(t *testing.T) {
	ctx := context.Background()
	cfg := createDefaultConfig().(*Config)
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.QueueSize = 1
	queue.NumConsumers = 1
	queue.Batch = configoptional.None[exporterhelper.BatchConfig]()
	cfg.QueueConfig = configoptional.Some(queue)
	cfg.BackOffConfig.Enabled = false

	stuck := &stuckStore{Store: testStore, release: make(chan struct{}), entered: make(chan struct{}, 1)}
	host := &reportingHost{Host: storeextensiontest.NewHost(stuck)}
	exp, err := NewFactory().CreateLogs(ctx, exportertest.NewNopSettings(Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := &frozenClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	exp.(*logsRefusingWhenFull).queue.now = clock.Now
	if err := exp.Start(ctx, host); err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			close(stuck.release)
		}
		exp.Shutdown(ctx)
	}()

	// The single consumer takes the first request and waits in the store;
	// from then on nothing leaves the queue, so it fills and refuses.
	if err := exp.ConsumeLogs(ctx, oneLog("queue-status")); err != nil {
		t.Fatalf("an empty queue refused: %v", err)
	}
	select {
	case <-stuck.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the consumer never reached the store")
	}
	var refusal error
	for taken := int64(0); refusal == nil; taken++ {
		if taken > queue.QueueSize {
			t.Fatalf("the queue took %d requests beside the one in the store, its size is %d", taken, queue.QueueSize)
		}
		refusal = exp.ConsumeLogs(ctx, oneLog("queue-status"))
	}
	if st, ok := status.FromError(refusal); !ok || st.Code() != codes.Unavailable {
		t.Fatalf("a full queue answered %v, want gRPC UNAVAILABLE", refusal)
	}
	if err := exp.ConsumeLogs(ctx, oneLog("queue-status")); err == nil {
		t.Fatal("the queue took a request while the store held every insert")
	}
	events := host.reported()
	if len(events) != 1 {
		t.Fatalf("after two refusals: %d events reported, want exactly 1: %v", len(events), statuses(events))
	}
	if events[0].Status() != componentstatus.StatusRecoverableError || !errors.Is(events[0].Err(), exporterhelper.ErrQueueIsFull) {
		t.Fatalf("reported %v (%v), want a recoverable error wrapping ErrQueueIsFull", events[0].Status(), events[0].Err())
	}
	clock.Advance(refusalReportEvery)
	if err := exp.ConsumeLogs(ctx, oneLog("queue-status")); err == nil {
		t.Fatal("the queue took a request while the store held every insert")
	}
	if events = host.reported(); len(events) != 2 || events[1].Status() != componentstatus.StatusRecoverableError {
		t.Fatalf("a refusal %s after the first: %v, want it reported again", refusalReportEvery, statuses(events))
	}

	close(stuck.release)
	released = true
	deadline := time.Now().Add(10 * time.Second)
	for exp.ConsumeLogs(ctx, oneLog("queue-status")) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the queue never took data again after the store was released")
		}
		time.Sleep(20 * time.Millisecond)
	}
	events = host.reported()
	if len(events) != 3 || events[2].Status() != componentstatus.StatusOK {
		t.Fatalf("after the queue took data again: %v, want [recoverable error, recoverable error, OK]", statuses(events))
	}
}

func statuses(events []*componentstatus.Event) []string {
	var s []string
	for _, ev := range events {
		s = append(s, ev.Status().String())
	}
	return s
}

// Concurrent refusals and acceptances report only changes, and the last
// report is the queue's last known state. The clock stands still so that
// the periodic reminder cannot repeat a refusal however long scheduling
// takes; the reminder is tested after, by moving the clock.
func TestQueueStatusReportsOnlyChangesInOrder(t *testing.T) {
	host := &reportingHost{Host: storeextensiontest.NewHost(testStore)}
	clock := &frozenClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	q := queueStatus{now: clock.Now}
	q.start(host)
	full := errors.Join(errors.New("enqueue"), exporterhelper.ErrQueueIsFull)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			if i%2 == 0 {
				q.observe(full)
			} else {
				q.observe(nil)
			}
		})
	}
	wg.Wait()
	events := host.reported()
	if len(events) == 0 {
		t.Fatal("no refusal was reported")
	}
	for i := 1; i < len(events); i++ {
		if events[i].Status() == events[i-1].Status() {
			t.Fatalf("the same status reported twice in a row: %v", statuses(events))
		}
	}
	want := componentstatus.StatusOK
	if q.full.Load() {
		want = componentstatus.StatusRecoverableError
	}
	if last := events[len(events)-1].Status(); last != want {
		t.Fatalf("last report %v, but the queue was left full=%v: %v", last, q.full.Load(), statuses(events))
	}

	// One at a time from an accepted request on: each step's reports, by
	// the clock.
	q.observe(nil)
	for _, step := range []struct {
		advance time.Duration
		err     error
		want    []componentstatus.Status
	}{
		{0, full, []componentstatus.Status{componentstatus.StatusRecoverableError}},
		{0, full, nil},
		{refusalReportEvery - time.Millisecond, full, nil},
		{time.Millisecond, full, []componentstatus.Status{componentstatus.StatusRecoverableError}},
		{10 * time.Second, errors.New("store down"), nil},
		{0, nil, []componentstatus.Status{componentstatus.StatusOK}},
		{0, nil, nil},
	} {
		before := len(host.reported())
		clock.Advance(step.advance)
		if got := q.observe(step.err); got != step.err {
			t.Fatalf("observe(%v) passed on %v", step.err, got)
		}
		var got []componentstatus.Status
		for _, ev := range host.reported()[before:] {
			got = append(got, ev.Status())
		}
		if !slices.Equal(got, step.want) {
			t.Fatalf("+%s observe(%v): reported %v, want %v", step.advance, step.err, got, step.want)
		}
	}
}
