package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slopipe/slopipe/alerting"
)

// alertmanagerAlertsPath is Alertmanager's API v2 endpoint for posting alerts.
const alertmanagerAlertsPath = "/api/v2/alerts"

// AlertmanagerForwarder hands slopipe's alerts to existing Alertmanagers,
// as Prometheus does, for teams whose routing, silences and receivers
// already live there. slopipe then only evaluates; Alertmanager notifies.
type AlertmanagerForwarder struct {
	endpoints []*url.URL
	client    *http.Client
}

// NewAlertmanagerForwarder forwards to each Alertmanager of urls (all of an
// HA cluster get every alert, as Prometheus sends them). A URL is an
// Alertmanager's base, path prefix included ("http://am:9093",
// "https://example.com/alertmanager"); one already ending in
// /api/v2/alerts is taken as is. A nil client is one with a 10s timeout.
func NewAlertmanagerForwarder(urls []string, client *http.Client) (*AlertmanagerForwarder, error) {
	if len(urls) == 0 {
		return nil, errors.New("alertmanager forwarder: no URL")
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	f := &AlertmanagerForwarder{client: client}
	for i, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("alertmanager forwarder: urls[%d]: not an absolute http(s) URL", i)
		}
		e := *u
		if !strings.HasSuffix(strings.TrimSuffix(e.Path, "/"), alertmanagerAlertsPath) {
			e.Path = strings.TrimSuffix(e.Path, "/") + alertmanagerAlertsPath
			e.RawPath = ""
		}
		f.endpoints = append(f.endpoints, &e)
	}
	return f, nil
}

// postableAlert is an alert of Alertmanager's API v2.
type postableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Send posts alerts to every Alertmanager. A firing alert ends at now +
// 4×resendDelay, as Prometheus sets it: Alertmanager resolves it by itself
// if slopipe stops resending, rather than paging forever. A resolved
// alert ends at its EndsAt. resendDelay ≤ 0 is taken as one minute. The
// error joins each Alertmanager's failure; the others still got the alerts.
func (f *AlertmanagerForwarder) Send(ctx context.Context, alerts []*alerting.Alert, now time.Time, resendDelay time.Duration) error {
	if len(alerts) == 0 {
		return nil
	}
	if resendDelay <= 0 {
		resendDelay = time.Minute
	}
	out := make([]postableAlert, 0, len(alerts))
	for _, a := range alerts {
		p := postableAlert{
			Labels:       map[string]string{},
			Annotations:  map[string]string{},
			StartsAt:     a.StartsAt,
			EndsAt:       now.Add(4 * resendDelay),
			GeneratorURL: a.GeneratorURL,
		}
		if a.Resolved(now) {
			p.EndsAt = a.EndsAt
		}
		for k, v := range a.Labels {
			p.Labels[string(k)] = string(v)
		}
		for k, v := range a.Annotations {
			p.Annotations[string(k)] = string(v)
		}
		out = append(out, p)
	}
	body, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("alertmanager forwarder: %w", err)
	}

	errs := make([]error, len(f.endpoints))
	var wg sync.WaitGroup
	for i, e := range f.endpoints {
		wg.Go(func() { errs[i] = f.post(ctx, e, body) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (f *AlertmanagerForwarder) post(ctx context.Context, e *url.URL, body []byte) error {
	where := e.Redacted()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("alertmanager %s: %w", where, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		// net/http already strips a password from the URL it quotes.
		return fmt.Errorf("alertmanager %s: %w", where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	msg := fmt.Sprintf("alertmanager %s: HTTP %d", where, resp.StatusCode)
	if s := strings.TrimSpace(string(b)); s != "" {
		msg += ": " + s
	}
	return &DeliveryError{
		HTTPStatus: resp.StatusCode,
		RetryAfter: retryAfter(resp.Header),
		Retryable:  resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500,
		Err:        errors.New(msg),
	}
}
