package kubernetes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/google/go-cmp/cmp"
)

// helmRepo writes the vLLM chart fixture of the end-to-end script
// (testdata/script/k8s_helm.txtar, one copy of the chart for both) and
// returns its repository.
func helmRepo(t *testing.T) string {
	t.Helper()
	return filepath.Join(extract(t, "../../../testdata/script/k8s_helm.txtar"), "repo")
}

// TestHelmRelease renders the chart with the prod values file. By hand:
// replicaCount 3 (values file line 2, "replicaCount: " is 14 columns, so
// the value is at column 15) × 8 nvidia.com/gpu from the chart's
// values.yaml = 24 GPUs; the name is "<release>-<chart>" = chat-vllm, in
// the release namespace llm; the document starts at the template's first
// line; the Service asks no GPU and is not an entry.
func TestHelmRelease(t *testing.T) {
	inv := discover(t, helmRepo(t), Options{Helm: []HelmRelease{{Chart: "charts/vllm", Values: []string{"clusters/prod/vllm-values.yaml"}, Release: "chat", Namespace: "llm"}}})
	want := []inventory.Entry{{
		Address: "Deployment/llm/chat-vllm", ResourceType: "Deployment", Root: "charts/vllm",
		Range: diag.Range{Pos: diag.Pos{File: "charts/vllm/templates/deployment.yaml", Line: 1, Column: 1}, EndLine: 1},
		Kind:  inventory.KindWorkload, Count: 3, GPUsPerInstance: 8, GPUs: 24,
		Kubernetes: &inventory.Kubernetes{Object: "Deployment/llm/chat-vllm", APIVersion: "apps/v1", Resource: "nvidia.com/gpu",
			Replicas: 3, NodePool: "gpu-h100", ReplicasAt: at("clusters/prod/vllm-values.yaml", 2, 15)},
	}}
	if diff := cmp.Diff(want, inv.Reservations); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if len(inv.Unresolved)+len(inv.Skipped) != 0 {
		t.Errorf("unresolved %v, skipped %v; want none", inv.Unresolved, inv.Skipped)
	}
}

// TestHelmTwoReleases: one chart named twice is two trees, chart#release;
// the release without values files has the chart's replicaCount 1, at
// charts/vllm/values.yaml:1:15.
func TestHelmTwoReleases(t *testing.T) {
	inv := discover(t, helmRepo(t), Options{Helm: []HelmRelease{
		{Chart: "charts/vllm", Values: []string{"clusters/prod/vllm-values.yaml"}, Release: "chat", Namespace: "llm"},
		{Chart: "charts/vllm/", Release: "dev", Namespace: "dev"},
	}})
	var got []string
	for _, e := range inv.Reservations {
		got = append(got, e.Root+" "+e.Address+" "+e.Kubernetes.ReplicasAt.String())
	}
	want := []string{
		"charts/vllm#chat Deployment/llm/chat-vllm clusters/prod/vllm-values.yaml:2:15",
		"charts/vllm#dev Deployment/dev/dev-vllm charts/vllm/values.yaml:1:15",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

// TestHelmLibraryChart: a library chart found on disk renders nothing and
// is listed as skipped; named in kubernetes.helm it is an error there.
func TestHelmLibraryChart(t *testing.T) {
	dir := helmRepo(t)
	chart := filepath.Join(dir, "charts", "vllm", "Chart.yaml")
	data, err := os.ReadFile(chart)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chart, []byte(strings.Replace(string(data), "type: application", "type: library", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := discover(t, dir, Options{})
	if want := []inventory.Skipped{{Dir: "charts/vllm", Roots: 1, Msg: "library chart: it renders no manifests of its own"}}; !cmp.Equal(want, inv.Skipped) || len(inv.Reservations) != 0 {
		t.Errorf("skipped %v, entries %v; want %v and no entries", inv.Skipped, inv.Reservations, want)
	}
	_, err = Discover(context.Background(), dir, Options{Helm: []HelmRelease{{Chart: "charts/vllm", At: diag.Pos{File: "capcheck.yaml", Line: 3, Column: 14}}}})
	if want := "capcheck.yaml:3:14: error: kubernetes.helm: charts/vllm is a library chart, which renders no manifests"; err == nil || err.Error() != want {
		t.Errorf("Discover = %v, want %s", err, want)
	}
}

// TestHelmSymlinkOutside: a template that links out of the repository is
// an error at the link, and its target is never read.
func TestHelmSymlinkOutside(t *testing.T) {
	dir := helmRepo(t)
	secret := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(secret, []byte("kind: Secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "charts", "vllm", "templates", "leak.yaml")); err != nil {
		t.Fatal(err)
	}
	_, err := Discover(context.Background(), dir, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "charts/vllm/templates/leak.yaml:1:1: error: read Helm chart charts/vllm: ") || strings.Contains(err.Error(), secret) {
		t.Errorf("Discover = %v, want an error at the link that does not name its target", err)
	}
}

// TestAlignLines works a template's output back to its lines by hand:
// output line 1 "kind: Deployment" is template line 1 (literal); line 2
// "  name: chat-vllm" matches line 3's literal "name:" (line 2 is an
// if that writes nothing); lines 3-4, written by toYaml, have no literal
// of their own and go to the action line after the last match, line 4;
// line 5 "  x: 1" and line 6 "  x: 2" are a range's body: the first
// matches line 6, the second repeats it (back over the range action at
// line 5).
func TestAlignLines(t *testing.T) {
	tpl := []string{
		"kind: Deployment",
		"{{- if .Values.on }}",
		"  name: {{ .Release.Name }}-vllm",
		"  {{- toYaml .Values.labels | nindent 2 }}",
		"{{- range .Values.xs }}",
		"  x: {{ . }}",
		"{{- end }}",
	}
	out := []string{"kind: Deployment", "  name: chat-vllm", "  a: b", "  c: d", "  x: 1", "  x: 2"}
	if diff := cmp.Diff([]int{1, 3, 4, 4, 6, 6}, alignLines(tpl, out)); diff != "" {
		t.Errorf("alignLines (-want +got):\n%s", diff)
	}
}

// TestRenderBudget: the budget is one per render, added up over calls.
// By hand: until 600,000 and untilStep 0..800,000 by 2 (400,000
// elements) make 1,000,000, the whole budget, so seq 1 (one more
// element) is refused.
func TestRenderBudget(t *testing.T) {
	b := &renderBudget{}
	f := b.funcs()
	if v, err := f["until"].(func(int) ([]int, error))(600_000); err != nil || len(v) != 600_000 {
		t.Fatalf("until 600000 = %d elements, %v", len(v), err)
	}
	if v, err := f["untilStep"].(func(int, int, int) ([]int, error))(0, 800_000, 2); err != nil || len(v) != 400_000 {
		t.Fatalf("untilStep 0 800000 2 = %d elements, %v", len(v), err)
	}
	if _, err := f["seq"].(func(...int) (string, error))(1); err != errBudget {
		t.Errorf("seq 1 after the budget = %v, want %v", err, errBudget)
	}
	// repeat is bounded by the output bound: 32 MiB of "ab" is 16 Mi
	// repetitions; one more is over.
	if _, err := f["repeat"].(func(int, string) (string, error))(16<<20+1, "ab"); err == nil {
		t.Error("repeat past the output bound: no error")
	}
	if s, err := f["repeat"].(func(int, string) (string, error))(3, "ab"); err != nil || s != "ababab" {
		t.Errorf("repeat 3 ab = %q, %v", s, err)
	}
}

// TestHelmSubchart: a dependency vendored in charts/ (its directory named
// otherwise than the chart) renders with the values the release scopes
// under its name. By hand: the prod values file sets exporter.replicas 2
// (line 4, "  replicas: " is 12 columns, value at 13); the subchart's
// values.yaml gives 1 GPU a pod: 2 × 1 = 2 GPUs, in namespace llm; the
// document is the subchart template's first line.
func TestHelmSubchart(t *testing.T) {
	dir := helmRepo(t)
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	chart, err := os.ReadFile(filepath.Join(dir, "charts", "vllm", "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write("charts/vllm/Chart.yaml", string(chart)+"dependencies:\n  - name: exporter\n    version: 0.1.0\n")
	write("charts/vllm/charts/exporter-0.1.0/Chart.yaml", "apiVersion: v2\nname: exporter\nversion: 0.1.0\n")
	write("charts/vllm/charts/exporter-0.1.0/values.yaml", "replicas: 1\ngpus: 1\n")
	write("charts/vllm/charts/exporter-0.1.0/templates/deployment.yaml", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: exporter
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
        - name: dcgm
          resources:
            limits:
              nvidia.com/gpu: {{ .Values.gpus }}
`)
	write("clusters/prod/vllm-values.yaml", "# prod serves chat at three replicas\nreplicaCount: 3\nexporter:\n  replicas: 2\n")
	inv := discover(t, dir, Options{Helm: []HelmRelease{{Chart: "charts/vllm", Values: []string{"clusters/prod/vllm-values.yaml"}, Release: "chat", Namespace: "llm"}}})
	var got []string
	for _, e := range inv.Reservations {
		got = append(got, fmt.Sprintf("%s %s %d×%g %s", e.Address, e.Range.Pos, e.Count, e.GPUsPerInstance, e.Kubernetes.ReplicasAt))
	}
	want := []string{
		"Deployment/llm/chat-vllm charts/vllm/templates/deployment.yaml:1:1 3×8 clusters/prod/vllm-values.yaml:2:15",
		"Deployment/llm/exporter charts/vllm/charts/exporter-0.1.0/templates/deployment.yaml:1:1 2×1 clusters/prod/vllm-values.yaml:4:13",
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}

	// Without the override the subchart's own values.yaml gives the
	// replicas: line 1, column 11.
	write("clusters/prod/vllm-values.yaml", "replicaCount: 3\n")
	inv = discover(t, dir, Options{Helm: []HelmRelease{{Chart: "charts/vllm", Values: []string{"clusters/prod/vllm-values.yaml"}, Release: "chat", Namespace: "llm"}}})
	found := false
	for _, e := range inv.Reservations {
		if e.Address == "Deployment/llm/exporter" {
			found = true
			if got, want := e.Kubernetes.ReplicasAt.String(), "charts/vllm/charts/exporter-0.1.0/values.yaml:1:11"; got != want {
				t.Errorf("exporter replicas at %s, want %s", got, want)
			}
		}
	}
	if !found {
		t.Error("no Deployment/llm/exporter entry without the override")
	}
}
