package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
)

// WebhookMessage is the JSON body a webhook receives: Alertmanager's
// webhook payload, version 4, so receivers written for Alertmanager read it
// unchanged.
type WebhookMessage struct {
	*Data
	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"` // alerts left out by max_alerts
}

type webhook struct {
	name string
	conf *amconfig.WebhookConfig
	url  secret
	auth *httpAuth
	opts Options
}

func newWebhook(i int, c *amconfig.WebhookConfig, opts Options) (*webhook, error) {
	if c == nil {
		return nil, errors.New("empty configuration")
	}
	w := &webhook{name: fmt.Sprintf("webhook[%d]", i), conf: c, opts: opts}
	w.url = secret{field: "url", value: c.URL.Value(), file: c.URLFile}
	if !w.url.set() {
		return nil, errors.New("url: one of url and url_file is required")
	}
	auth, err := newHTTPAuth(c.HTTPConfig)
	if err != nil {
		return nil, err
	}
	w.auth = auth
	return w, nil
}

func (w *webhook) Name() string       { return w.name }
func (w *webhook) Kind() string       { return "webhook" }
func (w *webhook) SendResolved() bool { return w.conf.SendsResolved() }

func (w *webhook) Notify(ctx context.Context, n *alerting.Notification) (map[string]string, error) {
	n, ok := forIntegration(w.SendResolved(), n)
	if !ok {
		return nil, nil
	}
	var scrub scrubber
	raw, err := w.url.read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.name, err)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: url: not an absolute http(s) URL", w.name)
	}
	scrub.addURL(u)

	body, err := json.Marshal(webhookMessage(n, w.conf.MaxAlerts))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, scrub.errorf("%s: %w", w.name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := w.auth.apply(req, &scrub); err != nil {
		return nil, fmt.Errorf("%s: %w", w.name, err)
	}

	client, x := newExchange(w.opts.HTTPClient, w.opts.UserAgent)
	ctx, cancel := withTimeout(ctx, w.conf.Timeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		status, h, terr := x.last()
		return nil, classify(ctx, status, h, terr, scrub.errorf("%s: %w", w.name, err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	reportStatus(ctx, resp.StatusCode)
	if resp.StatusCode/100 == 2 {
		w.opts.Logger.Debug("webhook sent", zap.String("integration", w.name), zap.Int("status", resp.StatusCode))
		return nil, nil
	}
	msg := fmt.Sprintf("%s: HTTP %d", w.name, resp.StatusCode)
	if b := x.errorBody(); b != "" {
		msg += ": " + b
	}
	return nil, classify(ctx, resp.StatusCode, resp.Header, nil, scrub.error(errors.New(msg)))
}

// webhookMessage is the payload of n with at most maxAlerts alerts (0: all);
// like Alertmanager, status and common labels are those of the alerts sent.
func webhookMessage(n *alerting.Notification, maxAlerts uint64) *WebhookMessage {
	var truncated uint64
	if maxAlerts > 0 && uint64(len(n.Alerts)) > maxAlerts {
		truncated = uint64(len(n.Alerts)) - maxAlerts
		cp := *n
		cp.Alerts = n.Alerts[:maxAlerts]
		n = &cp
	}
	return &WebhookMessage{Data: NewData(n), Version: "4", GroupKey: n.GroupKey, TruncatedAlerts: truncated}
}

// httpAuth is the authentication of http_config: an Authorization header
// (authorization or bearer_token) or basic auth.
type httpAuth struct {
	scheme      string // Authorization scheme, "Bearer" by default
	credentials secret
	basic       bool
	username    string
	password    secret
}

func newHTTPAuth(h *amconfig.HTTPConfig) (*httpAuth, error) {
	if h == nil {
		return nil, nil
	}
	n := 0
	a := &httpAuth{scheme: "Bearer"}
	if h.Authorization != nil && (h.Authorization.Credentials != "" || h.Authorization.CredentialsFile != "") {
		n++
		if h.Authorization.Type != "" {
			a.scheme = h.Authorization.Type
		}
		if strings.EqualFold(a.scheme, "basic") {
			return nil, errors.New("http_config.authorization.type: use basic_auth for Basic")
		}
		a.credentials = secret{field: "http_config.authorization.credentials", value: h.Authorization.Credentials.Value(), file: h.Authorization.CredentialsFile}
	}
	if h.BearerToken != "" || h.BearerTokenFile != "" {
		n++
		a.credentials = secret{field: "http_config.bearer_token", value: h.BearerToken.Value(), file: h.BearerTokenFile}
	}
	if b := h.BasicAuth; b != nil {
		n++
		a.basic = true
		a.username = b.Username
		a.password = secret{field: "http_config.basic_auth.password", value: b.Password.Value(), file: b.PasswordFile}
	}
	switch n {
	case 0:
		return nil, nil
	case 1:
		return a, nil
	}
	return nil, errors.New("http_config: at most one of authorization, bearer_token and basic_auth")
}

// apply authenticates req, its secrets read now and added to scrub.
func (a *httpAuth) apply(req *http.Request, scrub *scrubber) error {
	if a == nil {
		return nil
	}
	if a.basic {
		p, err := a.password.read()
		if err != nil {
			return err
		}
		scrub.add(p, base64.StdEncoding.EncodeToString([]byte(a.username+":"+p)))
		req.SetBasicAuth(a.username, p)
		return nil
	}
	c, err := a.credentials.read()
	if err != nil {
		return err
	}
	scrub.add(c)
	req.Header.Set("Authorization", a.scheme+" "+c)
	return nil
}
