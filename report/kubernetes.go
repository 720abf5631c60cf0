package report

import (
	"cmp"
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
// NodePools' GPU limits, the GPUs of the Terraform reservations behind
// the ComputeClasses it claims, the workloads' GPUs at their autoscaling
// maximum, and the Kueue quotas with borrowing.
type kubernetesCells struct{ limits, classes, workloads, quota string }

func kubernetesRow(p *evaluator.PoolSummary) (kubernetesCells, bool) {
	side := func(k *evaluator.KubernetesSummary) kubernetesCells {
		if k == nil {
			return kubernetesCells{"-", "-", "-", "-"}
		}
		c := kubernetesCells{limits: "-", classes: "-", workloads: num(k.WorkloadGPUsMax), quota: "-"}
		if k.NodePools > 0 {
			c.limits = num(k.LimitGPUs)
		}
		if k.ComputeClasses > 0 {
			c.classes = num(k.ClassReservedGPUs)
		}
		if k.Queues > 0 {
			c.quota = num(k.QuotaGPUs)
			if k.AdmitGPUs != k.QuotaGPUs {
				c.quota += " (" + num(k.AdmitGPUs) + " borrowing)"
			}
		}
		return c
	}
	base, head := baseKubernetes(p), p.Kubernetes
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
	return kubernetesCells{arrow(b.limits, h.limits), arrow(b.classes, h.classes), arrow(b.workloads, h.workloads), arrow(b.quota, h.quota)}, true
}

// kubernetesColumns says which optional columns the Kubernetes tables
// carry: the ComputeClass column when a pool claims a class (in the base
// or the head), and the NodePool column unless only classes are claimed,
// so that a repository without ComputeClasses reads as before and a GKE
// one (classes, no NodePools) keeps the table within a comment's width.
func kubernetesColumns(pools []evaluator.PoolSummary) (nodePools, classes bool) {
	for i := range pools {
		p := &pools[i]
		for _, k := range []*evaluator.KubernetesSummary{p.Kubernetes, baseKubernetes(p)} {
			if k != nil {
				nodePools = nodePools || k.NodePools > 0
				classes = classes || k.ComputeClasses > 0
			}
		}
	}
	return nodePools || !classes, classes
}

func baseKubernetes(p *evaluator.PoolSummary) *evaluator.KubernetesSummary {
	if p.Base == nil {
		return nil
	}
	return p.Base.Kubernetes
}

// cells are c's cells in the order of the table's columns. merge puts
// the NodePool limits and the class reservations in one column (the
// comment's, when a repository has both: five columns of base → head
// cells would not fit its width): "64", "48 reserved", "64, 48 reserved".
func (c kubernetesCells) cells(nodePools, classes, merge bool) []string {
	var out []string
	switch {
	case nodePools && classes && merge:
		var parts []string
		if c.limits != "-" {
			parts = append(parts, c.limits)
		}
		if c.classes != "-" {
			parts = append(parts, c.classes+" reserved")
		}
		out = append(out, cmp.Or(strings.Join(parts, ", "), "-"))
	default:
		if nodePools {
			out = append(out, c.limits)
		}
		if classes {
			out = append(out, c.classes)
		}
	}
	return append(out, c.workloads, c.quota)
}

// kubernetesText is the Kubernetes table of the text report, when a pool
// has Kubernetes objects.
func kubernetesText(w io.Writer, pools []evaluator.PoolSummary) error {
	nodePools, classes := kubernetesColumns(pools)
	var rows []string
	for i := range pools {
		p := &pools[i]
		if c, ok := kubernetesRow(p); ok {
			rows = append(rows, diag.Text(p.Name)+statusLabel(p)+"\t"+strings.Join(c.cells(nodePools, classes, false), "\t")+"\n")
		}
	}
	if len(rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := kubernetesCells{"NODEPOOL LIMITS", "COMPUTECLASS RESERVED", "WORKLOADS AT AUTOSCALING MAX", "KUEUE QUOTA"}
	fmt.Fprintln(tw, "POOL\t"+strings.Join(head.cells(nodePools, classes, false), "\t"))
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
// borrowing still fit a comment's 794 px (see the column budget); for
// the same reason a repository with both NodePools and ComputeClasses
// gets one "Limits / reserved" column for both (cells).
func kubernetesMarkdown(pools []evaluator.PoolSummary) []string {
	nodePools, classes := kubernetesColumns(pools)
	var b strings.Builder
	for i := range pools {
		p := &pools[i]
		c, ok := kubernetesRow(p)
		if !ok {
			continue
		}
		if b.Len() == 0 {
			head := kubernetesCells{"NodePool limits", "Class reserved", "Workloads at max", "Kueue quota"}.cells(nodePools, classes, false)
			if nodePools && classes {
				head = append([]string{"Limits / reserved"}, head[2:]...)
			}
			b.WriteString("| Pool | " + strings.Join(head, " | ") + " |\n|:--|" + strings.Repeat("--:|", len(head)) + "\n")
		}
		cells := c.cells(nodePools, classes, true)
		for i := range cells {
			cells[i] = mdText(cells[i])
		}
		fmt.Fprintf(&b, "| **%s**%s | %s |\n", mdText(p.Name), mdText(statusLabel(p)), strings.Join(cells, " | "))
	}
	if b.Len() == 0 {
		return nil
	}
	intro := "GPUs in Kubernetes (NodePools, workloads at their autoscaling maximum and Kueue queues the pools claim):\n\n"
	if classes {
		intro = "GPUs in Kubernetes (NodePools, the Terraform reservations behind GKE ComputeClasses, workloads at their autoscaling maximum and Kueue queues the pools claim):\n\n"
	}
	return []string{intro + b.String() + "\n"}
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
