package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/notify/notifytest"
)

// scripted is an integration answering each Notify with the next error of
// its script (nil: delivered); past the end it delivers.
type scripted struct {
	mu           sync.Mutex
	script       []error
	calls        int
	sendResolved bool
	got          []*alerting.Notification
}

func (s *scripted) Name() string       { return "scripted[0]" }
func (s *scripted) Kind() string       { return "scripted" }
func (s *scripted) SendResolved() bool { return s.sendResolved }
func (s *scripted) Notify(ctx context.Context, n *alerting.Notification) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, n)
	i := s.calls
	s.calls++
	if i < len(s.script) && s.script[i] != nil {
		return nil, s.script[i]
	}
	return map[string]string{"scripted[0].n": "1"}, nil
}

func retryable(status int, after time.Duration) error {
	return &DeliveryError{HTTPStatus: status, RetryAfter: after, Retryable: true, Err: errors.New(http.StatusText(status))}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

func TestDeliverBackoff(t *testing.T) {
	in := &scripted{script: repeat(retryable(503, 0), 5)}
	clock := newFakeClock()
	p := RetryPolicy{Initial: time.Second, Max: 4 * time.Second, Jitter: -1, MaxElapsed: -1}
	res := Deliver(context.Background(), in, firingNotification(), p, clock)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := []time.Duration{1, 2, 4, 4, 4}
	if len(clock.Slept()) != len(want) {
		t.Fatalf("slept %v", clock.Slept())
	}
	for i, d := range want {
		if clock.Slept()[i] != d*time.Second {
			t.Fatalf("slept %v, want %v seconds", clock.Slept(), want)
		}
	}
	if len(res.Attempts) != 6 || res.State["scripted[0].n"] != "1" {
		t.Fatalf("attempts %+v state %v", res.Attempts, res.State)
	}
	for i, a := range res.Attempts {
		wantStatus := AttemptRetrying
		if i == 5 {
			wantStatus = AttemptDelivered
		}
		if a.Number != i+1 || a.Status != wantStatus || (i < 5 && (a.HTTPStatus != 503 || a.Err != "Service Unavailable")) {
			t.Errorf("attempt %+v", a)
		}
		if i > 0 && !a.At.After(res.Attempts[i-1].At) {
			t.Errorf("attempt %d at %v, not after the one before", i+1, a.At)
		}
	}
}

func TestDeliverJitter(t *testing.T) {
	in := &scripted{script: repeat(retryable(500, 0), 4)}
	clock := newFakeClock()
	res := Deliver(context.Background(), in, firingNotification(), RetryPolicy{}, clock)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	for i, d := range clock.Slept() {
		base := time.Second << i
		if d < base*8/10 || d > base*12/10 {
			t.Errorf("wait %d is %v, outside %v ± 20%%", i+1, d, base)
		}
	}
}

func TestDeliverHonoursRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		after      time.Duration
		maxElapsed time.Duration
		wantSleep  time.Duration
		delivered  bool
	}{
		{"above the backoff", 30 * time.Second, 0, 30 * time.Second, true},
		{"above Max", 90 * time.Second, 0, 90 * time.Second, true},
		{"below the backoff", time.Millisecond, 0, time.Second, true},
		// Retry-After is a minimum: beyond what is left, asking again
		// would be refused again; the next flush tries.
		{"beyond MaxElapsed", time.Hour, 10 * time.Second, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &scripted{script: []error{retryable(429, tc.after)}}
			clock := newFakeClock()
			res := Deliver(context.Background(), in, firingNotification(), RetryPolicy{Jitter: -1, MaxElapsed: tc.maxElapsed}, clock)
			if (res.Err == nil) != tc.delivered {
				t.Fatal(res.Err)
			}
			if tc.wantSleep == 0 {
				if len(clock.Slept()) != 0 || res.Err == nil || !strings.Contains(res.Err.Error(), "retries ran out") {
					t.Fatalf("slept %v, error %v: want no wait and retries ran out", clock.Slept(), res.Err)
				}
				return
			}
			if len(clock.Slept()) != 1 || clock.Slept()[0] != tc.wantSleep {
				t.Fatalf("slept %v, want [%v]", clock.Slept(), tc.wantSleep)
			}
		})
	}
}

func TestDeliverGivesUpAfterMaxElapsed(t *testing.T) {
	in := &scripted{script: repeat(retryable(503, 0), 100)}
	clock := newFakeClock()
	res := Deliver(context.Background(), in, firingNotification(), RetryPolicy{Jitter: -1, MaxElapsed: 10 * time.Second}, clock)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "retries ran out after 10s") || !strings.Contains(res.Err.Error(), "scripted[0]: 5 attempt(s)") {
		t.Fatalf("error %v", res.Err)
	}
	if total(clock) != 10*time.Second {
		t.Fatalf("slept %v in all, want 10s", clock.Slept())
	}
	if len(res.Attempts) != 5 {
		t.Fatalf("attempts %+v", res.Attempts)
	}
	for i, a := range res.Attempts {
		want := AttemptRetrying
		if i == len(res.Attempts)-1 {
			want = AttemptFailed
		}
		if a.Status != want {
			t.Errorf("attempt %+v, want %s", a, want)
		}
	}
	var de *DeliveryError
	if !errors.As(res.Err, &de) || de.HTTPStatus != 503 {
		t.Fatalf("error %v does not carry the last DeliveryError", res.Err)
	}
}

func TestDeliverFinalErrors(t *testing.T) {
	for _, err := range []error{
		&DeliveryError{HTTPStatus: 403, Err: errors.New("forbidden")},
		errors.New("slack[0].title: template: boom"),
	} {
		in := &scripted{script: repeat(err, 10)}
		clock := newFakeClock()
		res := Deliver(context.Background(), in, firingNotification(), RetryPolicy{}, clock)
		if res.Err == nil || !errors.Is(res.Err, err) || len(res.Attempts) != 1 || res.Attempts[0].Status != AttemptFailed || len(clock.Slept()) != 0 {
			t.Errorf("%v: %+v, slept %v", err, res, clock.Slept())
		}
	}
}

func TestDeliverNetworkErrorRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	in := buildOne(t, &amconfig.Receiver{Name: "pager", WebhookConfigs: []*amconfig.WebhookConfig{webhookConfig(t, "http://"+addr+"/hook")}}, Options{})
	clock := newFakeClock()
	res := Deliver(context.Background(), in, firingNotification(), RetryPolicy{Jitter: -1, MaxElapsed: 3 * time.Second}, clock)
	if res.Err == nil || len(res.Attempts) != 3 {
		t.Fatalf("%+v", res)
	}
	var de *DeliveryError
	if !errors.As(res.Err, &de) || !de.Retryable || de.HTTPStatus != 0 {
		t.Fatalf("error %#v", de)
	}
	if res.Attempts[0].Status != AttemptRetrying || !strings.Contains(res.Attempts[0].Err, "connection refused") {
		t.Fatalf("attempt %+v", res.Attempts[0])
	}
}

// cancellingClock ends the context on the first sleep, as a shutdown
// during a backoff would.
type cancellingClock struct {
	*notifytest.Clock
	cancel context.CancelFunc
}

func (c *cancellingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	return ctx.Err()
}

func TestDeliverStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &scripted{script: repeat(retryable(503, 0), 10)}
	clock := &cancellingClock{Clock: newFakeClock(), cancel: cancel}
	res := Deliver(ctx, in, firingNotification(), RetryPolicy{}, clock)
	if !errors.Is(res.Err, context.Canceled) || len(res.Attempts) != 1 || res.Attempts[0].Status != AttemptFailed || in.calls != 1 {
		t.Fatalf("%+v, %d calls", res, in.calls)
	}

	res = Deliver(ctx, &scripted{}, firingNotification(), RetryPolicy{}, newFakeClock())
	if !errors.Is(res.Err, context.Canceled) || len(res.Attempts) != 0 {
		t.Fatalf("with a done context: %+v", res)
	}
}

func TestDeliverSendResolved(t *testing.T) {
	firing, ended := burnAlert("checkout", "acme", "page"), burnAlert("search", "acme", "page")
	ended.EndsAt = t0.Add(-time.Minute)
	n := firingNotification(firing, ended)

	in := &scripted{}
	res := Deliver(context.Background(), in, n, RetryPolicy{}, newFakeClock())
	if res.Err != nil || len(in.got) != 1 || len(in.got[0].Alerts) != 1 || in.got[0].Alerts[0] != firing {
		t.Fatalf("without send_resolved the integration got %+v", in.got)
	}

	in = &scripted{sendResolved: true}
	_ = Deliver(context.Background(), in, n, RetryPolicy{}, newFakeClock())
	if len(in.got) != 1 || len(in.got[0].Alerts) != 2 {
		t.Fatalf("with send_resolved the integration got %+v", in.got)
	}

	in = &scripted{}
	res = Deliver(context.Background(), in, firingNotification(ended), RetryPolicy{}, newFakeClock())
	if res.Err != nil || len(res.Attempts) != 0 || len(in.got) != 0 {
		t.Fatalf("only resolved, without send_resolved: %+v", res)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	date := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header http.Header
		want   time.Duration
	}{
		{http.Header{"Retry-After": {"120"}}, 2 * time.Minute},
		{http.Header{"Retry-After": {" 7 "}}, 7 * time.Second},
		{http.Header{"Retry-After": {date.Add(90 * time.Second).Format(http.TimeFormat)}, "Date": {date.Format(http.TimeFormat)}}, 90 * time.Second},
		{http.Header{"Retry-After": {date.Format(http.TimeFormat)}, "Date": {date.Add(time.Minute).Format(http.TimeFormat)}}, 0},
		{http.Header{"Retry-After": {"-3"}}, 0},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{}, 0},
	} {
		if got := retryAfter(tc.header); got != tc.want {
			t.Errorf("retryAfter(%v) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestDeliveryError(t *testing.T) {
	inner := errors.New("boom")
	e := &DeliveryError{HTTPStatus: 502, Err: inner}
	if e.Error() != "boom" || !errors.Is(e, inner) {
		t.Fatalf("%v", e)
	}
	if (&DeliveryError{HTTPStatus: 502}).Error() != "HTTP 502" {
		t.Fatal((&DeliveryError{HTTPStatus: 502}).Error())
	}
}

func TestRealClockSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := (RealClock{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if err := (RealClock{}).Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("slept through a cancelled context")
	}
}

func TestDefaultRetryPolicy(t *testing.T) {
	p := DefaultRetryPolicy()
	if p.Initial != time.Second || p.Max != time.Minute || p.Multiplier != 2 || p.Jitter != 0.2 || p.MaxElapsed != 5*time.Minute {
		t.Fatalf("%+v", p)
	}
}
