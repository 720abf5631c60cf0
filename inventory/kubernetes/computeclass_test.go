package kubernetes

import (
	"path"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/google/go-cmp/cmp"
)

func yes() *bool { b := true; return &b }

// TestComputeClassEntries reads testdata/classbind.txtar and binds its
// classes to four Terraform reservations. By hand:
//   - h100-reserved (document at 1:1): priority 1 (7:7) is a3-highgpu-8g,
//     8 H100-SXM in the catalog, Specific h100-res in project gpu-prod:
//     google_compute_reservation.h100 (project gpu-prod) binds,
//     .elsewhere (the same name in project other) does not. Priority 2
//     (13:7) is 8 × nvidia-h100-80gb (H100-SXM), Specific h100-res-b of
//     block-1: the future reservation of that name (project not written)
//     binds. Both accelerator priorities are Specific and bound, so the
//     class runs inside the first of the sorted addresses (a consumer).
//     One model, 8 per node in both: GPU H100-SXM, 8 per instance.
//   - fallback (18:1): missing-res binds nothing; priority 2 (29:7) is
//     spot a3-highgpu-8g with affinity None, priority 3 (32:7) n4 without
//     accelerators: not every accelerator priority is spot, so not spot;
//     nothing bound, so elastic.
//   - cpu launches no accelerator and names no reservation: left out.
//   - bad's affinity "specific" is not an API value: unresolved at its
//     value, k8s/classes.yaml:50:32 (6 spaces + "reservations: {affinity: "
//     is 31 characters).
//   - Deployment llm selects h100-reserved: it runs on ComputeClass/h100-reserved,
//     2 × 8 = 16 H100-SXM.
func TestComputeClassEntries(t *testing.T) {
	inv := discover(t, extract(t, "classbind.txtar"), Options{})
	tf := []inventory.Entry{
		{Address: "google_compute_reservation.h100", Kind: inventory.KindReservation, Name: "h100-res", Project: "gpu-prod"},
		{Address: "google_compute_reservation.elsewhere", Kind: inventory.KindReservation, Name: "h100-res", Project: "other"},
		{Address: "google_compute_future_reservation.b", Kind: inventory.KindReservation, Name: "h100-res-b"},
		{Address: "google_compute_reservation.unrelated", Kind: inventory.KindReservation, Name: "l4-res"},
	}
	inv.Reservations = append(tf, inv.Reservations...)
	Bind(inv, func(pattern, addr string) bool { return pattern == addr })

	const f = "k8s/classes.yaml"
	want := []inventory.Entry{
		{Address: "ComputeClass/h100-reserved", ResourceType: "ComputeClass", Root: ".", Range: diag.Range{Pos: diag.Pos{File: f, Line: 1, Column: 1}, EndLine: 1},
			Kind: inventory.KindElastic, GPUsPerInstance: 8, GPU: "H100-SXM", ConsumerOf: "google_compute_future_reservation.b",
			Kubernetes: &inventory.Kubernetes{Object: "ComputeClass/h100-reserved", APIVersion: "cloud.google.com/v1", Resource: "nvidia.com/gpu",
				Reservations: []string{"google_compute_future_reservation.b", "google_compute_reservation.h100"},
				Priorities: []inventory.ClassPriority{
					{MachineType: "a3-highgpu-8g", GPU: "H100-SXM", Accelerators: 8, Affinity: "Specific", At: at(f, 7, 7),
						Specific: []inventory.ClassReservation{{Name: "h100-res", Project: "gpu-prod", Reservations: []string{"google_compute_reservation.h100"}}}},
					{Accelerator: "nvidia-h100-80gb", Accelerators: 8, GPU: "H100-SXM", DriverVersion: "latest", Affinity: "Specific", At: at(f, 13, 7),
						Specific: []inventory.ClassReservation{{Name: "h100-res-b", ReservationBlock: "block-1", Reservations: []string{"google_compute_future_reservation.b"}}}},
				},
				NodePoolAutoCreation: yes(), WhenUnsatisfiable: "DoNotScaleUp"}},
		{Address: "ComputeClass/fallback", ResourceType: "ComputeClass", Root: ".", Range: diag.Range{Pos: diag.Pos{File: f, Line: 18, Column: 1}, EndLine: 18},
			Kind: inventory.KindElastic, GPUsPerInstance: 8, GPU: "H100-SXM",
			Kubernetes: &inventory.Kubernetes{Object: "ComputeClass/fallback", APIVersion: "cloud.google.com/v1", Resource: "nvidia.com/gpu",
				Priorities: []inventory.ClassPriority{
					{MachineType: "a3-highgpu-8g", GPU: "H100-SXM", Accelerators: 8, Affinity: "Specific", At: at(f, 24, 7),
						Specific: []inventory.ClassReservation{{Name: "missing-res"}}},
					{MachineType: "a3-highgpu-8g", GPU: "H100-SXM", Accelerators: 8, Spot: true, Affinity: "None", At: at(f, 29, 7)},
					{MachineFamily: "n4", At: at(f, 32, 7)},
				},
				WhenUnsatisfiable: "ScaleUpAnyway"}},
		{Address: "Deployment/llm", ResourceType: "Deployment", Root: ".", Range: diag.Range{Pos: diag.Pos{File: "k8s/apps.yaml", Line: 1, Column: 1}, EndLine: 1},
			Kind: inventory.KindWorkload, Count: 2, GPUsPerInstance: 8, GPUs: 16, GPU: "H100-SXM", ConsumerOf: "ComputeClass/h100-reserved",
			Kubernetes: &inventory.Kubernetes{Object: "Deployment/llm", APIVersion: "apps/v1", Resource: "nvidia.com/gpu", Replicas: 2,
				ComputeClass: "h100-reserved", ReplicasAt: at("k8s/apps.yaml", 6, 13)}},
	}
	if diff := cmp.Diff(want, inv.Reservations[len(tf):]); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	wantU := []inventory.Unresolved{{Address: "ComputeClass/bad", Range: diag.Pos{File: f, Line: 50, Column: 32}.Range(),
		Msg: `ComputeClass bad reservations.affinity "specific" is not Specific, AnyBestEffort or None`}}
	if diff := cmp.Diff(wantU, inv.Unresolved); diff != "" {
		t.Errorf("unresolved (-want +got):\n%s", diff)
	}
	if c := inv.Reservations[len(tf)].Class(); c != inventory.ClassConsumer {
		t.Errorf("Class(h100-reserved) = %s, want consumer", c)
	}
	if c := inv.Reservations[len(tf)+1].Class(); c != inventory.ClassElastic {
		t.Errorf("Class(fallback) = %s, want elastic", c)
	}
}

// TestComputeClassAcrossTrees: a ComputeClass is cluster-scoped, so a
// workload of an overlay (tree clusters/prod) selecting a class that only
// the plain YAML (tree ".") declares runs on it; 1 replica × 4 GPUs. A
// class count that is not a whole number of devices is unresolved at it
// (k8s/bad.yaml:7:37: 4 spaces + "- gpu: {type: nvidia-l4, count: " is
// 36 characters).
func TestComputeClassAcrossTrees(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{
		"k8s/class.yaml":               "apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata:\n  name: l4\nspec:\n  priorities:\n    - gpu: {type: nvidia-l4, count: 4}\n",
		"k8s/bad.yaml":                 "apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata:\n  name: bad\nspec:\n  priorities:\n    - gpu: {type: nvidia-l4, count: half}\n",
		"apps/base/kustomization.yaml": "resources:\n  - app.yaml\n",
		"apps/base/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: asr\nspec:\n  template:\n    spec:\n" +
			"      nodeSelector:\n        cloud.google.com/compute-class: l4\n      containers:\n        - name: a\n          resources:\n            limits:\n              nvidia.com/gpu: 4\n",
		"clusters/prod/kustomization.yaml": "namespace: speech\nresources:\n  - ../../apps/base\n",
	})
	inv := discover(t, dir, Options{})
	type row struct{ Address, Root, ConsumerOf, GPU string }
	var got []row
	for _, e := range inv.Reservations {
		got = append(got, row{e.Address, e.Root, e.ConsumerOf, e.GPU})
	}
	want := []row{{"Deployment/speech/asr", "clusters/prod", "ComputeClass/l4", "L4"}, {"ComputeClass/l4", ".", "", "L4"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	wantU := []inventory.Unresolved{{Address: "ComputeClass/bad", Range: diag.Pos{File: "k8s/bad.yaml", Line: 7, Column: 37}.Range(),
		Msg: `ComputeClass bad gpu.count: "half" is not a whole number of devices`}}
	if diff := cmp.Diff(wantU, inv.Unresolved); diff != "" {
		t.Errorf("unresolved (-want +got):\n%s", diff)
	}
}

// TestComputeClassAnnotation: a class's capcheck.io/capacity-reservations
// annotation binds through the same terms as an EC2NodeClass's. By hand:
// class h100 names h100-res (priority 1) and h100-res-b (priority 2), and
// is annotated "google_compute_reservation.computed, google_compute_reservation.other*".
//   - h100-res binds google_compute_reservation.named by its name; the
//     annotation adds nothing there (a name already binds it).
//   - h100-res-b binds by no name; of what the annotation selects,
//     .computed (name unknown statically, "") backs it, .other1 (named
//     other-res, not h100-res-b) does not: a known, different name is a
//     misspelling the annotation must not hide; .unselected is not named.
//
// Both accelerator priorities are Specific and bound, so the class runs
// inside the first sorted address, .computed. A class that names a
// reservation only through an annotation matching nothing stays
// unbound (l4: elastic, no reservations).
func TestComputeClassAnnotation(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteFiles(t, dir, map[string]string{
		"k8s/class.yaml": `apiVersion: cloud.google.com/v1
kind: ComputeClass
metadata:
  name: h100
  annotations:
    capcheck.io/capacity-reservations: "google_compute_reservation.computed, google_compute_reservation.other*"
spec:
  priorities:
    - machineType: a3-highgpu-8g
      reservations: {affinity: Specific, specific: [{name: h100-res}]}
    - machineType: a3-highgpu-8g
      reservations: {affinity: Specific, specific: [{name: h100-res-b}]}
---
apiVersion: cloud.google.com/v1
kind: ComputeClass
metadata:
  name: l4
  annotations:
    capcheck.io/capacity-reservations: google_compute_reservation.none
spec:
  priorities:
    - machineType: g2-standard-24
      reservations: {affinity: Specific, specific: [{name: l4-res}]}
`,
	})
	inv := discover(t, dir, Options{})
	tf := []inventory.Entry{
		{Address: "google_compute_reservation.named", Kind: inventory.KindReservation, Name: "h100-res"},
		{Address: "google_compute_reservation.computed", Kind: inventory.KindReservation},
		{Address: "google_compute_reservation.other1", Kind: inventory.KindReservation, Name: "other-res"},
		{Address: "google_compute_reservation.unselected", Kind: inventory.KindReservation},
	}
	inv.Reservations = append(tf, inv.Reservations...)
	Bind(inv, func(pattern, addr string) bool { ok, _ := path.Match(pattern, addr); return ok })
	type row struct {
		Address, ConsumerOf string
		Terms               []inventory.ReservationTerm
		Reservations        []string
		Specific            [][]string
		Class               inventory.Class
	}
	var got []row
	for _, e := range inv.Reservations[len(tf):] {
		r := row{Address: e.Address, ConsumerOf: e.ConsumerOf, Terms: e.Kubernetes.ReservationTerms, Reservations: e.Kubernetes.Reservations, Class: e.Class()}
		for _, p := range e.Kubernetes.Priorities {
			for _, s := range p.Specific {
				r.Specific = append(r.Specific, s.Reservations)
			}
		}
		got = append(got, r)
	}
	want := []row{
		{Address: "ComputeClass/h100", ConsumerOf: "google_compute_reservation.computed",
			Terms:        []inventory.ReservationTerm{{Address: "google_compute_reservation.computed"}, {Address: "google_compute_reservation.other*"}},
			Reservations: []string{"google_compute_reservation.computed", "google_compute_reservation.named"},
			Specific:     [][]string{{"google_compute_reservation.named"}, {"google_compute_reservation.computed"}}, Class: inventory.ClassConsumer},
		{Address: "ComputeClass/l4", Terms: []inventory.ReservationTerm{{Address: "google_compute_reservation.none"}},
			Specific: [][]string{nil}, Class: inventory.ClassElastic},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("annotated classes (-want +got):\n%s", diff)
	}
}

// TestComputeClassUnknownAccelerator: a priority whose accelerator the
// catalog does not know launches GPUs of an unknown model and count, so
// the class is unresolved at the value (CAP015 blocks it, with the
// catalog advice), never read as launching nothing or the pool's GPU:
//   - a: gpu.type nvidia-zz9, at 7:19 (4 spaces + "- gpu: {type: " is 18
//     characters);
//   - b: machineType zz-megagpu-8g, a GPU machine type by its name, at
//     7:20 (4 spaces + "- machineType: " is 19 characters);
//   - c: gpu.type nvidia-l4 without gpu.count and no machine type to take
//     it from, at the gpu mapping, 7:12 (4 spaces + "- gpu: " is 11);
//   - d: machineType n2-standard-8 launches no accelerator: left out.
func TestComputeClassUnknownAccelerator(t *testing.T) {
	dir := t.TempDir()
	class := func(name, priority string) string {
		return "apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata:\n  name: " + name + "\nspec:\n  priorities:\n    - " + priority + "\n"
	}
	testkit.WriteFiles(t, dir, map[string]string{
		"k8s/a.yaml": class("a", "gpu: {type: nvidia-zz9, count: 8}"),
		"k8s/b.yaml": class("b", "machineType: zz-megagpu-8g"),
		"k8s/c.yaml": class("c", "gpu: {type: nvidia-l4}"),
		"k8s/d.yaml": class("d", "machineType: n2-standard-8"),
	})
	inv := discover(t, dir, Options{})
	if len(inv.Reservations) != 0 {
		t.Errorf("entries %+v, want none", inv.Reservations)
	}
	wantU := []inventory.Unresolved{
		{Address: "ComputeClass/a", Range: diag.Pos{File: "k8s/a.yaml", Line: 7, Column: 19}.Range(), Remedied: true,
			Msg: `ComputeClass a gpu.type "nvidia-zz9" is not in the catalog; add it under "accelerators" in a catalog file (catalog: in capcheck.yaml, or --catalog)`},
		{Address: "ComputeClass/b", Range: diag.Pos{File: "k8s/b.yaml", Line: 7, Column: 20}.Range(), Remedied: true,
			Msg: `ComputeClass b machineType "zz-megagpu-8g" is not in the catalog; add it under "instances" in a catalog file (catalog: in capcheck.yaml, or --catalog)`},
		{Address: "ComputeClass/c", Range: diag.Pos{File: "k8s/c.yaml", Line: 7, Column: 12}.Range(),
			Msg: `ComputeClass c gpu.type nvidia-l4 sets no gpu.count and machineType gives none: the GPUs per node are unknown`},
	}
	if diff := cmp.Diff(wantU, inv.Unresolved); diff != "" {
		t.Errorf("unresolved (-want +got):\n%s", diff)
	}
}
