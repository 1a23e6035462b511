package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// objects are the Kubernetes objects of one deployment, typed.
type objects struct {
	statefulSets    []*appsv1.StatefulSet
	services        []*corev1.Service
	configMaps      []*corev1.ConfigMap
	secrets         []*corev1.Secret
	serviceMonitors []*monitoringv1.ServiceMonitor
}

// decodeStrict reads a stream of YAML documents into typed objects the
// way the API server's strict field validation would: a field the type
// does not have, a duplicated key or a kind slopipe does not deploy is an
// error naming the document.
func decodeStrict(source string, stream []byte) (*objects, error) {
	var objs objects
	reader := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	for n := 1; ; n++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return &objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, n, err)
		}
		var head metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, n, err)
		}
		if head.Kind == "" && len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue // an empty document, as a template with its condition false leaves
		}
		var obj any
		switch head.APIVersion + " " + head.Kind {
		case "apps/v1 StatefulSet":
			o := &appsv1.StatefulSet{}
			objs.statefulSets, obj = append(objs.statefulSets, o), o
		case "v1 Service":
			o := &corev1.Service{}
			objs.services, obj = append(objs.services, o), o
		case "v1 ConfigMap":
			o := &corev1.ConfigMap{}
			objs.configMaps, obj = append(objs.configMaps, o), o
		case "v1 Secret":
			o := &corev1.Secret{}
			objs.secrets, obj = append(objs.secrets, o), o
		case "monitoring.coreos.com/v1 ServiceMonitor":
			o := &monitoringv1.ServiceMonitor{}
			objs.serviceMonitors, obj = append(objs.serviceMonitors, o), o
		default:
			return nil, fmt.Errorf("%s: document %d: %q %q is not a kind slopipe deploys", source, n, head.APIVersion, head.Kind)
		}
		if err := unmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%s: document %d (%s): %w", source, n, head.Kind, err)
		}
	}
}

// unmarshalStrict decodes as the API server does with strict field
// validation: field names match exactly (encoding/json would take
// "containerport" for containerPort), and an unknown or duplicated field is
// an error.
func unmarshalStrict(doc []byte, obj any) error {
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(data, obj)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

func stripComments(doc []byte) []byte {
	var out []byte
	for line := range bytes.Lines(doc) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			out = append(out, line...)
		}
	}
	return out
}

func (o *objects) configMap(name string) *corev1.ConfigMap {
	for _, c := range o.configMaps {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (o *objects) secret(name string) *corev1.Secret {
	for _, s := range o.secrets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// slopipePorts are the ports agents, scrapers and the kubelet reach
// slopipe on, by the name the container and the Services give them.
var slopipePorts = map[string]int32{
	"otlp-grpc":    4317,
	"otlp-http":    4318,
	"remote-write": 19291,
	"api":          8088,
	"metrics":      8888,
	"health":       13133,
}

// listenAddresses are the variables whose listener must take connections
// from other pods: in a pod, 127.0.0.1 is reachable by nobody else.
var listenAddresses = []string{
	"SLOPIPE_OTLP_GRPC_ENDPOINT", "SLOPIPE_OTLP_HTTP_ENDPOINT", "SLOPIPE_REMOTE_WRITE_ENDPOINT",
	"SLOPIPE_API_ADDR", "SLOPIPE_HEALTH_ENDPOINT",
}

// problems is what would keep a deployment from working, checked across
// its objects: the pod reachable on every port through the Services, the
// probes on the health endpoints, every volume, file, ConfigMap and
// Secret a container names present, and the ServiceMonitor scraping the
// metrics port once.
func (o *objects) problems(existingSecrets ...string) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if len(o.statefulSets) != 1 {
		add("%d StatefulSets, want 1", len(o.statefulSets))
		return p
	}
	sts := o.statefulSets[0]
	podLabels := labels.Set(sts.Spec.Template.Labels)
	if sel, err := metav1.LabelSelectorAsSelector(sts.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		add("StatefulSet %s: selector %v does not select its pods %v (%v)", sts.Name, sts.Spec.Selector, podLabels, err)
	}
	var governing *corev1.Service
	for _, s := range o.services {
		if s.Name == sts.Spec.ServiceName {
			governing = s
		}
	}
	if governing == nil || governing.Spec.ClusterIP != corev1.ClusterIPNone {
		add("StatefulSet %s: serviceName %q is not a headless Service of the deployment", sts.Name, sts.Spec.ServiceName)
	}

	if len(sts.Spec.Template.Spec.Containers) != 1 {
		add("StatefulSet %s: %d containers, want 1", sts.Name, len(sts.Spec.Template.Spec.Containers))
		return p
	}
	c := sts.Spec.Template.Spec.Containers[0]
	ports := map[string]int32{}
	for _, cp := range c.Ports {
		ports[cp.Name] = cp.ContainerPort
	}
	for name, port := range slopipePorts {
		if ports[name] != port {
			add("container %s: port %s is %d, want %d", c.Name, name, ports[name], port)
		}
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			add("container %s: %s set twice", c.Name, e.Name)
		}
		env[e.Name] = e
	}
	for _, name := range listenAddresses {
		if !strings.HasPrefix(env[name].Value, "0.0.0.0:") {
			add("container %s: %s=%q listens where no other pod reaches it", c.Name, name, env[name].Value)
		}
	}
	if env["SLOPIPE_TELEMETRY_HOST"].Value != "0.0.0.0" {
		add("container %s: SLOPIPE_TELEMETRY_HOST=%q: the metrics port is unreachable from a scraper", c.Name, env["SLOPIPE_TELEMETRY_HOST"].Value)
	}
	if got := fmt.Sprint(env["SLOPIPE_TELEMETRY_PORT"].Value); got != fmt.Sprint(slopipePorts["metrics"]) {
		add("container %s: SLOPIPE_TELEMETRY_PORT=%q, the metrics port is %d", c.Name, got, slopipePorts["metrics"])
	}
	probe := func(kind string, pr *corev1.Probe, path string) {
		if pr == nil || pr.HTTPGet == nil {
			add("container %s: no HTTP %s probe", c.Name, kind)
			return
		}
		if pr.HTTPGet.Path != path || resolvePort(pr.HTTPGet.Port, ports) != slopipePorts["health"] {
			add("container %s: %s probe GET %s on port %s, want GET %s on the health port %d", c.Name, kind, pr.HTTPGet.Path, pr.HTTPGet.Port.String(), path, slopipePorts["health"])
		}
	}
	probe("liveness", c.LivenessProbe, "/livez")
	// Not the store: replicas share it, and each one's queue rides out its
	// outages (see the StatefulSet's comment).
	probe("readiness", c.ReadinessProbe, "/readyz?exclude=store")
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		add("container %s: no memory request and limit (the memory limiter works from the limit)", c.Name)
	}

	// Volumes: each mount has its volume, each volume its ConfigMap or Secret.
	volumes := map[string]corev1.Volume{}
	for _, v := range sts.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	claims := map[string]bool{}
	for _, pvc := range sts.Spec.VolumeClaimTemplates {
		claims[pvc.Name] = true
		if pvc.Spec.Resources.Requests.Storage().IsZero() {
			add("volume claim %s: no storage size", pvc.Name)
		}
	}
	mountedFiles := map[string]bool{} // path in the container of each ConfigMap or Secret key
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		switch {
		case claims[m.Name]:
			if m.MountPath != env["SLOPIPE_DATA_DIR"].Value {
				add("volume claim %s mounted at %s, but SLOPIPE_DATA_DIR is %q", m.Name, m.MountPath, env["SLOPIPE_DATA_DIR"].Value)
			}
		case !ok:
			add("container %s: mount %s has no volume", c.Name, m.Name)
		case v.ConfigMap != nil:
			cm := o.configMap(v.ConfigMap.Name)
			if cm == nil {
				add("volume %s: ConfigMap %q is not in the deployment", v.Name, v.ConfigMap.Name)
				continue
			}
			for key := range cm.Data {
				mountedFiles[m.MountPath+"/"+key] = true
			}
		case v.Secret != nil:
			s := o.secret(v.Secret.SecretName)
			if s == nil {
				add("volume %s: Secret %q is not in the deployment", v.Name, v.Secret.SecretName)
				continue
			}
			for _, item := range v.Secret.Items {
				if _, ok := secretValue(s, item.Key); !ok {
					add("volume %s: Secret %s has no key %q", v.Name, s.Name, item.Key)
				}
				mountedFiles[m.MountPath+"/"+item.Path] = true
			}
		}
	}
	if !claims["data"] || env["SLOPIPE_DATA_DIR"].Value == "" {
		add("StatefulSet %s: the data directory is not on a persistent volume claim", sts.Name)
	}
	for _, name := range []string{"SLOPIPE_ALERTING_CONFIG", "SLOPIPE_TENANT_OVERRIDES", "SLOPIPE_LIBCHDB"} {
		if v := env[name].Value; v != "" && !mountedFiles[v] && name != "SLOPIPE_LIBCHDB" {
			add("container %s: %s=%s is no mounted file", c.Name, name, v)
		}
	}
	for _, arg := range c.Args {
		if file, ok := strings.CutPrefix(arg, "--config=/"); ok && !mountedFiles["/"+file] {
			add("container %s: %s is no mounted file", c.Name, arg)
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if slices.Contains(existingSecrets, ref.Name) {
			continue
		}
		if s := o.secret(ref.Name); s == nil {
			add("container %s: %s from Secret %q, which is not in the deployment", c.Name, e.Name, ref.Name)
		} else if _, ok := secretValue(s, ref.Key); !ok {
			add("container %s: %s from Secret %s key %q, which it does not have", c.Name, e.Name, ref.Name, ref.Key)
		}
	}
	if _, dsn := env["SLOPIPE_CLICKHOUSE_DSN"]; dsn == (env["SLOPIPE_LIBCHDB"].Value != "") {
		add("container %s: wants exactly one of SLOPIPE_CLICKHOUSE_DSN (a server) and SLOPIPE_LIBCHDB (the embedded engine)", c.Name)
	}

	// Services: every port, to a port the container has, selecting the pods.
	if len(o.services) != 2 {
		add("%d Services, want the main one and the headless one", len(o.services))
	}
	for _, s := range o.services {
		if sel := labels.SelectorFromSet(s.Spec.Selector); len(s.Spec.Selector) == 0 || !sel.Matches(podLabels) {
			add("Service %s: selector %v does not select the pods %v", s.Name, s.Spec.Selector, podLabels)
		}
		got := map[string]int32{}
		for _, sp := range s.Spec.Ports {
			got[sp.Name] = sp.Port
			if resolvePort(sp.TargetPort, ports) != sp.Port {
				add("Service %s: port %s goes to container port %s, which is not %d", s.Name, sp.Name, sp.TargetPort.String(), sp.Port)
			}
		}
		for name, port := range slopipePorts {
			if got[name] != port {
				add("Service %s: port %s is %d, want %d", s.Name, name, got[name], port)
			}
		}
	}

	for _, sm := range o.serviceMonitors {
		sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
		if err != nil {
			add("ServiceMonitor %s: %v", sm.Name, err)
			continue
		}
		var selected []string
		for _, s := range o.services {
			if sel.Matches(labels.Set(s.Labels)) {
				selected = append(selected, s.Name)
			}
		}
		if len(selected) != 1 {
			add("ServiceMonitor %s: selects Services %v, want exactly one (each pod scraped once)", sm.Name, selected)
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" {
			add("ServiceMonitor %s: endpoints %+v, want the metrics port", sm.Name, sm.Spec.Endpoints)
		}
	}
	return p
}

// resolvePort is the container port a named or numbered port reaches.
func resolvePort(port intstr.IntOrString, named map[string]int32) int32 {
	if port.Type == intstr.String {
		return named[port.StrVal]
	}
	return port.IntVal
}

// secretValue is a Secret's key as the API server stores it: stringData
// is written into data.
func secretValue(s *corev1.Secret, key string) (string, bool) {
	if v, ok := s.StringData[key]; ok {
		return v, true
	}
	v, ok := s.Data[key]
	return string(v), ok
}

// env is the container's variables with a literal value.
func containerEnv(sts *appsv1.StatefulSet) map[string]string {
	env := map[string]string{}
	for _, e := range sts.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	return env
}
