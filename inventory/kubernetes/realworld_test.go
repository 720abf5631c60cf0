package kubernetes

import (
	"context"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/google/go-cmp/cmp"
)

// TestDiscoverRealWorld reads testdata/realworld.txtar, constructs of
// public GPU manifests. By hand, in file order:
//   - anchored: container b merges a's resources (<<: *engine):
//     (2 + 2) GPUs × 2 replicas = 8.
//   - nightly (CronJob, Forbid): parallelism 2 × 4 = 8, one run at once.
//   - rerank (KServe, raw): predictor 2 replicas × 1 + transformer
//     max(1, 3) × 1 = 5, one figure.
//   - finetune (Job): min(parallelism 4, completions 2) = 2 pods × 8 = 16;
//     batch-infer (KEDA ScaledJob): maxReplicaCount 6 jobs × 1 pod × 1 = 6.
//   - ddp (PyTorchJob): Master 1 × 8 + Worker max(3, elastic 5) × 8 = 48.
//   - inlist (a StatefulSet inside kind: List, at its item's line 4):
//     3 × 1 amd.com/gpu (requests only) = 3.
//   - devices: aws.amazon.com/neurondevice is whole devices: 2 × 1 = 2.
//   - smoke (Pod): 1.
//   - tpu-slice (RayCluster): max(1, 2) groups × numOfHosts 2 × 4 TPUs = 16.
//   - clamped (RayCluster): replicas 1 below minReplicas 3: 3 × 1 = 3 (its
//     document starts at ray.yaml line 47, after tune (lines 24-45) and "---").
//   - canary (Argo Rollout): 3 replicas × 2 = 6.
//   - init-peak: running phase main 2 + sidecar proxy 1 = 3; init steps
//     warm 4 (no sidecar yet) and load 4 + proxy 1 = 5 → 5 × 2 = 10
//     (the old max(sum, init) gave 4 × 2 = 8).
//   - run-peak: running main 2 + sidecar guard 2 = 4 > init fetch 1 → 4
//     (the old rule, ignoring sidecars, gave 2).
//
// Unresolved, never counted: the time-slicing ConfigMap (4 shares per
// GPU; the renamed one is nvidia.com/gpu.shared, unresolved where
// requested), the EKS Auto Mode NodePool of g6e/p5 families and the one
// with an nvidia.com/gpu taint without GPU limits (general, of c/m/r
// categories, is not GPU), the Cohort's own quota, a MIG quota, a
// CronJob allowed to overlap, a DaemonSet, MIG / shared / NeuronCore
// requests, a DRA claim, a RayJob autoscaling without maxReplicas, and a
// Volcano Job (batch.volcano.sh, not batch: a kind capcheck does not read)
// at its first GPU key.
func TestDiscoverRealWorld(t *testing.T) {
	inv := discover(t, extract(t, "realworld.txtar"), Options{})
	type row struct {
		Address, File, Resource string
		Line, Count             int
		Per, GPUs               float64
	}
	var got []row
	for _, e := range inv.Reservations {
		got = append(got, row{e.Address, e.File, e.Kubernetes.Resource, e.Line, e.Count, e.GPUsPerInstance, e.GPUs})
	}
	want := []row{
		{"Deployment/anchored", "anchor.yaml", "nvidia.com/gpu", 2, 2, 4, 8},
		{"CronJob/nightly", "cron.yaml", "nvidia.com/gpu", 1, 2, 4, 8},
		{"InferenceService/rerank", "isvc.yaml", "nvidia.com/gpu", 1, 1, 5, 5},
		{"Job/finetune", "job.yaml", "nvidia.com/gpu", 1, 2, 8, 16},
		{"ScaledJob/batch-infer", "job.yaml", "nvidia.com/gpu", 16, 6, 1, 6},
		{"PyTorchJob/ddp", "kubeflow.yaml", "nvidia.com/gpu", 1, 1, 48, 48},
		{"StatefulSet/inlist", "list.yaml", "amd.com/gpu", 4, 3, 1, 3},
		{"Deployment/devices", "mig.yaml", "aws.amazon.com/neurondevice", 40, 2, 1, 2},
		{"Pod/smoke", "pod.yaml", "nvidia.com/gpu", 1, 1, 1, 1},
		{"RayCluster/tpu-slice", "ray.yaml", "google.com/tpu", 1, 1, 16, 16},
		{"RayCluster/clamped", "ray.yaml", "nvidia.com/gpu", 47, 1, 3, 3},
		{"Rollout/canary", "rollout.yaml", "nvidia.com/gpu", 1, 3, 2, 6},
		{"Deployment/init-peak", "sidecar.yaml", "nvidia.com/gpu", 1, 2, 5, 10},
		{"Deployment/run-peak", "sidecar.yaml", "nvidia.com/gpu", 29, 1, 4, 4},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	// Replicas positions: the Job's parallelism, the ScaledJob's maximum.
	wantAt := map[string]*diag.Pos{
		"Job/finetune":          at("job.yaml", 6, 16),
		"ScaledJob/batch-infer": at("job.yaml", 21, 20), // line 16 is its apiVersion
		"CronJob/nightly":       at("cron.yaml", 10, 20),
	}
	for _, e := range inv.Reservations {
		if w, ok := wantAt[e.Address]; ok {
			if diff := cmp.Diff(w, e.Kubernetes.ReplicasAt); diff != "" {
				t.Errorf("%s ReplicasAt (-want +got):\n%s", e.Address, diff)
			}
		}
	}
	u := func(addr, file string, line, col int, msg string) inventory.Unresolved {
		return inventory.Unresolved{Address: addr, Range: diag.Pos{File: file, Line: line, Column: col}.Range(), Msg: msg}
	}
	part := ", a partition or share of an accelerator, not whole devices: capcheck does not count it as GPUs"
	wantU := []inventory.Unresolved{
		u("ConfigMap/gpu-operator/time-slicing-config", "ts.yaml", 7, 3, "ConfigMap time-slicing-config (data a100) shares each GPU as 4 nvidia.com/gpu (timeSlicing): on nodes using it an nvidia.com/gpu request is a share, not a GPU, and capcheck counts it as a whole GPU"),
		u("NodePool/auto-gpu", "nodepool.yaml", 6, 3, "NodePool auto-gpu launches GPU instances but sets no limits for nvidia.com/gpu: its GPU ceiling is unbounded; set spec.limits"),
		u("NodePool/tainted", "nodepool.yaml", 24, 3, "NodePool tainted launches GPU instances but sets no limits for nvidia.com/gpu: its GPU ceiling is unbounded; set spec.limits"),
		u("Cohort/research", "cohort.yaml", 12, 29, "Cohort research holds nvidia.com/gpu quota 16 of flavor a100 that its ClusterQueues may borrow: capcheck does not count a Cohort's own quota"),
		u("ClusterQueue/mig-queue", "cohort.yaml", 25, 29, "ClusterQueue mig-queue flavor a100-mig quota for nvidia.com/mig-1g.10gb"+part),
		u("Job/vcjob", "crd.yaml", 14, 19, "Job vcjob requests nvidia.com/gpu, but capcheck does not read Job objects (batch.volcano.sh/v1alpha1): its GPUs are not counted"),
		u("CronJob/hourly", "cron.yaml", 24, 3, "CronJob hourly requests nvidia.com/gpu with concurrencyPolicy Allow (the default): overlapping runs make its GPU demand unbounded; set Forbid or Replace"),
		u("DaemonSet/dcgm-burn", "ds.yaml", 6, 3, "DaemonSet dcgm-burn requests nvidia.com/gpu on every node it selects: its GPU demand depends on the node count, which the manifests do not give"),
		u("Deployment/mig", "mig.yaml", 12, 15, "Deployment mig requests nvidia.com/mig-1g.10gb"+part),
		u("Deployment/shared", "mig.yaml", 25, 15, "Deployment shared requests nvidia.com/gpu.shared"+part),
		u("Deployment/cores", "mig.yaml", 38, 15, "Deployment cores requests aws.amazon.com/neuroncore"+part),
		u("Deployment/dra", "mig.yaml", 62, 9, "Deployment dra claims devices through Dynamic Resource Allocation (resourceClaims): capcheck does not count them as GPUs"),
		u("RayJob/tune", "ray.yaml", 37, 9, "RayJob tune autoscales worker group gpu without maxReplicas: its GPU demand is unbounded"),
	}
	if diff := cmp.Diff(wantU, inv.Unresolved); diff != "" {
		t.Errorf("unresolved (-want +got):\n%s", diff)
	}
}

// TestDiscoverKustomizeCharts reads testdata/kustomize_charts.txtar. By
// hand: prod renders the base Deployment with the tp4 Component's JSON6902
// patch (1 → 4 GPUs) and replicas 3: 3 × 4 = 12, replicas traced to
// clusters/prod/kustomization.yaml:7:12. stack's helmCharts entry (line
// 4, column 5) is unresolved, and its Job still read: 1 pod × 2 = 2.
// Before, Kustomize refused the whole run ("must specify --enable-helm").
func TestDiscoverKustomizeCharts(t *testing.T) {
	inv := discover(t, extract(t, "kustomize_charts.txtar"), Options{})
	type row struct {
		Address, Root, File string
		Count               int
		Per, GPUs           float64
		ReplicasAt          *diag.Pos
	}
	var got []row
	for _, e := range inv.Reservations {
		got = append(got, row{e.Address, e.Root, e.File, e.Count, e.GPUsPerInstance, e.GPUs, e.Kubernetes.ReplicasAt})
	}
	want := []row{
		{"Deployment/llm", "clusters/prod", "apps/base/dep.yaml", 3, 4, 12, at("clusters/prod/kustomization.yaml", 7, 12)},
		{"Job/bench", "clusters/stack", "clusters/stack/job.yaml", 1, 2, 2, at("clusters/stack/job.yaml", 1, 1)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	wantU := []inventory.Unresolved{{Address: "Kustomization/clusters/stack", Range: diag.Pos{File: "clusters/stack/kustomization.yaml", Line: 4, Column: 5}.Range(),
		Msg: "overlay clusters/stack inflates Helm chart vllm-stack from https://vllm-project.github.io/production-stack (helmCharts in clusters/stack/kustomization.yaml), which capcheck does not render through Kustomize: its objects are not counted; vendor the chart and name it under kubernetes.helm"}}
	if diff := cmp.Diff(wantU, inv.Unresolved); diff != "" {
		t.Errorf("unresolved (-want +got):\n%s", diff)
	}
}

// TestDiscoverHelmJoinedSeparator reads testdata/helm_range.txtar. The
// range renders "---apiVersion: apps/v1", which Helm splits and a YAML
// decoder does not: before, llama's Deployment was read as phi's (its
// keys replaced), and only phi was counted. By hand: llama max(2, KEDA
// 5) × 4 = 20 nvidia.com/gpu, its maximum at keda.yaml line 11 (the
// template's maxReplicaCount, column 20); phi 1 × 1 amd.com/gpu = 1, at
// deploy.yaml line 8 (after range, with, and five lines of the
// Deployment), column 13.
func TestDiscoverHelmJoinedSeparator(t *testing.T) {
	inv := discover(t, extract(t, "helm_range.txtar"), Options{})
	type row struct {
		Address, Resource string
		Count             int
		GPUs              float64
		ReplicasAt        *diag.Pos
	}
	var got []row
	for _, e := range inv.Reservations {
		got = append(got, row{e.Address, e.Kubernetes.Resource, e.Count, e.GPUs, e.Kubernetes.ReplicasAt})
	}
	want := []row{
		{"Deployment/default/stack-llama", "nvidia.com/gpu", 5, 20, at("stack/templates/keda.yaml", 11, 20)},
		{"Deployment/default/stack-phi", "amd.com/gpu", 1, 1, at("stack/templates/deploy.yaml", 8, 13)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if len(inv.Unresolved) != 0 {
		t.Errorf("unresolved = %v, want none", inv.Unresolved)
	}
}

// TestDiscoverDuplicateKey: in a plain file the same joined separator
// leaves one mapping naming kind twice, bad input at the second (line 6:
// the separator line holds the second document's apiVersion).
func TestDiscoverDuplicateKey(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{"k8s/two.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"})
	_, err := Discover(context.Background(), dir, Options{})
	got := testkit.Lines(testkit.Diagnostics(t, err))
	want := []string{`k8s/two.yaml:6:1: error: parse Kubernetes YAML: duplicate key "kind" (first at line 2): is a document separator "---" missing a line of its own?`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
