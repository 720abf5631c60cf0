package kubernetes

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

// extract writes testdata/name (a txtar archive) into a temporary
// directory and returns it.
func extract(t *testing.T, name string) string {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func discover(t *testing.T, dir string, opts Options) *inventory.Inventory {
	t.Helper()
	inv, err := Discover(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return inv
}

func f(v float64) *float64 { return &v }

func at(file string, line, col int) *diag.Pos { return &diag.Pos{File: file, Line: line, Column: col} }

// TestDiscoverPlain reads testdata/plain.txtar. By hand: NodePool
// gpu-h100 limits 32 GPUs of p5.48xlarge (8 H100 each) → 4 nodes, its
// document starts at k8s/karpenter.yaml:10:1 (after the EC2NodeClass and
// "---"), its GPU limit at 30:21, and its node class selects the
// reservation tagged Name=gpu-us-east-1a. The ClusterQueue's h100 flavor (nodeLabels pin it
// to gpu-h100) has 16 nominal + 8 borrowable GPUs. vllm-70b: 4 GPUs per
// pod (the sidecar asks none) × max(2 replicas, HPA maximum 6) = 24,
// the maximum written at vllm.yaml:33:16 (file line 122 − 89). The
// cpu NodePool has no GPUs and is left out; gpu-unbounded launches
// g6e.12xlarge without a GPU limit: unresolved at its spec (line 51:3).
func TestDiscoverPlain(t *testing.T) {
	inv := discover(t, extract(t, "plain.txtar"), Options{})
	want := []inventory.Entry{
		{Address: "NodePool/gpu-h100", ResourceType: "NodePool", Root: ".", Range: diag.Range{Pos: diag.Pos{File: "k8s/karpenter.yaml", Line: 10, Column: 1}, EndLine: 10},
			Kind: inventory.KindElastic, InstanceType: "p5.48xlarge", Count: 4, GPUsPerInstance: 8, GPUs: 32, GPU: "H100-SXM",
			Kubernetes: &inventory.Kubernetes{Object: "NodePool/gpu-h100", APIVersion: "karpenter.sh/v1", Resource: "nvidia.com/gpu",
				CapacityTypes: []string{"reserved", "on-demand"}, NodeClass: "gpu-reserved", NodeClassFound: true,
				ReservationTerms: []inventory.ReservationTerm{{Tags: map[string]string{"Name": "gpu-us-east-1a"}}},
				LimitAt:          at("k8s/karpenter.yaml", 30, 21)}},
		{Address: `ClusterQueue/training["h100"]`, ResourceType: "ClusterQueue", Root: ".", Range: diag.Range{Pos: diag.Pos{File: "k8s/kueue.yaml", Line: 9, Column: 1}, EndLine: 9},
			Kind: inventory.KindQueue, Count: 16, GPUsPerInstance: 1, GPUs: 16, GPU: "H100-SXM", ConsumerOf: "NodePool/gpu-h100",
			Kubernetes: &inventory.Kubernetes{Object: "ClusterQueue/training", APIVersion: "kueue.x-k8s.io/v1beta1", Resource: "nvidia.com/gpu",
				NodePool: "gpu-h100", Flavor: "h100", NominalQuota: 16, BorrowingLimit: f(8)}},
		{Address: "Deployment/llm/vllm-70b", ResourceType: "Deployment", Root: ".", Range: diag.Range{Pos: diag.Pos{File: "k8s/llm/vllm.yaml", Line: 1, Column: 1}, EndLine: 1},
			Kind: inventory.KindWorkload, Count: 6, GPUsPerInstance: 4, GPUs: 24, GPU: "H100-SXM", ConsumerOf: "NodePool/gpu-h100",
			Kubernetes: &inventory.Kubernetes{Object: "Deployment/llm/vllm-70b", APIVersion: "apps/v1", Resource: "nvidia.com/gpu",
				Replicas: 2, MaxReplicas: 6, Autoscaler: "HorizontalPodAutoscaler/llm/vllm-70b", NodePool: "gpu-h100",
				ReplicasAt: at("k8s/llm/vllm.yaml", 33, 16)}},
	}
	if diff := cmp.Diff(want, inv.Reservations); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	wantU := []inventory.Unresolved{{Address: "NodePool/gpu-unbounded", Range: diag.Pos{File: "k8s/karpenter.yaml", Line: 51, Column: 3}.Range(),
		Msg: "NodePool gpu-unbounded launches GPU instances but sets no limits for nvidia.com/gpu: its GPU ceiling is unbounded; set spec.limits"}}
	if diff := cmp.Diff(wantU, inv.Unresolved); diff != "" {
		t.Errorf("unresolved (-want +got):\n%s", diff)
	}
	for _, e := range inv.Reservations {
		if e.Class() == inventory.ClassGuaranteed {
			t.Errorf("%s is guaranteed; Kubernetes entries never are", e.Address)
		}
	}
	if c := inv.Reservations[2].Class(); c != inventory.ClassConsumer {
		t.Errorf("Class(workload) = %s, want consumer", c)
	}
}

// TestDiscoverOverlay reads testdata/overlay.txtar: each overlay is a
// tree; both entries point at the base document (apps/base/sts.yaml:2:1,
// after the comment line), traced through Kustomize's origin annotation.
// dev: 1 replica × 2 GPUs = 2, its replicas at the base's line 7
// (unchanged by the overlay); prod: the patch raises replicas to 4 → 8
// GPUs, named with its prefix, its replicas traced to the patch
// (clusters/prod/replicas.yaml:6:13). The base and the patch are not read on
// their own.
func TestDiscoverOverlay(t *testing.T) {
	inv := discover(t, extract(t, "overlay.txtar"), Options{})
	want := []inventory.Entry{
		{Address: "StatefulSet/dev/embedder", ResourceType: "StatefulSet", Root: "clusters/dev", Range: diag.Range{Pos: diag.Pos{File: "apps/base/sts.yaml", Line: 2, Column: 1}, EndLine: 2},
			Kind: inventory.KindWorkload, Count: 1, GPUsPerInstance: 2, GPUs: 2,
			Kubernetes: &inventory.Kubernetes{Object: "StatefulSet/dev/embedder", APIVersion: "apps/v1", Resource: "nvidia.com/gpu", Replicas: 1,
				ReplicasAt: at("apps/base/sts.yaml", 7, 13)}},
		{Address: "StatefulSet/prod/prod-embedder", ResourceType: "StatefulSet", Root: "clusters/prod", Range: diag.Range{Pos: diag.Pos{File: "apps/base/sts.yaml", Line: 2, Column: 1}, EndLine: 2},
			Kind: inventory.KindWorkload, Count: 4, GPUsPerInstance: 2, GPUs: 8,
			Kubernetes: &inventory.Kubernetes{Object: "StatefulSet/prod/prod-embedder", APIVersion: "apps/v1", Resource: "nvidia.com/gpu", Replicas: 4,
				ReplicasAt: at("clusters/prod/replicas.yaml", 6, 13)}},
	}
	if diff := cmp.Diff(want, inv.Reservations); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if len(inv.Unresolved) != 0 {
		t.Errorf("unresolved = %v, want none", inv.Unresolved)
	}
}

// TestDiscoverKinds reads testdata/kinds.txtar. By hand: InferenceService
// mistral max(1, 3) = 3 replicas × 1 L40S (g6e.12xlarge) = 3; JobSet
// pretrain 2 replicas × parallelism 4 × 4 TPUs = 32 for one set;
// Deployment whisper 1 Neuron × KEDA maximum 10 = 10; LeaderWorkerSet
// llama-405b 2 groups × (leader 8 + 3 workers × 8) = 64; RayService rag
// head 0 + max(1, maxReplicas 5) × 2 = 10. The serverless
// InferenceService without maxReplicas is unresolved at its predictor.
func TestDiscoverKinds(t *testing.T) {
	inv := discover(t, extract(t, "kinds.txtar"), Options{})
	type row struct {
		Address, File, Resource, GPU string
		Line, Count                  int
		Per, GPUs                    float64
	}
	var got []row
	for _, e := range inv.Reservations {
		got = append(got, row{e.Address, e.File, e.Kubernetes.Resource, e.GPU, e.Line, e.Count, e.GPUsPerInstance, e.GPUs})
	}
	want := []row{
		{"InferenceService/serve/mistral", "isvc.yaml", "nvidia.com/gpu", "L40S", 1, 3, 1, 3},
		{"JobSet/pretrain", "jobset.yaml", "google.com/tpu", "", 1, 1, 32, 32},
		{"Deployment/whisper", "keda.yaml", "aws.amazon.com/neuron", "", 1, 10, 1, 10},
		{"LeaderWorkerSet/llama-405b", "lws.yaml", "nvidia.com/gpu", "", 1, 2, 32, 64},
		{"RayService/rag", "ray.yaml", "nvidia.com/gpu", "", 1, 1, 10, 10},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	wantU := []inventory.Unresolved{{Address: "InferenceService/serve/unbounded", Range: diag.Pos{File: "isvc.yaml", Line: 26, Column: 5}.Range(),
		Msg: "InferenceService unbounded sets no spec.predictor.maxReplicas: serverless autoscaling is unbounded"}}
	if diff := cmp.Diff(wantU, inv.Unresolved); diff != "" {
		t.Errorf("unresolved (-want +got):\n%s", diff)
	}
}

// TestDiscoverRemoteBase: an overlay on a remote base is never fetched;
// it is unresolved at its kustomization. A broken manifest is an error at
// its line.
func TestDiscoverRemoteBaseAndErrors(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{
		"prod/kustomization.yaml": "resources:\n  - https://github.com/example/base?ref=v1\n",
	})
	inv := discover(t, dir, Options{})
	wantU := []inventory.Unresolved{{Address: "Kustomization/prod", Range: diag.Pos{File: "prod/kustomization.yaml", Line: 1, Column: 1}.Range(),
		Msg: "overlay prod uses remote base https://github.com/example/base?ref=v1, which capcheck does not fetch; vendor it into the repository"}}
	if diff := cmp.Diff(wantU, inv.Unresolved); diff != "" {
		t.Errorf("unresolved (-want +got):\n%s", diff)
	}

	bad := t.TempDir()
	testkit.WriteFiles(t, bad, map[string]string{"k8s/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x: y\n"})
	_, err := Discover(context.Background(), bad, Options{})
	got := testkit.Lines(testkit.Diagnostics(t, err))
	want := []string{"k8s/app.yaml:4: error: parse Kubernetes YAML: mapping values are not allowed in this context"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}

	if _, err := Discover(context.Background(), dir, Options{Dirs: []string{"nowhere"}}); err == nil || err.Error() != "kubernetes.dirs: nowhere: no such directory" {
		t.Errorf("Discover(Dirs: nowhere) = %v, want a missing-directory error", err)
	}
}
