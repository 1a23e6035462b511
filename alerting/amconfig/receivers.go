package amconfig

import (
	"path/filepath"
	"strings"
)

// receivers checks the receivers, fills in each integration's defaults and
// what it inherits from global, resolves its secrets, and returns the
// receivers' names.
func (d *decoder) receivers(cfg *Config) map[string]bool {
	names := map[string]bool{}
	first := map[string]string{}
	for i, r := range cfg.Receivers {
		if r == nil {
			continue // an empty entry, already a problem
		}
		path := index("receivers", i)
		switch {
		case r.Name == "":
			d.errorAt(path, "name is required")
		case names[r.Name]:
			d.errorAt(join(path, "name"), "%q is already the name of %s (line %d)", r.Name, first[r.Name], d.lineOf(first[r.Name]))
		default:
			names[r.Name] = true
			first[r.Name] = path
		}
		if v, ok := r.Labels["name"]; ok && v != r.Name {
			d.errorAt(join(path, "labels.name"), "must be the receiver's name %q, not %q", r.Name, v)
		}
		for j, p := range r.PagerDutyConfigs {
			if p != nil {
				d.pagerDuty(p, &cfg.Global, index(join(path, "pagerduty_configs"), j))
			}
		}
		for j, s := range r.SlackConfigs {
			if s != nil {
				d.slack(s, &cfg.Global, index(join(path, "slack_configs"), j))
			}
		}
		for j, w := range r.WebhookConfigs {
			if w != nil {
				d.webhook(w, index(join(path, "webhook_configs"), j))
			}
		}
	}
	return names
}

func (d *decoder) pagerDuty(p *PagerDutyConfig, g *Global, path string) {
	d.secretFile(&p.RoutingKey, &p.RoutingKeyFile, path, "routing_key")
	if p.RoutingKey == "" && p.RoutingKeyFile == "" && d.missing(join(path, "routing_key")) {
		d.errorAt(path, "routing_key or routing_key_file is required: the integration key of an Events API v2 integration")
	}
	if p.URL == nil {
		p.URL = g.PagerDutyURL.clone()
	}
	d.httpConfig(p.HTTPConfig, join(path, "http_config"))
	if p.SendResolved == nil {
		p.SendResolved = boolPtr(true)
	}
}

// slack follows Alertmanager's order: the receiver's own settings, then
// global's app token (only for a receiver with no URL nor authorization of
// its own), then global's API URL. slopipe adds one case: a token with no
// URL posts to Slack's Web API.
func (d *decoder) slack(s *SlackConfig, g *Global, path string) {
	hasURL := s.APIURL.isSet() || s.APIURLFile != ""
	if s.AppToken != "" || s.AppTokenFile != "" {
		if hasURL {
			d.errorAt(join(path, "app_token"), "set app_token or api_url, not both")
		}
		if s.HTTPConfig != nil && (s.HTTPConfig.Authorization != nil || s.HTTPConfig.BearerToken != "" || s.HTTPConfig.BearerTokenFile != "") {
			d.errorAt(join(path, "app_token"), "set app_token or http_config's authorization, not both")
		}
	}
	d.secretURLFile(&s.APIURL, &s.APIURLFile, path, "api_url")
	d.secretFile(&s.AppToken, &s.AppTokenFile, path, "app_token")
	d.httpConfig(s.HTTPConfig, join(path, "http_config"))

	ownAuth := s.HTTPConfig != nil && s.HTTPConfig.Authorization != nil
	if s.AppToken == "" && s.AppTokenFile == "" && !ownAuth && !hasURL {
		s.AppToken, s.AppTokenFile = g.SlackAppToken, g.SlackAppTokenFile
	}
	// A bot does not post to global's incoming webhook: it inherits the
	// global URL only in the Web API form (Alertmanager's workaround for
	// tokens, a global slack_api_url of .../chat.postMessage).
	bot := s.AppToken != "" || ownAuth
	if !hasURL && (!bot || isSlackWebAPI(g.SlackAPIURL)) {
		if g.SlackAPIURL.isSet() {
			s.APIURL = g.SlackAPIURL.clone()
		}
		s.APIURLFile = g.SlackAPIURLFile
	}
	if s.AppToken != "" {
		if s.HTTPConfig == nil {
			s.HTTPConfig = &HTTPConfig{}
		}
		s.HTTPConfig.Authorization = &Authorization{Type: "Bearer", Credentials: s.AppToken}
		if s.AppURL == nil {
			s.AppURL = g.SlackAppURL.clone()
		}
		s.APIURL = &SecretURL{s.AppURL.clone().URL}
	}

	if s.Token() != "" {
		s.APIURL = slackAPIBase(s.APIURL)
		if s.Channel == "" {
			d.errorAt(path, "channel is required with a bot token: chat.postMessage posts to a channel")
		}
	} else {
		if !s.APIURL.isSet() && s.APIURLFile == "" && d.missing(join(path, "api_url"), join(path, "app_token")) {
			d.errorAt(path, "needs api_url or api_url_file (an incoming webhook), or a bot token (http_config.authorization.credentials or app_token); none is set here nor in global")
		}
		if s.UpdatesMessage() {
			d.errorAt(join(path, "update_message"), "needs a bot token: an incoming webhook cannot edit a message")
		}
	}
	if s.SendResolved == nil {
		s.SendResolved = boolPtr(false)
	}
	if s.UpdateMessage == nil {
		// A bot edits its message on resolve unless told not to: one
		// message per incident in the channel, its colour its state.
		s.UpdateMessage = boolPtr(s.Token() != "")
	}
}

// slackAPIBase is the Web API base a token's methods go under: Slack's by
// default, and Alertmanager's .../chat.postMessage cut back to its
// directory.
func slackAPIBase(u *SecretURL) *SecretURL {
	if !u.isSet() {
		base, _ := ParseSecretURL(DefaultSlackAPIBase)
		return base
	}
	c := u.URL()
	c.Path = strings.TrimSuffix(c.Path, "chat.postMessage")
	if !strings.HasSuffix(c.Path, "/") {
		c.Path += "/"
	}
	c.RawPath = ""
	return &SecretURL{c}
}

func isSlackWebAPI(u *SecretURL) bool {
	return u.isSet() && strings.HasSuffix(u.u.Path, "/chat.postMessage")
}

func (d *decoder) webhook(w *WebhookConfig, path string) {
	d.secretURLFile(&w.URL, &w.URLFile, path, "url")
	if !w.URL.isSet() && w.URLFile == "" && d.missing(join(path, "url")) {
		d.errorAt(path, "url or url_file is required")
	}
	d.httpConfig(w.HTTPConfig, join(path, "http_config"))
	if w.SendResolved == nil {
		w.SendResolved = boolPtr(true)
	}
}

// httpConfig resolves the credentials and turns a bearer_token into the
// Authorization Prometheus makes of it.
func (d *decoder) httpConfig(h *HTTPConfig, path string) {
	if h == nil {
		return
	}
	d.secretFile(&h.BearerToken, &h.BearerTokenFile, path, "bearer_token")
	set := 0
	for _, ok := range []bool{h.Authorization != nil, h.BasicAuth != nil, h.BearerToken != "" || h.BearerTokenFile != ""} {
		if ok {
			set++
		}
	}
	if set > 1 {
		d.errorAt(path, "set one of authorization, basic_auth and bearer_token")
	}
	if a := h.Authorization; a != nil {
		p := join(path, "authorization")
		d.secretFile(&a.Credentials, &a.CredentialsFile, p, "credentials")
		if a.Credentials == "" && a.CredentialsFile == "" {
			d.errorAt(p, "credentials or credentials_file is required")
		}
		switch {
		case a.Type == "":
			a.Type = "Bearer"
		case strings.EqualFold(a.Type, "basic"):
			d.errorAt(join(p, "type"), "use basic_auth for basic authentication")
		}
	}
	if b := h.BasicAuth; b != nil {
		p := join(path, "basic_auth")
		user := Secret(b.Username)
		d.secretFile(&user, &b.UsernameFile, p, "username")
		b.Username = user.Value()
		d.secretFile(&b.Password, &b.PasswordFile, p, "password")
	}
	if h.BearerToken != "" && h.Authorization == nil {
		h.Authorization = &Authorization{Type: "Bearer", Credentials: h.BearerToken}
		h.BearerToken = ""
	}
}

// secretFile resolves key and key_file under path into s: from the file
// when it is set, read whole less its trailing line break. Problems name
// the file, never what it holds.
func (d *decoder) secretFile(s *Secret, file *string, path, key string) {
	if *file == "" {
		return
	}
	fileKey := join(path, key+"_file")
	if *s != "" {
		d.errorAt(fileKey, "set %s or %s_file, not both", key, key)
		return
	}
	*file = d.path(*file)
	b, err := d.readFile(*file)
	if err != nil {
		d.errorAt(fileKey, "%v", err)
		return
	}
	*s = Secret(strings.TrimRight(string(b), "\r\n"))
	if *s == "" {
		d.errorAt(fileKey, "%s is empty", *file)
	}
}

// secretURLFile is secretFile for a URL that is a secret.
func (d *decoder) secretURLFile(u **SecretURL, file *string, path, key string) {
	if *file == "" {
		return
	}
	fileKey := join(path, key+"_file")
	if (*u).isSet() {
		d.errorAt(fileKey, "set %s or %s_file, not both", key, key)
		return
	}
	var s Secret
	d.secretFile(&s, file, path, key)
	if s == "" {
		return
	}
	parsed, err := ParseSecretURL(strings.TrimSpace(s.Value()))
	if err != nil {
		d.errorAt(fileKey, "the URL in %s %v", *file, err)
		return
	}
	*u = parsed
}

func (d *decoder) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(d.dir, p)
}

func boolPtr(b bool) *bool { return &b }
