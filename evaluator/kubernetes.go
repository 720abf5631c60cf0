package evaluator

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// This file links a plan to the Kubernetes objects the inventory holds
// (docs/ARCHITECTURE.md, "Data flow"): a pool claims Karpenter NodePools,
// Kueue ClusterQueues and GKE ComputeClasses by name (`kubernetes:
// [{nodepool: …}]`), a workload names the objects that serve it
// (`serves: [...]`), and the figures the Kubernetes rules (CAP030–CAP038)
// judge are gathered into the pool's and the workload's `kubernetes`
// documents.

// MatchAddress reports whether a pool's reservations pattern claims the
// address addr (see matchAddress): the one rule, shared with the
// Kubernetes reader's capcheck.io/capacity-reservations annotation.
func MatchAddress(pattern, addr string) bool { return matchAddress(pattern, addr) }

// KubernetesPoolDoc is what the Kubernetes objects of a pool allow and ask
// for. The pool's objects are the NodePools, ClusterQueues and
// ComputeClasses it claims, the queue flavors and workloads pinned to a
// claimed NodePool (karpenter.sh/nodepool) or ComputeClass
// (cloud.google.com/compute-class), and the objects its plan workloads
// serve.
type KubernetesPoolDoc struct {
	NodePools []KubernetesObjectDoc `json:"nodepools"`
	Queues    []KubernetesQueueDoc  `json:"queues"`
	Workloads []KubernetesObjectDoc `json:"workloads"`
	// ComputeClasses are the GKE ComputeClasses the pool claims: they add
	// no capacity (a class has no ceiling of its own); CAP038 compares the
	// GPU each priority launches with the pool's.
	ComputeClasses []KubernetesClassDoc `json:"computeclasses"`
	// ClassReservedGPUs is Σ the GPUs of the distinct Terraform
	// reservations the claimed ComputeClasses' Specific priorities bind
	// (kubernetes.Bind): what backs them, shown base → head in a PR diff.
	ClassReservedGPUs float64 `json:"class_reserved_gpus"`
	// LimitGPUs is Σ the NodePools' GPU limits: Karpenter launches no
	// node beyond it (CAP031 compares the pool's required_gpus_peak).
	LimitGPUs float64 `json:"limit_gpus"`
	// WorkloadGPUsMax is Σ the workloads' GPUs at their autoscaling
	// maximum (requests × max(replicas, HPA/KEDA maximum)).
	WorkloadGPUsMax float64 `json:"workload_gpus_max"`
	// CapacityGPUs is what they can be placed on now: the pool's
	// guaranteed GPUs this month, plus its elastic ceiling unless the
	// strategy is reserved; UsableGPUs = CapacityGPUs × (1 − headroom_min),
	// what they may take leaving the headroom the plan requires (CAP030).
	CapacityGPUs float64 `json:"capacity_gpus"`
	UsableGPUs   float64 `json:"usable_gpus"`
	// GuaranteedGPUs is the pool's guaranteed GPUs this month; QuotaGPUs
	// Σ the queues' nominal quotas (CAP033), AdmitGPUs Σ nominal +
	// borrowing limit (nominal alone where no limit is set: borrowing is
	// never guaranteed), what the queues can admit together (CAP034).
	GuaranteedGPUs float64 `json:"guaranteed_gpus"`
	QuotaGPUs      float64 `json:"quota_gpus"`
	AdmitGPUs      float64 `json:"admit_gpus"`
	// TrainingGPUsPeak is the largest monthly GPUs of the pool's training
	// workloads under plan_for, in TrainingPeakMonth ("" without any).
	TrainingGPUsPeak  float64 `json:"training_gpus_peak"`
	TrainingPeakMonth string  `json:"training_peak_month"`
}

// KubernetesObjectDoc is a NodePool or a GPU workload of a pool.
type KubernetesObjectDoc struct {
	// Address is Kind/namespace/name; Root the manifest tree (a Kustomize
	// overlay) it was read from.
	Address string `json:"address"`
	Root    string `json:"root"`
	// GPUs is a NodePool's GPU limit, a workload's GPUs at its
	// autoscaling maximum: Count (replicas at the maximum) ×
	// GPUsPerReplica.
	GPUs           float64 `json:"gpus"`
	Count          int     `json:"count"`
	GPUsPerReplica float64 `json:"gpus_per_replica"`
	Replicas       int     `json:"replicas"`
	MaxReplicas    int     `json:"max_replicas"`
	// Reservations and CapacityTypes are a NodePool's.
	Reservations  []string `json:"reservations,omitempty"`
	CapacityTypes []string `json:"capacity_types,omitempty"`
	// Location is the object's document; At where its GPU limit or replica
	// count is written (a kustomization replicas entry when an overlay
	// sets it).
	Location diag.Range `json:"location"`
	At       diag.Range `json:"at"`
}

// KubernetesClassDoc is a GKE ComputeClass a pool claims.
type KubernetesClassDoc struct {
	Address string `json:"address"`
	Root    string `json:"root"`
	// GPU is the one GPU model its priorities launch, "" when they name
	// several or none the catalog knows.
	GPU               string `json:"gpu"`
	WhenUnsatisfiable string `json:"when_unsatisfiable"`
	// Reservations are the Terraform reservations its Specific priorities
	// bind to (kubernetes.Bind).
	Reservations []string                  `json:"reservations"`
	Priorities   []inventory.ClassPriority `json:"priorities"`
	Location     diag.Range                `json:"location"`
}

// KubernetesQueueDoc is one flavor of a Kueue ClusterQueue.
type KubernetesQueueDoc struct {
	Address      string  `json:"address"`
	Root         string  `json:"root"`
	Flavor       string  `json:"flavor"`
	NominalQuota float64 `json:"nominal_quota"`
	// BorrowingLimit is 0 with BorrowingLimited false when none is set.
	BorrowingLimit   float64    `json:"borrowing_limit"`
	BorrowingLimited bool       `json:"borrowing_limited"`
	Location         diag.Range `json:"location"`
}

// KubernetesWorkloadDoc compares the objects a plan workload names in
// serves with what the plan sizes it for.
type KubernetesWorkloadDoc struct {
	Serves []KubernetesObjectDoc `json:"serves"`
	// DeployedGPUs is Σ the served objects' GPUs at their autoscaling
	// maximum, DeployedReplicas Σ their replicas at it; PlannedGPUs is the
	// workload's gpus_now (this month's peak under plan_for).
	DeployedGPUs     float64 `json:"deployed_gpus"`
	DeployedReplicas int     `json:"deployed_replicas"`
	PlannedGPUs      float64 `json:"planned_gpus"`
	// Drift = |deployed − planned| / planned (1 when planned is 0 and
	// something is deployed); CAP035 compares the plan's drift_tolerance.
	Drift          float64 `json:"drift"`
	DriftTolerance float64 `json:"drift_tolerance"`
	// BenchmarkGPUsPerReplica is the fewest gpus_per_replica among the
	// benchmarks the workload's models are sized from (0: none): a
	// served object with fewer GPUs per replica is what CAP036 reports.
	BenchmarkGPUsPerReplica int `json:"benchmark_gpus_per_replica"`
	// Location is the workload's serves key.
	Location diag.Range `json:"location"`
}

// isKubernetes reports whether an entry came from Kubernetes manifests: a
// pool's reservations patterns never claim one (kubernetes: does).
func isKubernetes(r *inventory.Entry) bool { return r.Kubernetes != nil }

// linkKubernetes applies the pools' kubernetes claims to res (see link):
// a claimed NodePool is claimed like a reservation (its GPU limit is
// elastic capacity, or nothing when it runs inside a reservation); a
// claimed ClusterQueue's flavors, a claimed ComputeClass (which adds no
// capacity), and the flavors and workloads pinned to a claimed NodePool
// or ComputeClass get the pool's name. A claim
// matching nothing is a CAP-LINK-NONE note; one matching the object in
// several trees without root, or an object another pool claims, or a
// NodePool or ComputeClass of another GPU model, is an error at the claim.
func linkKubernetes(plans []*schema.Plan, res []inventory.Entry, claimed map[*schema.Pool][]int, notes map[*schema.Pool][]NoteDoc) diag.Diagnostics {
	var diags diag.Diagnostics
	owner := map[int]string{} // entry → "pool at position"
	// overlay is, for a NodePool or ComputeClass claimed with a root that
	// names not its own tree but an overlay whose workloads run on it,
	// that root; claimAt is where each claimed object's claim is written.
	overlay := map[int]string{}
	claimAt := map[int]diag.Pos{}
	seenPool := map[string]bool{}
	for _, p := range plans {
		for _, name := range slices.Sorted(maps.Keys(p.Pools)) {
			pool := p.Pools[name]
			if pool == nil || seenPool[name] {
				continue // a duplicate name is link's error
			}
			seenPool[name] = true
			for i, c := range pool.Kubernetes {
				path := fmt.Sprintf("pools.%s.kubernetes[%d]", name, i)
				pos := p.PosOf(path)
				kind, obj := "NodePool", c.NodePool
				switch {
				case c.ClusterQueue != "":
					kind, obj = "ClusterQueue", c.ClusterQueue
				case c.ComputeClass != "":
					kind, obj = "ComputeClass", c.ComputeClass
				}
				var idx []int
				roots := map[string]bool{}
				for j := range res {
					k := res[j].Kubernetes
					if k == nil || res[j].ResourceType != kind || k.Object != kind+"/"+obj {
						continue
					}
					if c.Root != "" && !matchRoot(c.Root, res[j].Root) {
						if !runsFrom(res, j, c.Root) {
							continue
						}
						overlay[j] = c.Root
					}
					idx = append(idx, j)
					roots[res[j].Root] = true
				}
				bad := func(format string, args ...any) {
					diags = append(diags, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Path: path, Msg: fmt.Sprintf(format, args...)})
				}
				switch {
				case len(idx) == 0:
					where := ""
					if c.Root != "" {
						where = " in " + c.Root
					}
					notes[pool] = append(notes[pool], NoteDoc{Code: "CAP-LINK-NONE",
						Msg:      fmt.Sprintf("kubernetes entry %s %s of pool %q matches no %s in the manifests%s", strings.ToLower(kind), obj, name, kind, where),
						Location: pos.Range()})
					continue
				case len(roots) > 1:
					bad("%s %s is declared in %d manifest trees (%s); name one with root", kind, obj, len(roots), strings.Join(slices.Sorted(maps.Keys(roots)), ", "))
					continue
				}
				for _, j := range idx {
					if prev, ok := owner[j]; ok {
						bad("%s is already claimed by pool %s; an object belongs to one pool", res[j].Address, prev)
						continue
					}
					owner[j] = fmt.Sprintf("%q at %s", name, pos)
					res[j].Pool = name
					claimAt[j] = pos
					if g := res[j].GPU; g != "" && g != pool.GPU {
						diags = append(diags, diag.Diagnostic{Range: res[j].Range, Severity: diag.Error, Path: res[j].Address,
							Msg: fmt.Sprintf("%s GPU %q differs from pool %q GPU %q (%s), which claims it at %s",
								res[j].Address, g, name, pool.GPU, p.PosOf("pools."+name+".gpu"), pos)})
					}
					if kind == "NodePool" {
						claimed[pool] = append(claimed[pool], j)
					}
				}
			}
		}
	}
	// What runs on a claimed NodePool or ComputeClass belongs to its pool:
	// queue flavors and workloads pinned to it, in its tree (or anywhere
	// when only one tree declares it, as the reader binds them), but of
	// one cluster only (clusterOf).
	on := map[int][]int{}
	for j := range res {
		if res[j].Kubernetes == nil || res[j].Pool != "" || res[j].ConsumerOf == "" {
			continue
		}
		if np := nodePoolOf(res, j); np >= 0 && res[np].Pool != "" {
			on[np] = append(on[np], j)
		}
	}
	for _, np := range slices.Sorted(maps.Keys(on)) {
		keep, note := clusterOf(res, np, on[np], overlay[np])
		for _, j := range on[np] {
			if keep[res[j].Root] {
				res[j].Pool = res[np].Pool
			}
		}
		if note != "" {
			for _, pl := range plans {
				if pool := pl.Pools[res[np].Pool]; pool != nil {
					notes[pool] = append(notes[pool], NoteDoc{Code: "CAP-K8S-OVERLAYS", Msg: note, Location: claimAt[np].Range()})
					break
				}
			}
		}
	}
	return diags
}

// runsFrom reports whether a workload or queue of a tree root matches
// (another tree than the object's) runs on the NodePool or ComputeClass
// res[np]: a claim's root may name the overlay whose cluster the pool
// means when the object is declared outside it.
func runsFrom(res []inventory.Entry, np int, root string) bool {
	for j := range res {
		if res[j].Kubernetes != nil && res[j].Root != res[np].Root && matchRoot(root, res[j].Root) && res[j].ConsumerOf == res[np].Address && nodePoolOf(res, j) == np {
			return true
		}
	}
	return false
}

// clusterOf decides which trees' objects running on the claimed NodePool
// or ComputeClass res[np] (on) count for its pool. Each Kustomize overlay
// (and each Helm release) is one cluster's desired state, as Argo CD or
// Flux apply it; an object declared outside the overlays (plain YAML) is
// applied by some other Application, to a cluster the repository does not
// name, and Karpenter's limit (or a class's reservations) is per cluster.
// So the objects of the NodePool's own tree always count (one kubectl
// apply), and of the other trees: the one the claim's root names
// (overlay); else, when one tree alone runs on it, that tree (where it
// must be applied for them to run); else, when the workloads of several
// overlays select it (two clusters cannot share one NodePool), the tree
// whose workloads ask the most GPUs at their autoscaling maximum (the
// first by name on a tie), never their sum, with a note naming each
// tree's GPUs and how to say which is meant.
func clusterOf(res []inventory.Entry, np int, on []int, overlay string) (keep map[string]bool, note string) {
	keep = map[string]bool{res[np].Root: true}
	gpus := map[string]float64{}
	for _, j := range on {
		if r := res[j].Root; r != res[np].Root {
			if overlay != "" && matchRoot(overlay, r) {
				keep[r] = true
			}
			gpus[r] += 0 // a tree of queues only is a tree too
			if res[j].Kind == inventory.KindWorkload {
				gpus[r] += res[j].GPUs
			}
		}
	}
	if overlay != "" || len(gpus) == 0 {
		return keep, ""
	}
	trees := slices.Sorted(maps.Keys(gpus))
	best := trees[0]
	for _, r := range trees {
		if gpus[r] > gpus[best] {
			best = r
		}
	}
	keep[best] = true
	if len(trees) == 1 {
		return keep, ""
	}
	var each []string
	for _, r := range trees {
		each = append(each, fmt.Sprintf("%s %s GPUs", r, strconv.FormatFloat(roundFigure(gpus[r]), 'g', -1, 64)))
	}
	r := res[np]
	return keep, fmt.Sprintf("%s (%s, tree %s) is selected by workloads of %d other manifest trees, each its own cluster (%s); "+
		"one cluster's %s cannot run another's, so only the largest, %s, is counted, not their sum; "+
		"name the overlay the pool means with root, or declare the %s in each overlay",
		r.Address, r.Pos, r.Root, len(trees), strings.Join(each, ", "), r.ResourceType, best, r.ResourceType)
}

// nodePoolOf is the index of the NodePool or ComputeClass entry res[j]
// is pinned to, -1 when none: the one of its tree, else the only one of
// that name.
func nodePoolOf(res []inventory.Entry, j int) int {
	want := res[j].ConsumerOf
	found, n := -1, 0
	for i := range res {
		if (res[i].ResourceType != "NodePool" && res[i].ResourceType != "ComputeClass") || res[i].Kubernetes == nil || res[i].Address != want {
			continue
		}
		if res[i].Root == res[j].Root {
			return i
		}
		found, n = i, n+1
	}
	if n == 1 {
		return found
	}
	return -1
}

func objectDoc(r *inventory.Entry) KubernetesObjectDoc {
	k := r.Kubernetes
	d := KubernetesObjectDoc{
		Address: r.Address, Root: r.Root, GPUs: r.GPUs, Count: r.Count, GPUsPerReplica: r.GPUsPerInstance,
		Replicas: k.Replicas, MaxReplicas: k.MaxReplicas, Reservations: k.Reservations, CapacityTypes: k.CapacityTypes,
		Location: r.Pos.Range(),
	}
	d.At = d.Location
	if at := firstPos(k.LimitAt, k.ReplicasAt); at != nil {
		d.At = at.Range()
	}
	return d
}

// firstPos is the first valid position of ps, nil when none is.
func firstPos(ps ...*diag.Pos) *diag.Pos {
	for _, p := range ps {
		if p != nil && p.IsValid() {
			return p
		}
	}
	return nil
}

// kubernetesDocs fills each pool's and workload's kubernetes document
// from the linked entries res. A serves entry that names no object, or
// one in several trees, or an object that runs on another pool's
// NodePool, is an error at the entry.
func (e *evaluation) kubernetesDocs(doc *Document, plans []*schema.Plan, res []inventory.Entry) diag.Diagnostics {
	var diags diag.Diagnostics
	pools := map[string]*PoolDoc{}
	for i := range doc.Pools {
		pools[doc.Pools[i].Name] = &doc.Pools[i]
	}
	served := map[string][]int{} // pool → entries its workloads serve
	for wi := range doc.Workloads {
		wd := &doc.Workloads[wi]
		p := planNamed(plans, wd.Plan)
		if p == nil {
			continue
		}
		w := p.Workloads[wd.Name]
		if w == nil || len(w.Serves) == 0 {
			continue
		}
		kd := &KubernetesWorkloadDoc{Serves: []KubernetesObjectDoc{}, PlannedGPUs: wd.GPUsNow, DriftTolerance: p.Policy.DriftTolerance,
			Location: p.PosOf("workloads." + wd.Name + ".serves").Range()}
		for i, s := range w.Serves {
			path := fmt.Sprintf("workloads.%s.serves[%d]", wd.Name, i)
			j, err := findServed(res, s, wd.Pool)
			if err != "" {
				diags = append(diags, diag.Diagnostic{Range: p.PosOf(path).Range(), Severity: diag.Error, Path: path, Msg: err})
				continue
			}
			r := &res[j]
			if r.Pool != "" && wd.Pool != "" && r.Pool != wd.Pool {
				diags = append(diags, diag.Diagnostic{Range: p.PosOf(path).Range(), Severity: diag.Error, Path: path,
					Msg: fmt.Sprintf("%s runs on pool %q (%s), but workload %q is planned on pool %q", s, r.Pool, r.ConsumerOf, wd.Name, wd.Pool)})
				continue
			}
			if wd.Pool != "" {
				r.Pool = wd.Pool
				served[wd.Pool] = append(served[wd.Pool], j)
			}
			od := objectDoc(r)
			kd.Serves = append(kd.Serves, od)
			kd.DeployedGPUs += od.GPUs
			kd.DeployedReplicas += od.Count
		}
		kd.DeployedGPUs = roundFigure(kd.DeployedGPUs)
		switch {
		case kd.PlannedGPUs > 0:
			kd.Drift = math.Abs(kd.DeployedGPUs-kd.PlannedGPUs) / kd.PlannedGPUs
		case kd.DeployedGPUs > 0:
			kd.Drift = 1
		}
		for _, m := range wd.Models {
			if m.GPUsPerReplica > 0 && (kd.BenchmarkGPUsPerReplica == 0 || m.GPUsPerReplica < kd.BenchmarkGPUsPerReplica) {
				kd.BenchmarkGPUsPerReplica = m.GPUsPerReplica
			}
		}
		wd.Kubernetes = kd
	}

	for _, p := range plans {
		for _, name := range slices.Sorted(maps.Keys(p.Pools)) {
			pool, pd := p.Pools[name], pools[name]
			if pool == nil || pd == nil || pd.Plan != p.Name {
				continue
			}
			kd := &KubernetesPoolDoc{NodePools: []KubernetesObjectDoc{}, Queues: []KubernetesQueueDoc{}, Workloads: []KubernetesObjectDoc{},
				ComputeClasses: []KubernetesClassDoc{}}
			inPool := map[int]bool{}
			for _, j := range served[name] {
				inPool[j] = true
			}
			for j := range res {
				if res[j].Kubernetes != nil && res[j].Pool == name {
					inPool[j] = true
				}
			}
			if len(pool.Kubernetes) == 0 && len(inPool) == 0 {
				continue
			}
			classReserved := map[string]bool{}
			for _, j := range slices.Sorted(maps.Keys(inPool)) {
				r := &res[j]
				switch r.Kind {
				case inventory.KindQueue:
					q := KubernetesQueueDoc{Address: r.Address, Root: r.Root, Flavor: r.Kubernetes.Flavor, NominalQuota: r.Kubernetes.NominalQuota,
						Location: r.Pos.Range()}
					if b := r.Kubernetes.BorrowingLimit; b != nil {
						q.BorrowingLimit, q.BorrowingLimited = *b, true
					}
					kd.Queues = append(kd.Queues, q)
					kd.QuotaGPUs += q.NominalQuota
					kd.AdmitGPUs += q.NominalQuota + q.BorrowingLimit
				case inventory.KindWorkload:
					od := objectDoc(r)
					kd.Workloads = append(kd.Workloads, od)
					kd.WorkloadGPUsMax += od.GPUs
				default:
					switch r.ResourceType {
					case "NodePool":
						od := objectDoc(r)
						kd.NodePools = append(kd.NodePools, od)
						kd.LimitGPUs += od.GPUs
					case "ComputeClass":
						kd.ComputeClasses = append(kd.ComputeClasses, KubernetesClassDoc{Address: r.Address, Root: r.Root, GPU: r.GPU,
							WhenUnsatisfiable: r.Kubernetes.WhenUnsatisfiable, Reservations: cmpOrEmpty(r.Kubernetes.Reservations),
							Priorities: r.Kubernetes.Priorities, Location: r.Pos.Range()})
						for _, a := range r.Kubernetes.Reservations {
							classReserved[a] = true
						}
					}
				}
			}
			for j := range res {
				if res[j].Kubernetes == nil && classReserved[res[j].Address] {
					kd.ClassReservedGPUs += res[j].GPUs
				}
			}
			kd.ClassReservedGPUs = roundFigure(kd.ClassReservedGPUs)
			kd.GuaranteedGPUs = pd.ReservedGPUs
			kd.CapacityGPUs = pd.ReservedGPUs
			if pd.Strategy != StrategyReserved {
				kd.CapacityGPUs += pd.ElasticCeilingGPUs
			}
			kd.UsableGPUs = roundFigure(kd.CapacityGPUs * (1 - pd.HeadroomMin))
			kd.WorkloadGPUsMax = roundFigure(kd.WorkloadGPUsMax)
			train := make([]float64, len(pd.Timeline))
			for _, wd := range doc.Workloads {
				if wd.Plan == p.Name && wd.Pool == name && wd.Kind == KindTraining {
					for m := range min(len(train), len(wd.GPUs)) {
						train[m] += wd.GPUs[m]
					}
				}
			}
			for m, g := range train {
				if g > kd.TrainingGPUsPeak {
					kd.TrainingGPUsPeak, kd.TrainingPeakMonth = roundFigure(g), pd.Timeline[m].Month
				}
			}
			pd.Kubernetes = kd
		}
	}
	return diags
}

// cmpOrEmpty is ss, or an empty list for nil (a JSON list either way).
func cmpOrEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// roundFigure removes float noise from a sum of GPUs (0.1 + 0.2).
func roundFigure(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func planNamed(plans []*schema.Plan, name string) *schema.Plan {
	for _, p := range plans {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// findServed finds the workload entry a serves entry names:
// Kind/namespace/name (or Kind/name), optionally ROOT:… to name the
// tree. Without a root an object in several trees is ambiguous unless
// exactly one of them is on the workload's pool. err says why none is
// found.
func findServed(res []inventory.Entry, s, pool string) (int, string) {
	root, obj, hasRoot := strings.Cut(s, ":")
	if !hasRoot {
		root, obj = "", s
	}
	var idx []int
	for j := range res {
		r := &res[j]
		if r.Kind != inventory.KindWorkload || r.Kubernetes == nil || r.Kubernetes.Object != obj {
			continue
		}
		if hasRoot && !matchRoot(root, r.Root) {
			continue
		}
		idx = append(idx, j)
	}
	if len(idx) > 1 {
		var on []int
		for _, j := range idx {
			if res[j].Pool == pool {
				on = append(on, j)
			}
		}
		if len(on) == 1 {
			return on[0], ""
		}
		var roots []string
		for _, j := range idx {
			roots = append(roots, res[j].Root)
		}
		return -1, fmt.Sprintf("%s is in %d manifest trees (%s); write ROOT:%s to name one", s, len(idx), strings.Join(roots, ", "), obj)
	}
	if len(idx) == 0 {
		return -1, fmt.Sprintf("serves names %s, which no Kubernetes manifest declares as a GPU workload (Kind/namespace/name, as capcheck inventory lists it)", s)
	}
	return idx[0], ""
}

// KubernetesSummary is a pool's Kubernetes figures in the check result
// (PoolSummary.Kubernetes), what a PR diff shows base → head: the
// NodePools' GPU limits, the workloads' GPUs at their autoscaling maximum,
// the Kueue quotas (nominal, and with borrowing), and the GPUs of the
// Terraform reservations behind the GKE ComputeClasses the pool claims
// (left out of the JSON for a pool claiming none).
type KubernetesSummary struct {
	LimitGPUs         float64 `json:"limit_gpus"`
	WorkloadGPUsMax   float64 `json:"workload_gpus_max"`
	QuotaGPUs         float64 `json:"quota_gpus"`
	AdmitGPUs         float64 `json:"admit_gpus"`
	NodePools         int     `json:"nodepools"`
	Queues            int     `json:"queues"`
	Workloads         int     `json:"workloads"`
	ClassReservedGPUs float64 `json:"class_reserved_gpus,omitempty"`
	ComputeClasses    int     `json:"computeclasses,omitempty"`
}

func kubernetesSummary(k *KubernetesPoolDoc) *KubernetesSummary {
	if k == nil {
		return nil
	}
	return &KubernetesSummary{LimitGPUs: k.LimitGPUs, WorkloadGPUsMax: k.WorkloadGPUsMax, QuotaGPUs: k.QuotaGPUs, AdmitGPUs: k.AdmitGPUs,
		NodePools: len(k.NodePools), Queues: len(k.Queues), Workloads: len(k.Workloads),
		ClassReservedGPUs: k.ClassReservedGPUs, ComputeClasses: len(k.ComputeClasses)}
}

// Equal reports whether k and o hold the same figures (both nil counts).
func (k *KubernetesSummary) Equal(o *KubernetesSummary) bool {
	if k == nil || o == nil {
		return k == o
	}
	return *k == *o
}
