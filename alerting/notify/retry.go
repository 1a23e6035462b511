package notify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/slopipe/slopipe/alerting"
)

// DeliveryError is how an integration says why a notification didn't go
// out and whether trying again may help.
type DeliveryError struct {
	HTTPStatus int           // the receiving end's answer; 0 when none came
	RetryAfter time.Duration // the receiving end's Retry-After, 0 when not given
	Retryable  bool          // 429, 5xx and network failures; not other 4xx
	Err        error         // free of secrets
}

func (e *DeliveryError) Error() string {
	switch {
	case e.Err != nil:
		return e.Err.Error()
	case e.HTTPStatus != 0:
		return fmt.Sprintf("HTTP %d", e.HTTPStatus)
	}
	return "delivery failed"
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// RetryPolicy is how long and how often Deliver retries: exponential
// backoff from Initial by Multiplier up to Max, each wait moved randomly by
// up to ±Jitter of itself, for at most MaxElapsed since the first attempt.
// Zero fields take the defaults; a negative Jitter means none and a
// negative MaxElapsed means no limit but the context's.
type RetryPolicy struct {
	Initial    time.Duration // 1s
	Max        time.Duration // 1m
	Multiplier float64       // 2
	Jitter     float64       // 0.2
	MaxElapsed time.Duration // 5m
}

// DefaultRetryPolicy is the policy the zero RetryPolicy stands for.
func DefaultRetryPolicy() RetryPolicy { return RetryPolicy{}.withDefaults() }

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Initial <= 0 {
		p.Initial = time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Minute
	}
	if p.Max < p.Initial {
		p.Max = p.Initial
	}
	if p.Multiplier < 1 {
		p.Multiplier = 2
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = 0.2
	case p.Jitter < 0:
		p.Jitter = 0
	case p.Jitter > 1:
		p.Jitter = 1
	}
	if p.MaxElapsed == 0 {
		p.MaxElapsed = 5 * time.Minute
	}
	return p
}

// backoff is the wait after the n-th failed attempt (n from 1), before
// jitter.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := float64(p.Initial) * math.Pow(p.Multiplier, float64(n-1))
	if d > float64(p.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		return p.Max
	}
	return time.Duration(d)
}

func (p RetryPolicy) jitter(d time.Duration) time.Duration {
	if p.Jitter == 0 {
		return d
	}
	return time.Duration(float64(d) * (1 + p.Jitter*(2*rand.Float64()-1)))
}

// Clock is Deliver's time: the real one in the daemon, a fake in tests.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or returns ctx's error as soon as ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

func (RealClock) Now() time.Time { return time.Now() }

func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Attempt statuses.
const (
	AttemptDelivered = "delivered"
	AttemptRetrying  = "retrying"
	AttemptFailed    = "failed"
)

// Attempt is one try at delivering a notification.
type Attempt struct {
	At         time.Time
	Number     int // from 1
	HTTPStatus int // 0 when no response came (or the integration sends none)
	Err        string
	Status     string // AttemptDelivered, AttemptRetrying or AttemptFailed
}

// Result is what came of delivering one notification to one integration.
type Result struct {
	State    map[string]string // the integration's state to keep for the group's next notification
	Attempts []Attempt         // empty when there was nothing to send
	Err      error             // nil once delivered
}

// Deliver sends n through in, retrying what may succeed later: 429, 5xx
// and network failures, waiting the backoff or the server's Retry-After,
// whichever is longer, until p.MaxElapsed has passed or ctx is done. A
// 4xx other than 429 and 408, or a configuration or template error, fails
// at once. Like Alertmanager, an integration without send_resolved is
// sent only the group's firing alerts, and nothing once none fire.
func Deliver(ctx context.Context, in Integration, n *alerting.Notification, p RetryPolicy, clock Clock) Result {
	if clock == nil {
		clock = RealClock{}
	}
	p = p.withDefaults()
	n, ok := forIntegration(in.SendResolved(), n)
	if !ok {
		return Result{}
	}

	var res Result
	start := clock.Now()
	for number := 1; ; number++ {
		if err := ctx.Err(); err != nil {
			res.Err = giveUp(in, res, err)
			return res
		}
		at := clock.Now()
		sink := &statusSink{}
		state, err := in.Notify(withStatusSink(ctx, sink), n)
		a := Attempt{At: at, Number: number, HTTPStatus: sink.status}
		if err == nil {
			a.Status = AttemptDelivered
			res.Attempts = append(res.Attempts, a)
			res.State = state
			return res
		}

		de := asDeliveryError(ctx, err)
		if de.HTTPStatus != 0 {
			a.HTTPStatus = de.HTTPStatus
		}
		a.Err = err.Error()
		a.Status = AttemptFailed
		res.Attempts = append(res.Attempts, a)
		if !de.Retryable || ctx.Err() != nil {
			res.Err = giveUp(in, res, err)
			return res
		}

		wait := max(p.jitter(p.backoff(number)), de.RetryAfter)
		if p.MaxElapsed > 0 {
			left := p.MaxElapsed - clock.Now().Sub(start)
			// The server's Retry-After is a minimum: asking before it
			// would be refused again.
			if left <= 0 || de.RetryAfter > left {
				res.Err = giveUp(in, res, fmt.Errorf("retries ran out after %s: %w", p.MaxElapsed, err))
				return res
			}
			wait = min(wait, left)
		}
		res.Attempts[len(res.Attempts)-1].Status = AttemptRetrying
		if serr := clock.Sleep(ctx, wait); serr != nil {
			res.Attempts[len(res.Attempts)-1].Status = AttemptFailed
			res.Err = giveUp(in, res, fmt.Errorf("%w (last error: %w)", serr, err))
			return res
		}
	}
}

func giveUp(in Integration, res Result, err error) error {
	return fmt.Errorf("%s: %d attempt(s): %w", in.Name(), len(res.Attempts), err)
}

// asDeliveryError classifies an error an integration returned without
// saying: a failure to reach the other end is worth retrying, anything
// else (configuration, template) is not.
func asDeliveryError(ctx context.Context, err error) *DeliveryError {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de
	}
	return &DeliveryError{Err: err, Retryable: ctx.Err() == nil && isNetworkError(err)}
}

// forIntegration is the notification an integration is sent: all of it
// with send_resolved, else only its firing alerts, and nothing (false)
// when none fire.
func forIntegration(sendResolved bool, n *alerting.Notification) (*alerting.Notification, bool) {
	if sendResolved {
		return n, len(n.Alerts) > 0
	}
	firing := n.Firing()
	if len(firing) == 0 {
		return nil, false
	}
	if len(firing) == len(n.Alerts) {
		return n, true
	}
	cp := *n
	cp.Alerts = firing
	return &cp, true
}

// statusSink lets an integration tell Deliver the HTTP status of a
// successful send, which its error-only result can't carry.
type statusSink struct{ status int }

type statusSinkKey struct{}

func withStatusSink(ctx context.Context, s *statusSink) context.Context {
	return context.WithValue(ctx, statusSinkKey{}, s)
}

func reportStatus(ctx context.Context, status int) {
	if s, ok := ctx.Value(statusSinkKey{}).(*statusSink); ok {
		s.status = status
	}
}
