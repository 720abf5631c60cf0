package schema

import (
	"strings"
	"testing"
)

// usagePlan is a plan whose dependencies observe their usage (line 1 is
// "name:", line 21 "dependencies:").
const usagePlan = `name: usage
owner: ml-platform
reviewed: 2026-01-15
scenarios:
  conservative: {monthly_growth: 0.01}
  moderate: {monthly_growth: 0.03}
  aggressive: {monthly_growth: 0.08}
pools:
  h100-use1:
    gpu: h100
    region: us-east-1
    lead_time_weeks: 12
    price_per_gpu_hour: {reserved: 2.1, on_demand: 4.5}
    reservations: [aws_ec2_capacity_reservation.h100]
workloads:
  chat:
    kind: inference
    pool: h100-use1
    requests_per_s: {p95: 10}
    requests_per_s_per_gpu: 5
dependencies:
  openai:
    kind: provider-api
    limits: {tokens_per_minute: 2000000}
    usage:
      tokens_per_minute: {prometheus: 'sum(rate(openai_tokens_total[1m])) * 60'}
      requests_per_minute: {prometheus: 'sum(rate(openai_requests_total[1m])) * 60'}
  store:
    kind: storage
    capacity_gb: 1000
    usage:
      used_gb: {prometheus: 'sum(store_used_bytes) / 1e9'}
      capacity_gb: {prometheus: 'sum(store_size_bytes) / 1e9'}
  pgvector:
    kind: vector-db
    limits: {queries_per_s: 800}
    usage: {queries_per_s: {csv: pgvector.csv, prometheus: 'sum(rate(pg_queries_total[1m]))'}}
`

// TestDependencyUsageErrors: a usage key must be one of the dependency's
// own limits (requests_per_minute is a provider-api limit, but openai does
// not set it), used_gb for storage (capacity_gb is the limit, not a usage),
// and each usage is an actuals source of one kind. The errors sit on the
// usage keys: requests_per_minute at line 27 column 7, capacity_gb at 33:7,
// pgvector's usage (a flow mapping) at its key, 37:13; the valid
// tokens_per_minute (26) and used_gb (32) give none.
func TestDependencyUsageErrors(t *testing.T) {
	_, err := LoadPlanBytes("capacity/usage.yaml", []byte(usagePlan))
	checkDiagPrefixes(t, "LoadPlanBytes", err, []string{
		`capacity/usage.yaml:27:7: error: dependencies.openai.usage.requests_per_minute: usage "requests_per_minute" is not a limit of this provider-api dependency`,
		`capacity/usage.yaml:33:7: error: dependencies.store.usage.capacity_gb: usage "capacity_gb" is not a limit of this storage dependency`,
		`capacity/usage.yaml:37:13: error: dependencies.pgvector.usage.queries_per_s: actuals take one of csv or prometheus, not both`,
	})
	// Without the three, the plan loads and keeps the valid queries.
	valid := strings.NewReplacer(
		"      requests_per_minute: {prometheus: 'sum(rate(openai_requests_total[1m])) * 60'}\n", "",
		"      capacity_gb: {prometheus: 'sum(store_size_bytes) / 1e9'}\n", "",
		"{csv: pgvector.csv, prometheus:", "{prometheus:",
	).Replace(usagePlan)
	p, err := LoadPlanBytes("capacity/usage.yaml", []byte(valid))
	if err != nil {
		t.Fatalf("the plan without the bad usage keys: %v", err)
	}
	for _, tc := range []struct{ dep, limit, query string }{
		{"openai", "tokens_per_minute", "sum(rate(openai_tokens_total[1m])) * 60"},
		{"store", "used_gb", "sum(store_used_bytes) / 1e9"},
		{"pgvector", "queries_per_s", "sum(rate(pg_queries_total[1m]))"},
	} {
		d := p.Dependencies[tc.dep]
		if d == nil || len(d.Usage) != 1 || d.Usage[tc.limit] == nil || d.Usage[tc.limit].Prometheus != tc.query {
			t.Errorf("dependencies.%s.usage = %+v, want only %s: %q", tc.dep, d, tc.limit, tc.query)
		}
	}
}
