package clickhouseexporter

import (
	"context"
	"errors"
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
// answering would.
type stuckStore struct {
	store.Store
	release chan struct{}
}

func (s *stuckStore) Insert(ctx context.Context, b *store.Batch) error {
	<-s.release
	return s.Store.Insert(ctx, b)
}

func oneLog(tenant string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("tenant.id", tenant)
	rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("queued")
	return ld
}

// A full sending queue is reported once as a recoverable error wrapping
// exporterhelper.ErrQueueIsFull, and the next request it takes as OK.
func TestAFullQueueIsReportedAsTheExportersStatusUntilItTakesDataAgain(t *testing.T) {
	ctx := context.Background()
	cfg := createDefaultConfig().(*Config)
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.QueueSize = 1
	queue.NumConsumers = 1
	queue.Batch = configoptional.None[exporterhelper.BatchConfig]()
	cfg.QueueConfig = configoptional.Some(queue)
	cfg.BackOffConfig.Enabled = false

	stuck := &stuckStore{Store: testStore, release: make(chan struct{})}
	host := &reportingHost{Host: storeextensiontest.NewHost(stuck)}
	exp, err := NewFactory().CreateLogs(ctx, exportertest.NewNopSettings(Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
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

	// The consumer takes the first request and waits on the store; the
	// queue holds the next; then it is full.
	var refusal error
	for range 10 {
		if refusal = exp.ConsumeLogs(ctx, oneLog("queue-status")); refusal != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
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
	if len(events) != 2 || events[1].Status() != componentstatus.StatusOK {
		t.Fatalf("after the queue took data again: %v, want [recoverable error, OK]", statuses(events))
	}
}

func statuses(events []*componentstatus.Event) []string {
	var s []string
	for _, ev := range events {
		s = append(s, ev.Status().String())
	}
	return s
}

// Concurrent refusals and acceptances leave the last report matching the
// queue's last known state, and report only changes.
func TestQueueStatusReportsOnlyChangesInOrder(t *testing.T) {
	host := &reportingHost{Host: storeextensiontest.NewHost(testStore)}
	var q queueStatus
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
	q.observe(nil)
	events := host.reported()
	if len(events) == 0 {
		t.Fatal("no refusal was reported")
	}
	for i := 1; i < len(events); i++ {
		if events[i].Status() == events[i-1].Status() {
			t.Fatalf("the same status reported twice in a row: %v", statuses(events))
		}
	}
	if last := events[len(events)-1].Status(); last != componentstatus.StatusOK {
		t.Fatalf("last report %v after an accepted request, want OK", last)
	}
	if err := errors.New("store down"); q.observe(err) != err || len(host.reported()) != len(events) {
		t.Error("an error other than a full queue changed the reported status or was not passed on")
	}
}
