package evaluator

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/schema"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestDocumentGolden pins the JSON shape of the policy input document (what
// Rego policies read) on a small plan: one LLM pool fitted from four
// benchmark points, three zonal reservations (one expiring), an
// interruptible training workload and an unclaimed reservation. Rewrite
// with `go test ./evaluator -run TestDocumentGolden -update` and review the
// diff: JSON names are a contract.
func TestDocumentGolden(t *testing.T) {
	p := llmPlan(0.6, fitBenches()...)
	p.HorizonMonths = 4
	p.Contingency = "shed free-tier traffic"
	setGrowth(p, schema.Moderate, 0.05)
	setGrowth(p, schema.Aggressive, 0.25)
	p.Pools["h100"].Reservations = []string{"aws_ec2_capacity_reservation.h100", "aws_ec2_capacity_reservation.missing"}
	p.Workloads["chat"].SLO = &schema.SLO{Availability: 0.999, TTFTP95Ms: 800}
	p.Workloads["train"] = &schema.Workload{Name: "train", Pos: at(50, 3), Kind: schema.KindTraining, Pool: "h100",
		Interruptible: true, Experimentation: &schema.Experimentation{People: 2, GPUHoursPerDay: 12}}
	a := rsv("aws_ec2_capacity_reservation.h100[0]", "us-east-1a", 10, 3, 8)
	b := rsv("aws_ec2_capacity_reservation.h100[1]", "us-east-1b", 10, 2, 8)
	b.End = "2026-05-15"
	c := rsv("aws_ec2_capacity_reservation.h100[2]", "us-east-1c", 10, 2, 8)
	stray := rsv("aws_ec2_capacity_reservation.stray", "us-east-1a", 40, 1, 8)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(a, b, c, stray)})

	// Round floats to 10 significant digits in the golden copy only (the
	// document itself is never rounded) so the file does not depend on the
	// last bits of the QR solve, which differ between architectures.
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(roundFloats(generic), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "document.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("document differs from %s (-want +got):\n%s", golden, cmp.Diff(string(want), string(got)))
	}
}

// roundFloats rounds every number in a decoded JSON value to 10
// significant digits.
func roundFloats(v any) any {
	switch x := v.(type) {
	case float64:
		r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 10, 64), 64)
		return r
	case []any:
		for i := range x {
			x[i] = roundFloats(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = roundFloats(x[k])
		}
	}
	return v
}
