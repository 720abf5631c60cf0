package evaluator

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// k8sEntry is a Kubernetes entry of kind k in tree root.
func k8sEntry(kind inventory.Kind, typ, object, root string, line int, gpus float64, k inventory.Kubernetes) inventory.Entry {
	k.Object = object
	return inventory.Entry{Address: object, ResourceType: typ, Root: root, Kind: kind, GPUs: gpus, GPU: "H100-SXM",
		Range: diag.Range{Pos: diag.Pos{File: "k8s/" + root + ".yaml", Line: line, Column: 1}}, Kubernetes: &k}
}

// TestKubernetesLink claims a NodePool and a ClusterQueue. By hand: pool
// a has 48 guaranteed GPUs (6 × 8) and one inference workload at 160 / 10
// = 16 GPUs; it claims NodePool/gpu (limit 64, elastic: the reserved
// strategy counts none of it) and ClusterQueue/train's one flavor
// (nominal 24 + 8 borrowing). Deployment/llm/vllm (3 × 8 = 24) is pinned
// to the NodePool, so it is a's too. capacity 48, usable 48 × 0.7 =
// 33.6; quota 24, admit 32. chat serves vllm: deployed 24 against the 16
// planned, drift |24 − 16| / 16 = 0.5.
func TestKubernetesLink(t *testing.T) {
	p := newPlan("p")
	pool := addPool(p, "a", 4, "aws_ec2_capacity_reservation.h100")
	pool.Kubernetes = []schema.KubernetesClaim{{NodePool: "gpu"}, {ClusterQueue: "train"}}
	w := addInference(p, "chat", "a", 160, 10)
	w.Serves = []string{"Deployment/llm/vllm"}
	bl := 8.0
	inv := inventoryOf(
		rsv("aws_ec2_capacity_reservation.h100", "us-east-1a", 1, 6, 8),
		k8sEntry(inventory.KindElastic, "NodePool", "NodePool/gpu", ".", 10, 64, inventory.Kubernetes{LimitAt: &diag.Pos{File: "k8s/..yaml", Line: 14, Column: 21}}),
	)
	q := k8sEntry(inventory.KindQueue, "ClusterQueue", "ClusterQueue/train", ".", 30, 24, inventory.Kubernetes{NominalQuota: 24, BorrowingLimit: &bl, Flavor: "h100"})
	q.Address = `ClusterQueue/train["h100"]`
	inv.Reservations = append(inv.Reservations, q)
	vllm := k8sEntry(inventory.KindWorkload, "Deployment", "Deployment/llm/vllm", "prod", 1, 24, inventory.Kubernetes{Replicas: 3})
	vllm.Count, vllm.GPUsPerInstance, vllm.ConsumerOf = 3, 8, "NodePool/gpu"
	inv.Reservations = append(inv.Reservations, vllm)

	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv})
	got := findPool(t, d, "p", "a")
	if got.Kubernetes == nil {
		t.Fatal("pool a has no kubernetes document")
	}
	k := *got.Kubernetes
	type figures struct{ Limit, Max, Capacity, Usable, Guaranteed, Quota, Admit float64 }
	if diff := cmp.Diff(figures{64, 24, 48, 33.6, 48, 24, 32},
		figures{k.LimitGPUs, k.WorkloadGPUsMax, k.CapacityGPUs, k.UsableGPUs, k.GuaranteedGPUs, k.QuotaGPUs, k.AdmitGPUs}); diff != "" {
		t.Errorf("pool a kubernetes figures (-want +got):\n%s", diff)
	}
	if got.ReservedGPUs != 48 || got.ElasticGPUs != 64 {
		t.Errorf("reserved %v, elastic %v; want 48 and the NodePool's 64 elastic", got.ReservedGPUs, got.ElasticGPUs)
	}
	if at := k.NodePools[0].At; at.Line != 14 || at.Column != 21 {
		t.Errorf("NodePool at = %v, want its limit at 14:21", at)
	}
	wd := findWorkload(t, d, "p", "chat")
	if wd.Kubernetes == nil || wd.Kubernetes.DeployedGPUs != 24 || wd.Kubernetes.PlannedGPUs != 16 || wd.Kubernetes.Drift != 0.5 {
		t.Errorf("chat kubernetes = %+v, want deployed 24, planned 16, drift 0.5", wd.Kubernetes)
	}
	for _, r := range d.Reservations {
		if r.Pool != "a" {
			t.Errorf("%s pool = %q, want a", r.Address, r.Pool)
		}
	}
}

// TestKubernetesLinkErrors: a claim matching two trees, an object two
// pools claim, a NodePool of another GPU, a serves entry naming nothing,
// and a claim matching nothing (a note, not an error).
func TestKubernetesLinkErrors(t *testing.T) {
	p := newPlan("p")
	p.Positions["pools.a.kubernetes[0]"] = at(12, 7)
	p.Positions["pools.a.kubernetes[1]"] = at(13, 7)
	p.Positions["pools.b.kubernetes[0]"] = at(22, 7)
	p.Positions["pools.b.kubernetes[1]"] = at(23, 7)
	p.Positions["workloads.chat.serves[0]"] = at(31, 9)
	a := addPool(p, "a", 4)
	a.Kubernetes = []schema.KubernetesClaim{{NodePool: "twice"}, {NodePool: "gpu"}}
	b := addPool(p, "b", 4)
	b.Kubernetes = []schema.KubernetesClaim{{NodePool: "gpu"}, {ClusterQueue: "none"}}
	addInference(p, "chat", "a", 10, 10).Serves = []string{"Deployment/x/y"}
	l40 := k8sEntry(inventory.KindElastic, "NodePool", "NodePool/gpu", ".", 5, 8, inventory.Kubernetes{})
	l40.GPU = "L40S"
	inv := inventoryOf(
		k8sEntry(inventory.KindElastic, "NodePool", "NodePool/twice", "dev", 1, 8, inventory.Kubernetes{}),
		k8sEntry(inventory.KindElastic, "NodePool", "NodePool/twice", "prod", 1, 8, inventory.Kubernetes{}),
		l40,
	)
	_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Inventory: inv, Now: now, GPUs: testGPUs})
	got := testkit.Lines(testkit.Diagnostics(t, err))
	want := []string{
		"capacity/plan.cue:12:7: error: pools.a.kubernetes[0]: NodePool twice is declared in 2 manifest trees (dev, prod); name one with root",
		`capacity/plan.cue:22:7: error: pools.b.kubernetes[0]: NodePool/gpu is already claimed by pool "a" at capacity/plan.cue:13:7; an object belongs to one pool`,
		"capacity/plan.cue:31:9: error: workloads.chat.serves[0]: serves names Deployment/x/y, which no Kubernetes manifest declares as a GPU workload (Kind/namespace/name, as capcheck inventory lists it)",
		`k8s/..yaml:5:1: error: NodePool/gpu: NodePool/gpu GPU "L40S" differs from pool "a" GPU "H100-SXM" (capacity/plan.cue:1:1), which claims it at capacity/plan.cue:13:7`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}

	// Without the errors, the claim matching nothing is a note.
	a.Kubernetes, b.Kubernetes = nil, []schema.KubernetesClaim{{ClusterQueue: "none"}}
	p.Workloads["chat"].Serves = nil
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv})
	var notes []string
	for _, n := range findPool(t, d, "p", "b").Notes {
		notes = append(notes, n.Code+" "+n.Msg)
	}
	if diff := cmp.Diff([]string{`CAP-LINK-NONE kubernetes entry clusterqueue none of pool "b" matches no ClusterQueue in the manifests`}, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

// TestKubernetesComputeClass claims a GKE ComputeClass. By hand: pool a
// has 48 guaranteed GPUs (6 × 8); it claims ComputeClass/h100, which adds
// no capacity (reserved 48, elastic 0). Deployment/llm/vllm (5 × 8 = 40)
// and StatefulSet/llm/embed (2 × 1 = 2) select the class, so both are
// a's: 42 GPUs at their autoscaling maximum against capacity 48, usable
// 48 × 0.7 = 33.6 (CAP030's figures). The class is listed with its
// priorities and bound reservation; it is not one of the pool's
// reservations. A ComputeClass of one other GPU model is an error at the
// claim, like a NodePool's.
func TestKubernetesComputeClass(t *testing.T) {
	p := newPlan("p")
	pool := addPool(p, "a", 4, "aws_ec2_capacity_reservation.h100")
	pool.Kubernetes = []schema.KubernetesClaim{{ComputeClass: "h100"}}
	prio := []inventory.ClassPriority{{MachineType: "a3-highgpu-8g", GPU: "H100-SXM", Accelerators: 8, Affinity: "Specific",
		Specific: []inventory.ClassReservation{{Name: "h100-res", Reservations: []string{"google_compute_reservation.h100"}}}}}
	inv := inventoryOf(
		rsv("aws_ec2_capacity_reservation.h100", "us-east-1a", 1, 6, 8),
		k8sEntry(inventory.KindElastic, "ComputeClass", "ComputeClass/h100", ".", 1, 0, inventory.Kubernetes{Priorities: prio,
			Reservations: []string{"google_compute_reservation.h100"}, WhenUnsatisfiable: "DoNotScaleUp"}),
	)
	vllm := k8sEntry(inventory.KindWorkload, "Deployment", "Deployment/llm/vllm", ".", 20, 40, inventory.Kubernetes{Replicas: 5, ComputeClass: "h100"})
	vllm.Count, vllm.GPUsPerInstance, vllm.ConsumerOf = 5, 8, "ComputeClass/h100"
	embed := k8sEntry(inventory.KindWorkload, "StatefulSet", "StatefulSet/llm/embed", ".", 40, 2, inventory.Kubernetes{Replicas: 2, ComputeClass: "h100"})
	embed.Count, embed.GPUsPerInstance, embed.ConsumerOf = 2, 1, "ComputeClass/h100"
	inv.Reservations = append(inv.Reservations, vllm, embed)

	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv})
	got := findPool(t, d, "p", "a")
	if got.Kubernetes == nil {
		t.Fatal("pool a has no kubernetes document")
	}
	k := *got.Kubernetes
	type figures struct{ Max, Capacity, Usable float64 }
	if diff := cmp.Diff(figures{42, 48, 33.6}, figures{k.WorkloadGPUsMax, k.CapacityGPUs, k.UsableGPUs}); diff != "" {
		t.Errorf("pool a kubernetes figures (-want +got):\n%s", diff)
	}
	if got.ReservedGPUs != 48 || got.ElasticGPUs != 0 {
		t.Errorf("reserved %v, elastic %v; want 48 and no elastic", got.ReservedGPUs, got.ElasticGPUs)
	}
	wantClasses := []KubernetesClassDoc{{Address: "ComputeClass/h100", Root: ".", GPU: "H100-SXM", WhenUnsatisfiable: "DoNotScaleUp",
		Reservations: []string{"google_compute_reservation.h100"}, Priorities: prio,
		Location: diag.Pos{File: "k8s/..yaml", Line: 1, Column: 1}.Range()}}
	if diff := cmp.Diff(wantClasses, k.ComputeClasses); diff != "" {
		t.Errorf("compute classes (-want +got):\n%s", diff)
	}
	if len(k.Workloads) != 2 || len(k.NodePools) != 0 {
		t.Errorf("workloads %v, nodepools %v; want vllm and embed, no NodePool", k.Workloads, k.NodePools)
	}
	for _, r := range d.Reservations {
		if r.Pool != "a" {
			t.Errorf("%s pool = %q, want a", r.Address, r.Pool)
		}
	}
	if slices.Contains(got.Reservations, "ComputeClass/h100") {
		t.Errorf("pool reservations %v hold the ComputeClass; it adds no capacity", got.Reservations)
	}

	// A class launching L4 only, claimed by an H100-SXM pool.
	p.Positions["pools.a.kubernetes[0]"] = at(12, 7)
	inv.Reservations[1].GPU = "L4"
	_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Inventory: inv, Now: now, GPUs: testGPUs})
	gotErr := testkit.Lines(testkit.Diagnostics(t, err))
	wantErr := []string{`k8s/..yaml:1:1: error: ComputeClass/h100: ComputeClass/h100 GPU "L4" differs from pool "a" GPU "H100-SXM" (capacity/plan.cue:1:1), which claims it at capacity/plan.cue:12:7`}
	if diff := cmp.Diff(wantErr, gotErr); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestKubernetesOverlayClusters: a ComputeClass declared once outside the
// overlays (tree ".") runs workloads of three overlays, each its own
// cluster, and of its own tree. By hand: its own tree's StatefulSet (2
// GPUs) always counts (one kubectl apply); of the overlays, prod asks 3 ×
// 8 = 24, staging 1 × 8 = 8, and eu 24 too: the largest is 24, the tie
// going to the first by name (eu), so the pool counts 2 + 24 = 26, not
// 2 + 24 + 8 + 24 = 58, with a CAP-K8S-OVERLAYS note at the claim (12:7)
// naming each overlay's GPUs. With root naming staging, the pool counts 2
// + 8 = 10 and notes nothing. The classes' reservations are 48 GPUs
// (google_compute_reservation.h100), once however many claim it.
func TestKubernetesOverlayClusters(t *testing.T) {
	p := newPlan("p")
	p.Positions["pools.a.kubernetes[0]"] = at(12, 7)
	a := addPool(p, "a", 4)
	a.Kubernetes = []schema.KubernetesClaim{{ComputeClass: "h100"}}
	class := k8sEntry(inventory.KindElastic, "ComputeClass", "ComputeClass/h100", ".", 1, 0, inventory.Kubernetes{
		Reservations: []string{"google_compute_reservation.h100"}})
	on := func(typ, object, root string, gpus float64) inventory.Entry {
		e := k8sEntry(inventory.KindWorkload, typ, object, root, 1, gpus, inventory.Kubernetes{ComputeClass: "h100"})
		e.ConsumerOf = "ComputeClass/h100"
		return e
	}
	h100 := rsv("google_compute_reservation.h100", "us-east-1a", 1, 6, 8)
	inv := inventoryOf(h100, class,
		on("StatefulSet", "StatefulSet/embed", ".", 2),
		on("Deployment", "Deployment/llm/vllm", "clusters/prod", 24),
		on("Deployment", "Deployment/llm/vllm", "clusters/staging", 8),
		on("Deployment", "Deployment/llm/vllm", "clusters/eu", 24),
	)
	a.Reservations = []string{"google_compute_reservation.h100"}

	type counted struct {
		GPUs, ClassReserved float64
		Roots               []string
		Notes               []string
	}
	count := func(d *Document) counted {
		pd := findPool(t, d, "p", "a")
		c := counted{GPUs: pd.Kubernetes.WorkloadGPUsMax, ClassReserved: pd.Kubernetes.ClassReservedGPUs}
		for _, w := range pd.Kubernetes.Workloads {
			c.Roots = append(c.Roots, w.Root)
		}
		for _, n := range pd.Notes {
			c.Notes = append(c.Notes, n.Code+" "+n.Location.Pos.String()+" "+n.Msg)
		}
		return c
	}
	got := count(mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}))
	want := counted{GPUs: 26, ClassReserved: 48, Roots: []string{"clusters/eu", "."}, Notes: []string{
		"CAP-K8S-OVERLAYS capacity/plan.cue:12:7 ComputeClass/h100 (k8s/..yaml:1:1, tree .) is selected by workloads of 3 other manifest trees, each its own cluster " +
			"(clusters/eu 24 GPUs, clusters/prod 24 GPUs, clusters/staging 8 GPUs); one cluster's ComputeClass cannot run another's, so only the largest, clusters/eu, is counted, " +
			"not their sum; name the overlay the pool means with root, or declare the ComputeClass in each overlay"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("without root (-want +got):\n%s", diff)
	}

	a.Kubernetes[0].Root = "clusters/staging"
	inv = inventoryOf(h100, class,
		on("StatefulSet", "StatefulSet/embed", ".", 2),
		on("Deployment", "Deployment/llm/vllm", "clusters/prod", 24),
		on("Deployment", "Deployment/llm/vllm", "clusters/staging", 8),
		on("Deployment", "Deployment/llm/vllm", "clusters/eu", 24),
	)
	got = count(mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}))
	want = counted{GPUs: 10, ClassReserved: 48, Roots: []string{"clusters/staging", "."}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("root clusters/staging (-want +got):\n%s", diff)
	}
}
