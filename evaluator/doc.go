// Package evaluator owns the capacity model of docs/ARCHITECTURE.md, "Capacity model": it
// links Terraform GPU reservations to plan pools, turns each workload's
// demand into GPUs per month and scenario, and computes headroom, the
// commit window, the capacity cliff and order-by date, N+k redundancy,
// backed and unbacked GPUs, cost, contingency and expiring reservations.
// The result is the [Document]: the policy input every Rego rule reads and
// the core of the JSON output.
//
// The arithmetic that judges capacity against demand — headroom, the
// commit window, the cliff, order-by, N+k, backed capacity and the
// contingency overrun — is written once, over a unit-agnostic series of
// monthly capacity against monthly demand (series.go), and the cost over a
// tariff per unit-hour (cost.go). GPU workloads (demand.go, llm.go) are one
// producer of demand and claimed reservations (capacity.go, nplus.go) one
// producer of capacity and failure domains; pool.go puts a pool together.
//
// Evaluate does no I/O: plans, the Terraform inventory, GPU specifications,
// fitted trends and the clock are all handed in through [Input]. Evaluation
// fails closed: an input the model cannot turn into a number (a workload
// without a benchmark, an unparsable reservation date, a reservation claimed
// by two pools) is an error with its source position, never a silent zero.
//
// Months are calendar months in UTC. Month 0 is the month of Input.Now and
// the horizon is months 0 … horizon_months−1. No figure is rounded here; the
// report layer rounds for display.
package evaluator
