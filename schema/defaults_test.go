package schema

import "testing"

func TestDefaultPolicy(t *testing.T) {
	got := DefaultPolicy()
	want := Policy{
		HeadroomMin: 0.30, Redundancy: Redundancy{NPlus: 1, Domain: "zone"},
		WarnUtilization: 0.70, CriticalUtilization: 0.85, DriftTolerance: 0.15,
		ReservedUtilizationMin: 0.50, BudgetTolerance: 0.10, BenchmarkMaxAgeDays: 180,
		ReviewMaxAgeDays: 92, UnbackedTolerance: 0.10,
	}
	if got != want {
		t.Errorf("DefaultPolicy() = %+v, want %+v", got, want)
	}
}
