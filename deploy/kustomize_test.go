package deploy_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const kustomizeDir = "kubernetes"

// build is `kustomize build deploy/kubernetes` (`kubectl apply -k`).
func build(t *testing.T, fs filesys.FileSystem, dir string) []byte {
	t.Helper()
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	stream, err := resources.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return stream
}

// The base builds, decodes strictly and passes the same checks as the
// chart's rendering.
func TestKustomizeBase(t *testing.T) {
	objs, err := decodeStrict("kustomize build", build(t, filesys.MakeFsOnDisk(), kustomizeDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range objs.problems() {
		t.Error(p)
	}
}

// The base is the chart's default rendering less what only Helm adds: its
// chart and managed-by labels and the configuration checksum that
// restarts pods on `helm upgrade`.
func TestKustomizeBaseIsChartDefault(t *testing.T) {
	chartStream, _, err := render(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	chartObjs, err := decodeStrict("chart", chartStream)
	if err != nil {
		t.Fatal(err)
	}
	baseObjs, err := decodeStrict("kustomize build", build(t, filesys.MakeFsOnDisk(), kustomizeDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range differences(chartObjs.withoutHelm(), baseObjs.withoutHelm()) {
		t.Error(d)
	}

	// The comparison sees a difference: a base whose readiness probe
	// checks the shared store differs from the chart.
	fs := filesys.MakeFsInMemory()
	for _, name := range []string{"kustomization.yaml", "configmap.yaml", "secret.yaml", "service.yaml", "statefulset.yaml"} {
		text, err := filesys.MakeFsOnDisk().ReadFile(kustomizeDir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "statefulset.yaml" {
			text = []byte(strings.Replace(string(text), "path: /readyz?exclude=store", "path: /readyz", 1))
		}
		if err := fs.WriteFile("/base/"+name, text); err != nil {
			t.Fatal(err)
		}
	}
	changed, err := decodeStrict("changed base", build(t, fs, "/base"))
	if err != nil {
		t.Fatal(err)
	}
	if d := differences(chartObjs.withoutHelm(), changed.withoutHelm()); len(d) != 1 || !strings.HasSuffix(d[0], `kustomize "            path: /readyz"`) {
		t.Errorf("a changed readiness path: differences %q", d)
	}
}

// withoutHelm is each object as YAML by kind and name, without what only
// Helm adds, with a Secret's stringData as the data it becomes.
func (o *objects) withoutHelm() map[string]string {
	out := map[string]string{}
	add := func(kind, name string, obj any) {
		text, err := yaml.Marshal(obj)
		if err != nil {
			panic(err)
		}
		out[kind+"/"+name] = string(text)
	}
	dropHelm := func(labels map[string]string) {
		delete(labels, "helm.sh/chart")
		delete(labels, "app.kubernetes.io/managed-by")
	}
	for _, s := range o.statefulSets {
		s := s.DeepCopy()
		dropHelm(s.Labels)
		dropHelm(s.Spec.Template.Labels)
		delete(s.Spec.Template.Annotations, "checksum/config")
		if len(s.Spec.Template.Annotations) == 0 {
			s.Spec.Template.Annotations = nil
		}
		add("StatefulSet", s.Name, s)
	}
	for _, s := range o.services {
		s := s.DeepCopy()
		dropHelm(s.Labels)
		add("Service", s.Name, s)
	}
	for _, c := range o.configMaps {
		c := c.DeepCopy()
		dropHelm(c.Labels)
		add("ConfigMap", c.Name, c)
	}
	for _, s := range o.secrets {
		s := s.DeepCopy()
		dropHelm(s.Labels)
		for k, v := range s.StringData {
			if s.Data == nil {
				s.Data = map[string][]byte{}
			}
			s.Data[k] = []byte(v)
		}
		s.StringData = nil
		add("Secret", s.Name, s)
	}
	for _, m := range o.serviceMonitors {
		m := m.DeepCopy()
		dropHelm(m.Labels)
		add("ServiceMonitor", m.Name, m)
	}
	return out
}

// differences names each object only one side has and, for those both
// have, the first lines that differ.
func differences(want, got map[string]string) []string {
	var d []string
	for _, key := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[key]
		if !ok {
			d = append(d, fmt.Sprintf("%s: only in the chart", key))
			continue
		}
		if g == want[key] {
			continue
		}
		wl, gl := strings.Split(want[key], "\n"), strings.Split(g, "\n")
		for i := 0; i < max(len(wl), len(gl)); i++ {
			w, g := line(wl, i), line(gl, i)
			if w != g {
				d = append(d, fmt.Sprintf("%s: line %d: chart %q, kustomize %q", key, i+1, w, g))
				break
			}
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			d = append(d, fmt.Sprintf("%s: only in kustomize", key))
		}
	}
	return d
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}
