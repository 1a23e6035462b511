package notify

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/slopipe/slopipe/alerting/amconfig"
)

func TestBuild(t *testing.T) {
	hook, _ := amconfig.ParseSecretURL("https://hooks.slack.com/services/T/B/X")
	web, _ := amconfig.ParseSecretURL("https://hooks.example.com/slo")
	r := &amconfig.Receiver{
		Name:             "everyone",
		WebhookConfigs:   []*amconfig.WebhookConfig{{URL: web}},
		SlackConfigs:     []*amconfig.SlackConfig{{APIURL: hook}, {APIURL: hook, Channel: "#b"}},
		PagerDutyConfigs: []*amconfig.PagerDutyConfig{{RoutingKey: "k"}},
	}
	ins, err := Build(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range ins {
		names = append(names, in.Kind()+":"+in.Name())
	}
	if got := strings.Join(names, " "); got != "pagerduty:pagerduty[0] slack:slack[0] slack:slack[1] webhook:webhook[0]" {
		t.Fatalf("built %s", got)
	}

	if ins, err := Build(&amconfig.Receiver{Name: "blackhole"}, Options{}); err != nil || len(ins) != 0 {
		t.Fatalf("an empty receiver: %v, %v", ins, err)
	}
	if _, err := Build(nil, Options{}); err == nil {
		t.Fatal("Build(nil) took it")
	}

	_, err = Build(&amconfig.Receiver{
		Name:             "broken",
		PagerDutyConfigs: []*amconfig.PagerDutyConfig{{RoutingKey: "k"}, {}},
		WebhookConfigs:   []*amconfig.WebhookConfig{{}},
	}, Options{})
	for _, want := range []string{
		`receiver "broken": pagerduty_configs[1]: routing_key:`,
		`receiver "broken": webhook_configs[0]: url:`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Build error %v, want %q", err, want)
		}
	}
}

func TestSecretFromFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/key"
	if err := os.WriteFile(path, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := (secret{field: "routing_key", file: path}).read(); err != nil || v != "from-file" {
		t.Fatalf("%q, %v", v, err)
	}
	if v, err := (secret{field: "routing_key", value: "inline", file: path}).read(); err != nil || v != "inline" {
		t.Fatalf("%q, %v", v, err)
	}
	_, err := (secret{field: "routing_key", file: dir + "/none"}).read()
	if err == nil || !strings.HasPrefix(err.Error(), "routing_key_file: ") || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%v", err)
	}
}
