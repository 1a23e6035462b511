package deploy_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"
)

const composeFile = "compose/compose.yaml"

// loadCompose reads a compose file's content as `docker compose` does:
// checked against the Compose specification's schema (an unknown key is an
// error), ${VAR} interpolated from env, relative paths resolved against
// the directory of compose/compose.yaml.
func loadCompose(content []byte, env map[string]string) (*types.Project, error) {
	dir, err := filepath.Abs(filepath.Dir(composeFile))
	if err != nil {
		return nil, err
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, filepath.Base(composeFile)), Content: content}},
		Environment: env,
	}, func(o *loader.Options) {
		o.SetProjectName("slopipe", true)
		o.ResolvePaths = true
	})
}

// composeProblems is what would keep the compose project from working:
// a file it mounts or builds from missing, Grafana's data source reading
// a variable nobody sets, or the three services disagreeing on where
// ClickHouse is and who logs in.
func composeProblems(p *types.Project) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	services := map[string]types.ServiceConfig{}
	for _, name := range []string{"clickhouse", "slopipe", "grafana"} {
		s, err := p.GetService(name)
		if err != nil {
			add("no %s service: %v", name, err)
			continue
		}
		services[name] = s
	}
	if len(services) < 3 {
		return problems
	}
	env := func(service, name string) string {
		if v := services[service].Environment[name]; v != nil {
			return *v
		}
		return ""
	}

	// Every bind mount's source is in the repository.
	binds := map[string]map[string]string{} // service: target: source
	for name, s := range p.Services {
		binds[name] = map[string]string{}
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			binds[name][v.Target] = v.Source
			if _, err := os.Stat(v.Source); err != nil {
				add("%s: mounts %s, which does not exist", name, v.Source)
			}
		}
	}

	ch := services["clickhouse"]
	if !strings.HasPrefix(ch.Image, "clickhouse/clickhouse-server:") {
		add("clickhouse: image %q, want clickhouse/clickhouse-server", ch.Image)
	}
	user, password, database := env("clickhouse", "CLICKHOUSE_USER"), env("clickhouse", "CLICKHOUSE_PASSWORD"), env("clickhouse", "CLICKHOUSE_DB")

	sp := services["slopipe"]
	if sp.Build == nil {
		add("slopipe: not built from the repository")
	} else if _, err := os.Stat(filepath.Join(sp.Build.Context, sp.Build.Dockerfile)); err != nil {
		add("slopipe: builds from %s: %v", sp.Build.Dockerfile, err)
	} else if _, err := os.Stat(filepath.Join(sp.Build.Context, "cmd", "slopipe")); err != nil {
		add("slopipe: build context %s is not the repository root: %v", sp.Build.Context, err)
	}
	if dsn, err := url.Parse(env("slopipe", "SLOPIPE_CLICKHOUSE_DSN")); err != nil || dsn.Scheme != "clickhouse" {
		add("slopipe: SLOPIPE_CLICKHOUSE_DSN is not a clickhouse:// DSN (%v)", err)
	} else {
		pw, _ := dsn.User.Password()
		if dsn.Host != "clickhouse:9000" || dsn.User.Username() != user || pw != password || dsn.Path != "/"+database {
			add("slopipe: DSN %s (password %q) is not the clickhouse service's native port, user %s, password %q, database %s", dsn.Redacted(), pw, user, password, database)
		}
	}
	if _, ok := sp.DependsOn["clickhouse"]; !ok {
		add("slopipe: starts without waiting for clickhouse")
	}
	for _, name := range listenAddresses {
		if !strings.HasPrefix(env("slopipe", name), "0.0.0.0:") {
			add("slopipe: %s=%q is unreachable from the published port", name, env("slopipe", name))
		}
	}

	g := services["grafana"]
	if !strings.HasPrefix(g.Image, "grafana/grafana:") {
		add("grafana: image %q, want grafana/grafana", g.Image)
	}
	if !slices.Contains(strings.Split(env("grafana", "GF_INSTALL_PLUGINS"), ","), "grafana-clickhouse-datasource") {
		add("grafana: GF_INSTALL_PLUGINS=%q lacks grafana-clickhouse-datasource", env("grafana", "GF_INSTALL_PLUGINS"))
	}
	datasources := binds["grafana"]["/etc/grafana/provisioning/datasources"]
	dashboards := binds["grafana"]["/etc/grafana/provisioning/dashboards"]
	if datasources == "" || dashboards == "" || binds["grafana"]["/var/lib/grafana/dashboards/slopipe"] == "" {
		add("grafana: mounts %v, want the data source and dashboard provisioning and the dashboards", binds["grafana"])
		return problems
	}
	// The variables the data source file reads (outside its comments) are
	// set, to the clickhouse service.
	text, err := os.ReadFile(filepath.Join(datasources, "slopipe.yaml"))
	if err != nil {
		add("grafana: data source: %v", err)
	}
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(string(stripComments(text)), -1) {
		if env("grafana", m[1]) == "" {
			add("grafana: the data source reads %s, which is not set", m[1])
		}
	}
	for name, want := range map[string]string{
		"SLOPIPE_CLICKHOUSE_HOST":     "clickhouse",
		"SLOPIPE_CLICKHOUSE_PORT":     "8123",
		"SLOPIPE_CLICKHOUSE_USER":     user,
		"SLOPIPE_CLICKHOUSE_PASSWORD": password,
	} {
		if got := env("grafana", name); got != want {
			add("grafana: %s=%q, want %q (the clickhouse service's)", name, got, want)
		}
	}
	// The dashboard provider reads the directory the dashboards are mounted at.
	var provider struct {
		Providers []struct {
			Options struct {
				Path string `json:"path"`
			} `json:"options"`
		} `json:"providers"`
	}
	if text, err := os.ReadFile(filepath.Join(dashboards, "slopipe.yaml")); err != nil {
		add("grafana: dashboard provider: %v", err)
	} else if err := yaml.Unmarshal(text, &provider); err != nil || len(provider.Providers) == 0 {
		add("grafana: dashboard provider: %v", err)
	} else if dir := provider.Providers[0].Options.Path; binds["grafana"][dir] == "" {
		add("grafana: the dashboard provider reads %s, where nothing is mounted", dir)
	}
	return problems
}

// The compose file loads as `docker compose` loads it and its services fit
// together; the check sees a mount whose source is gone and a key the
// specification does not have.
func TestCompose(t *testing.T) {
	content, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []map[string]string{{}, {"CLICKHOUSE_PASSWORD": "from-the-environment"}} {
		p, err := loadCompose(content, env)
		if err != nil {
			t.Fatalf("%s: %v", composeFile, err)
		}
		for _, problem := range composeProblems(p) {
			t.Errorf("%v: %s", env, problem)
		}
	}

	moved := strings.Replace(string(content), "../../dashboards/provisioning/datasources:", "../../dashboards/provisioning/datasource:", 1)
	if p, err := loadCompose([]byte(moved), nil); err != nil {
		t.Fatal(err)
	} else if problems := strings.Join(composeProblems(p), "\n"); !strings.Contains(problems, "provisioning/datasource, which does not exist") {
		t.Errorf("a missing mount source went unnoticed: %q", problems)
	}
	misspelt := strings.Replace(string(content), "    depends_on:", "    depend_on:", 1)
	if _, err := loadCompose([]byte(misspelt), nil); err == nil || !strings.Contains(err.Error(), "depend_on") {
		t.Errorf("an unknown key loaded: %v", err)
	}
}
