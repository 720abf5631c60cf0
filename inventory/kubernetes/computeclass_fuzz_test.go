package kubernetes

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"unicode/utf8"
)

// fuzzErrPos is the file:line:col a Discover error of k8s/c.yaml starts
// with (file:line when the YAML parser names a line only).
var fuzzErrPos = regexp.MustCompile(`^k8s/c\.yaml:(\d+)(:\d+)?: `)

var yamlLines = regexp.MustCompile("\r\n|[\r\n\u0085\u2028\u2029]")

// FuzzComputeClass: Discover of any YAML file (ComputeClass seeds) does
// not panic; it either fails with an error at a line of the file, or
// reads it, every unresolved entry at a position inside the file (a
// line it has, a column at most one past the line's characters) and
// every ComputeClass entry's priorities at positions inside it too, and
// the accelerators a class launches whole numbers (not NaN, Inf or 1.5).
func FuzzComputeClass(f *testing.F) {
	for _, s := range []string{
		"apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata:\n  name: h100\nspec:\n  nodePoolAutoCreation: {enabled: true}\n  whenUnsatisfiable: DoNotScaleUp\n  priorities:\n    - machineType: a3-highgpu-8g\n      reservations: {affinity: Specific, specific: [{name: r, project: p, reservationBlock: {name: b}}]}\n    - gpu: {type: nvidia-l4, count: 2, driverVersion: latest}\n      spot: true\n",
		"apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata: {name: bad}\nspec:\n  priorities:\n    - gpu: {type: nvidia-l4, count: half}\n    - reservations: {affinity: specific}\n",
		"apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata: {name: a}\nspec: {whenUnsatisfiable: Maybe, priorities: [{tpu: {type: tpu-v5p-slice, count: 4, topology: 2x2x1}}]}\n",
		"apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata: {name: s}\nspec:\n  priorities:\n  - &p {machineType: g2-standard-24, reservations: {affinity: Specific, specific: [{project: x}]}}\n  - *p\n  nodePoolAutoCreation: {enabled: maybe}\n",
		"apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata: {name: e}\nspec:\n  priorities:\n    - reservations: {affinity: Specific}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      nodeSelector: {cloud.google.com/compute-class: e}\n      containers: [{name: c, resources: {limits: {nvidia.com/gpu: 1}}}]\n",
		"kind: ComputeClass\napiVersion: x\nspec: [\n",
		"apiVersion: cloud.google.com/v1\nkind: ComputeClass\nmetadata: {name: n}\nspec:\n  priorities:\n    - gpu: {type: nvidia-l4, count: NaN}\n    - tpu: {type: tpu-v5-lite-podslice, count: 1.5}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		dir := t.TempDir()
		file := filepath.Join(dir, "k8s", "c.yaml")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		// Lines as YAML counts them: CR, LF and CRLF end one (so do NEL,
		// LS and PS in go-yaml).
		lines := yamlLines.Split(text, -1)
		inside := func(what string, fileName string, line, col int) {
			t.Helper()
			if fileName != "k8s/c.yaml" || line < 1 || line > len(lines) || col < 1 || col > utf8.RuneCountInString(lines[line-1])+1 {
				t.Fatalf("%s at %s:%d:%d, outside the file (%d lines)\n%q", what, fileName, line, col, len(lines), text)
			}
		}
		inv, err := Discover(context.Background(), dir, Options{})
		if err != nil {
			m := fuzzErrPos.FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatalf("error names no position in k8s/c.yaml: %v", err)
			}
			if l, _ := strconv.Atoi(m[1]); l < 1 || l > len(lines)+1 {
				t.Fatalf("error at line %d of %d: %v", l, len(lines), err)
			}
			return
		}
		for _, u := range inv.Unresolved {
			inside("unresolved "+u.Address+": "+u.Msg, u.File, u.Line, u.Column)
		}
		for _, e := range inv.Reservations {
			inside("entry "+e.Address, e.File, e.Line, e.Column)
			if e.Kubernetes == nil {
				continue
			}
			if g := e.GPUsPerInstance; math.IsNaN(g) || math.IsInf(g, 0) || g < 0 || g != math.Trunc(g) {
				t.Fatalf("entry %s has %v GPUs per node\n%q", e.Address, g, text)
			}
			for _, p := range e.Kubernetes.Priorities {
				if p.At != nil {
					inside("priority of "+e.Address, p.At.File, p.At.Line, p.At.Column)
				}
				if a := p.Accelerators; e.ResourceType == "ComputeClass" && (math.IsNaN(a) || math.IsInf(a, 0) || a < 0 || a != math.Trunc(a)) {
					t.Fatalf("a priority of %s launches %v accelerators\n%q", e.Address, a, text)
				}
			}
		}
	})
}
