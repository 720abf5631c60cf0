package evaluator

import (
	"github.com/capcheck/capcheck/evaluator/terraform"
	"github.com/capcheck/capcheck/schema"
)

// Version of the policy input document and of the JSON output.
const Version = "capcheck/v1"

// Document is the policy input: everything the capacity model computed,
// plus the inputs each figure came from and the source positions findings
// point at. It is what built-in and user Rego policies see as `input`, and
// the core of `capcheck check --format json`. Field names are a contract:
// never rename one without bumping Version.
//
// Months are "YYYY-MM" strings; dates "YYYY-MM-DD". Fractions are 0..1.
type Document struct {
	Version string `json:"version"`
	// Now is the evaluation date (injected clock), "YYYY-MM-DD".
	Now string `json:"now"`
	// Month is the first month of every timeline, "YYYY-MM".
	Month string `json:"month"`

	Plans     []PlanDoc     `json:"plans"`
	Pools     []PoolDoc     `json:"pools"`
	Workloads []WorkloadDoc `json:"workloads"`

	// Reservations is the whole inventory, each with the pool that claims
	// it ("" when none does: CAP003).
	Reservations []terraform.Reservation `json:"reservations"`
	Unresolved   []terraform.Unresolved  `json:"unresolved"`

	Benchmarks []BenchmarkDoc `json:"benchmarks"`

	// Base is the same document for the base tree in a PR diff, nil
	// otherwise. Policies compare Base and the head (CAP004, CAP014).
	Base *Document `json:"base,omitempty"`
}

// PlanDoc is a plan's identity, policy and hygiene.
type PlanDoc struct {
	Name             string             `json:"name"`
	File             string             `json:"file"`
	Line             int                `json:"line"`
	Owner            string             `json:"owner"`
	Reviewed         string             `json:"reviewed"`
	ReviewedAgeDays  int                `json:"reviewed_age_days"`
	HorizonMonths    int                `json:"horizon_months"`
	Policy           schema.Policy      `json:"policy"`
	PlanFor          string             `json:"plan_for"`
	ContingencyFor   string             `json:"contingency_for"`
	Contingency      string             `json:"contingency"`
	GrowthRates      map[string]float64 `json:"growth_rates"` // scenario -> monthly growth
	BudgetMonthly    float64            `json:"budget_monthly"`
	ProjectedMonthly float64            `json:"projected_monthly_cost"` // max monthly cost over the horizon, all pools
	Exceptions       []ExceptionDoc     `json:"exceptions"`
	// Positions maps field paths of the plan to source positions, for
	// findings about a particular field ("policy.headroom_min").
	Positions map[string]Position `json:"positions"`
}

// Position is a source position in the input document.
type Position struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// ExceptionDoc is a plan exception with its status on Now.
type ExceptionDoc struct {
	Rule       string   `json:"rule"`
	Target     string   `json:"target"`
	Reason     string   `json:"reason"`
	Expires    string   `json:"expires"`
	ApprovedBy string   `json:"approved_by"`
	Expired    bool     `json:"expired"`
	DaysLeft   int      `json:"days_left"`
	Location   Position `json:"location"`
}

// PoolDoc is the capacity model's result for one pool under the plan_for
// scenario, with every scenario's timeline alongside.
type PoolDoc struct {
	Name     string   `json:"name"`
	Plan     string   `json:"plan"`
	GPU      string   `json:"gpu"`
	Region   string   `json:"region"`
	Location Position `json:"location"`

	LeadTimeWeeks float64 `json:"lead_time_weeks"`
	// CommitWindowEnd is the last month of now → now + lead time + 3 months.
	CommitWindowEnd string  `json:"commit_window_end"`
	HeadroomMin     float64 `json:"headroom_min"`

	// ReservedGPUs are guaranteed GPUs active in the first month.
	ReservedGPUs    float64 `json:"reserved_gpus"`
	ElasticGPUs     float64 `json:"elastic_gpus"` // node groups, not guaranteed
	OnDemandMaxGPUs float64 `json:"on_demand_max_gpus"`
	// RequiredGPUsPeak is the largest requirement over the horizon.
	RequiredGPUsPeak float64 `json:"required_gpus_peak"`
	// RequiredGPUsNow is the requirement in the first month.
	RequiredGPUsNow float64 `json:"required_gpus_now"`

	// MinHeadroom is the lowest headroom in the commit window and its month.
	// Headroom is 1 − required/capacity; with zero capacity and positive
	// demand it is -1 (and HeadroomUndefined is false); with zero capacity
	// and zero demand it is 1.
	MinHeadroom      float64 `json:"min_headroom"`
	MinHeadroomMonth string  `json:"min_headroom_month"`
	// GPUsShort is how many GPUs must be added in MinHeadroomMonth to reach
	// headroom_min: ceil(required/(1−headroom_min) − capacity), at least 0.
	GPUsShort float64 `json:"gpus_short"`

	// NPlus is the redundancy check.
	NPlus NPlusDoc `json:"n_plus"`

	// Cliff is the first month (any time in the horizon) with headroom
	// below headroom_min, "" when none; OrderBy = Cliff − lead time.
	Cliff          string `json:"cliff"`
	OrderBy        string `json:"order_by"`
	OrderByPassed  bool   `json:"order_by_passed"` // OrderBy ≤ Now's month
	CliffInHorizon bool   `json:"cliff_in_horizon"`

	// BackedGPUs: max over the commit window of
	// max(required/(1−headroom_min), required + largest domain).
	BackedGPUs float64 `json:"backed_gpus"`
	// UnbackedGPUs: reserved above BackedGPUs × (1 + unbacked_tolerance), else 0.
	UnbackedGPUs float64 `json:"unbacked_gpus"`

	// Binding is true for the pool whose cliff comes first across all plans.
	Binding bool `json:"binding"`

	Cost CostDoc `json:"cost"`
	// MonthlyCost is the cost in the first month (same as Cost.Monthly[0]).
	MonthlyCost   float64 `json:"monthly_cost"`
	BudgetMonthly float64 `json:"budget_monthly"`

	Timeline  []MonthDoc             `json:"timeline"`
	Scenarios map[string]ScenarioDoc `json:"scenarios"`
	// Contingency is the contingency_for scenario against capacity.
	Contingency ContingencyDoc `json:"contingency"`

	Reservations []string      `json:"reservations"` // claimed addresses
	Expiring     []ExpiringDoc `json:"expiring"`     // reservations ending inside the horizon while demand remains
	Workloads    []string      `json:"workloads"`
	Inputs       PoolInputs    `json:"inputs"`
}

// NPlusDoc is N+k across failure domains.
type NPlusDoc struct {
	K      int    `json:"k"`
	Domain string `json:"domain"` // "zone" | "replica"
	// Required is true when a workload on the pool has availability ≥ 0.999.
	Required bool `json:"required"`
	OK       bool `json:"ok"`
	// Month is the commit-window month judged (the one with the largest
	// requirement), with capacity after losing the k largest domains.
	Month             string      `json:"month"`
	Domains           []DomainDoc `json:"domains"`
	CapacityAfterLoss float64     `json:"capacity_after_loss"`
	RequiredGPUs      float64     `json:"required_gpus"`
}

// DomainDoc is one failure domain's guaranteed GPUs.
type DomainDoc struct {
	Name string  `json:"name"`
	GPUs float64 `json:"gpus"`
}

// MonthDoc is one month of a timeline.
type MonthDoc struct {
	Month        string  `json:"month"`
	CapacityGPUs float64 `json:"capacity_gpus"`
	ElasticGPUs  float64 `json:"elastic_gpus"`
	RequiredGPUs float64 `json:"required_gpus"`
	Headroom     float64 `json:"headroom"`
	Cost         float64 `json:"cost"`
}

// ScenarioDoc summarises one scenario for a pool.
type ScenarioDoc struct {
	MonthlyGrowth    float64    `json:"monthly_growth"`
	RequiredGPUsPeak float64    `json:"required_gpus_peak"`
	MinHeadroom      float64    `json:"min_headroom"`
	Cliff            string     `json:"cliff"`
	Timeline         []MonthDoc `json:"timeline"`
}

// ContingencyDoc is the contingency scenario against guaranteed capacity.
type ContingencyDoc struct {
	Scenario        string  `json:"scenario"`
	ExceedsCapacity bool    `json:"exceeds_capacity"`
	FirstMonth      string  `json:"first_month"` // first month required > capacity
	RequiredGPUs    float64 `json:"required_gpus"`
	CapacityGPUs    float64 `json:"capacity_gpus"`
	Written         bool    `json:"written"` // the plan has a contingency text
}

// ExpiringDoc is a reservation that ends inside the horizon while the pool
// still needs capacity.
type ExpiringDoc struct {
	Address  string   `json:"address"`
	End      string   `json:"end"`
	Month    string   `json:"month"`
	GPUs     float64  `json:"gpus"`
	Location Position `json:"location"`
}

// CostDoc is the pool's cost model.
type CostDoc struct {
	// Monthly is reserved GPUs × reserved price × hours + on-demand overflow
	// × on-demand price × hours, per timeline month.
	Monthly []float64 `json:"monthly"`
	// At holds the monthly cost at 6, 12, 18 and 24 months ("6", "12", …),
	// where the horizon reaches.
	At map[string]float64 `json:"at"`
	// Total is the sum over the horizon.
	Total float64 `json:"total"`
	// PerMillionOutputTokens is first-month cost over the pool's LLM output
	// tokens that month (0 when the pool serves no LLM).
	PerMillionOutputTokens float64 `json:"per_million_output_tokens"`
	Currency               string  `json:"currency"`
}

// PoolInputs records what a pool's figures were computed from.
type PoolInputs struct {
	Scenario        string             `json:"scenario"`
	GrowthRates     map[string]float64 `json:"growth_rates"`
	Benchmarks      []string           `json:"benchmarks"`
	ForecastMethods map[string]string  `json:"forecast_methods"` // workload -> method, when fitted from actuals
	PriceReserved   float64            `json:"price_reserved"`
	PriceOnDemand   float64            `json:"price_on_demand"`
}

// WorkloadDoc is one workload's demand.
type WorkloadDoc struct {
	Name     string   `json:"name"`
	Plan     string   `json:"plan"`
	Pool     string   `json:"pool"`
	Kind     string   `json:"kind"`
	Location Position `json:"location"`

	// PeakBasis is "peak", "p95", or "avg" (avg only: CAP006).
	PeakBasis    string  `json:"peak_basis"`
	AvgOnly      bool    `json:"avg_only"`
	BaselinePeak float64 `json:"baseline_peak"`
	// Availability is the SLO; NeedsRedundancy when ≥ 0.999.
	Availability    float64 `json:"availability"`
	NeedsRedundancy bool    `json:"needs_redundancy"`
	AsOf            string  `json:"as_of"`
	BaselineAgeDays int     `json:"baseline_age_days"`

	GPUsNow  float64 `json:"gpus_now"`
	GPUsPeak float64 `json:"gpus_peak"`
	// OutputTokensPerSPeak is LLM output tokens/s at the baseline peak.
	OutputTokensPerSPeak float64 `json:"output_tokens_per_s_peak"`

	// Models is the per-model cost model for LLM workloads.
	Models []ModelCostDoc `json:"models,omitempty"`

	// Forecast is present when the baseline came from actuals.
	Forecast *ForecastDoc `json:"forecast,omitempty"`

	// Notes are evaluator observations policies may turn into findings:
	// codes "CAP-BENCH-SHAPE", "CAP-BENCH-MISSING".
	Notes []NoteDoc `json:"notes"`
}

// ModelCostDoc is the per-request cost model of one model in the mix:
// cost(isl, osl) = A·isl + B·osl + C replica-seconds.
type ModelCostDoc struct {
	Model          string   `json:"model"`
	Share          float64  `json:"share"`
	Method         string   `json:"method"` // "fit" | "single-point"
	A              float64  `json:"a"`
	B              float64  `json:"b"`
	C              float64  `json:"c"`
	GPUsPerReplica int      `json:"gpus_per_replica"`
	Benchmarks     []string `json:"benchmarks"`
	// EffectiveInputTokens = input × (1 − prompt_cache_hit_rate).
	EffectiveInputTokens     float64 `json:"effective_input_tokens"`
	ReplicaSecondsPerRequest float64 `json:"replica_seconds_per_request"`
}

// ForecastDoc is the fitted trend a workload's baseline came from.
type ForecastDoc struct {
	Method              string  `json:"method"`
	FittedMonthlyGrowth float64 `json:"fitted_monthly_growth"`
	PlanMonthlyGrowth   float64 `json:"plan_monthly_growth"`
	BaselinePeak        float64 `json:"baseline_peak"`
	MASE                float64 `json:"mase"`
	Source              string  `json:"source"`
}

// NoteDoc is an evaluator observation.
type NoteDoc struct {
	Code     string   `json:"code"`
	Msg      string   `json:"msg"`
	Location Position `json:"location"`
}

// BenchmarkDoc is a benchmark with its freshness and plausibility.
type BenchmarkDoc struct {
	ID               string   `json:"id"`
	Plan             string   `json:"plan"`
	Model            string   `json:"model"`
	GPU              string   `json:"gpu"`
	Location         Position `json:"location"`
	Measured         string   `json:"measured"`
	AgeDays          int      `json:"age_days"`
	Stale            bool     `json:"stale"`
	MeetsSLO         bool     `json:"meets_slo"`
	OutputTokensPerS float64  `json:"output_tokens_per_s"` // per replica
	// RooflineOutputTokensPerS is an upper bound from the GPU's HBM
	// bandwidth (decode is memory-bound), 0 when unknown; AboveRoofline
	// when the measurement beats it.
	RooflineOutputTokensPerS float64 `json:"roofline_output_tokens_per_s"`
	AboveRoofline            bool    `json:"above_roofline"`
	Used                     bool    `json:"used"`
}
