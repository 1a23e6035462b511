package pipeline

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/notify"
	"github.com/slopipe/slopipe/alerting/notify/notifytest"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "pipeline")) }

// recording is an integration that keeps what it is told; hold makes its
// next Notify wait until released, fail makes it answer 400.
type recording struct {
	mu    sync.Mutex
	got   []string // "firing:<n>" or "resolved:<n>"
	hold  chan struct{}
	fail  bool
	calls int
}

func (r *recording) Name() string       { return "recording[0]" }
func (r *recording) Kind() string       { return "recording" }
func (r *recording) SendResolved() bool { return true }

func (r *recording) Notify(_ context.Context, n *alerting.Notification) (map[string]string, error) {
	r.mu.Lock()
	hold := r.hold
	r.hold = nil
	r.calls++
	fail := r.fail
	r.mu.Unlock()
	if hold != nil {
		<-hold
	}
	if fail {
		return nil, &notify.DeliveryError{HTTPStatus: 400, Err: errors.New("bad request")}
	}
	r.mu.Lock()
	r.got = append(r.got, n.Status()+":"+string(rune('0'+len(n.Alerts))))
	r.mu.Unlock()
	return nil, nil
}

func (r *recording) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

const groupConfig = `route:
  receiver: team
  group_by: [slo, tenant]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 4h
receivers:
  - name: team
`

// harness is a pipeline over the real store with one recording
// integration.
type harness struct {
	t     *testing.T
	ctx   context.Context
	p     *Pipeline
	in    *recording
	cfg   Config
	clock *notifytest.Clock
}

func newHarness(t *testing.T) *harness { return newHarnessOn(t, storetest.Open(t)) }

// newHarnessOn is newHarness over st.
func newHarnessOn(t *testing.T, st store.Store) *harness {
	ac, err := amconfig.Parse([]byte(groupConfig), "alerting.yml")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: context.Background(), in: &recording{}, clock: notifytest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))}
	h.cfg = Config{Route: ac.Route, Integrations: map[string][]notify.Integration{"team": {h.in}}, Retry: notify.RetryPolicy{Jitter: -1}}
	h.p = New(st, NewSilences(st), NewNotificationLog(st), h.cfg, h.clock, zap.NewNop())
	return h
}

// step moves time on and runs Process and Flush to the end.
func (h *harness) step(d time.Duration, alerts ...*alerting.Alert) {
	h.clock.Advance(d)
	h.p.Process(alerts, h.clock.Now())
	h.p.Flush(h.ctx, h.clock.Now())
	h.p.Wait()
}

func page(tenant string, endsAt time.Time) *alerting.Alert {
	return &alerting.Alert{Labels: model.LabelSet{"alertname": "SLOErrorBudgetBurn", "slo": "checkout", "tenant": model.LabelValue(tenant), "severity": "page"},
		StartsAt: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), EndsAt: endsAt}
}

// A reload while a group is delivering does not deliver it a second time
// from the group the reload rebuilt.
func TestReloadDuringDeliveryDoesNotDeliverTwice(t *testing.T) {
	h := newHarness(t)
	release := make(chan struct{})
	h.in.hold = release
	firing := page("acme", time.Time{})
	now := h.clock.Now().Add(time.Second)
	h.p.Process([]*alerting.Alert{firing}, now)
	h.p.Flush(h.ctx, now) // delivering, held
	h.p.SetConfig(h.cfg)
	h.p.Process([]*alerting.Alert{firing}, now.Add(time.Second))
	h.p.Flush(h.ctx, now.Add(time.Second)) // the rebuilt group: already being delivered
	close(release)
	h.p.Wait()
	h.clock.Set(now.Add(time.Second))
	h.step(2*time.Minute, firing)
	if got := h.in.received(); len(got) != 1 {
		t.Fatalf("delivered %v, want once", got)
	}
}

// A resolve the receiver refused stays due after the policy stopped
// reporting the alert, and goes out when the receiver is back.
func TestResolveOutlivesTheAlertUntilDelivered(t *testing.T) {
	h := newHarness(t)
	h.step(time.Second, page("acme", time.Time{}))
	h.in.fail = true
	h.step(time.Minute, page("acme", h.clock.Now()))
	h.step(time.Minute) // the policy dropped it
	h.step(time.Hour)
	if got := h.in.received(); len(got) != 1 {
		t.Fatalf("delivered %v while the receiver refused", got)
	}
	h.in.mu.Lock()
	h.in.fail = false
	h.in.mu.Unlock()
	h.step(time.Minute)
	if got := h.in.received(); len(got) != 2 || got[1] != "resolved:1" {
		t.Fatalf("delivered %v, want the resolve once the receiver is back", got)
	}
	h.step(time.Minute)
	h.step(time.Hour)
	if got := h.in.received(); len(got) != 2 {
		t.Fatalf("delivered %v, want nothing more", got)
	}
}

// An alert the receiver was paged for resolves through a silence added
// afterwards: a silence stops pages, not the news that they are over.
func TestSilenceDoesNotSwallowTheResolve(t *testing.T) {
	h := newHarness(t)
	h.step(time.Second, page("acme", time.Time{}))
	ok := true
	if _, err := h.p.silences.Add(h.ctx, Silence{Matchers: []Matcher{{Name: "tenant", Value: "acme", IsEqual: &ok}},
		EndsAt: h.clock.Now().Add(time.Hour), CreatedBy: "oncall", Comment: "looking"}, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.step(time.Minute, page("acme", time.Time{}), page("beta", time.Time{}))
	h.step(time.Minute, page("acme", h.clock.Now()), page("beta", time.Time{}))
	got := h.in.received()
	if len(got) != 3 || got[0] != "firing:1" || got[2] != "resolved:1" {
		t.Fatalf("delivered %v: want acme's page, beta's page, then acme's resolve through the silence", got)
	}
}

// Process, Flush and SetConfig from different goroutines, for the race
// detector.
func TestConcurrentProcessFlushAndReload(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	run := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f(i)
			}
		}()
	}
	base := h.clock.Now()
	run(func(i int) {
		h.p.Process([]*alerting.Alert{page("acme", time.Time{}), page(string(rune('a'+i%5)), time.Time{})}, base.Add(time.Duration(i)*time.Second))
	})
	run(func(i int) { h.p.Flush(h.ctx, base.Add(time.Duration(i)*time.Minute)) })
	run(func(int) { h.p.SetConfig(h.cfg); time.Sleep(time.Millisecond) })
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	h.p.Wait()
	if len(h.in.received()) == 0 {
		t.Fatal("nothing delivered")
	}
}
