package kubernetes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
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

// writeFile writes text to name (a slash path) under dir.
func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHelmValuesSchema: the coalesced values are validated against the
// chart's values.schema.json with Helm's validator, as helm template
// does. The schema wants replicaCount an integer of at least 1 and
// resources (through a local $ref) an object.
func TestHelmValuesSchema(t *testing.T) {
	dir := helmRepo(t)
	writeFile(t, dir, "charts/vllm/values.schema.json", `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "replicaCount": {"type": "integer", "minimum": 1},
    "resources": {"$ref": "#/$defs/resources"}
  },
  "$defs": {"resources": {"type": "object"}}
}
`)
	release := Options{Helm: []HelmRelease{{Chart: "charts/vllm", Values: []string{"clusters/prod/vllm-values.yaml"}, Release: "chat", Namespace: "llm"}}}

	// Passes: replicaCount 3 from the prod file, 3 × 8 = 24 GPUs.
	inv := discover(t, dir, release)
	if len(inv.Reservations) != 1 || inv.Reservations[0].GPUs != 24 {
		t.Fatalf("entries %+v, want the one Deployment at 24 GPUs", inv.Reservations)
	}

	// replicaCount 0 (line 2, "replicaCount: " is 14 columns, value at
	// 15) is below the minimum; resources "none" (line 3, at 12) is not an
	// object. Both are reported, each at its values entry, in file order.
	writeFile(t, dir, "clusters/prod/vllm-values.yaml", "# prod\nreplicaCount: 0\nresources: none\n")
	_, err := Discover(context.Background(), dir, release)
	want := "clusters/prod/vllm-values.yaml:2:15: error: Helm chart charts/vllm: the values do not match charts/vllm/values.schema.json: at '/replicaCount': minimum: got 0, want 1\n" +
		"clusters/prod/vllm-values.yaml:3:12: error: Helm chart charts/vllm: the values do not match charts/vllm/values.schema.json: at '/resources': got string, want object"
	if err == nil || err.Error() != want {
		t.Errorf("Discover = %v\nwant %s", err, want)
	}

	// Without the release's file the chart's own values.yaml is checked:
	// a string replicaCount there (line 1, column 15).
	writeFile(t, dir, "charts/vllm/values.yaml", "replicaCount: \"1\"\nresources: {limits: {nvidia.com/gpu: 8}}\nautoscaling: {enabled: false}\n")
	_, err = Discover(context.Background(), dir, Options{})
	want = "charts/vllm/values.yaml:1:15: error: Helm chart charts/vllm: the values do not match charts/vllm/values.schema.json: at '/replicaCount': got string, want integer"
	if err == nil || err.Error() != want {
		t.Errorf("Discover (chart values) = %v\nwant %s", err, want)
	}

	// A property the schema requires that no file sets: at the values
	// file the release names first, 1:1.
	writeFile(t, dir, "charts/vllm/values.yaml", "replicaCount: 1\nautoscaling: {enabled: false}\n")
	writeFile(t, dir, "clusters/prod/vllm-values.yaml", "replicaCount: 3\n")
	writeFile(t, dir, "charts/vllm/values.schema.json", `{"type": "object", "required": ["model"]}`)
	_, err = Discover(context.Background(), dir, release)
	want = "clusters/prod/vllm-values.yaml:1:1: error: Helm chart charts/vllm: the values do not match charts/vllm/values.schema.json: at '': missing property 'model'"
	if err == nil || err.Error() != want {
		t.Errorf("Discover (missing property) = %v\nwant %s", err, want)
	}
}

// TestHelmValuesSchemaRemote: a schema that refers outside itself (which
// Helm's validator would fetch, or read from the file system) is an error
// at the value of that keyword, and nothing is fetched. By hand: the $ref
// value is on line 3 at column 32 of the schema (after the 31 characters
// of `  "properties": {"a": {"$ref": `); on one line, `{"$ref": ` is 9
// characters and `{"$schema": ` 12.
func TestHelmValuesSchemaRemote(t *testing.T) {
	dir := helmRepo(t)
	for _, c := range []struct{ schema, want string }{
		{"{\n  \"type\": \"object\",\n  \"properties\": {\"a\": {\"$ref\": \"https://schemas.example.com/a.json\"}}\n}\n",
			`charts/vllm/values.schema.json:3:32: error: Helm chart values schema: $ref "https://schemas.example.com/a.json" points outside values.schema.json, which would need the network or the file system; capcheck validates against self-contained schemas only (use #/$defs/…)`},
		{`{"$ref": "../../secret.json"}`,
			`charts/vllm/values.schema.json:1:10: error: Helm chart values schema: $ref "../../secret.json" points outside values.schema.json, which would need the network or the file system; capcheck validates against self-contained schemas only (use #/$defs/…)`},
		{`{"$schema": "https://schemas.example.com/meta", "type": "object"}`,
			`charts/vllm/values.schema.json:1:13: error: Helm chart values schema: $schema "https://schemas.example.com/meta" is not a JSON Schema draft the validator holds (draft-04, -06, -07, 2019-09, 2020-12); capcheck does not fetch schemas`},
		// A property named $ref is a schema, not a reference, and "$ref" as
		// a value is data: allowed.
		{`{"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"$ref": {"type": "string"}}, "examples": [{"$ref": 1}, {"x": "$ref"}]}`, ""},
	} {
		writeFile(t, dir, "charts/vllm/values.schema.json", c.schema)
		_, err := Discover(context.Background(), dir, Options{})
		if got := fmt.Sprint(err); c.want == "" && err != nil || c.want != "" && got != c.want {
			t.Errorf("schema %s: Discover = %v\nwant %s", c.schema, err, c.want)
		}
	}
}

// TestInstrumentText works the rewrite by hand: the file starts with the
// capcheckAt call (35 bytes: `{{capcheckAt "c/templates/f.yaml"}}`); a
// range ending in "-}}" gets a step that trims too; the "}}" inside a
// string and a comment's {{range}} are not actions; a define body and the
// range inside it each get `{{capcheckStep}}` (16 bytes). Columns map
// back: on line 1 the rewritten ".x" at 35+7 = 42 is column 7; on line 5
// the "x" at 14+16+13+16+1 = 60 is column 60-32 = 28, and column 46,
// inside the second insert, is the range action's column 15. The output
// of text/template is the same for both texts.
func TestInstrumentText(t *testing.T) {
	text := "a: {{ .x }}\n{{- range $i, $e := .xs -}}\n  b: {{ \"}}\" }}{{/* {{range}} */}}\n{{- end }}\n{{define \"t\"}}{{ range 3 }}x{{end}}{{end}}\n{{ template \"t\" }}\n"
	got, ins, ok := instrumentText(text, "c/templates/f.yaml", true)
	want := "{{capcheckAt \"c/templates/f.yaml\"}}a: {{ .x }}\n{{- range $i, $e := .xs -}}{{capcheckStep -}}\n  b: {{ \"}}\" }}{{/* {{range}} */}}\n{{- end }}\n{{define \"t\"}}{{capcheckStep}}{{ range 3 }}{{capcheckStep}}x{{end}}{{end}}\n{{ template \"t\" }}\n"
	if !ok || got != want {
		t.Fatalf("instrumentText =\n%s\nwant\n%s", got, want)
	}
	hc := &helmChart{inserts: map[string][]insert{"f": ins}}
	for _, c := range []struct{ line, col, want int }{{1, 42, 7}, {5, 60, 28}, {5, 46, 15}, {2, 5, 5}, {3, 5, 5}} {
		if got := hc.origColumn("f", c.line, c.col); got != c.want {
			t.Errorf("origColumn(%d:%d) = %d, want %d", c.line, c.col, got, c.want)
		}
	}
	funcs := template.FuncMap{stepFunc: func() string { return "" }, atFunc: func(string) string { return "" }}
	run := func(src string) string {
		var out strings.Builder
		if err := template.Must(template.New("f").Funcs(funcs).Parse(src)).Execute(&out, map[string]any{"x": 1, "xs": []int{1, 2}}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if a, b := run(text), run(got); a != b {
		t.Errorf("output differs: %q as written, %q instrumented", a, b)
	}
	// The keyword ends where the identifier does: range$x and
	// define"t" are range and define; ranged (a function) is not.
	if got, _, _ := instrumentText(`{{range$x := .xs}}{{define"t"}}{{end}}{{ranged 1}}{{end}}`, "f", false); got != `{{range$x := .xs}}{{capcheckStep}}{{define"t"}}{{capcheckStep}}{{end}}{{ranged 1}}{{end}}` {
		t.Errorf("keywords: %s", got)
	}
	if _, _, ok := instrumentText("a: {{ .x ", "f", false); ok {
		t.Error("an action that does not end scanned")
	}
}

// TestHelmRenderSteps: loops that allocate nothing stop at the step bound
// (1,000,000) instead of running to the time bound.
func TestHelmRenderSteps(t *testing.T) {
	// Two ranges over 100,000: each outer iteration is 1 + 100,000 steps,
	// so the bound falls inside the 10th (9 × 100,001 = 900,009; the 10th
	// reaches 1,000,000 after 99,990 inner steps), at the inner range,
	// line 6 column 22 (after "  " and the 19 characters of
	// "{{- range 100000 }}").
	dir := helmRepo(t)
	writeFile(t, dir, "charts/vllm/templates/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: spin\ndata:\n  {{- range 100000 }}{{- range 100000 }}{{ end }}{{ end }}\n")
	_, err := Discover(context.Background(), dir, Options{})
	want := `charts/vllm/templates/configmap.yaml:6:22: error: render Helm chart charts/vllm: executing "vllm/templates/configmap.yaml": the template runs more than 1000000 steps (range iterations and define or block bodies executed, include and template calls among them): capcheck bounds the work of a render`
	if err == nil || err.Error() != want {
		t.Errorf("Discover (nested range) = %v\nwant %s", err, want)
	}

	// An include that calls itself twice, 40 deep (2^40 calls, far below
	// Helm's 1,000 nested calls of one name): each call is a step; with
	// the bound set to 1,000 steps (the rule is the same as at 1,000,000,
	// reached in seconds) the 1,001st call stops at the define, line 1
	// column 1 of the helpers.
	dir = helmRepo(t)
	writeFile(t, dir, "charts/vllm/templates/_fan.tpl", "{{- define \"vllm.fan\" -}}\n{{- if lt (len .) 40 }}{{ include \"vllm.fan\" (append . 1) }}{{ include \"vllm.fan\" (append . 1) }}{{ end }}\n{{- end -}}\n")
	writeFile(t, dir, "charts/vllm/templates/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fan\ndata:\n  x: {{ include \"vllm.fan\" (list) | quote }}\n")
	_, err = Discover(context.Background(), dir, Options{hooks: &renderHooks{steps: 1000}})
	want = `charts/vllm/templates/_fan.tpl:1:1: error: render Helm chart charts/vllm: executing "vllm.fan": the template runs more than 1000 steps (range iterations and define or block bodies executed, include and template calls among them): capcheck bounds the work of a render`
	if err == nil || err.Error() != want {
		t.Errorf("Discover (include fan-out) = %v\nwant %s", err, want)
	}
}

// TestHelmTimeout: what counting cannot see (a loop inside a string tpl
// parses) ends at the time bound, Options.HelmTimeout. The test holds the
// render at service.yaml and fires the clock there, so the message names
// that template, with the bound set (3s); no time passes.
func TestHelmTimeout(t *testing.T) {
	dir := helmRepo(t)
	fire, release := make(chan time.Time), make(chan struct{})
	t.Cleanup(func() { close(release) })
	hooks := &renderHooks{
		clock: func(time.Duration) <-chan time.Time { return fire },
		at: func(name string) {
			if name == "vllm/templates/service.yaml" {
				close(fire)
				<-release
			}
		},
	}
	_, err := Discover(context.Background(), dir, Options{HelmTimeout: 3 * time.Second, hooks: hooks})
	want := "charts/vllm/templates/service.yaml:1:1: error: render Helm chart charts/vllm: stopped in vllm/templates/service.yaml: rendering did not finish within the time bound (3s; kubernetes.helm_timeout in capcheck.yaml raises it)"
	if err == nil || err.Error() != want {
		t.Errorf("Discover = %v\nwant %s", err, want)
	}
}

// TestInstrumentSameOutput: Helm's own starter chart (helm create: helpers,
// range, with, toYaml, include, tpl-free) renders to the same manifests
// with and without instrument, with its default values and with ingress
// on (a range over hosts and paths).
func TestInstrumentSameOutput(t *testing.T) {
	dir, err := chartutil.Create("starter", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	render := func(instrumented bool, vals map[string]any) map[string]string {
		ch, err := loader.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		b := &renderBudget{}
		if instrumented {
			(&helmChart{c: ch}).instrument(ch)
		}
		top, err := commonutil.ToRenderValues(ch, vals, common.ReleaseOptions{Name: "r", Namespace: "ns"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := engine.Engine{CustomTemplateFuncs: b.funcs()}.RenderWithContext(context.Background(), ch, top)
		if err != nil {
			t.Fatal(err)
		}
		if instrumented && b.steps == 0 {
			t.Error("instrumented render made no steps")
		}
		return out
	}
	ingress := map[string]any{"ingress": map[string]any{"enabled": true, "hosts": []any{
		map[string]any{"host": "a.example", "paths": []any{map[string]any{"path": "/", "pathType": "Prefix"}, map[string]any{"path": "/v1", "pathType": "Prefix"}}},
		map[string]any{"host": "b.example", "paths": []any{map[string]any{"path": "/", "pathType": "Prefix"}}},
	}}}
	for _, vals := range []map[string]any{{}, ingress} {
		want, got := render(false, vals), render(true, vals)
		if len(want) < 5 {
			t.Fatalf("the starter chart rendered %d templates", len(want))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("instrumented output differs (-as written +instrumented):\n%s", diff)
		}
	}
}
