package report

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
)

// classDiffCheck is kubernetesDiffCheck on GKE: h100-use1 claims a
// ComputeClass instead of a NodePool, bound in the base to a 48-GPU
// reservation and in the head to nothing (0).
func classDiffCheck() *Check {
	c := kubernetesDiffCheck()
	p := &c.Pools[0]
	for _, k := range []*evaluator.KubernetesSummary{p.Base.Kubernetes, p.Kubernetes} {
		k.NodePools, k.LimitGPUs, k.ComputeClasses = 0, 0, 1
	}
	p.Base.Kubernetes.ClassReservedGPUs = 48
	return c
}

// TestKubernetesClassColumn: a pool claiming a GKE ComputeClass shows the
// GPUs of the reservations behind it base → head, in the text table and
// the comment, and the comment's table still fits the 794 px budget with
// every cell at its widest (arrows, borrowing). By hand: the class's
// reservations go from 48 GPUs to 0, the workloads from 37 to 45; no pool
// has a NodePool, so that column is left out. A check whose pools claim
// no class keeps the four columns it had.
func TestKubernetesClassColumn(t *testing.T) {
	c := classDiffCheck()
	md := render(t, "markdown", c, fixtureOptions())
	const head = "| Pool | Class reserved | Workloads at max | Kueue quota |"
	const row = "| **h100-use1** | 48 → 0 | 37 → 45 | 16 (24 borrowing) → 24 (32 borrowing) |"
	for _, want := range []string{head, row} {
		if !strings.Contains(md, "\n"+want+"\n") {
			t.Errorf("comment lacks the line\n%s\nin:\n%s", want, md)
		}
	}
	found := false
	for _, tb := range mdTables(md) {
		if strings.HasPrefix(tb.head, "Pool | Class reserved") {
			found = true
			if tb.width > commentWidth {
				t.Errorf("Kubernetes table with the ComputeClass column is %.0f px wide, want ≤ %d", tb.width, commentWidth)
			}
		}
	}
	if !found {
		t.Errorf("no Kubernetes table with the ComputeClass column in:\n%s", md)
	}

	text := render(t, "text", c, fixtureOptions())
	for _, want := range []string{
		"POOL       COMPUTECLASS RESERVED  WORKLOADS AT AUTOSCALING MAX  KUEUE QUOTA",
		"h100-use1  48 → 0                 37 → 45                       16 (24 borrowing) → 24 (32 borrowing)",
	} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("text report lacks the line\n%s\nin:\n%s", want, text)
		}
	}

	plain := render(t, "markdown", kubernetesDiffCheck(), fixtureOptions())
	if !strings.Contains(plain, "\n| Pool | NodePool limits | Workloads at max | Kueue quota |\n") || strings.Contains(plain, "Class reserved") {
		t.Errorf("a check without ComputeClasses changed its Kubernetes table:\n%s", plain)
	}

	// Both kinds (a Karpenter pool and a GKE one in one repository): the
	// comment puts NodePool limits and class reservations in one column,
	// so that the table still fits with h200-euw1's limit moving 160 →
	// 176; the text table keeps them apart, "-" where a pool has none.
	mixed := classDiffCheck()
	mixed.Pools[1].Base = &evaluator.PoolSummary{Kubernetes: &evaluator.KubernetesSummary{LimitGPUs: 160, WorkloadGPUsMax: 8, NodePools: 1, Workloads: 1}}
	mixed.Pools[1].Kubernetes = &evaluator.KubernetesSummary{LimitGPUs: 176, WorkloadGPUsMax: 8, NodePools: 1, Workloads: 1}
	mixed.Pools[1].Status = evaluator.StatusChanged
	md = render(t, "markdown", mixed, fixtureOptions())
	for _, want := range []string{
		"| Pool | Limits / reserved | Workloads at max | Kueue quota |",
		"| **h100-use1** | 48 → 0 reserved | 37 → 45 | 16 (24 borrowing) → 24 (32 borrowing) |",
		"| **h200-euw1** | 160 → 176 | 8 | - |",
	} {
		if !strings.Contains(md, "\n"+want+"\n") {
			t.Errorf("mixed comment lacks the line\n%s\nin:\n%s", want, md)
		}
	}
	for _, tb := range mdTables(md) {
		if strings.HasPrefix(tb.head, "Pool | Limits / reserved") && tb.width > commentWidth {
			t.Errorf("mixed Kubernetes table is %.0f px wide, want ≤ %d", tb.width, commentWidth)
		}
	}
	text = render(t, "text", mixed, fixtureOptions())
	for _, want := range []string{
		"POOL       NODEPOOL LIMITS  COMPUTECLASS RESERVED  WORKLOADS AT AUTOSCALING MAX  KUEUE QUOTA",
		"h100-use1  -                48 → 0                 37 → 45                       16 (24 borrowing) → 24 (32 borrowing)",
		"h200-euw1  160 → 176        -                      8                             -",
	} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("mixed text report lacks the line\n%s\nin:\n%s", want, text)
		}
	}
}
