package deploy_test

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
)

const chartDir = "helm/slopipe"

// render is `helm template slopipe deploy/helm/slopipe -f values` done
// with Helm's own packages, in strict mode (a template reading a value
// values.yaml does not declare fails): the manifests as one YAML stream
// in the order of their files, and NOTES.txt.
func render(t *testing.T, values map[string]any) (manifests []byte, notes string, err error) {
	t.Helper()
	chart, err := loader.LoadDir(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	if err := chart.Validate(); err != nil {
		t.Fatalf("Chart.yaml: %v", err)
	}
	top, err := chartutil.ToRenderValues(chart, values,
		common.ReleaseOptions{Name: "slopipe", Namespace: "default", IsInstall: true}, nil)
	if err != nil {
		return nil, "", err
	}
	files, err := engine.Engine{Strict: true}.Render(chart, top)
	if err != nil {
		return nil, "", err
	}
	var names []string
	for name := range files {
		if path.Ext(name) == ".yaml" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var stream strings.Builder
	for _, name := range names {
		fmt.Fprintf(&stream, "---\n# Source: %s\n%s\n", name, files[name])
	}
	return []byte(stream.String()), files[path.Join(chart.Name(), "templates", "NOTES.txt")], nil
}

// renderObjects renders values and decodes the manifests strictly.
func renderObjects(t *testing.T, values map[string]any) *objects {
	t.Helper()
	stream, notes, err := render(t, values)
	if err != nil {
		t.Fatalf("rendering the chart: %v", err)
	}
	if !strings.Contains(notes, "OTLP gRPC") {
		t.Errorf("NOTES.txt rendered as %q", notes)
	}
	objs, err := decodeStrict("chart", stream)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// mergedConfig is the configuration the chart merges over the built-in one.
func mergedConfig(t *testing.T, objs *objects) map[string]any {
	t.Helper()
	cm := objs.configMap("slopipe")
	if cm == nil {
		t.Fatal("no ConfigMap slopipe")
	}
	var config map[string]any
	if err := unmarshalStrict([]byte(cm.Data["slopipe.yaml"]), &config); err != nil {
		t.Fatalf("ConfigMap slopipe, slopipe.yaml: %v", err)
	}
	return config
}

// storeConfig is the store extension's settings in the merged configuration.
func storeConfig(t *testing.T, objs *objects) map[string]any {
	t.Helper()
	ext, _ := mergedConfig(t, objs)["extensions"].(map[string]any)
	store, _ := ext["store"].(map[string]any)
	return store
}

// By default the chart runs one pod against an external ClickHouse whose
// DSN is in the chart's Secret, on a persistent volume, with every port
// and probe wired.
func TestChartDefaults(t *testing.T) {
	objs := renderObjects(t, nil)
	for _, p := range objs.problems() {
		t.Error(p)
	}
	sts := objs.statefulSets[0]
	if *sts.Spec.Replicas != 1 {
		t.Errorf("replicas %d, want 1", *sts.Spec.Replicas)
	}
	c := sts.Spec.Template.Spec.Containers[0]
	if c.Image != "slopipe/slopipe:0.1.0" {
		t.Errorf("image %q, want the chart's appVersion", c.Image)
	}
	env := containerEnv(sts)
	if _, embedded := env["SLOPIPE_LIBCHDB"]; embedded {
		t.Error("the default runs the embedded engine; it should point at an external ClickHouse")
	}
	if s := objs.secret("slopipe"); s == nil || string(s.Data["dsn"]) != "clickhouse://slopipe@clickhouse:9000/otel" {
		t.Errorf("Secret slopipe does not hold values.yaml's DSN: %v", s)
	}
	if got := storeConfig(t, objs); got["database"] != "otel" || got["cluster"] != nil {
		t.Errorf("store settings %v, want database otel and no cluster", got)
	}
	if len(objs.serviceMonitors) != 0 {
		t.Error("a ServiceMonitor by default: clusters without prometheus-operator would refuse the release")
	}
}

// The embedded store, opted into: the image with the engine library, no
// DSN, one replica.
func TestChartEmbeddedStore(t *testing.T) {
	objs := renderObjects(t, map[string]any{
		"store":       map[string]any{"embedded": true},
		"persistence": map[string]any{"size": "50Gi", "storageClass": "fast-ssd"},
	})
	for _, p := range objs.problems() {
		t.Error(p)
	}
	sts := objs.statefulSets[0]
	env := containerEnv(sts)
	if env["SLOPIPE_LIBCHDB"] != "/usr/local/lib/slopipe/libchdb.so" {
		t.Errorf("SLOPIPE_LIBCHDB=%q, want the path the embedded image puts it at", env["SLOPIPE_LIBCHDB"])
	}
	if c := sts.Spec.Template.Spec.Containers[0]; !strings.HasSuffix(c.Image, "-embedded") {
		t.Errorf("image %q is not the build with the engine library", c.Image)
	}
	pvc := sts.Spec.VolumeClaimTemplates[0]
	if pvc.Spec.Resources.Requests.Storage().String() != "50Gi" || pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != "fast-ssd" {
		t.Errorf("volume claim %+v, want 50Gi of fast-ssd", pvc.Spec)
	}
	if len(objs.secrets) != 0 {
		t.Errorf("a Secret with nothing to keep: %v", objs.secrets[0].Data)
	}

	// Values that cannot work with one embedded engine are refused.
	for name, values := range map[string]map[string]any{
		"replicas": {"store": map[string]any{"embedded": true}, "replicas": 2},
		"cluster":  {"store": map[string]any{"embedded": true}, "clickhouse": map[string]any{"cluster": "prod"}},
		"no dsn":   {"clickhouse": map[string]any{"dsn": ""}},
	} {
		if _, _, err := render(t, values); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
}

// An existing ClickHouse cluster, several replicas, notifications with
// their secrets, SLO specs, tenant overrides and a ServiceMonitor.
func TestChartExternalCluster(t *testing.T) {
	const dsn = "clickhouse://slopipe:s3cret@clickhouse-prod.db.svc:9000/telemetry?dial_timeout=5s"
	objs := renderObjects(t, map[string]any{
		"replicas": 3,
		"clickhouse": map[string]any{
			"dsn":      dsn,
			"cluster":  "prod",
			"database": "telemetry",
		},
		"alerting": map[string]any{
			"pagerdutyRoutingKey": "0123456789abcdef0123456789abcdef",
			"slackAPIURL":         "https://hooks.slack.com/services/T0/B0/X",
			"alertmanagerURLs":    []any{"http://alertmanager.monitoring:9093"},
			"config": map[string]any{
				"route": map[string]any{"receiver": "slack", "routes": []any{
					map[string]any{"matchers": []any{`severity="page"`}, "receiver": "pager"},
				}},
				"receivers": []any{
					map[string]any{"name": "pager", "pagerduty_configs": []any{
						map[string]any{"routing_key_file": "/etc/slopipe/secrets/pagerduty-routing-key"}}},
					map[string]any{"name": "slack", "slack_configs": []any{
						map[string]any{"channel": "#slo", "api_url_file": "/etc/slopipe/secrets/slack-api-url"}}},
				},
			},
		},
		"slos": map[string]any{
			"checkout.yaml": "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: checkout-availability\n",
		},
		"tenantOverrides": map[string]any{"apiVersion": "slopipe/v1", "kind": "Overrides"},
		"serviceMonitor":  map[string]any{"enabled": true, "labels": map[string]any{"release": "kube-prometheus-stack"}},
	})
	for _, p := range objs.problems() {
		t.Error(p)
	}
	sts := objs.statefulSets[0]
	if *sts.Spec.Replicas != 3 {
		t.Errorf("replicas %d, want 3", *sts.Spec.Replicas)
	}
	if got := storeConfig(t, objs); got["cluster"] != "prod" || got["database"] != "telemetry" {
		t.Errorf("store settings %v, want cluster prod, database telemetry", got)
	}
	if s := objs.secret("slopipe"); s == nil || string(s.Data["dsn"]) != dsn {
		t.Errorf("Secret slopipe does not hold the DSN: %v", s)
	}
	env := containerEnv(sts)
	for name, want := range map[string]string{
		"SLOPIPE_ALERTING_CONFIG":   "/etc/slopipe/config/alerting.yml",
		"SLOPIPE_TENANT_OVERRIDES":  "/etc/slopipe/config/tenant-overrides.yaml",
		"SLOPIPE_ALERTMANAGER_URLS": "[http://alertmanager.monitoring:9093]",
	} {
		if env[name] != want {
			t.Errorf("%s=%q, want %q", name, env[name], want)
		}
	}
	// The alerting configuration's *_file keys name the files the Secret mounts.
	alerting := objs.configMap("slopipe").Data["alerting.yml"]
	for _, file := range []string{"/etc/slopipe/secrets/pagerduty-routing-key", "/etc/slopipe/secrets/slack-api-url"} {
		if !strings.Contains(alerting, file) {
			t.Errorf("alerting.yml does not read %s:\n%s", file, alerting)
		}
	}
	if slos := objs.configMap("slopipe-slos"); slos == nil || !strings.Contains(slos.Data["checkout.yaml"], "checkout-availability") {
		t.Errorf("SLO ConfigMap %v lacks checkout.yaml", slos)
	}
	if len(objs.serviceMonitors) != 1 || objs.serviceMonitors[0].Labels["release"] != "kube-prometheus-stack" {
		t.Errorf("ServiceMonitors %v, want one with the release label", objs.serviceMonitors)
	}

	// The DSN from a Secret the user manages: the chart keeps no copy.
	objs = renderObjects(t, map[string]any{
		"clickhouse": map[string]any{"existingSecret": "clickhouse-credentials", "existingSecretKey": "url"},
	})
	for _, p := range objs.problems("clickhouse-credentials") {
		t.Error(p)
	}
	if len(objs.secrets) != 0 {
		t.Error("the chart's Secret is rendered beside an existing one")
	}
	for _, e := range objs.statefulSets[0].Spec.Template.Spec.Containers[0].Env {
		if e.Name == "SLOPIPE_CLICKHOUSE_DSN" && (e.ValueFrom.SecretKeyRef.Name != "clickhouse-credentials" || e.ValueFrom.SecretKeyRef.Key != "url") {
			t.Errorf("DSN from %+v, want clickhouse-credentials key url", e.ValueFrom.SecretKeyRef)
		}
	}
}

// The checks fail on what they are for: a field the Kubernetes type lacks,
// a probe on the wrong path, a listener on localhost, a missing file.
func TestChartChecksFail(t *testing.T) {
	stream, _, err := render(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeStrict("chart", []byte(strings.Replace(string(stream), "containerPort:", "containerport:", 1))); err == nil || !strings.Contains(err.Error(), "containerport") {
		t.Errorf("a misspelt field decoded: %v", err)
	}
	if _, err := decodeStrict("chart", []byte(strings.Replace(string(stream), "kind: StatefulSet", "kind: Statefulset", 1))); err == nil {
		t.Error("an unknown kind decoded")
	}

	for name, tc := range map[string]struct {
		break_ func(*objects)
		want   string
	}{
		"readiness path": {func(o *objects) {
			o.statefulSets[0].Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Path = "/ready"
		}, "readiness probe GET /ready"},
		"readiness on the shared store": {func(o *objects) {
			o.statefulSets[0].Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Path = "/readyz"
		}, "readiness probe GET /readyz on port health, want GET /readyz?exclude=store"},
		"localhost listener": {func(o *objects) {
			c := &o.statefulSets[0].Spec.Template.Spec.Containers[0]
			for i := range c.Env {
				if c.Env[i].Name == "SLOPIPE_OTLP_GRPC_ENDPOINT" {
					c.Env[i].Value = "127.0.0.1:4317"
				}
			}
		}, "SLOPIPE_OTLP_GRPC_ENDPOINT"},
		"service port": {func(o *objects) {
			o.services[0].Spec.Ports[2].Port = 9291
		}, "remote-write"},
		"missing ConfigMap": {func(o *objects) {
			o.configMaps = o.configMaps[:1]
		}, "slopipe-slos"},
	} {
		objs, err := decodeStrict("chart", stream)
		if err != nil {
			t.Fatal(err)
		}
		tc.break_(objs)
		if p := strings.Join(objs.problems(), "\n"); !strings.Contains(p, tc.want) {
			t.Errorf("%s: went unnoticed (problems: %q)", name, p)
		}
	}
}
