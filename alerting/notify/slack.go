package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
)

// Slack shows at most 1024 characters of an attachment's title.
const slackMaxTitle = 1024

// Slack errors that say "try again later" rather than "this will never
// work"; every other error of an ok:false answer is final.
var slackTransient = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"ratelimited":         true,
}

type slackIntegration struct {
	name  string
	conf  *amconfig.SlackConfig
	token secret // set: chat.postMessage with the bot token; unset: an incoming webhook
	// apiURL is the webhook URL, or with a token the Web API base (or a
	// method URL from an Alertmanager configuration, cut to its base).
	apiURL secret
	opts   Options
}

func newSlack(i int, c *amconfig.SlackConfig, opts Options) (*slackIntegration, error) {
	if c == nil {
		return nil, errors.New("empty configuration")
	}
	s := &slackIntegration{name: fmt.Sprintf("slack[%d]", i), conf: c, opts: opts}
	s.apiURL = secret{field: "api_url", value: c.APIURL.Value(), file: c.APIURLFile}
	if h := c.HTTPConfig; h != nil {
		if a := h.Authorization; a != nil && (a.Credentials != "" || a.CredentialsFile != "") {
			if a.Type != "" && !strings.EqualFold(a.Type, "Bearer") {
				return nil, fmt.Errorf("http_config.authorization.type: Slack takes a Bearer token, not %q", a.Type)
			}
			s.token = secret{field: "http_config.authorization.credentials", value: a.Credentials.Value(), file: a.CredentialsFile}
		} else if h.BearerToken != "" || h.BearerTokenFile != "" {
			s.token = secret{field: "http_config.bearer_token", value: h.BearerToken.Value(), file: h.BearerTokenFile}
		}
	}
	switch {
	case s.token.set():
		if c.Channel == "" {
			return nil, errors.New("channel: required with a bot token (http_config.authorization.credentials)")
		}
	case !s.apiURL.set():
		return nil, errors.New("api_url: a webhook URL (api_url or api_url_file), or a bot token in http_config.authorization.credentials, is required")
	}
	return s, nil
}

func (s *slackIntegration) Name() string       { return s.name }
func (s *slackIntegration) Kind() string       { return "slack" }
func (s *slackIntegration) SendResolved() bool { return s.conf.SendsResolved() }

func (s *slackIntegration) stateKey(k string) string { return s.name + "." + k }

func (s *slackIntegration) Notify(ctx context.Context, n *alerting.Notification) (map[string]string, error) {
	n, ok := forIntegration(s.SendResolved(), n)
	if !ok {
		return nil, nil
	}
	var scrub scrubber
	token, err := s.token.read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	scrub.add(token)
	rawURL, err := s.apiURL.read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	var u *url.URL
	if rawURL != "" {
		if u, err = url.Parse(rawURL); err != nil {
			return nil, fmt.Errorf("%s: api_url: not a URL", s.name)
		}
		if token == "" {
			scrub.addURL(u)
		}
	}

	data := NewData(n)
	msg, err := s.message(data, n.GroupKey)
	if err != nil {
		return nil, scrub.error(err)
	}
	ctx, cancel := withTimeout(ctx, s.conf.Timeout)
	defer cancel()
	if token == "" {
		return nil, s.postWebhook(ctx, u, msg, &scrub)
	}
	return s.postAPI(ctx, token, u, n, data, msg, &scrub)
}

// slackMessage is a rendered notification: one attachment and the
// message's own fields.
type slackMessage struct {
	channel, username, iconEmoji, iconURL string
	attachment                            slack.Attachment
}

func (s *slackIntegration) message(data *Data, groupKey string) (*slackMessage, error) {
	c := s.conf
	r := &renderer{data: data, prefix: s.name}
	m := &slackMessage{
		channel:   r.text("channel", c.Channel),
		username:  r.or("username", c.Username, `{{ template "slack.default.username" . }}`),
		iconEmoji: r.text("icon_emoji", c.IconEmoji),
		iconURL:   r.text("icon_url", c.IconURL),
	}
	att := slack.Attachment{
		Title:      r.or("title", c.Title, `{{ template "slack.default.title" . }}`),
		TitleLink:  r.or("title_link", c.TitleLink, `{{ template "slack.default.titlelink" . }}`),
		Pretext:    r.text("pretext", c.Pretext),
		Text:       r.or("text", c.Text, `{{ template "slack.default.text" . }}`),
		Fallback:   r.text("fallback", `{{ template "slack.default.fallback" . }}`),
		Footer:     r.text("footer", c.Footer),
		Color:      r.or("color", c.Color, `{{ template "slack.default.color" . }}`),
		Fields:     slackFields(data),
		MarkdownIn: []string{"fallback", "pretext", "text"},
	}
	if r.err != nil {
		return nil, r.err
	}
	if t, cut := truncateRunes(att.Title, slackMaxTitle); cut {
		s.opts.Logger.Debug("slack title truncated", zap.String("integration", s.name), zap.String("group_key", groupKey))
		att.Title = t
	}
	m.attachment = att
	return m, nil
}

// slackFields are the figures an on-call reads first, from what the
// group's alerts share.
func slackFields(d *Data) []slack.AttachmentField {
	var out []slack.AttachmentField
	add := func(title, value string) {
		if value != "" {
			out = append(out, slack.AttachmentField{Title: title, Value: value, Short: true})
		}
	}
	add("SLO", d.CommonLabels[alerting.LabelSLO])
	add("Tenant", d.CommonLabels[alerting.LabelTenant])
	add("Severity", d.CommonLabels[alerting.LabelSeverity])
	if rate := burnRateOf(d.CommonAnnotations["burn_rates"], d.CommonAnnotations["burn_window"]); rate != "" && d.Status == "firing" {
		add("Burn rate", rate+"× ("+d.CommonAnnotations["burn_window"]+")")
	}
	add("Error budget left", d.CommonAnnotations["budget_remaining"])
	return out
}

func (s *slackIntegration) postWebhook(ctx context.Context, u *url.URL, m *slackMessage, scrub *scrubber) error {
	client, x := newExchange(s.opts.HTTPClient, s.opts.UserAgent)
	err := slack.PostWebhookCustomHTTPContext(ctx, u.String(), client, &slack.WebhookMessage{
		Channel:     m.channel,
		Username:    m.username,
		IconEmoji:   m.iconEmoji,
		IconURL:     m.iconURL,
		Attachments: []slack.Attachment{m.attachment},
	})
	status, header, terr := x.last()
	reportStatus(ctx, status)
	if err == nil {
		return nil
	}
	if body := x.errorBody(); body != "" && status >= 400 {
		// An incoming webhook says why in a word: channel_not_found, …
		err = fmt.Errorf("%w: %s", err, body)
	}
	de := classify(ctx, status, header, terr, scrub.errorf("%s: webhook: %w", s.name, err))
	slackRetry(de, err)
	return de
}

func (s *slackIntegration) postAPI(ctx context.Context, token string, u *url.URL, n *alerting.Notification, data *Data, m *slackMessage, scrub *scrubber) (map[string]string, error) {
	base := amconfig.DefaultSlackAPIBase
	if u != nil {
		base = slackAPIBase(u)
	}
	client, x := newExchange(s.opts.HTTPClient, s.opts.UserAgent)
	api := slack.New(token, slack.OptionAPIURL(base), slack.OptionHTTPClient(client))
	options := []slack.MsgOption{slack.MsgOptionAttachments(m.attachment)}
	if m.username != "" {
		options = append(options, slack.MsgOptionUsername(m.username))
	}
	if m.iconEmoji != "" {
		options = append(options, slack.MsgOptionIconEmoji(m.iconEmoji))
	}
	if m.iconURL != "" {
		options = append(options, slack.MsgOptionIconURL(m.iconURL))
	}

	state := func(channel, ts string) map[string]string {
		return map[string]string{
			s.stateKey("channel"): channel,
			s.stateKey("ts"):      ts,
			s.stateKey("status"):  data.Status,
		}
	}
	fail := func(method string, err error) error {
		status, header, terr := x.last()
		reportStatus(ctx, status)
		if body := x.errorBody(); body != "" && status >= 400 {
			err = fmt.Errorf("%w: %s", err, body)
		}
		de := classify(ctx, status, header, terr, scrub.errorf("%s: %s: %w", s.name, method, err))
		slackRetry(de, err)
		return de
	}

	if ch, ts, ok := s.previous(n, data); ok {
		_, _, _, err := api.UpdateMessageContext(ctx, ch, ts, options...)
		if err == nil {
			status, _, _ := x.last()
			reportStatus(ctx, status)
			return state(ch, ts), nil
		}
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || (se.Err != "message_not_found" && se.Err != "cant_update_message") {
			return nil, fail("chat.update", err)
		}
		// The message is gone (deleted, or too old to edit): post anew.
		s.opts.Logger.Info("slack message to update is gone, posting a new one",
			zap.String("integration", s.name), zap.String("channel", ch), zap.String("reason", se.Err))
	}

	ch, ts, err := api.PostMessageContext(ctx, m.channel, options...)
	if err != nil {
		return nil, fail("chat.postMessage", err)
	}
	status, _, _ := x.last()
	reportStatus(ctx, status)
	return state(ch, ts), nil
}

// previous is the message of the group's last notification, when this one
// should edit it: with update_message, unless
// the last one told of a resolution and this one of a new firing, which
// deserves a message people notice.
func (s *slackIntegration) previous(n *alerting.Notification, data *Data) (channel, ts string, ok bool) {
	if !s.conf.UpdatesMessage() {
		return "", "", false
	}
	channel, ts = n.State[s.stateKey("channel")], n.State[s.stateKey("ts")]
	if channel == "" || ts == "" {
		return "", "", false
	}
	if n.State[s.stateKey("status")] == "resolved" && data.Status == "firing" {
		return "", "", false
	}
	return channel, ts, true
}

// slackAPIBase is the Web API base of api_url: configurations written for
// Alertmanager give the chat.postMessage method's URL.
func slackAPIBase(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	for _, method := range []string{"chat.postMessage", "chat.update"} {
		c.Path = strings.TrimSuffix(c.Path, method)
	}
	if !strings.HasSuffix(c.Path, "/") {
		c.Path += "/"
	}
	c.RawPath = ""
	return c.String()
}

// slackRetry refines a classification with what slack-go's error says:
// its rate-limit wait, or an ok:false error that is only temporary.
func slackRetry(de *DeliveryError, err error) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		de.Retryable = true
		if de.HTTPStatus == 0 {
			de.HTTPStatus = 429
		}
		if de.RetryAfter == 0 {
			de.RetryAfter = rl.RetryAfter
		}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && slackTransient[se.Err] {
		de.Retryable = true
	}
}
