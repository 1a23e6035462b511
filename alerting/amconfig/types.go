package amconfig

import (
	"net/url"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"
)

// Alertmanager's defaults, which a loaded Config has filled in.
const (
	DefaultResolveTimeout = 5 * time.Minute
	DefaultGroupWait      = 30 * time.Second
	DefaultGroupInterval  = 5 * time.Minute
	DefaultRepeatInterval = 4 * time.Hour
	DefaultPagerDutyURL   = "https://events.pagerduty.com/v2/enqueue"
	// DefaultSlackAppURL is global.slack_app_url's default: where
	// Alertmanager posts with an app_token.
	DefaultSlackAppURL = "https://slack.com/api/chat.postMessage"
	// DefaultSlackAPIBase is Slack's Web API, a SlackConfig's APIURL when
	// it has a bot token and no api_url.
	DefaultSlackAPIBase = "https://slack.com/api/"
)

// Config is an Alertmanager configuration file, the part slopipe reads.
// After Load every default and inherited value is filled in and every
// secret resolved (see the package doc).
type Config struct {
	Global            Global              `yaml:"global"`
	Route             *Route              `yaml:"route"`
	Receivers         []*Receiver         `yaml:"receivers"`
	InhibitRules      []InhibitRule       `yaml:"inhibit_rules"`
	TimeIntervals     []NamedTimeInterval `yaml:"time_intervals"`
	MuteTimeIntervals []NamedTimeInterval `yaml:"mute_time_intervals"` // the older name of time_intervals
	Templates         []string            `yaml:"templates"`           // must be empty: see the package doc
}

// Receiver is the receiver called name, nil if there is none.
func (c *Config) Receiver(name string) *Receiver {
	for _, r := range c.Receivers {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Intervals are the time intervals of both time_intervals and
// mute_time_intervals by name, the shape timeinterval.NewIntervener takes.
func (c *Config) Intervals() map[string][]timeinterval.TimeInterval {
	out := make(map[string][]timeinterval.TimeInterval, len(c.TimeIntervals)+len(c.MuteTimeIntervals))
	for _, list := range [][]NamedTimeInterval{c.MuteTimeIntervals, c.TimeIntervals} {
		for _, ti := range list {
			out[ti.Name] = ti.TimeIntervals
		}
	}
	return out
}

// Global holds the defaults receivers inherit. Alertmanager's other global
// keys (smtp_*, opsgenie_*, http_config…) are accepted and have no effect.
type Global struct {
	ResolveTimeout  model.Duration `yaml:"resolve_timeout"` // default 5m
	PagerDutyURL    *URL           `yaml:"pagerduty_url"`   // default DefaultPagerDutyURL
	SlackAPIURL     *SecretURL     `yaml:"slack_api_url"`   // read from SlackAPIURLFile when that is set
	SlackAPIURLFile string         `yaml:"slack_api_url_file"`
	// Alertmanager 0.30's Slack app token, inherited by slack_configs with
	// neither an api_url nor an authorization of their own.
	SlackAppToken     Secret `yaml:"slack_app_token"`
	SlackAppTokenFile string `yaml:"slack_app_token_file"`
	SlackAppURL       *URL   `yaml:"slack_app_url"` // default DefaultSlackAppURL
}

// Route is one node of the routing tree. After Load, Receiver, GroupBy,
// GroupByAll and the three intervals hold what the node inherits when it
// does not set them, as Alertmanager resolves them; Matchers, the time
// intervals and Continue are the node's own.
type Route struct {
	Receiver            string            `yaml:"receiver"`
	GroupBy             []model.LabelName `yaml:"-"` // from group_by; nil with GroupByAll
	GroupByAll          bool              `yaml:"-"` // group_by: ['...']
	Match               map[string]string `yaml:"match"`
	MatchRE             map[string]string `yaml:"match_re"`
	Matchers            labels.Matchers   `yaml:"-"` // matchers, match and match_re, all as matchers, sorted
	MuteTimeIntervals   []string          `yaml:"mute_time_intervals"`
	ActiveTimeIntervals []string          `yaml:"active_time_intervals"`
	Continue            bool              `yaml:"continue"`
	Routes              []*Route          `yaml:"routes"`
	// Inherited from the parent when not set, as Alertmanager does; the
	// root's defaults are 30s, 5m and 4h.
	GroupWait      *model.Duration `yaml:"group_wait"`
	GroupInterval  *model.Duration `yaml:"group_interval"`
	RepeatInterval *model.Duration `yaml:"repeat_interval"`
}

// Receiver is a named set of integrations. One without any is valid: it
// receives and sends nothing, as in Alertmanager.
type Receiver struct {
	Name             string             `yaml:"name"`
	Labels           map[string]string  `yaml:"labels"` // Alertmanager 0.33's receiver labels; "name" must be Name
	PagerDutyConfigs []*PagerDutyConfig `yaml:"pagerduty_configs"`
	SlackConfigs     []*SlackConfig     `yaml:"slack_configs"`
	WebhookConfigs   []*WebhookConfig   `yaml:"webhook_configs"`
}

// PagerDutyConfig is a PagerDuty Events API v2 integration.
type PagerDutyConfig struct {
	SendResolved   *bool             `yaml:"send_resolved"` // default true
	RoutingKey     Secret            `yaml:"routing_key"`   // read from RoutingKeyFile when that is set
	RoutingKeyFile string            `yaml:"routing_key_file"`
	URL            *URL              `yaml:"url"` // default global.pagerduty_url, then https://events.pagerduty.com/v2/enqueue
	HTTPConfig     *HTTPConfig       `yaml:"http_config"`
	Client         string            `yaml:"client"`
	ClientURL      string            `yaml:"client_url"`
	Description    string            `yaml:"description"` // template
	Details        map[string]string `yaml:"details"`     // templates
	Severity       string            `yaml:"severity"`    // template; default: critical for pages, warning for tickets
	Class          string            `yaml:"class"`
	Component      string            `yaml:"component"`
	Group          string            `yaml:"group"`
	Source         string            `yaml:"source"`
	Timeout        time.Duration     `yaml:"timeout"` // 0: no limit of its own
}

// SendsResolved says whether resolved alerts are sent (send_resolved,
// default true).
func (p *PagerDutyConfig) SendsResolved() bool { return p.SendResolved == nil || *p.SendResolved }

// SlackConfig is a Slack integration: a bot token posting with
// chat.postMessage (and updating on resolve), or an incoming webhook.
type SlackConfig struct {
	SendResolved *bool `yaml:"send_resolved"` // default false, as Alertmanager
	// Without a token, the incoming webhook. With one, Slack's Web API base
	// ending in "/" (default DefaultSlackAPIBase): an api_url or app_url
	// ending in chat.postMessage, Alertmanager's form, is cut back to it.
	APIURL     *SecretURL `yaml:"api_url"`
	APIURLFile string     `yaml:"api_url_file"`
	// HTTPConfig.Authorization.Credentials is the bot token (Alertmanager's
	// way of giving one); the token makes this a chat.postMessage receiver.
	HTTPConfig *HTTPConfig `yaml:"http_config"`
	// Alertmanager 0.30's app token; after Load it is also
	// HTTPConfig.Authorization, so Token is the one place to look.
	AppToken     Secret `yaml:"app_token"`
	AppTokenFile string `yaml:"app_token_file"`
	AppURL       *URL   `yaml:"app_url"`
	Channel      string `yaml:"channel"` // required with a token
	Username     string `yaml:"username"`
	Color        string `yaml:"color"`
	Title        string `yaml:"title"`
	TitleLink    string `yaml:"title_link"`
	Pretext      string `yaml:"pretext"`
	Text         string `yaml:"text"`
	Footer       string `yaml:"footer"`
	IconEmoji    string `yaml:"icon_emoji"`
	IconURL      string `yaml:"icon_url"`
	// UpdateMessage, Alertmanager 0.32's field: with a token, a resolve
	// edits the message the trigger posted (chat.update).
	UpdateMessage *bool         `yaml:"update_message"`
	Timeout       time.Duration `yaml:"timeout"` // 0: no limit of its own
}

// SendsResolved says whether resolved alerts are sent (send_resolved,
// default false).
func (s *SlackConfig) SendsResolved() bool { return s.SendResolved != nil && *s.SendResolved }

// UpdatesMessage says whether a resolve edits the posted message
// (update_message, default false; only with a token).
func (s *SlackConfig) UpdatesMessage() bool { return s.UpdateMessage != nil && *s.UpdateMessage }

// Token is the bot token, "" for an incoming webhook.
func (s *SlackConfig) Token() string {
	if s.HTTPConfig == nil || s.HTTPConfig.Authorization == nil {
		return ""
	}
	return s.HTTPConfig.Authorization.Credentials.Value()
}

// MethodURL is the URL of a Web API method ("chat.postMessage",
// "chat.update") under APIURL; meaningful with a token only.
func (s *SlackConfig) MethodURL(method string) string {
	base := DefaultSlackAPIBase
	if s.APIURL.isSet() {
		base = s.APIURL.Value()
	}
	return base + method
}

// WebhookConfig posts Alertmanager's webhook payload.
type WebhookConfig struct {
	SendResolved *bool         `yaml:"send_resolved"` // default true
	URL          *SecretURL    `yaml:"url"`           // read from URLFile when that is set
	URLFile      string        `yaml:"url_file"`
	HTTPConfig   *HTTPConfig   `yaml:"http_config"`
	MaxAlerts    uint64        `yaml:"max_alerts"` // 0: all
	Timeout      time.Duration `yaml:"timeout"`    // 0: no limit of its own
}

// SendsResolved says whether resolved alerts are sent (send_resolved,
// default true).
func (w *WebhookConfig) SendsResolved() bool { return w.SendResolved == nil || *w.SendResolved }

// HTTPConfig is the part of Prometheus' HTTP client configuration slopipe
// honours. After Load at most one of Authorization and BasicAuth is set:
// a bearer_token has become an Authorization of type Bearer.
type HTTPConfig struct {
	Authorization   *Authorization `yaml:"authorization"`
	BearerToken     Secret         `yaml:"bearer_token"` // deprecated form; empty after Load
	BearerTokenFile string         `yaml:"bearer_token_file"`
	BasicAuth       *BasicAuth     `yaml:"basic_auth"`
}

// Authorization is an Authorization header, "<Type> <Credentials>".
type Authorization struct {
	Type            string `yaml:"type"` // default Bearer
	Credentials     Secret `yaml:"credentials"`
	CredentialsFile string `yaml:"credentials_file"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username     string `yaml:"username"`
	UsernameFile string `yaml:"username_file"`
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
}

// InhibitRule mutes alerts matching Target while an alert matching Source
// fires with the same values of Equal.
type InhibitRule struct {
	Name           string            `yaml:"name"`
	SourceMatchers labels.Matchers   `yaml:"-"` // source_matchers, source_match, source_match_re
	TargetMatchers labels.Matchers   `yaml:"-"`
	Equal          []model.LabelName `yaml:"-"`
}

// NamedTimeInterval is a named list of time intervals.
type NamedTimeInterval struct {
	Name          string                      `yaml:"name"`
	TimeIntervals []timeinterval.TimeInterval `yaml:"time_intervals"`
}

// Secret is a value never printed: String, fmt's verbs, JSON and YAML show
// "<secret>"; Value is the secret.
type Secret string

// URL is a parsed absolute http(s) URL.
type URL struct{ *url.URL }
