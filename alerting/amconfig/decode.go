package amconfig

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// The decoder walks the YAML node tree into the Config by the yaml tags of
// its types, strictly: a key no type declares is a problem naming its path,
// and every problem is kept so the file is reported in one go. It records
// the line of every path it passes, so the checks that run after decoding
// (references, inheritance) point at the line too.

// Keys Alertmanager knows but the types here do not declare: ignored ones
// configure nothing slopipe does; the others are refused with the reason.
const ignored = ""

const (
	notDelivered = "slopipe does not deliver this integration; it delivers pagerduty_configs, slack_configs and webhook_configs"
	notSupported = "not supported by slopipe"
	eventsAPIv1  = "PagerDuty's Events API v1 is not supported: use routing_key (Events API v2)"
)

var otherKeys = map[reflect.Type]map[string]string{
	reflect.TypeFor[Config](): {
		// Alertmanager's own tracing and event recording.
		"tracing": ignored, "event_recorder": ignored,
	},
	reflect.TypeFor[Global](): keysOf(ignored,
		"http_config", "jira_api_url",
		"smtp_from", "smtp_hello", "smtp_smarthost", "smtp_auth_username", "smtp_auth_password",
		"smtp_auth_password_file", "smtp_auth_secret", "smtp_auth_secret_file", "smtp_auth_identity",
		"smtp_require_tls", "smtp_tls_config", "smtp_force_implicit_tls",
		"opsgenie_api_url", "opsgenie_api_key", "opsgenie_api_key_file",
		"wechat_api_url", "wechat_api_secret", "wechat_api_secret_file", "wechat_api_corp_id",
		"victorops_api_url", "victorops_api_key", "victorops_api_key_file",
		"telegram_api_url", "telegram_bot_token", "telegram_bot_token_file",
		"webex_api_url",
		"rocketchat_api_url", "rocketchat_token", "rocketchat_token_file", "rocketchat_token_id", "rocketchat_token_id_file",
		"mattermost_webhook_url", "mattermost_webhook_url_file",
	),
	reflect.TypeFor[Receiver](): keysOf(notDelivered,
		"email_configs", "opsgenie_configs", "victorops_configs", "pushover_configs", "wechat_configs",
		"telegram_configs", "sns_configs", "webex_configs", "msteams_configs", "msteamsv2_configs",
		"discord_configs", "jira_configs", "rocketchat_configs", "incidentio_configs", "mattermost_configs",
	),
	reflect.TypeFor[Route](): {
		"labels": "route labels are " + notSupported,
	},
	reflect.TypeFor[PagerDutyConfig](): {
		"service_key": eventsAPIv1, "service_key_file": eventsAPIv1,
		"images": notSupported, "links": notSupported,
	},
	reflect.TypeFor[SlackConfig](): keysOf(notSupported,
		"message_text", "fields", "short_fields", "fallback", "callback_id", "image_url", "thumb_url",
		"link_names", "mrkdwn_in", "actions",
	),
	reflect.TypeFor[WebhookConfig](): {
		"payload": "a custom payload is " + notSupported + ": it posts Alertmanager's webhook payload",
	},
	reflect.TypeFor[HTTPConfig](): keysOf(notSupported,
		"oauth2", "tls_config", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header",
		"http_headers", "follow_redirects", "enable_http2",
	),
}

func keysOf(msg string, keys ...string) map[string]string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = msg
	}
	return m
}

// Problem is one thing wrong in a configuration file.
type Problem struct {
	File    string
	Line    int    // 0 when the problem is about the file as a whole
	Path    string // the field, e.g. route.routes[1].receiver; "" for the file
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is every problem found in a file, one per line, in file order.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

type decoder struct {
	file     string
	dir      string // relative *_file paths are relative to the file's directory
	lines    map[string]int
	problems []Problem
	failed   map[string]bool // paths with a problem: no second one for a missing value
	// lookupEnv and readFile are the process's; tests may replace them.
	lookupEnv func(string) (string, bool)
	readFile  func(string) ([]byte, error)
}

// errorf records a problem at n's line.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Path: path, Message: fmt.Sprintf(format, args...)})
	d.failed[path] = true
}

// errorAt records a problem at the line the decoder saw path on, or the
// nearest enclosing path it saw.
func (d *decoder) errorAt(path, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Line: d.lineOf(path), Path: path, Message: fmt.Sprintf(format, args...)})
	d.failed[path] = true
}

// missing says whether a required value at path is missing rather than
// already reported as wrong.
func (d *decoder) missing(paths ...string) bool {
	for _, p := range paths {
		if d.failed[p] {
			return false
		}
	}
	return true
}

func (d *decoder) lineOf(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := d.lines[p]; ok {
			return l
		}
	}
	return 0
}

func parentPath(p string) string {
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

var (
	secretType    = reflect.TypeFor[Secret]()
	urlType       = reflect.TypeFor[URL]()
	secretURLType = reflect.TypeFor[SecretURL]()
	durationType  = reflect.TypeFor[time.Duration]()
)

// obsoleteUnmarshaler is yaml.v2's interface, which Alertmanager's and
// Prometheus' types implement and yaml.v3 still honours.
type obsoleteUnmarshaler interface {
	UnmarshalYAML(unmarshal func(any) error) error
}

// decode sets v from n. path names v for problems.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if _, seen := d.lines[path]; !seen {
		d.lines[path] = n.Line
	}
	if isNull(n) {
		return
	}
	if v.Kind() == reflect.Pointer {
		elem := reflect.New(v.Type().Elem())
		d.decode(n, path, elem.Elem())
		v.Set(elem)
		return
	}
	switch v.Type() {
	case secretType:
		if s, ok := d.secret(n, path); ok {
			v.SetString(s)
		}
		return
	case urlType:
		if s, ok := d.scalar(n, path, "a URL"); ok {
			u, err := ParseURL(s)
			if err != nil {
				d.errorf(n, path, "%v", err)
				return
			}
			v.Set(reflect.ValueOf(*u))
		}
		return
	case secretURLType:
		if s, ok := d.secret(n, path); ok {
			u, err := ParseSecretURL(s)
			if err != nil {
				d.errorf(n, path, "the URL %v", err)
				return
			}
			v.Set(reflect.ValueOf(*u))
		}
		return
	case durationType:
		if s, ok := d.scalar(n, path, "a duration"); ok {
			dur, err := time.ParseDuration(s)
			if err != nil || dur < 0 {
				d.errorf(n, path, "%q is not a duration (like 10s or 1m30s)", s)
				return
			}
			v.SetInt(int64(dur))
		}
		return
	}
	ptr := v.Addr().Interface()
	_, u3 := ptr.(yaml.Unmarshaler)
	_, u2 := ptr.(obsoleteUnmarshaler)
	if u3 || u2 {
		if err := n.Decode(ptr); err != nil {
			d.errorf(n, path, "%s", cleanYAMLError(err))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, path, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "must be a list, not %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if isNull(item) {
				d.errorf(item, index(path, i), "is empty")
				continue
			}
			d.decode(item, index(path, i), s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "must be a mapping, not %s", describe(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for _, kv := range d.pairs(n, path) {
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(kv.value, join(path, kv.key), elem)
			m.SetMapIndex(reflect.ValueOf(kv.key).Convert(v.Type().Key()), elem)
		}
		v.Set(m)
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			d.errorf(n, path, "must be true or false, not %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var u uint64
		if n.Kind != yaml.ScalarNode || n.Decode(&u) != nil || v.OverflowUint(u) {
			d.errorf(n, path, "must be a whole number not below 0, not %s", describe(n))
			return
		}
		v.SetUint(u)
	default:
		// Every field of the types above is one of the kinds handled.
		panic(fmt.Sprintf("amconfig: cannot decode %s at %s", v.Type(), path))
	}
}

// decodeStruct sets the fields of v from the mapping n by their yaml tags,
// handing the keys a type reads itself to readByHand.
func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping, not %s", describe(n))
		return
	}
	fields := fieldsByKey(v.Type())
	for _, kv := range d.pairs(n, path) {
		p := join(path, kv.key)
		// A problem about the whole value is on its key's line.
		if _, seen := d.lines[p]; !seen {
			d.lines[p] = kv.keyNode.Line
		}
		if d.readByHand(v, kv.key, kv.value, p) {
			continue
		}
		if i, ok := fields[kv.key]; ok {
			d.decode(kv.value, p, v.Field(i))
			continue
		}
		msg, known := otherKeys[v.Type()][kv.key]
		switch {
		case !known:
			d.errorf(kv.keyNode, p, "unknown field")
		case msg != ignored:
			d.errorf(kv.keyNode, p, "%s", msg)
		}
	}
	d.finish(v)
}

// fieldsByKey maps yaml keys to field indexes; fields tagged "-" are read
// by hand or computed.
func fieldsByKey(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = i
	}
	return m
}

type pair struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// pairs are the entries of the mapping n, with YAML merge keys (<<: *x)
// applied: a key given in n wins over a merged one. A key given twice is a
// problem.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var own, merged []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merged = append(merged, d.mergePairs(val, path)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "a key must be a string, not %s", describe(k))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.errorf(k, join(path, k.Value), "is set twice (first on line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		own = append(own, pair{k.Value, k, val})
	}
	out := own
	for _, m := range merged {
		if _, ok := seen[m.key]; !ok {
			seen[m.key] = m.keyNode.Line
			out = append(out, m)
		}
	}
	return out
}

func (d *decoder) mergePairs(n *yaml.Node, path string) []pair {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		return d.pairs(n, path)
	case yaml.SequenceNode:
		var out []pair
		for _, m := range n.Content {
			out = append(out, d.mergePairs(m, path)...)
		}
		return out
	}
	d.errorf(n, path, "<< must merge a mapping, not %s", describe(n))
	return nil
}

func (d *decoder) scalar(n *yaml.Node, path, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "must be %s, not %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

var envRef = regexp.MustCompile(`^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$`)

// secret is the scalar n, with a whole-value ${env:NAME} replaced by the
// variable. Problems never quote the value.
func (d *decoder) secret(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "must be a string, not %s", describe(n))
		return "", false
	}
	s := n.Value
	if strings.HasPrefix(s, "${env:") {
		m := envRef.FindStringSubmatch(s)
		if m == nil {
			d.errorf(n, path, "an environment reference must be the whole value, ${env:NAME}")
			return "", false
		}
		v, ok := d.lookupEnv(m[1])
		if !ok {
			d.errorf(n, path, "environment variable %s is not set", m[1])
			return "", false
		}
		s = v
	}
	if s == redacted {
		d.errorf(n, path, "is %q, the placeholder of a redacted dump, not the secret", redacted)
		return "", false
	}
	return s, true
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what n is without quoting more than a short scalar.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if len(n.Value) > 40 {
			return "a long string"
		}
		return strconv.Quote(n.Value)
	}
	return "this"
}

var yamlLine = regexp.MustCompile(`^yaml: (?:unmarshal errors:\n\s*)?line (\d+): `)

// cleanYAMLError drops yaml's "yaml: line N:" prefix: the problem carries
// the line.
func cleanYAMLError(err error) string {
	return yamlLine.ReplaceAllString(err.Error(), "")
}

// yamlErrorLine is the line a yaml syntax error is on, 0 if it names none.
func yamlErrorLine(err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		l, _ := strconv.Atoi(m[1])
		return l
	}
	return 0
}
