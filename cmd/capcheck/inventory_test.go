package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInventoryExampleHandCount checks `capcheck inventory --format json`
// on the bundled example against a count made by reading its Terraform.
func TestInventoryExampleHandCount(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"inventory", "--format", "json", "../../testdata/example"}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	var got struct {
		Version      string
		Reservations []struct {
			Address, File, Kind, InstanceType, GPU, Zone, Pool, ConsumerOf string
			Line, Count                                                    int
			GPUs                                                           float64
			Guaranteed                                                     bool
		}
		Unresolved []any
	}
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	type row struct {
		file       string
		line       int
		count      int
		gpus       float64
		pool       string
		guaranteed bool
	}
	// By hand from testdata/example:
	//   infra/aws/terraform.tfvars: h100_instances_per_zone 3, 3, 2 p5.48xlarge
	//   (8 H100 each) through module h100_use1 (for_each) → 24, 24, 16.
	//   infra/aws/capacity_block.tf: offering instance_count 2 × 8 = 16.
	//   infra/aws/eks.tf: g6e.12xlarge (4 L40S) max_size 4 → 16, elastic.
	//   infra/gcp/main.tf: a100 default map 3, 3 a2-ultragpu-8g → 24, 24;
	//   l4 count = 2 zones, 4 × g2-standard-24 (2 L4) → 8, 8; the GKE node
	//   pool max 8 × 2 L4 = 16 consumes the l4 reservation.
	//   k8s/karpenter.yaml: NodePool gpu-h100 limits nvidia.com/gpu 160 on
	//   p5.48xlarge (8 H100) → 160 / 8 = 20 nodes, elastic, claimed by
	//   h100-use1's kubernetes entry. k8s/kueue.yaml: ClusterQueue training
	//   nominalQuota 16 on flavor h100 (NodePool gpu-h100), a consumer.
	//   k8s/clusters/prod replicas vllm-70b to 9 × 4 GPUs = 36; vllm-8b
	//   keeps the base's 1 × 1 = 1; both pinned to the NodePool (demand).
	want := map[string]row{
		`ClusterQueue/training["h100"]`:                                    {"k8s/kueue.yaml", 10, 16, 16, "h100-use1", false},
		`Deployment/llm/vllm-70b`:                                          {"k8s/apps/base/vllm-70b.yaml", 1, 9, 36, "h100-use1", false},
		`Deployment/llm/vllm-8b`:                                           {"k8s/apps/base/vllm-8b.yaml", 1, 1, 1, "h100-use1", false},
		`NodePool/gpu-h100`:                                                {"k8s/karpenter.yaml", 12, 20, 160, "h100-use1", false},
		`aws_ec2_capacity_block_reservation.finetune`:                      {"infra/aws/capacity_block.tf", 10, 2, 16, "h100-use1", true},
		`aws_eks_node_group.l40s_burst`:                                    {"infra/aws/eks.tf", 2, 4, 16, "", false},
		`google_compute_reservation.a100["us-central1-a"]`:                 {"infra/gcp/main.tf", 27, 3, 24, "a100-usc1", true},
		`google_compute_reservation.a100["us-central1-b"]`:                 {"infra/gcp/main.tf", 27, 3, 24, "a100-usc1", true},
		`google_compute_reservation.l4[0]`:                                 {"infra/gcp/main.tf", 47, 4, 8, "l4-usc1", true},
		`google_compute_reservation.l4[1]`:                                 {"infra/gcp/main.tf", 47, 4, 8, "l4-usc1", true},
		`google_container_node_pool.l4_serving`:                            {"infra/gcp/main.tf", 64, 8, 16, "", false},
		`module.h100_use1["us-east-1a"].aws_ec2_capacity_reservation.this`: {"modules/gpu-reservation/main.tf", 25, 3, 24, "h100-use1", true},
		`module.h100_use1["us-east-1b"].aws_ec2_capacity_reservation.this`: {"modules/gpu-reservation/main.tf", 25, 3, 24, "h100-use1", true},
		`module.h100_use1["us-east-1c"].aws_ec2_capacity_reservation.this`: {"modules/gpu-reservation/main.tf", 25, 2, 16, "h100-use1", true},
	}
	gotRows := map[string]row{}
	var guaranteed float64
	for _, r := range got.Reservations {
		gotRows[r.Address] = row{r.File, r.Line, r.Count, r.GPUs, r.Pool, r.Guaranteed}
		if r.Guaranteed && r.ConsumerOf == "" {
			guaranteed += r.GPUs
		}
	}
	if diff := cmp.Diff(want, gotRows, cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("reservations (-want +got):\n%s", diff)
	}
	if guaranteed != 144 {
		t.Errorf("guaranteed GPUs = %g, want 64 + 16 + 48 + 16 = 144", guaranteed)
	}
	if got.Version != "capcheck/v1" || len(got.Unresolved) != 0 {
		t.Errorf("version %q, unresolved %v; want capcheck/v1 and none", got.Version, got.Unresolved)
	}
}
