package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
)

// kubernetesCells are one pool's Kubernetes figures as table cells, base
// → head where they changed in a PR diff (like the pool table's): the
// NodePools' GPU limits, the workloads' GPUs at their autoscaling
// maximum, and the Kueue quotas with borrowing.
type kubernetesCells struct{ limits, workloads, quota string }

func kubernetesRow(p *evaluator.PoolSummary) (kubernetesCells, bool) {
	side := func(k *evaluator.KubernetesSummary) kubernetesCells {
		if k == nil {
			return kubernetesCells{"-", "-", "-"}
		}
		c := kubernetesCells{limits: "-", workloads: num(k.WorkloadGPUsMax), quota: "-"}
		if k.NodePools > 0 {
			c.limits = num(k.LimitGPUs)
		}
		if k.Queues > 0 {
			c.quota = num(k.QuotaGPUs)
			if k.AdmitGPUs != k.QuotaGPUs {
				c.quota += " (" + num(k.AdmitGPUs) + " borrowing)"
			}
		}
		return c
	}
	var base *evaluator.KubernetesSummary
	if p.Base != nil {
		base = p.Base.Kubernetes
	}
	head := p.Kubernetes
	if p.Status == evaluator.StatusRemoved {
		head, base = base, nil
	}
	if head == nil && base == nil {
		return kubernetesCells{}, false
	}
	h := side(head)
	if p.Base == nil || p.Status == evaluator.StatusRemoved {
		return h, true
	}
	b := side(base)
	arrow := func(b, h string) string {
		if b == h {
			return h
		}
		return b + " → " + h
	}
	return kubernetesCells{arrow(b.limits, h.limits), arrow(b.workloads, h.workloads), arrow(b.quota, h.quota)}, true
}

// kubernetesText is the Kubernetes table of the text report, when a pool
// has Kubernetes objects.
func kubernetesText(w io.Writer, pools []evaluator.PoolSummary) error {
	var rows []string
	for i := range pools {
		p := &pools[i]
		if c, ok := kubernetesRow(p); ok {
			rows = append(rows, fmt.Sprintf("%s%s\t%s\t%s\t%s\n", diag.Text(p.Name), statusLabel(p), c.limits, c.workloads, c.quota))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POOL\tNODEPOOL LIMITS\tWORKLOADS AT AUTOSCALING MAX\tKUEUE QUOTA")
	fmt.Fprint(tw, strings.Join(rows, ""))
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

// kubernetesMarkdown is the Kubernetes table of the PR comment, one
// block, when a pool has Kubernetes objects. Its head is short ("Workloads
// at max", the intro says of what) so that base → head cells with Kueue
// borrowing still fit a comment's 794 px (see the column budget).
func kubernetesMarkdown(pools []evaluator.PoolSummary) []string {
	var b strings.Builder
	for i := range pools {
		p := &pools[i]
		c, ok := kubernetesRow(p)
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("| Pool | NodePool limits | Workloads at max | Kueue quota |\n|:--|--:|--:|--:|\n")
		}
		fmt.Fprintf(&b, "| **%s**%s | %s | %s | %s |\n", mdText(p.Name), mdText(statusLabel(p)), mdText(c.limits), mdText(c.workloads), mdText(c.quota))
	}
	if b.Len() == 0 {
		return nil
	}
	return []string{"GPUs in Kubernetes (NodePools, workloads at their autoscaling maximum and Kueue queues the pools claim):\n\n" + b.String() + "\n"}
}

// kubernetesBindings lists the Karpenter NodePools bound to Terraform
// reservations by their EC2NodeClass's capacityReservationSelectorTerms,
// and the GKE ComputeClasses bound by their priorities'
// reservations.specific, under the inventory table.
func kubernetesBindings(w io.Writer, entries []inventory.Entry) {
	for _, kind := range []struct{ typ, one, many, by string }{
		{"NodePool", "NodePool", "NodePools", "capacityReservationSelectorTerms"},
		{"ComputeClass", "ComputeClass", "ComputeClasses", "reservations.specific"},
	} {
		var lines []string
		for _, r := range entries {
			if k := r.Kubernetes; k != nil && r.ResourceType == kind.typ && len(k.Reservations) > 0 {
				lines = append(lines, fmt.Sprintf("  %s → %s\n", diag.Text(r.Address), diag.Text(strings.Join(k.Reservations, ", "))))
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(w, "Bound:      %s to reservations by %s:\n", plural(len(lines), kind.one, kind.many), kind.by)
		fmt.Fprint(w, strings.Join(lines, ""))
	}
}
