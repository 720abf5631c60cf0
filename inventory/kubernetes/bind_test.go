package kubernetes

import (
	"path"
	"testing"

	"github.com/capcheck/capcheck/inventory"
	"github.com/google/go-cmp/cmp"
)

// TestBind reads testdata/bind.txtar and binds its NodePools to four
// Terraform reservations. By hand: reserved-only's class selects id
// cr-0123456789abcdef0, which only h100[0] has (from a plan): bound, and
// since it allows reserved capacity only it runs inside h100[0]
// (consumer). mixed's class selects by its annotation every capacity
// block (block) and h100[1], and by tags team=llm,env=prod the tagged
// reservation (tagged; "other" lacks env): three addresses, sorted; it
// also allows on-demand, so it stays elastic. no-class names an
// EC2NodeClass that is not there: no terms, nothing bound.
func TestBind(t *testing.T) {
	inv := discover(t, extract(t, "bind.txtar"), Options{})
	tf := []inventory.Entry{
		{Address: "aws_ec2_capacity_reservation.h100[0]", Kind: inventory.KindReservation, ID: "cr-0123456789abcdef0"},
		{Address: "aws_ec2_capacity_reservation.h100[1]", Kind: inventory.KindReservation},
		{Address: "aws_ec2_capacity_reservation.tagged", Kind: inventory.KindReservation, Tags: map[string]string{"team": "llm", "env": "prod", "x": "y"}},
		{Address: "aws_ec2_capacity_reservation.other", Kind: inventory.KindReservation, Tags: map[string]string{"team": "llm"}},
		{Address: "aws_ec2_capacity_block_reservation.block", Kind: inventory.KindCapacityBlock},
		{Address: "aws_eks_node_group.gpu", Kind: inventory.KindElastic, Tags: map[string]string{"team": "llm", "env": "prod"}},
	}
	inv.Reservations = append(tf, inv.Reservations...)
	// A stand-in for the pool rule: path.Match is enough for these globs.
	Bind(inv, func(pattern, addr string) bool { ok, _ := path.Match(pattern, addr); return ok || pattern == addr })
	type row struct {
		Address, ConsumerOf string
		Reservations        []string
		Class               inventory.Class
	}
	var got []row
	for _, e := range inv.Reservations {
		if e.ResourceType == "NodePool" {
			got = append(got, row{e.Address, e.ConsumerOf, e.Kubernetes.Reservations, e.Class()})
		}
	}
	want := []row{
		{"NodePool/reserved-only", "aws_ec2_capacity_reservation.h100[0]", []string{"aws_ec2_capacity_reservation.h100[0]"}, inventory.ClassConsumer},
		{"NodePool/mixed", "", []string{"aws_ec2_capacity_block_reservation.block", "aws_ec2_capacity_reservation.h100[1]", "aws_ec2_capacity_reservation.tagged"}, inventory.ClassElastic},
		{"NodePool/no-class", "", nil, inventory.ClassElastic},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bound NodePools (-want +got):\n%s", diff)
	}
}

// TestReplicasEntry: the prod overlay's replicas entry raises vllm from 1
// to 3 replicas (3 × 8 = 24 GPUs); the count is traced to the entry in
// clusters/prod/kustomization.yaml (line 6, column 12), the object to the
// base document.
func TestReplicasEntry(t *testing.T) {
	inv := discover(t, extract(t, "bind.txtar"), Options{})
	for _, e := range inv.Reservations {
		if e.Address != "Deployment/llm/vllm" {
			continue
		}
		got := []any{e.Root, e.Pos.String(), e.Count, e.GPUs, e.Kubernetes.ReplicasAt.String()}
		want := []any{"clusters/prod", "apps/base/vllm.yaml:1:1", 3, 24.0, "clusters/prod/kustomization.yaml:6:12"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("vllm (-want +got):\n%s", diff)
		}
		return
	}
	t.Fatalf("no Deployment/llm/vllm in %v", inv.Reservations)
}

// TestComputeClass reads testdata/computeclass.txtar. By hand: llm
// selects class h100, whose priorities launch a3-highgpu-8g (8 H100-SXM
// in the catalog) or nvidia-h100-80gb GPUs (H100-SXM): one model, so 2 ×
// 8 = 16 H100-SXM. embed selects mixed (H100-SXM or L4): its GPU model is
// unknown, "". Both classes launch GPUs, so each is an entry too, first
// (classes are read before workloads), its GPU model that of its
// workloads.
func TestComputeClass(t *testing.T) {
	inv := discover(t, extract(t, "computeclass.txtar"), Options{})
	type row struct{ Address, Class, GPU string }
	var got []row
	for _, e := range inv.Reservations {
		got = append(got, row{e.Address, e.Kubernetes.ComputeClass, e.GPU})
	}
	want := []row{{"ComputeClass/h100", "", "H100-SXM"}, {"ComputeClass/mixed", "", ""}, {"Deployment/llm", "h100", "H100-SXM"}, {"Deployment/embed", "mixed", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("workloads (-want +got):\n%s", diff)
	}
}
