package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
)

// Integration is one way a receiver is notified: one entry of its
// pagerduty_configs, slack_configs or webhook_configs.
type Integration interface {
	// Name is the kind and its index in the receiver, e.g. "pagerduty[0]";
	// it keys the integration's state in Notification.State.
	Name() string
	// Kind is "pagerduty", "slack" or "webhook".
	Kind() string
	// SendResolved says whether the integration is told of resolved alerts.
	SendResolved() bool
	// Notify sends one notification, once; Deliver retries. The state it
	// returns is kept for the group's next notification (the caller merges
	// it into n.State). Errors are *DeliveryError when the other end was
	// reached or tried, and never hold a secret.
	Notify(ctx context.Context, n *alerting.Notification) (state map[string]string, err error)
}

// Options are what Build's integrations share.
type Options struct {
	HTTPClient *http.Client // nil: a client with a 30s timeout
	UserAgent  string       // empty: each client library's own
	Logger     *zap.Logger  // nil: no logs
}

func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return o
}

// Build makes the integrations of a receiver, in the order Alertmanager
// lists them: PagerDuty, Slack, then webhooks. A receiver with none is
// valid (it drops what it is sent). Errors name the receiver and the field.
// The receiver is expected as amconfig.Load leaves it: defaults filled in
// and secrets read from their files (a secret with only its file set is
// read at each notification).
func Build(r *amconfig.Receiver, opts Options) ([]Integration, error) {
	if r == nil {
		return nil, errors.New("receiver is nil")
	}
	opts = opts.withDefaults()
	var (
		out  []Integration
		errs []error
	)
	wrap := func(field string, i int, err error) error {
		return fmt.Errorf("receiver %q: %s[%d]: %w", r.Name, field, i, err)
	}
	for i, c := range r.PagerDutyConfigs {
		in, err := newPagerDuty(i, c, opts)
		if err != nil {
			errs = append(errs, wrap("pagerduty_configs", i, err))
			continue
		}
		out = append(out, in)
	}
	for i, c := range r.SlackConfigs {
		in, err := newSlack(i, c, opts)
		if err != nil {
			errs = append(errs, wrap("slack_configs", i, err))
			continue
		}
		out = append(out, in)
	}
	for i, c := range r.WebhookConfigs {
		in, err := newWebhook(i, c, opts)
		if err != nil {
			errs = append(errs, wrap("webhook_configs", i, err))
			continue
		}
		out = append(out, in)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, in := range out {
		opts.Logger.Debug("integration built", zap.String("receiver", r.Name), zap.String("integration", in.Name()))
	}
	return out, nil
}

// secret is a value given inline or in a file (routing_key or
// routing_key_file, …). amconfig.Load reads the file into the value; the
// file is read here only when the value is empty.
type secret struct {
	field string // the inline field's name, for errors
	value string
	file  string
}

func (s secret) set() bool { return s.value != "" || s.file != "" }

func (s secret) read() (string, error) {
	if s.value != "" || s.file == "" {
		return s.value, nil
	}
	b, err := os.ReadFile(s.file)
	if err != nil {
		// The path is configuration, not the secret; the error names it.
		return "", fmt.Errorf("%s_file: %w", s.field, err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s_file %q is empty", s.field, s.file)
	}
	return v, nil
}

// withTimeout bounds one send by the integration's timeout (0: none of
// its own).
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
