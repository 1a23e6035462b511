package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"

	"github.com/slopipe/slopipe/processors/tenantprocessor"
)

func TestConfigErrorPath(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{"processors::tenant: limits.rate: must be a finite number >= 0, got -3", "processors tenant limits rate"},
		{"exporters::clickhouse::sending_queue: `queue_size` must be positive", "exporters clickhouse sending_queue queue_size"},
		{"extensions::file_storage/queue: directory must exist", "extensions file_storage/queue"},
		{"failed to get config: cannot unmarshal the configuration: decoding failed due to the following error(s):\n\n" +
			"'receivers' error reading configuration for \"otlp\": decoding failed due to the following error(s):\n\n" +
			"'protocols.grpc' decoding failed due to the following error(s):\n\n'configgrpc.ServerConfig' has invalid keys: endpont",
			"receivers otlp protocols grpc endpont"},
		{"listen tcp 127.0.0.1:4317: bind: address already in use", ""},
	} {
		if got := strings.Join(configErrorPath(tc.msg), " "); got != tc.want {
			t.Errorf("%q: path %q, want %q", tc.msg, got, tc.want)
		}
	}
}

func TestConfigFiles(t *testing.T) {
	got := configFiles([]string{"validate", "--config", "a.yaml", "--config=file:/etc/b.yaml", "--config", "yaml:x::y: 1",
		"--config", "slopipe:default", "--config=./c.yaml"})
	if strings.Join(got, " ") != "a.yaml /etc/b.yaml ./c.yaml" {
		t.Errorf("files %q", got)
	}
}

// slopipe validate names the file, line and field of a bad setting; the
// built-in configuration validates and prints as it is embedded.
func TestValidateNamesFileLineAndField(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "slopipe.yaml")
	if err := os.WriteFile(bad, []byte("processors:\n  tenant:\n    limits:\n      rate: -3\n      burst: 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	slopipe := func(args ...string) (string, error) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1", "SLOPIPE_DATA_DIR="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := slopipe("validate", "--config", defaultConfigURI, "--config", bad)
	if err == nil {
		t.Fatalf("validate accepted a negative rate: %s", out)
	}
	if want := bad + ":4: processors::tenant: limits.rate: must be"; !strings.Contains(out, want) {
		t.Errorf("validate said %q, want it to contain %q", out, want)
	}
	if strings.Count(out, "limits.rate") != 1 {
		t.Errorf("the error is printed more than once: %q", out)
	}

	if out, err := slopipe("validate"); err != nil {
		t.Errorf("the built-in configuration does not validate: %v %s", err, out)
	}
	printed, err := slopipe("print-default-config")
	if err != nil || printed != string(defaultConfig) {
		t.Errorf("print-default-config printed something else than the built-in configuration (%v)", err)
	}
	// What it prints is a working configuration file.
	file := filepath.Join(dir, "default.yaml")
	if err := os.WriteFile(file, []byte(printed), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := slopipe("validate", "--config", file); err != nil {
		t.Errorf("the printed default does not validate: %v %s", err, out)
	}
}

// slopipe slo validate prints every problem with file, line, SLO and field
// and fails; on good specs it says how many SLOs it read.
func TestSLOValidate(t *testing.T) {
	run := func(args ...string) (string, error) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("slo", "validate", "../../slo/testdata/good")
	if err != nil || !strings.Contains(out, "7 SLOs, no problems") {
		t.Errorf("good specs: %v %s", err, out)
	}
	out, err = run("slo", "validate", "../../slo/testdata/good", "../../slo/testdata/broken")
	if err == nil {
		t.Fatalf("broken specs validated: %s", out)
	}
	for _, want := range []string{
		`../../slo/testdata/broken/sloth.yaml:11: slo "too-good": slos.1.objective: 100 is not a percentage in (0, 100)`,
		`../../slo/testdata/broken/openslo.yaml:8: slo "bad-window": spec.budgetingMethod:`,
		"problem(s) in the SLO specs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// slopipe slo rules writes the Prometheus rules to stdout and says which
// SLOs it could not express.
func TestSLORules(t *testing.T) {
	cmd := exec.Command(os.Args[0], "slo", "rules", "../../slo/testdata/good")
	cmd.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "- name: sloth-slo-alerts-checkout-requests-availability") {
		t.Errorf("stdout lacks the alert group:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), `no rules for slo "checkout-spans"`) {
		t.Errorf("stderr does not name the skipped SLO: %s", stderr.String())
	}
}

// The built-in configuration's tenant processors: the one clients go
// through has the default limits and reserves the self tenant; the one of
// slopipe's own metrics takes no tenant from requests and records no usage.
func TestDefaultConfigTenantProcessors(t *testing.T) {
	var raw struct {
		Processors map[string]map[string]any `yaml:"processors"`
	}
	if err := yaml.Unmarshal(defaultConfig, &raw); err != nil {
		t.Fatal(err)
	}
	decode := func(name string) *tenantprocessor.Config {
		t.Helper()
		cfg := tenantprocessor.NewFactory().CreateDefaultConfig().(*tenantprocessor.Config)
		if err := confmap.NewFromStringMap(raw.Processors[name]).Unmarshal(cfg); err != nil {
			t.Fatalf("processors.%s: %v", name, err)
		}
		return cfg
	}
	clients := decode("tenant")
	if want := (tenantprocessor.Limits{Rate: 100000, Burst: 200000, MaxRequestBytes: 16 << 20, MaxAttributesPerItem: 128, MaxActiveSeries: 150000}); clients.Limits != want {
		t.Errorf("processors.tenant limits %+v, want %+v", clients.Limits, want)
	}
	if len(clients.ReservedTenants) != 1 || !strings.Contains(clients.ReservedTenants[0], "SLOPIPE_SELF_TENANT:-slopipe") {
		t.Errorf("processors.tenant reserved_tenants %q, want the self tenant", clients.ReservedTenants)
	}
	self := decode("tenant/self")
	if len(self.From) != 1 || self.From[0] != tenantprocessor.SourceDefault || self.Store != (component.ID{}) || self.Limits != (tenantprocessor.Limits{}) {
		t.Errorf("processors.tenant/self: from %v, store %v, limits %+v; want the default tenant only, no usage, no limits", self.From, self.Store, self.Limits)
	}
}
