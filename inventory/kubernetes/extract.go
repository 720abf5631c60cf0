package kubernetes

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"go.yaml.in/yaml/v3"
)

// accelResources are the extended resources counted as accelerators, in
// the order one is chosen when a pod requests several.
// aws.amazon.com/neurondevice is the Neuron device plugin's newer name for
// whole devices (aws.amazon.com/neuron).
var accelResources = []string{"nvidia.com/gpu", "google.com/tpu", "aws.amazon.com/neuron", "aws.amazon.com/neurondevice", "amd.com/gpu"}

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
		case o.kind == "ConfigMap" && o.group() == "":
			x.deviceSharing(o)
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
			x.rayCluster(o, get(o.n, "spec", "rayClusterConfig"))
		case o.kind == "RayCluster" && g == "ray.io":
			x.rayCluster(o, get(o.n, "spec"))
		case o.kind == "RayJob" && g == "ray.io":
			x.rayCluster(o, get(o.n, "spec", "rayClusterSpec"))
		case o.kind == "JobSet" && g == "jobset.x-k8s.io":
			x.jobSet(o)
		case (o.kind == "ReplicaSet" && g == "apps") || (o.kind == "ReplicationController" && g == ""):
			x.replicated(o)
		case o.kind == "Job" && g == "batch":
			x.job(o, o.n, nil)
		case o.kind == "CronJob" && g == "batch":
			x.cronJob(o)
		case o.kind == "Pod" && g == "":
			pod := get(o.n, "spec")
			if res, per, ok := x.podAccel(o, pod); ok {
				x.workload(o, res, per, 1, nil, pod)
			}
		case o.kind == "ScaledJob" && g == "keda.sh":
			x.scaledJob(o)
		case o.kind == "Cohort" && g == "kueue.x-k8s.io":
			x.cohort(o)
		case o.kind == "DaemonSet" && g == "apps":
			x.daemonSet(o)
		case g == "kubeflow.org" && strings.HasSuffix(o.kind, "Job"):
			x.trainingJob(o)
		case o.kind == "Rollout" && g == "argoproj.io":
			x.replicated(o)
		default:
			x.unread(o)
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

// deviceSharing reports a ConfigMap holding an NVIDIA device plugin
// configuration (the GPU Operator's time-slicing-config, the device
// plugin's config map) that shares each GPU: with time-slicing or MPS
// replicas, a node advertises replicas × its GPUs as nvidia.com/gpu
// (unless renameByDefault makes them nvidia.com/gpu.shared), so an
// nvidia.com/gpu request on such a node is a share, and counting it as a
// GPU overstates demand by up to that factor. Which nodes use the
// configuration is a node label the manifests do not hold: unresolved, at
// the data key holding it.
func (x *extractor) deviceSharing(o *object) {
	for _, kv := range pairs(get(o.n, "data")) {
		if kv[1].Kind != yaml.ScalarNode || !strings.Contains(kv[1].Value, "sharing") {
			continue
		}
		var cfg yaml.Node
		if yaml.Unmarshal([]byte(kv[1].Value), &cfg) != nil || len(cfg.Content) == 0 {
			continue
		}
		for _, mode := range []string{"timeSlicing", "mps"} {
			sh := get(cfg.Content[0], "sharing", mode)
			if scalar(get(sh, "renameByDefault")) == "true" {
				continue // shares are nvidia.com/gpu.shared, unresolved where requested
			}
			for _, r := range items(get(sh, "resources")) {
				name := scalar(get(r, "name"))
				n, set, ok := integer(get(r, "replicas"))
				if !slices.Contains(accelResources, name) || !set || !ok || n <= 1 || scalar(get(r, "rename")) != "" {
					continue
				}
				x.unresolvedf(o, kv[0], "ConfigMap %s (data %s) shares each GPU as %d %s (%s): on nodes using it an %s request is a share, not a GPU, and capcheck counts it as a whole GPU",
					o.name, kv[0].Value, n, name, mode, name)
			}
		}
	}
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
		if gpuRequirement(r) {
			gpuTyped = true
		}
	}
	for _, t := range items(get(spec, "taints")) {
		if slices.Contains(accelResources, scalar(get(t, "key"))) {
			gpuTyped = true // GPU nodes are tainted so that only GPU pods land there
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

// gpuFamilyRE matches the EC2 instance families (and categories) of
// accelerated instances: g and p (NVIDIA and AMD GPUs), gr, inf and trn
// (Inferentia, Trainium), dl (Gaudi).
var gpuFamilyRE = regexp.MustCompile(`^(g|p|gr|inf|trn|dl)[0-9]*[a-z]*$`)

// gpuRequirement reports whether a NodePool requirement selects GPU
// instances: a GPU count, name or manufacturer (karpenter.k8s.aws/ or EKS
// Auto Mode's eks.amazonaws.com/instance-gpu-*, instance-accelerator-*),
// or only accelerated instance families or categories.
func gpuRequirement(r *yaml.Node) bool {
	key, op := scalar(get(r, "key")), scalar(get(r, "operator"))
	prefix, attr, ok := strings.Cut(key, "/")
	if !ok || (prefix != "karpenter.k8s.aws" && prefix != "eks.amazonaws.com") || op == "DoesNotExist" {
		return false
	}
	switch {
	case strings.HasPrefix(attr, "instance-gpu"), strings.HasPrefix(attr, "instance-accelerator"):
		return !(op == "In" && slices.ContainsFunc(items(get(r, "values")), func(v *yaml.Node) bool { return scalar(v) == "0" }))
	case (attr == "instance-family" || attr == "instance-category") && op == "In":
		vs := items(get(r, "values"))
		return len(vs) > 0 && !slices.ContainsFunc(vs, func(v *yaml.Node) bool { return !gpuFamilyRE.MatchString(scalar(v)) })
	}
	return false
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
				if partialAccel(name) {
					x.unresolvedf(o, get(res, "nominalQuota"), "ClusterQueue %s flavor %s quota for %s, a partition or share of an accelerator, not whole devices: capcheck does not count it as GPUs", o.name, flavor, name)
					continue
				}
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

// podAccel is the accelerators one pod requests, by the Kubernetes rule
// for a pod's effective request: the larger of its running phase (the
// sum over its containers and its sidecars, the init containers with
// restartPolicy Always, which keep running beside them) and its largest
// init step (an init container plus the sidecars started before it).
// Per container, limits, else requests: Kubernetes defaults an extended
// resource's request to its limit. ok is false after an unresolved entry:
// a quantity that does not parse, a partition or share of an accelerator
// (MIG, time-sliced nvidia.com/gpu.shared, NeuronCores) that is not a
// whole device, devices claimed through DRA.
func (x *extractor) podAccel(o *object, pod *yaml.Node) (res string, n float64, ok bool) {
	ok = true
	count := func(c *yaml.Node) map[string]float64 {
		out := map[string]float64{}
		for _, kv := range append(pairs(get(c, "resources", "limits")), pairs(get(c, "resources", "requests"))...) {
			if r := kv[0].Value; partialAccel(r) {
				x.unresolvedf(o, kv[0], "%s %s requests %s, a partition or share of an accelerator, not whole devices: capcheck does not count it as GPUs", o.kind, o.name, r)
				ok = false
				return out
			}
		}
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
	if claims := get(pod, "resourceClaims"); len(items(claims)) > 0 {
		x.unresolvedf(o, claims, "%s %s claims devices through Dynamic Resource Allocation (resourceClaims): capcheck does not count them as GPUs", o.kind, o.name)
		return "", 0, false
	}
	running := map[string]float64{}
	for _, c := range containersOf(pod) {
		for r, v := range count(c) {
			running[r] += v
		}
	}
	sidecars, initMax := map[string]float64{}, map[string]float64{}
	for _, c := range items(get(pod, "initContainers")) {
		req := count(c)
		if scalar(get(c, "restartPolicy")) == "Always" {
			for r, v := range req {
				sidecars[r] += v
				running[r] += v
			}
			continue
		}
		for r, v := range req {
			initMax[r] = math.Max(initMax[r], v+sidecars[r])
		}
	}
	for _, r := range accelResources {
		if v := math.Max(running[r], initMax[r]); v > 0 {
			return r, v, ok
		}
	}
	return "", 0, ok
}

// partialAccel reports whether an extended resource is a slice or share
// of an accelerator rather than whole devices: NVIDIA MIG profiles
// (nvidia.com/mig-1g.10gb), time-sliced or MPS-shared GPUs renamed by the
// device plugin (nvidia.com/gpu.shared) and AWS NeuronCores (a device has
// several).
func partialAccel(r string) bool {
	switch {
	case strings.HasPrefix(r, "nvidia.com/mig-"), strings.HasPrefix(r, "nvidia.com/gpu."),
		r == "aws.amazon.com/neuroncore":
		return true
	}
	return false
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

// inferenceService counts a KServe InferenceService: its predictor, and
// a transformer or explainer that requests the same accelerator, each
// component at its replica maximum. A predictor alone keeps its replicas
// (Count × per-replica GPUs); with a GPU transformer or explainer the
// components' sum is one figure (Count 1).
func (x *extractor) inferenceService(o *object) {
	raw := scalar(get(o.n, "metadata", "annotations", "serving.kserve.io/deploymentMode")) == "RawDeployment"
	type component struct {
		res        string
		per        float64
		minR, maxR int
		at         *diag.Pos
	}
	comp := func(name string) (component, bool) {
		c := get(o.n, "spec", name)
		if c == nil {
			return component{}, true
		}
		res, per, ok := x.podAccel(o, c)
		if !ok || res == "" {
			return component{}, ok
		}
		if ws := get(c, "workerSpec"); ws != nil {
			x.unresolvedf(o, ws, "InferenceService %s %s has a workerSpec (multi-node serving): capcheck does not count its worker pods", o.name, name)
			return component{}, false
		}
		minR, ok := x.replicas(o, get(c, "minReplicas"), 1)
		if !ok {
			return component{}, false
		}
		maxR, ok := x.replicas(o, get(c, "maxReplicas"), 0)
		if !ok {
			return component{}, false
		}
		switch {
		case maxR > 0:
		case raw:
			maxR = minR
		default:
			x.unresolvedf(o, c, "InferenceService %s sets no spec.%s.maxReplicas: serverless autoscaling is unbounded", o.name, name)
			return component{}, false
		}
		at := o.at("spec", name, "maxReplicas")
		if maxR <= minR {
			at = cmp.Or(o.at("spec", name, "minReplicas"), at)
		}
		return component{res: res, per: per, minR: minR, maxR: max(minR, maxR), at: at}, true
	}
	pred, ok := comp("predictor")
	if !ok || pred.res == "" {
		return
	}
	total, more := float64(pred.maxR)*pred.per, false
	for _, name := range []string{"transformer", "explainer"} {
		c, ok := comp(name)
		if !ok {
			return
		}
		if c.res == "" {
			continue
		}
		if c.res != pred.res {
			x.unresolvedf(o, get(o.n, "spec", name), "InferenceService %s predictor requests %s and its %s %s", o.name, pred.res, name, c.res)
			return
		}
		total += float64(c.maxR) * c.per
		more = true
	}
	predSpec := get(o.n, "spec", "predictor")
	if more {
		x.workload(o, pred.res, total, 1, pred.at, predSpec)
		return
	}
	x.workload(o, pred.res, pred.per, pred.maxR, pred.at, predSpec)
	e := &x.entries[len(x.entries)-1]
	e.Kubernetes.Replicas, e.Kubernetes.MaxReplicas = pred.minR, pred.maxR
}

// rayCluster counts a KubeRay cluster spec (a RayCluster's spec, a
// RayService's rayClusterConfig, a RayJob's rayClusterSpec): the head pod
// and each worker group's pods, max(replicas, maxReplicas) groups of
// numOfHosts pods each (multi-host TPU slices). A worker group of a
// cluster with in-tree autoscaling and no maxReplicas is unbounded.
func (x *extractor) rayCluster(o *object, rc *yaml.Node) {
	if rc == nil {
		return
	}
	headPod := get(rc, "headGroupSpec", "template", "spec")
	res, total, ok := x.podAccel(o, headPod)
	if !ok {
		return
	}
	autoscaling := scalar(get(rc, "enableInTreeAutoscaling")) == "true"
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
			x.unresolvedf(o, wg, "%s %s requests both %s and %s", o.kind, o.name, res, r)
			return
		}
		res = r
		minR, ok := x.replicas(o, get(wg, "minReplicas"), 1)
		if !ok {
			return
		}
		reps, ok := x.replicas(o, get(wg, "replicas"), minR) // KubeRay starts a group at minReplicas
		if !ok {
			return
		}
		mx, set, ok := integer(get(wg, "maxReplicas"))
		if !ok {
			x.unresolvedf(o, get(wg, "maxReplicas"), "%s %s worker group %s maxReplicas %q is not a whole number", o.kind, o.name, scalar(get(wg, "groupName")), scalar(get(wg, "maxReplicas")))
			return
		}
		if !set && autoscaling {
			x.unresolvedf(o, wg, "%s %s autoscales worker group %s without maxReplicas: its GPU demand is unbounded", o.kind, o.name, scalar(get(wg, "groupName")))
			return
		}
		reps = max(reps, minR, mx) // KubeRay keeps a group within [minReplicas, maxReplicas]
		hosts, ok := x.replicas(o, get(wg, "numOfHosts"), 1)
		if !ok {
			return
		}
		total += float64(reps*max(hosts, 1)) * n
	}
	x.workload(o, res, total, 1, nil, headPod)
}

// job counts a batch Job spec (spec is the Job's, or a CronJob's
// jobTemplate): parallelism (default 1) pods at once.
func (x *extractor) job(o *object, j *yaml.Node, path []string) {
	spec := get(j, "spec")
	pod := get(spec, "template", "spec")
	res, per, ok := x.podAccel(o, pod)
	if !ok || res == "" {
		return
	}
	par, ok := x.jobPods(o, spec)
	if !ok {
		return
	}
	x.workload(o, res, per, par, o.at(append(path, "spec", "parallelism")...), pod)
}

// jobPods is how many pods of a Job spec run at once: parallelism
// (default 1), no more than completions when that is set.
func (x *extractor) jobPods(o *object, spec *yaml.Node) (int, bool) {
	par, ok := x.replicas(o, get(spec, "parallelism"), 1)
	if !ok {
		return 0, false
	}
	if c, set, ok := integer(get(spec, "completions")); ok && set && c < par {
		par = c
	}
	return par, true
}

// scaledJob counts a KEDA ScaledJob: up to maxReplicaCount (default 100)
// Jobs of its jobTargetRef at once, each its pods.
func (x *extractor) scaledJob(o *object) {
	spec := get(o.n, "spec", "jobTargetRef")
	pod := get(spec, "template", "spec")
	res, per, ok := x.podAccel(o, pod)
	if !ok || res == "" {
		return
	}
	par, ok := x.jobPods(o, spec)
	if !ok {
		return
	}
	jobs, set, ok := integer(get(o.n, "spec", "maxReplicaCount"))
	if !ok {
		x.unresolvedf(o, get(o.n, "spec", "maxReplicaCount"), "ScaledJob %s maxReplicaCount %q is not a whole number", o.name, scalar(get(o.n, "spec", "maxReplicaCount")))
		return
	}
	if !set {
		jobs = 100 // KEDA's default maxReplicaCount
	}
	x.workload(o, res, per, jobs*par, o.at("spec", "maxReplicaCount"), pod)
}

// cohort reports a Kueue Cohort's own accelerator quota, which its
// ClusterQueues may borrow on top of theirs and which capcheck does not
// add to theirs.
func (x *extractor) cohort(o *object) {
	for _, rg := range items(get(o.n, "spec", "resourceGroups")) {
		for _, fl := range items(get(rg, "flavors")) {
			for _, res := range items(get(fl, "resources")) {
				if name := scalar(get(res, "name")); slices.Contains(accelResources, name) || partialAccel(name) {
					x.unresolvedf(o, get(res, "nominalQuota"), "Cohort %s holds %s quota %s of flavor %s that its ClusterQueues may borrow: capcheck does not count a Cohort's own quota", o.name, name, scalar(get(res, "nominalQuota")), scalar(get(fl, "name")))
				}
			}
		}
	}
}

// cronJob counts one run of a CronJob's job; with concurrencyPolicy Allow
// (the default) runs may overlap, so how many run at once is unknown.
func (x *extractor) cronJob(o *object) {
	jt := get(o.n, "spec", "jobTemplate")
	res, _, ok := x.podAccel(o, get(jt, "spec", "template", "spec"))
	if !ok || res == "" {
		return
	}
	if p := scalar(get(o.n, "spec", "concurrencyPolicy")); p != "Forbid" && p != "Replace" {
		x.unresolvedf(o, get(o.n, "spec"), "CronJob %s requests %s with concurrencyPolicy %s: overlapping runs make its GPU demand unbounded; set Forbid or Replace", o.name, res, cmpOr(p, "Allow (the default)"))
		return
	}
	x.job(o, jt, []string{"spec", "jobTemplate"})
}

// readKinds are the kinds read elsewhere or that name accelerator
// resources without requesting them (quotas, defaults, schemas, policies).
var readKinds = map[string]bool{
	"NodePool": true, "ClusterQueue": true, "HorizontalPodAutoscaler": true, "ScaledObject": true,
	"EC2NodeClass": true, "ResourceFlavor": true, "ComputeClass": true, "ConfigMap": true,
	"LimitRange": true, "ResourceQuota": true, "CustomResourceDefinition": true, "NodeClass": true,
}

// unread reports an object of a kind capcheck does not read (a CRD's
// workload: Volcano Jobs, Knative Services, operators' own kinds, a Flux
// HelmRelease's values) whose resources limits or requests name an
// accelerator, at the first such key: its GPUs are not counted, and
// leaving it out silently would read as none.
func (x *extractor) unread(o *object) {
	if readKinds[o.kind] {
		return
	}
	var at *yaml.Node
	budget := 200000 // nodes visited: aliases may repeat a subtree many times
	var walk func(n *yaml.Node, parent string, depth int)
	walk = func(n *yaml.Node, parent string, depth int) {
		if at != nil || n == nil || depth > 64 || budget <= 0 {
			return
		}
		budget--
		switch n.Kind {
		case yaml.MappingNode:
			for _, kv := range pairs(n) {
				if r := kv[0].Value; (parent == "limits" || parent == "requests") && (slices.Contains(accelResources, r) || partialAccel(r)) {
					at = kv[0]
					return
				}
				walk(kv[1], kv[0].Value, depth+1)
			}
		case yaml.SequenceNode:
			for _, c := range items(n) {
				walk(c, parent, depth+1)
			}
		}
	}
	walk(o.n, "", 0)
	if at != nil {
		x.unresolvedf(o, at, "%s %s requests %s, but capcheck does not read %s objects (%s): its GPUs are not counted", o.kind, o.name, at.Value, o.kind, o.apiVersion)
	}
}

// daemonSet: one pod per matching node, and the nodes are not in the
// manifests.
func (x *extractor) daemonSet(o *object) {
	res, _, ok := x.podAccel(o, get(o.n, "spec", "template", "spec"))
	if !ok || res == "" {
		return
	}
	x.unresolvedf(o, get(o.n, "spec"), "DaemonSet %s requests %s on every node it selects: its GPU demand depends on the node count, which the manifests do not give", o.name, res)
}

// trainingJob counts a Kubeflow training operator job (PyTorchJob, TFJob,
// MPIJob, XGBoostJob, PaddleJob, JAXJob): the pods of every replica spec
// (Master, Worker, Launcher, …), a Worker's replicas raised to an
// elasticPolicy's maxReplicas.
func (x *extractor) trainingJob(o *object) {
	var specs *yaml.Node
	for _, kv := range pairs(get(o.n, "spec")) {
		if strings.HasSuffix(kv[0].Value, "ReplicaSpecs") {
			specs = kv[1]
		}
	}
	var res string
	var total float64
	var pod *yaml.Node
	for _, kv := range pairs(specs) {
		p := get(kv[1], "template", "spec")
		r, n, ok := x.podAccel(o, p)
		if !ok {
			return
		}
		if r == "" {
			continue
		}
		if res != "" && r != res {
			x.unresolvedf(o, kv[1], "%s %s requests both %s and %s", o.kind, o.name, res, r)
			return
		}
		res, pod = r, p
		reps, ok := x.replicas(o, get(kv[1], "replicas"), 1)
		if !ok {
			return
		}
		if kv[0].Value == "Worker" {
			if mx, set, ok := integer(get(o.n, "spec", "elasticPolicy", "maxReplicas")); ok && set {
				reps = max(reps, mx)
			}
		}
		total += float64(reps) * n
	}
	x.workload(o, res, total, 1, nil, pod)
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
		par, ok := x.jobPods(o, job)
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
