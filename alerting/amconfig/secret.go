package amconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
)

// redacted is what a secret prints as, everywhere: fmt, JSON and YAML. It
// is also what Alertmanager prints, so a file copied from a redacted dump
// (amtool config show) is recognised and refused rather than loaded with
// "<secret>" as a key.
const redacted = "<secret>"

// Value is the secret itself, for the integration that sends it.
func (s Secret) Value() string { return string(s) }

// shown is what the secret prints as: "<secret>", or "" when unset so that
// a missing secret still shows.
func (s Secret) shown() string {
	if s == "" {
		return ""
	}
	return redacted
}

func (s Secret) String() string   { return s.shown() }
func (s Secret) GoString() string { return "amconfig.Secret(" + strconv.Quote(s.shown()) + ")" }

// Format keeps every verb (%x, %q, %#v…) from reaching the value.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.shown()) }

func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.shown()) }
func (s Secret) MarshalYAML() (any, error)    { return s.shown(), nil }

// ParseURL parses an absolute http or https URL; the error names the value.
func ParseURL(s string) (*URL, error) {
	u, err := parseHTTPURL(s)
	if err != nil {
		return nil, fmt.Errorf("%q %w", s, err)
	}
	return &URL{u}, nil
}

func (u URL) String() string {
	if u.URL == nil {
		return ""
	}
	return u.URL.String()
}

func (u *URL) clone() *URL {
	if u == nil || u.URL == nil {
		return nil
	}
	c := *u.URL
	return &URL{&c}
}

func (u URL) MarshalJSON() ([]byte, error) {
	if u.URL == nil {
		return []byte("null"), nil
	}
	return json.Marshal(u.URL.String())
}

func (u URL) MarshalYAML() (any, error) {
	if u.URL == nil {
		return nil, nil
	}
	return u.URL.String(), nil
}

// SecretURL is a URL that is itself a credential (a Slack incoming
// webhook, a webhook with a token in its path): it prints as "<secret>"
// and its errors never quote it.
type SecretURL struct{ u *url.URL }

// ParseSecretURL parses an absolute http or https URL; the error does not
// contain the value.
func ParseSecretURL(s string) (*SecretURL, error) {
	u, err := parseHTTPURL(s)
	if err != nil {
		return nil, err
	}
	return &SecretURL{u}, nil
}

// URL is a copy of the URL, for the integration that sends to it.
func (s *SecretURL) URL() *url.URL {
	if s == nil || s.u == nil {
		return nil
	}
	c := *s.u
	return &c
}

// Value is the URL as a string, for the integration that sends to it.
func (s *SecretURL) Value() string {
	if s == nil || s.u == nil {
		return ""
	}
	return s.u.String()
}

func (s SecretURL) String() string               { return redacted }
func (s SecretURL) GoString() string             { return "amconfig.SecretURL{" + redacted + "}" }
func (s SecretURL) Format(f fmt.State, _ rune)   { _, _ = io.WriteString(f, redacted) }
func (s SecretURL) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }
func (s SecretURL) MarshalYAML() (any, error)    { return redacted, nil }
func (s *SecretURL) clone() *SecretURL           { return &SecretURL{s.URL()} }
func (s *SecretURL) isSet() bool                 { return s != nil && s.u != nil }

// parseHTTPURL's errors never contain the value: callers holding a secret
// return them as they are.
func parseHTTPURL(s string) (*url.URL, error) {
	if strings.Contains(s, "{{") {
		return nil, errors.New("is a template: slopipe takes a URL as it is")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("is not an absolute http or https URL")
	}
	if u.Host == "" {
		return nil, errors.New("has no host")
	}
	return u, nil
}

// The types holding secrets print through these methods with their fields
// as %v or %+v shows them, whatever the verb. fmt's other verbs (%s, %q,
// %x, %d) would dump a struct's pointer fields with its bad-verb printer,
// which calls no String or Format method and so would print the secrets
// they point to. Each plain type is its type without methods, so that
// printing it does not call Format again.
type (
	plainConfig          Config
	plainGlobal          Global
	plainReceiver        Receiver
	plainPagerDutyConfig PagerDutyConfig
	plainSlackConfig     SlackConfig
	plainWebhookConfig   WebhookConfig
	plainHTTPConfig      HTTPConfig
	plainAuthorization   Authorization
	plainBasicAuth       BasicAuth
)

func (c Config) Format(f fmt.State, _ rune)          { formatStruct(f, plainConfig(c)) }
func (g Global) Format(f fmt.State, _ rune)          { formatStruct(f, plainGlobal(g)) }
func (r Receiver) Format(f fmt.State, _ rune)        { formatStruct(f, plainReceiver(r)) }
func (p PagerDutyConfig) Format(f fmt.State, _ rune) { formatStruct(f, plainPagerDutyConfig(p)) }
func (s SlackConfig) Format(f fmt.State, _ rune)     { formatStruct(f, plainSlackConfig(s)) }
func (w WebhookConfig) Format(f fmt.State, _ rune)   { formatStruct(f, plainWebhookConfig(w)) }
func (h HTTPConfig) Format(f fmt.State, _ rune)      { formatStruct(f, plainHTTPConfig(h)) }
func (a Authorization) Format(f fmt.State, _ rune)   { formatStruct(f, plainAuthorization(a)) }
func (b BasicAuth) Format(f fmt.State, _ rune)       { formatStruct(f, plainBasicAuth(b)) }

func formatStruct(f fmt.State, v any) {
	if f.Flag('+') || f.Flag('#') {
		fmt.Fprintf(f, "%+v", v)
		return
	}
	fmt.Fprintf(f, "%v", v)
}
