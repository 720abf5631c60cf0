package terraform

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

// extract writes a txtar archive (a file in testdata, or inline text) into
// a temporary directory and returns it.
func extract(t testing.TB, name, inline string) string {
	t.Helper()
	var ar *txtar.Archive
	if inline != "" {
		ar = txtar.Parse([]byte(inline))
	} else {
		var err error
		ar, err = txtar.ParseFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		writeFile(t, dir, f.Name, f.Data)
	}
	return dir
}

// writeFile writes data to the slash path rel below dir, making the
// directories it needs.
func writeFile(tb testing.TB, dir, rel string, data []byte) {
	tb.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func discover(t *testing.T, dir string, opts Options) *inventory.Inventory {
	t.Helper()
	inv, err := Discover(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return inv
}

// brief is the part of a inventory.Entry the tables below spell out.
type brief struct {
	Address    string
	Line       int
	Kind       inventory.Kind
	Type       string
	Count      int
	GPU        string
	GPUs       float64
	Zone       string
	Start, End string
	Guaranteed bool
	ConsumerOf string
}

func briefs(rs []inventory.Entry) []brief {
	out := make([]brief, len(rs))
	for i, r := range rs {
		out[i] = brief{Address: r.Address, Line: r.Line, Kind: r.Kind, Type: r.InstanceType, Count: r.Count, GPU: r.GPU,
			GPUs: r.GPUs, Zone: r.Zone, Start: r.Start, End: r.End, Guaranteed: r.Guaranteed, ConsumerOf: r.ConsumerOf}
	}
	return out
}

func TestDiscoverKinds(t *testing.T) {
	inv := discover(t, extract(t, "kinds.txtar", ""), Options{})
	want := []brief{
		// ASG max 2 × g6e.48xlarge (8 L40S) = 16, elastic
		{Address: "aws_autoscaling_group.l40s", Line: 110, Kind: inventory.KindElastic, Type: "g6e.48xlarge", Count: 2, GPU: "L40S", GPUs: 16},
		// offering: 2 × p5e.48xlarge (8 H200) = 16, 48 h from 2027-01-10
		{Address: "aws_ec2_capacity_block_reservation.train", Line: 16, Kind: inventory.KindCapacityBlock, Type: "p5e.48xlarge", Count: 2, GPU: "H200", GPUs: 16, Start: "2027-01-10T00:00:00Z", End: "2027-01-12T00:00:00Z", Guaranteed: true},
		// 4 × p5.48xlarge (8 H100) = 32
		{Address: "aws_ec2_capacity_reservation.h100", Line: 1, Kind: inventory.KindReservation, Type: "p5.48xlarge", Count: 4, GPU: "H100-SXM", GPUs: 32, Zone: "us-east-1a", End: "2027-06-30T00:00:00Z", Guaranteed: true},
		// EKS max 3 × g5.12xlarge (4 A10G) = 12
		{Address: "aws_eks_node_group.g5", Line: 71, Kind: inventory.KindElastic, Type: "g5.12xlarge", Count: 3, GPU: "A10G", GPUs: 12},
		// sku capacity 2 × ND96isr H100 v5 (8) = 16
		{Address: "azurerm_capacity_reservation.nd", Line: 52, Kind: inventory.KindReservation, Type: "Standard_ND96isr_H100_v5", Count: 2, GPU: "H100-SXM", GPUs: 16, Zone: "1", Guaranteed: true},
		// 6 × NV6ads (1/6 A10) = 1
		{Address: "azurerm_capacity_reservation.nv", Line: 62, Kind: inventory.KindReservation, Type: "Standard_NV6ads_A10_v5", Count: 6, GPU: "A10", GPUs: 1, Guaranteed: true},
		// AKS max_count 5 × NC24ads A100 v4 (1) = 5; vm_size case-insensitive
		{Address: "azurerm_kubernetes_cluster_node_pool.a100", Line: 96, Kind: inventory.KindElastic, Type: "Standard_NC24ads_A100_v4", Count: 5, GPU: "A100-80GB", GPUs: 5},
		// 3 × a3-highgpu-8g (8 H100) = 24
		{Address: "google_compute_reservation.a3", Line: 21, Kind: inventory.KindReservation, Type: "a3-highgpu-8g", Count: 3, GPU: "H100-SXM", GPUs: 24, Zone: "us-central1-a", Guaranteed: true},
		// 5 × n1-standard-8 with 2 T4 each = 10
		{Address: "google_compute_reservation.t4", Line: 32, Kind: inventory.KindReservation, Type: "n1-standard-8", Count: 5, GPU: "T4", GPUs: 10, Zone: "us-central1-b", Guaranteed: true},
		// GKE max 6 × g2-standard-24 (2 L4) = 12
		{Address: "google_container_node_pool.l4", Line: 83, Kind: inventory.KindElastic, Type: "g2-standard-24", Count: 6, GPU: "L4", GPUs: 12, Zone: "us-central1-a"},
	}
	if d := cmp.Diff(want, briefs(inv.Reservations)); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
	if len(inv.Unresolved) != 0 {
		t.Errorf("unresolved = %+v, want none", inv.Unresolved)
	}
	r := inv.Reservations[2] // aws_ec2_capacity_reservation.h100
	if r.File != "main.tf" || r.Column != 1 || r.EndLine != 7 || r.Region != "us-east-1" || r.GPUsPerInstance != 8 {
		t.Errorf("h100 position/region = %s:%d:%d-%d region %q per %v, want main.tf:1:1-7 us-east-1 8", r.File, r.Line, r.Column, r.EndLine, r.Region, r.GPUsPerInstance)
	}
	// The block's whole range, as HCL gives it: from `resource` at 1:1 to
	// the closing brace alone on line 7 (column 1; the end column is
	// exclusive, so 2).
	if want := (diag.Range{Pos: diag.Pos{File: "main.tf", Line: 1, Column: 1}, EndLine: 7, EndColumn: 2}); r.Range != want {
		t.Errorf("h100 range = %+v, want %+v", r.Range, want)
	}
}
