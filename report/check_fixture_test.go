package report

import (
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
)

// The fixture is a pull request that cuts aws_ec2_capacity_reservation
// .h100_use1a from 48 to 40 GPUs, adds the pool h200-euw1 and removes the
// pool l4-old, all in plan "prod" (headroom_min 0.30, lead time 12 weeks =
// 3 months).

// months are the six timeline months of the fixture.
var months = []string{"2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08"}

// timeline builds a timeline with constant capacity; headroom is
// 1 − required/capacity.
func timeline(capacity float64, required ...float64) []evaluator.MonthDoc {
	out := make([]evaluator.MonthDoc, len(required))
	for i, r := range required {
		out[i] = evaluator.MonthDoc{Month: months[i], CapacityGPUs: capacity, RequiredGPUs: r, Headroom: 1 - r/capacity}
	}
	return out
}

// h100 is the pool h100-use1 with the given reserved GPUs. Demand is the
// same on both sides: 28, 30, 31.2, 33.2, 33.2, 34 GPUs.
//
//	base, 48 GPUs: min headroom in the commit window (months 0–5) is at
//	  2026-06: 1 − 33.2/48 = 0.3083 → "30.8%"; cliff: first month with
//	  headroom < 0.30 is 2026-08 (1 − 34/48 = 0.2917), order by 2026-05.
//	  Cost: 48 × $2.50 × 744 h = $89,280.
//	head, 40 GPUs: min headroom 2026-06: 1 − 33.2/40 = 0.17 → "17%";
//	  cliff 2026-04 (1 − 30/40 = 0.25), order by 2026-01 (passed).
//	  Cost: 40 × $2.50 × 744 h = $74,400; delta −$14,880.
//	backed: 34/0.7 = 48.57 on both sides.
func h100(reserved float64, nplusOK bool, cliff, orderBy string) evaluator.PoolDoc {
	tl := timeline(reserved, 28, 30, 31.2, 33.2, 33.2, 34)
	return evaluator.PoolDoc{
		Name: "h100-use1", Plan: "prod", GPU: "H100-SXM", Region: "us-east-1",
		Location:      diag.Pos{File: "capacity/plan.cue", Line: 14, Column: 3}.Range(),
		LeadTimeWeeks: 12, LeadTimeMonths: 3, HeadroomMin: 0.3,
		ReservedGPUs: reserved, RequiredGPUsPeak: 34,
		MinHeadroom: 1 - 33.2/reserved, MinHeadroomMonth: "2026-06",
		NPlus: evaluator.NPlusDoc{K: 1, Domain: "zone", Required: true, OK: nplusOK},
		Cliff: cliff, OrderBy: orderBy,
		BackedGPUs:  34 / 0.7,
		MonthlyCost: reserved * 2.5 * 744,
		Cost:        evaluator.CostDoc{Currency: "USD"},
		Timeline:    tl,
		Inputs:      evaluator.PoolInputs{Scenario: "moderate", Benchmarks: []string{"llama-70b-h100"}, PriceReserved: 2.5},
	}
}

// fixtureDoc is the head document with its base.
//
//	h200-euw1 (new): 24 GPUs, demand 8 → min headroom 1 − 8/24 = 0.6667
//	  → "66.7%"; backed 8/0.7 = 11.43, unbacked 24 − 11.43 = 12.57;
//	  cost 24 × $3.10 × 744 h = $55,353.60 → "$55,354".
//	l4-old (removed): 8 GPUs, demand 2 → 75%; cost 8 × $0.80 × 744 = $4,761.60.
func fixtureDoc() *evaluator.Document {
	h200 := evaluator.PoolDoc{
		Name: "h200-euw1", Plan: "prod", GPU: "H200", Region: "eu-west-1",
		Location:      diag.Pos{File: "capacity/plan.cue", Line: 40, Column: 3}.Range(),
		LeadTimeWeeks: 16, LeadTimeMonths: 4, HeadroomMin: 0.3,
		ReservedGPUs: 24, RequiredGPUsPeak: 8,
		MinHeadroom: 1 - 8.0/24, MinHeadroomMonth: "2026-03",
		NPlus:      evaluator.NPlusDoc{K: 1, Domain: "zone", Required: false, OK: false},
		BackedGPUs: 8 / 0.7, UnbackedGPUs: 24 - 8/0.7,
		MonthlyCost: 24 * 3.1 * 744,
		Cost:        evaluator.CostDoc{Currency: "USD"},
		Timeline:    timeline(24, 6, 7, 8, 8, 8, 8),
	}
	l4 := evaluator.PoolDoc{
		Name: "l4-old", Plan: "prod", GPU: "L4",
		Location:      diag.Pos{File: "capacity/plan.cue", Line: 60, Column: 3}.Range(),
		LeadTimeWeeks: 8, HeadroomMin: 0.3,
		ReservedGPUs: 8, RequiredGPUsPeak: 2, MinHeadroom: 0.75, MinHeadroomMonth: "2026-03",
		NPlus:       evaluator.NPlusDoc{K: 1, OK: true},
		BackedGPUs:  2 / 0.7,
		MonthlyCost: 8 * 0.8 * 744,
		Cost:        evaluator.CostDoc{Currency: "USD"},
		Timeline:    timeline(8, 2, 2, 2, 2, 2, 2),
	}
	plan := evaluator.PlanDoc{Name: "prod", Range: diag.Pos{File: "capacity/plan.cue", Line: 3, Column: 1}.Range()}
	base := &evaluator.Document{
		Version: evaluator.Version, Now: "2026-03-10", Month: "2026-03",
		Plans: []evaluator.PlanDoc{plan},
		Pools: []evaluator.PoolDoc{h100(48, true, "2026-08", "2026-05"), l4},
	}
	return &evaluator.Document{
		Version: evaluator.Version, Now: "2026-03-10", Month: "2026-03",
		Plans: []evaluator.PlanDoc{plan},
		Pools: []evaluator.PoolDoc{h100(40, false, "2026-04", "2026-01"), h200},
		Base:  base,
	}
}

// fixtureFindings has one finding of each kind, in the engine's order
// (file, line, column, rule).
func fixtureFindings() []policies.Finding {
	return []policies.Finding{
		{ // no file, advisory deny from a user rule
			Rule: "ORG001", Level: "deny", Msg: "plan prod has no cost centre label",
			Target: "plan/prod", Enforcement: policies.Advisory,
		},
		{ // plain warning
			Rule: "CAP010", Title: "Plan not reviewed for more than a quarter", Level: "warn",
			Msg:    "plan prod was last reviewed 2025-11-20, 110 days ago (more than 92)",
			Target: "plan/prod", Range: diag.Pos{File: "capacity/plan.cue", Line: 3, Column: 1}.Range(), Enforcement: policies.Advisory,
		},
		{ // blocking deny with a file
			Rule: "CAP001", Title: "Headroom below the plan's minimum in the commit window", Level: "deny",
			Msg:    "pool h100-use1: headroom 17% in 2026-06 is below 30% (needs 33.2 GPUs, has 40); add 8 GPUs or lower demand",
			Target: "pool/h100-use1", Range: diag.Pos{File: "capacity/plan.cue", Line: 14, Column: 3}.Range(),
			Enforcement: policies.SoftMandatory, Blocking: true,
		},
		{ // overridden soft-mandatory deny
			Rule: "CAP002", Title: "N+k redundancy missing", Level: "deny",
			Msg:    "pool h100-use1: N+1 across zones fails in 2026-06: 20 GPUs left after losing us-east-1a, needs 33.2",
			Target: "pool/h100-use1", Range: diag.Pos{File: "capacity/plan.cue", Line: 14, Column: 3}.Range(),
			Enforcement: policies.SoftMandatory, Overridden: true,
		},
		{ // excepted warning
			Rule: "CAP007", Title: "Existing reserved GPUs exceed backed capacity", Level: "warn",
			Msg:    "pool h200-euw1: 24 reserved GPUs, 11.43 backed: 12.57 unbacked",
			Target: "pool/h200-euw1", Range: diag.Pos{File: "capacity/plan.cue", Line: 40, Column: 3}.Range(),
			Enforcement: policies.Advisory, Excepted: true, Exception: "ramping up for the Q3 launch",
		},
		{ // blocking deny in Terraform
			Rule: "CAP004", Title: "Reserved GPUs added beyond the backed capacity", Level: "deny",
			Msg:    "reservation aws_ec2_capacity_reservation.h100_use1a changes from 48 to 40 GPUs",
			Target: "reservation/aws_ec2_capacity_reservation.h100_use1a", Range: diag.Pos{File: "infra/gpu.tf", Line: 14, Column: 1}.Range(),
			Enforcement: policies.HardMandatory, Blocking: true,
		},
	}
}

func fixtureCheck() *Check {
	return NewCheck(fixtureDoc(), &policies.Result{Verdict: policies.VerdictFail, Findings: fixtureFindings()})
}

func fixtureRules() []policies.Rule {
	return []policies.Rule{
		{ID: "CAP001", Builtin: true, Location: diag.Pos{File: "capcheck:rego/cap001.rego", Line: 1, Column: 1}, Title: "Headroom below the plan's minimum in the commit window", Description: "A pool's lowest headroom in the commit window is below headroom_min.", Severity: "high", Enforcement: policies.SoftMandatory, Level: "deny"},
		{ID: "CAP002", Builtin: true, Location: diag.Pos{File: "capcheck:rego/cap002.rego", Line: 1, Column: 1}, Title: "N+k redundancy missing", Description: "Capacity after losing the k largest failure domains does not serve the peak.", Severity: "high", Enforcement: policies.SoftMandatory, Level: "deny"},
		{ID: "CAP004", Builtin: true, Location: diag.Pos{File: "capcheck:rego/cap004.rego", Line: 1, Column: 1}, Title: "Reserved GPUs added beyond the backed capacity", Severity: "medium", Enforcement: policies.HardMandatory, Level: "deny"},
		{ID: "CAP007", Builtin: true, Location: diag.Pos{File: "capcheck:rego/cap007.rego", Line: 1, Column: 1}, Title: "Existing reserved GPUs exceed backed capacity", Severity: "low", Enforcement: policies.Advisory, Level: "warn"},
		{ID: "CAP010", Builtin: true, Location: diag.Pos{File: "capcheck:rego/cap010.rego", Line: 1, Column: 1}, Title: "Plan not reviewed for more than a quarter", Enforcement: policies.Advisory, Level: "warn"},
	}
}

func fixtureOptions() Options {
	return Options{
		Rules: fixtureRules(),
		Repo:  "acme/gpu-infra",
		SHA:   "0123456789abcdef0123456789abcdef01234567",
		// The build and the run, as the command hands them in.
		Version:  "v1.4.0",
		Started:  time.Date(2026, 3, 10, 9, 30, 0, 0, time.FixedZone("CET", 3600)),
		Elapsed:  1412 * time.Millisecond,
		Hostname: "runner-7",
	}
}
