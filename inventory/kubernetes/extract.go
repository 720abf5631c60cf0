package kubernetes

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"go.yaml.in/yaml/v3"
)

// accelResources are the extended resources counted as accelerators, in
// the order one is chosen when a pod requests several.
var accelResources = []string{"nvidia.com/gpu", "google.com/tpu", "aws.amazon.com/neuron", "amd.com/gpu"}

// Node labels that pin a pod or a flavor to a pool or a GPU.
const (
	labelNodePool     = "karpenter.sh/nodepool"
	labelCapacityType = "karpenter.sh/capacity-type"
	labelInstanceType = "node.kubernetes.io/instance-type"
	labelZone         = "topology.kubernetes.io/zone"
	labelGKEAccel     = "cloud.google.com/gke-accelerator"
	labelComputeClass = "cloud.google.com/compute-class"
	// annotationReservations on an EC2NodeClass names the Terraform
	// reservations (addresses or globs, comma-separated) its
	// capacityReservationSelectorTerms select, for ids known only after
	// apply; on a GKE ComputeClass, those its reservations.specific
	// names, for names known only after apply.
	annotationReservations = "capcheck.io/capacity-reservations"
)

type extractor struct {
	cat        *catalog.Catalog
	entries    []inventory.Entry
	unresolved []inventory.Unresolved

	// per tree
	scalers     map[string]scaler  // target Kind/ns/name → autoscaler
	nodeClasses map[string]*object // EC2NodeClass by name
	flavors     map[string]*object // ResourceFlavor by name
	classes     map[string]*object // GKE ComputeClass by name
	nodePools   map[string]int     // NodePool name → index in entries, this tree
	pinned      []int              // entries whose GPU comes from a NodePool, this tree
	// computeClasses are the ComputeClass entries of this tree by name,
	// classPinned the workloads selecting one (cloud.google.com/compute-class).
	computeClasses map[string]int
	classPinned    []int

	allPools   map[string][]int // NodePool name → indexes in entries, every tree
	unpinned   []int            // pinned entries whose tree has no such NodePool
	allClasses map[string][]int // ComputeClass name → indexes in entries, every tree
	unclassed  []int            // class-pinned entries whose tree has no such class
}

type scaler struct {
	id  string
	max int
	at  *diag.Pos // where the maximum is written
}

// run extracts every tree's entries, trees in first-seen order.
func (x *extractor) run(objs []*object) {
	var trees []string
	byTree := map[string][]*object{}
	for _, o := range objs {
		if _, ok := byTree[o.tree]; !ok {
			trees = append(trees, o.tree)
		}
		byTree[o.tree] = append(byTree[o.tree], o)
	}
	x.allPools, x.allClasses = map[string][]int{}, map[string][]int{}
	for _, t := range trees {
		x.tree(byTree[t])
	}
	// A NodePool is cluster-scoped: a workload of an overlay may run on one
	// another tree declares, when exactly one tree does. When the
	// workloads of several overlays (each its own cluster) select one
	// declared once outside them, all are bound here, and which tree's
	// the claiming pool counts is the evaluator's to decide (clusterOf),
	// never their sum.
	for _, i := range x.unpinned {
		if js := x.allPools[x.entries[i].Kubernetes.NodePool]; len(js) == 1 {
			x.bindPool(i, js[0])
		}
	}
	for _, i := range x.unclassed {
		if js := x.allClasses[x.entries[i].Kubernetes.ComputeClass]; len(js) == 1 {
			x.bindClass(i, js[0])
		}
	}
}

func (x *extractor) bindPool(i, j int) {
	e := &x.entries[i]
	e.ConsumerOf = x.entries[j].Address
	if e.GPU == "" {
		e.GPU = x.entries[j].GPU
	}
}

func (x *extractor) tree(objs []*object) {
	x.scalers, x.nodeClasses, x.flavors, x.nodePools, x.pinned = map[string]scaler{}, map[string]*object{}, map[string]*object{}, map[string]int{}, nil
	x.classes, x.computeClasses, x.classPinned = map[string]*object{}, map[string]int{}, nil
	for _, o := range objs {
		switch {
		case o.kind == "HorizontalPodAutoscaler" && o.group() == "autoscaling":
			x.hpa(o)
		case o.kind == "ScaledObject" && o.group() == "keda.sh":
			x.scaledObject(o)
		case o.kind == "EC2NodeClass" && o.group() == "karpenter.k8s.aws":
			x.nodeClasses[o.name] = o
		case o.kind == "ResourceFlavor" && o.group() == "kueue.x-k8s.io":
			x.flavors[o.name] = o
		case o.kind == "ComputeClass" && o.group() == "cloud.google.com":
			x.classes[o.name] = o
		}
	}
	for _, o := range objs {
		switch {
		case o.kind == "NodePool" && o.group() == "karpenter.sh":
			x.nodePool(o)
		case o.kind == "ComputeClass" && o.group() == "cloud.google.com":
			x.computeClass(o)
		}
	}
	for _, o := range objs {
		switch g := o.group(); {
		case o.kind == "ClusterQueue" && g == "kueue.x-k8s.io":
			x.clusterQueue(o)
		case (o.kind == "Deployment" || o.kind == "StatefulSet") && g == "apps":
			x.replicated(o)
		case o.kind == "LeaderWorkerSet" && g == "leaderworkerset.x-k8s.io":
			x.leaderWorkerSet(o)
		case o.kind == "InferenceService" && g == "serving.kserve.io":
			x.inferenceService(o)
		case o.kind == "RayService" && g == "ray.io":
			x.rayService(o)
		case o.kind == "JobSet" && g == "jobset.x-k8s.io":
			x.jobSet(o)
		}
	}
	for _, i := range x.pinned {
		e := &x.entries[i]
		j, ok := x.nodePools[e.Kubernetes.NodePool]
		if !ok {
			x.unpinned = append(x.unpinned, i)
			continue
		}
		x.bindPool(i, j)
	}
	for _, i := range x.classPinned {
		j, ok := x.computeClasses[x.entries[i].Kubernetes.ComputeClass]
		if !ok {
			x.unclassed = append(x.unclassed, i)
			continue
		}
		x.bindClass(i, j)
	}
}

func (x *extractor) unresolvedf(o *object, at *yaml.Node, format string, args ...any) {
	p := o.posOf(at)
	x.unresolved = append(x.unresolved, inventory.Unresolved{Address: o.id(), Range: p.Range(),
		Msg: fmt.Sprintf(format, args...)})
}

func (x *extractor) emit(o *object, kind inventory.Kind, address string, k *inventory.Kubernetes) *inventory.Entry {
	k.Object, k.APIVersion = o.id(), o.apiVersion
	x.entries = append(x.entries, inventory.Entry{
		Address: address, ResourceType: o.kind, Root: o.tree,
		Range: diag.Range{Pos: o.pos, EndLine: o.pos.Line},
		Kind:  kind, Kubernetes: k,
	})
	return &x.entries[len(x.entries)-1]
}

func (x *extractor) hpa(o *object) {
	ref := get(o.n, "spec", "scaleTargetRef")
	max, _, ok := integer(get(o.n, "spec", "maxReplicas"))
	if ref == nil || !ok || max == 0 {
		return
	}
	x.scalers[objectID(scalar(get(ref, "kind")), o.namespace, scalar(get(ref, "name")))] = scaler{id: o.id(), max: max, at: o.at("spec", "maxReplicas")}
}

func (x *extractor) scaledObject(o *object) {
	ref := get(o.n, "spec", "scaleTargetRef")
	if ref == nil {
		return
	}
	kind := scalar(get(ref, "kind"))
	if kind == "" {
		kind = "Deployment"
	}
	max, set, ok := integer(get(o.n, "spec", "maxReplicaCount"))
	if !ok {
		return
	}
	at := o.at("spec", "maxReplicaCount")
	if !set {
		max = 100 // KEDA's default maxReplicaCount
		p := o.pos
		at = &p
	}
	x.scalers[objectID(kind, o.namespace, scalar(get(ref, "name")))] = scaler{id: o.id(), max: max, at: at}
}

// requirement is a NodePool requirement or node affinity expression.
func requirementValues(reqs *yaml.Node, key string) (values []string, found bool) {
	for _, r := range items(reqs) {
		if scalar(get(r, "key")) != key || scalar(get(r, "operator")) != "In" {
			continue
		}
		found = true
		for _, v := range items(get(r, "values")) {
			values = append(values, scalar(v))
		}
	}
	return values, found
}

func (x *extractor) nodePool(o *object) {
	spec := get(o.n, "spec", "template", "spec")
	reqs := get(spec, "requirements")
	k := &inventory.Kubernetes{}
	k.CapacityTypes, _ = requirementValues(reqs, labelCapacityType)
	types, _ := requirementValues(reqs, labelInstanceType)
	gpuTyped := false
	gpus := map[string]float64{}
	for _, t := range types {
		if in, ok := x.cat.Instance(t); ok && in.GPUs > 0 {
			gpuTyped = true
			gpus[in.GPU] = in.GPUs
		}
	}
	for _, r := range items(reqs) {
		if key := scalar(get(r, "key")); strings.HasPrefix(key, "karpenter.k8s.aws/instance-gpu") && scalar(get(r, "operator")) != "DoesNotExist" {
			gpuTyped = true
		}
	}
	limits := get(o.n, "spec", "limits")
	var limitNode *yaml.Node
	for _, r := range accelResources {
		if n := get(limits, r); n != nil {
			k.Resource, limitNode = r, n
			break
		}
	}
	if limitNode == nil {
		if gpuTyped {
			x.unresolvedf(o, get(o.n, "spec"), "NodePool %s launches GPU instances but sets no limits for nvidia.com/gpu: its GPU ceiling is unbounded; set spec.limits", o.name)
		}
		return
	}
	limit, err := quantity(limitNode)
	if err != nil {
		x.unresolvedf(o, limitNode, "NodePool %s limits %s: %v", o.name, k.Resource, err)
		return
	}
	if ref := get(spec, "nodeClassRef"); ref != nil && scalar(get(ref, "kind")) == "EC2NodeClass" {
		k.NodeClass = scalar(get(ref, "name"))
		if nc := x.nodeClasses[k.NodeClass]; nc != nil {
			k.NodeClassFound = true
			k.ReservationTerms = annotationTerms(nc)
			for _, t := range items(get(nc.n, "spec", "capacityReservationSelectorTerms")) {
				k.ReservationTerms = append(k.ReservationTerms, inventory.ReservationTerm{
					ID: scalar(get(t, "id")), Tags: stringMap(get(t, "tags")), OwnerID: scalar(get(t, "ownerID"))})
			}
		}
	}
	k.LimitAt = o.at("spec", "limits", k.Resource)
	e := x.emit(o, inventory.KindElastic, o.id(), k)
	e.GPUs = limit
	if len(types) == 1 {
		e.InstanceType = types[0]
	}
	if len(gpus) == 1 {
		for g, per := range gpus {
			e.GPU, e.GPUsPerInstance = g, per
			e.Count = int(math.Floor(limit / per))
		}
	}
	if zones, _ := requirementValues(reqs, labelZone); len(zones) == 1 {
		e.Zone = zones[0]
	}
	e.Spot = len(k.CapacityTypes) > 0 && !slices.ContainsFunc(k.CapacityTypes, func(c string) bool { return c != "spot" })
	x.nodePools[o.name] = len(x.entries) - 1
	x.allPools[o.name] = append(x.allPools[o.name], len(x.entries)-1)
}

// annotationTerms are the reservation terms an EC2NodeClass's or a GKE
// ComputeClass's capcheck.io/capacity-reservations annotation names: one
// Terraform address or glob per comma-separated item.
func annotationTerms(o *object) []inventory.ReservationTerm {
	var terms []inventory.ReservationTerm
	for _, a := range strings.Split(scalar(get(o.n, "metadata", "annotations", annotationReservations)), ",") {
		if a = strings.TrimSpace(a); a != "" {
			terms = append(terms, inventory.ReservationTerm{Address: a})
		}
	}
	return terms
}

func (x *extractor) clusterQueue(o *object) {
	for _, rg := range items(get(o.n, "spec", "resourceGroups")) {
		for _, fl := range items(get(rg, "flavors")) {
			flavor := scalar(get(fl, "name"))
			for _, res := range items(get(fl, "resources")) {
				name := scalar(get(res, "name"))
				if !slices.Contains(accelResources, name) {
					continue
				}
				q, err := quantity(get(res, "nominalQuota"))
				if err != nil {
					x.unresolvedf(o, get(res, "nominalQuota"), "ClusterQueue %s flavor %s nominalQuota for %s: %v", o.name, flavor, name, err)
					continue
				}
				k := &inventory.Kubernetes{Resource: name, Flavor: flavor, NominalQuota: q}
				if b := get(res, "borrowingLimit"); b != nil {
					bl, err := quantity(b)
					if err != nil {
						x.unresolvedf(o, b, "ClusterQueue %s flavor %s borrowingLimit for %s: %v", o.name, flavor, name, err)
						continue
					}
					k.BorrowingLimit = &bl
				}
				e := x.emit(o, inventory.KindQueue, fmt.Sprintf("%s[%q]", o.id(), flavor), k)
				e.Count, e.GPUsPerInstance, e.GPUs = int(q), 1, q
				if f := x.flavors[flavor]; f != nil {
					x.pin(e, stringMap(get(f.n, "spec", "nodeLabels")), nil)
				}
			}
		}
	}
}

// pin fills an entry's GPU, zone and NodePool from the node labels a pod
// or flavor selects (and required node affinity).
func (x *extractor) pin(e *inventory.Entry, labels map[string]string, affinity *yaml.Node) {
	terms := items(get(affinity, "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"))
	one := func(key string) string {
		if v := labels[key]; v != "" {
			return v
		}
		if len(terms) == 1 {
			if vs, _ := requirementValues(get(terms[0], "matchExpressions"), key); len(vs) == 1 {
				return vs[0]
			}
		}
		return ""
	}
	if t := one(labelInstanceType); t != "" {
		e.InstanceType = t
		if in, ok := x.cat.Instance(t); ok {
			e.GPU = in.GPU
		}
	}
	if a := one(labelGKEAccel); a != "" && e.GPU == "" {
		if g, ok := x.cat.Accelerator(a); ok {
			e.GPU = g
		}
	}
	if cc := one(labelComputeClass); cc != "" {
		e.Kubernetes.ComputeClass = cc
		if c := x.classes[cc]; c != nil && e.GPU == "" {
			e.GPU = x.classGPU(c)
		}
		x.classPinned = append(x.classPinned, len(x.entries)-1)
	}
	e.Zone = one(labelZone)
	if np := one(labelNodePool); np != "" {
		e.Kubernetes.NodePool = np
		x.pinned = append(x.pinned, len(x.entries)-1)
	}
}

// classGPU is the GPU model a GKE ComputeClass's priorities launch (a
// machineType from the catalog, or gpu.type), "" when they name none or
// several: the class may then place a pod on any of them.
func (x *extractor) classGPU(c *object) string {
	models := map[string]bool{}
	for _, pr := range items(get(c.n, "spec", "priorities")) {
		if t := scalar(get(pr, "machineType")); t != "" {
			if in, ok := x.cat.Instance(t); ok && in.GPUs > 0 {
				models[in.GPU] = true
				continue
			}
		}
		if a := scalar(get(pr, "gpu", "type")); a != "" {
			g, ok := x.cat.Accelerator(a)
			if !ok {
				return "" // an accelerator the catalog does not know: unknown, not another model
			}
			models[g] = true
		}
	}
	if len(models) != 1 {
		return ""
	}
	for g := range models {
		return g
	}
	return ""
}

// podAccel is the accelerators one pod requests: the sum over its
// containers, or its largest init container when that is more (limits,
// else requests, per container). ok is false after an unresolved entry.
func (x *extractor) podAccel(o *object, pod *yaml.Node) (res string, n float64, ok bool) {
	count := func(c *yaml.Node) map[string]float64 {
		out := map[string]float64{}
		for _, r := range accelResources {
			q := get(c, "resources", "limits", r)
			if q == nil {
				q = get(c, "resources", "requests", r)
			}
			if q == nil {
				continue
			}
			v, err := quantity(q)
			if err != nil {
				x.unresolvedf(o, q, "%s %s requests %s: %v", o.kind, o.name, r, err)
				ok = false
				continue
			}
			out[r] = v
		}
		return out
	}
	ok = true
	sum := map[string]float64{}
	for _, c := range containersOf(pod) {
		for r, v := range count(c) {
			sum[r] += v
		}
	}
	for _, c := range items(get(pod, "initContainers")) {
		for r, v := range count(c) {
			sum[r] = math.Max(sum[r], v)
		}
	}
	for _, r := range accelResources {
		if sum[r] > 0 {
			return r, sum[r], ok
		}
	}
	return "", 0, ok
}

// containersOf are a pod spec's containers; a KServe predictor also
// carries its model server as a mapping with resources (model,
// huggingface, pytorch, …).
func containersOf(pod *yaml.Node) []*yaml.Node {
	out := items(get(pod, "containers"))
	for _, kv := range pairs(pod) {
		if kv[0].Value != "containers" && kv[0].Value != "initContainers" && kv[1].Kind == yaml.MappingNode && get(kv[1], "resources") != nil {
			out = append(out, kv[1])
		}
	}
	return out
}

// workload emits a GPU workload: replicas (or the autoscaling maximum) ×
// per-replica accelerators.
// replicasAt is where the replica count is written (nil: the document).
func (x *extractor) workload(o *object, res string, perReplica float64, replicas int, replicasAt *diag.Pos, pod *yaml.Node) {
	if res == "" || perReplica == 0 {
		return
	}
	k := &inventory.Kubernetes{Resource: res, Replicas: replicas, ReplicasAt: replicasAt}
	count := replicas
	if s, ok := x.scalers[o.id()]; ok {
		k.Autoscaler, k.MaxReplicas = s.id, s.max
		count = max(replicas, s.max)
		if s.max >= replicas {
			k.ReplicasAt = s.at
		}
	}
	if k.ReplicasAt == nil {
		p := o.pos
		k.ReplicasAt = &p
	}
	e := x.emit(o, inventory.KindWorkload, o.id(), k)
	e.Count, e.GPUsPerInstance = count, perReplica
	e.GPUs = math.Round(float64(count)*perReplica*1e6) / 1e6
	x.pin(e, stringMap(get(pod, "nodeSelector")), get(pod, "affinity"))
}

func (x *extractor) replicas(o *object, n *yaml.Node, def int) (int, bool) {
	v, set, ok := integer(n)
	if !ok {
		x.unresolvedf(o, n, "%s %s replicas %q is not a whole number", o.kind, o.name, scalar(n))
		return 0, false
	}
	if !set {
		return def, true
	}
	return v, true
}

func (x *extractor) replicated(o *object) {
	pod := get(o.n, "spec", "template", "spec")
	res, per, ok := x.podAccel(o, pod)
	if !ok {
		return
	}
	n, ok := x.replicas(o, get(o.n, "spec", "replicas"), 1)
	if !ok {
		return
	}
	x.workload(o, res, per, n, o.at("spec", "replicas"), pod)
}

func (x *extractor) leaderWorkerSet(o *object) {
	lwt := get(o.n, "spec", "leaderWorkerTemplate")
	worker := get(lwt, "workerTemplate", "spec")
	leader := get(lwt, "leaderTemplate", "spec")
	if leader == nil {
		leader = worker
	}
	size, ok := x.replicas(o, get(lwt, "size"), 1)
	if !ok {
		return
	}
	lr, ln, ok1 := x.podAccel(o, leader)
	wr, wn, ok2 := x.podAccel(o, worker)
	if !ok1 || !ok2 {
		return
	}
	res := cmpOr(wr, lr)
	if lr != "" && wr != "" && lr != wr {
		x.unresolvedf(o, lwt, "LeaderWorkerSet %s: leader requests %s and workers %s", o.name, lr, wr)
		return
	}
	n, ok := x.replicas(o, get(o.n, "spec", "replicas"), 1)
	if !ok {
		return
	}
	// One replica is a group: a leader and size−1 workers.
	x.workload(o, res, ln+float64(size-1)*wn, n, o.at("spec", "replicas"), worker)
}

func (x *extractor) inferenceService(o *object) {
	pred := get(o.n, "spec", "predictor")
	res, per, ok := x.podAccel(o, pred)
	if !ok || res == "" {
		return
	}
	minR, ok := x.replicas(o, get(pred, "minReplicas"), 1)
	if !ok {
		return
	}
	maxR, ok := x.replicas(o, get(pred, "maxReplicas"), 0)
	if !ok {
		return
	}
	raw := scalar(get(o.n, "metadata", "annotations", "serving.kserve.io/deploymentMode")) == "RawDeployment"
	switch {
	case maxR > 0:
	case raw:
		maxR = minR
	default:
		x.unresolvedf(o, pred, "InferenceService %s sets no spec.predictor.maxReplicas: serverless autoscaling is unbounded", o.name)
		return
	}
	at := o.at("spec", "predictor", "maxReplicas")
	if maxR <= minR {
		at = cmp.Or(o.at("spec", "predictor", "minReplicas"), at)
	}
	x.workload(o, res, per, max(minR, maxR), at, pred)
	e := &x.entries[len(x.entries)-1]
	e.Kubernetes.Replicas, e.Kubernetes.MaxReplicas = minR, max(minR, maxR)
}

func (x *extractor) rayService(o *object) {
	rc := get(o.n, "spec", "rayClusterConfig")
	headPod := get(rc, "headGroupSpec", "template", "spec")
	res, total, ok := x.podAccel(o, headPod)
	if !ok {
		return
	}
	for _, wg := range items(get(rc, "workerGroupSpecs")) {
		pod := get(wg, "template", "spec")
		r, n, ok := x.podAccel(o, pod)
		if !ok {
			return
		}
		if r == "" {
			continue
		}
		if res != "" && r != res {
			x.unresolvedf(o, wg, "RayService %s requests both %s and %s", o.name, res, r)
			return
		}
		res = r
		reps, ok := x.replicas(o, get(wg, "replicas"), 1)
		if !ok {
			return
		}
		if mx, set, ok := integer(get(wg, "maxReplicas")); ok && set {
			reps = max(reps, mx)
		}
		total += float64(reps) * n
	}
	x.workload(o, res, total, 1, nil, headPod)
}

func (x *extractor) jobSet(o *object) {
	var res string
	var total float64
	var pod *yaml.Node
	for _, rj := range items(get(o.n, "spec", "replicatedJobs")) {
		job := get(rj, "template", "spec")
		p := get(job, "template", "spec")
		r, n, ok := x.podAccel(o, p)
		if !ok {
			return
		}
		if r == "" {
			continue
		}
		if res != "" && r != res {
			x.unresolvedf(o, rj, "JobSet %s requests both %s and %s", o.name, res, r)
			return
		}
		res, pod = r, p
		reps, ok := x.replicas(o, get(rj, "replicas"), 1)
		if !ok {
			return
		}
		par, ok := x.replicas(o, get(job, "parallelism"), 1)
		if !ok {
			return
		}
		total += float64(reps*par) * n
	}
	x.workload(o, res, total, 1, nil, pod)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
