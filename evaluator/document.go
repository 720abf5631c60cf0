package evaluator

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/diag"
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
	Reservations []inventory.Entry      `json:"reservations"`
	Unresolved   []inventory.Unresolved `json:"unresolved"`

	Benchmarks []BenchmarkDoc `json:"benchmarks"`

	// Dependencies are the non-GPU resources of every plan judged against
	// their limits (dependencies.go), sorted by plan then name.
	Dependencies []DependencyDoc `json:"dependencies"`
	// BindingConstraint names the resource, pool or dependency, that runs
	// out first; nil when there is neither.
	BindingConstraint *BindingConstraintDoc `json:"binding_constraint,omitempty"`
	// RegionFailover is, under policy.redundancy.domain region, each
	// workload served from several regions after losing its largest
	// (regions.go; CAP026).
	RegionFailover []RegionFailoverDoc `json:"region_failover,omitempty"`

	// Audit is the plan compared with observed actuals (`capcheck audit`:
	// CAP020–CAP022), nil otherwise. See [Audit].
	Audit *AuditDoc `json:"audit,omitempty"`

	// Base is the same document for the base tree in a PR diff, nil
	// otherwise. Policies compare Base and the head (CAP004, CAP014).
	Base *Document `json:"base,omitempty"`

	// ConfigChanges are, in a PR diff against a base checkout, the
	// differences between the head's configuration (capcheck.yaml and the
	// trusted files it names) and the base's, which the head was loaded
	// and judged with; CAP014 reports each. See [ConfigChange].
	ConfigChanges []ConfigChange `json:"config_changes,omitempty"`
}

// PlanDoc is a plan's identity, policy and hygiene.
type PlanDoc struct {
	Name string `json:"name"`
	// Range is where the plan starts (its JSON: file, line, column).
	diag.Range
	Owner            string             `json:"owner"`
	Reviewed         string             `json:"reviewed"`          // "" when not given
	ReviewedAgeDays  int                `json:"reviewed_age_days"` // 0 when reviewed is ""
	HorizonMonths    int                `json:"horizon_months"`
	Policy           schema.Policy      `json:"policy"`
	PlanFor          string             `json:"plan_for"`
	ContingencyFor   string             `json:"contingency_for"`
	Contingency      string             `json:"contingency"`
	GrowthRates      map[string]float64 `json:"growth_rates"` // scenario -> monthly growth
	BudgetMonthly    float64            `json:"budget_monthly"`
	ProjectedMonthly float64            `json:"projected_monthly_cost"` // max monthly cost over the horizon, all pools
	// Currency of the budget and costs (budget.currency, default "USD").
	Currency   string         `json:"currency"`
	Exceptions []ExceptionDoc `json:"exceptions"`
	// Proposed is, in a PR diff, what the head asks for when it differs
	// from the trusted settings (the base's) the plan was judged with;
	// CAP014 reports weakenings. Nil otherwise.
	Proposed *ProposedDoc `json:"proposed,omitempty"`
	// Positions maps field paths of the plan to source positions, for
	// findings about a particular field ("policy.headroom_min").
	Positions map[string]diag.Range `json:"positions"`
}

// ProposedDoc is a head plan's own trusted settings.
type ProposedDoc struct {
	Policy         schema.Policy  `json:"policy"`
	PlanFor        string         `json:"plan_for"`
	ContingencyFor string         `json:"contingency_for"`
	Exceptions     []ExceptionDoc `json:"exceptions"`
}

// ExceptionDoc is a plan exception with its status on Now.
type ExceptionDoc struct {
	Rule       string     `json:"rule"`
	Target     string     `json:"target"`
	Reason     string     `json:"reason"`
	Expires    string     `json:"expires"`
	ApprovedBy string     `json:"approved_by"`
	Expired    bool       `json:"expired"`   // expires before Now (or not given)
	DaysLeft   int        `json:"days_left"` // expires − Now in days, negative when expired
	Location   diag.Range `json:"location"`
}

// PoolDoc is the capacity model's result for one pool under the plan_for
// scenario, with every scenario's timeline alongside.
type PoolDoc struct {
	Name     string     `json:"name"`
	Plan     string     `json:"plan"`
	GPU      string     `json:"gpu"`
	Region   string     `json:"region"`
	Location diag.Range `json:"location"`

	// Strategy is how the pool meets demand: "reserved" (guaranteed
	// capacity carries the peak), "hybrid" (guaranteed carries the
	// baseline, guaranteed + elastic ceiling the peak) or "on-demand" (see
	// Strategy). MinHeadroom, Cliff, OrderBy and GPUsShort judge, each
	// month, the constraint of the strategy with the lowest headroom
	// (MonthDoc.Basis); NPlus runs on the baseline under hybrid and on
	// guaranteed + ceiling under on-demand.
	Strategy Strategy `json:"strategy"`
	// ElasticCeilingGPUs is the elastic ceiling in the first month: the
	// claimed elastic GPUs capped by on_demand_max_gpus (either alone when
	// only one is given); ElasticCeilingKnown is false when the pool gives
	// neither (the ceiling is then 0 and on-demand overflow is not capped
	// in the cost).
	ElasticCeilingGPUs  float64 `json:"elastic_ceiling_gpus"`
	ElasticCeilingKnown bool    `json:"elastic_ceiling_known"`

	LeadTimeWeeks float64 `json:"lead_time_weeks"`
	// LeadTimeMonths is L = ceil(lead_time_weeks × 7 / 30.436875).
	LeadTimeMonths int `json:"lead_time_months"`
	// CommitWindowEnd is the last month of now → now + lead time + 3 months:
	// the window is months 0 … L+3, clipped to the horizon.
	CommitWindowEnd string  `json:"commit_window_end"`
	HeadroomMin     float64 `json:"headroom_min"`

	// ReservedGPUs are guaranteed GPUs active for the rest of the first
	// month (from Now).
	ReservedGPUs float64 `json:"reserved_gpus"`
	ElasticGPUs  float64 `json:"elastic_gpus"` // node groups, not guaranteed
	// SpotGPUs are the spot GPUs the pool claims in the first month: only
	// interruptible work runs on them (MonthDoc.OnSpotGPUs).
	SpotGPUs        float64 `json:"spot_gpus"`
	OnDemandMaxGPUs float64 `json:"on_demand_max_gpus"`
	// RequiredGPUsPeak is the largest requirement over the horizon.
	RequiredGPUsPeak float64 `json:"required_gpus_peak"`
	// RequiredGPUsNow is the requirement in the first month.
	RequiredGPUsNow float64 `json:"required_gpus_now"`

	// MinHeadroom is the lowest headroom in the commit window and its month
	// (the first such month on ties). Headroom is 1 − required/capacity;
	// with zero capacity and positive demand it is -1; with zero capacity
	// and zero demand it is 1.
	MinHeadroom      float64 `json:"min_headroom"`
	MinHeadroomMonth string  `json:"min_headroom_month"`
	// MinHeadroomHorizon is the lowest headroom over the whole horizon.
	MinHeadroomHorizon float64 `json:"min_headroom_horizon"`
	// GPUsShort is how many GPUs must be added in MinHeadroomMonth to reach
	// headroom_min: ceil(required/(1−headroom_min) − capacity), at least 0.
	GPUsShort float64 `json:"gpus_short"`

	// NPlus is the redundancy check.
	NPlus NPlusDoc `json:"n_plus"`

	// Cliff is the first month (any time in the horizon) with headroom
	// below headroom_min (by more than 1e-9), "" when none. OrderByDate
	// is the last day to order so that GPUs arrive by the cliff month's
	// first day: that day − ceil(lead_time_weeks × 7) days; OrderBy is its
	// month. OrderByPassed when OrderByDate is today or earlier (CAP005).
	Cliff          string `json:"cliff"`
	OrderBy        string `json:"order_by"`
	OrderByDate    string `json:"order_by_date"`
	OrderByPassed  bool   `json:"order_by_passed"`
	CliffInHorizon bool   `json:"cliff_in_horizon"`

	// BackedGPUs: max over the months reservations are held (month 0 to
	// the last month with guaranteed capacity, at least the commit
	// window: a reservation is backed over its whole term) of
	// required/(1−headroom_min) + Σ k largest domains (headroom and
	// redundancy are both owed), k = n_plus (1 when n_plus is 0: DESIGN's
	// "largest domain"); the domain term counts only the demand owed
	// redundancy (workloads whose SLO needs it), each domain at most that
	// demand (an oversized zone cannot justify itself). Under hybrid,
	// required is the baseline. Domains are those of NPlus (zone-less GPUs
	// in the largest zone).
	BackedGPUs float64 `json:"backed_gpus"`
	// UnbackedGPUs = C − BackedGPUs where C is the largest guaranteed
	// capacity in the commit window, when C > BackedGPUs × (1 +
	// unbacked_tolerance); else 0.
	UnbackedGPUs float64 `json:"unbacked_gpus"`
	// PeakReservedGPUs is C above: the most guaranteed GPUs active in any
	// commit-window month (ReservedGPUs is month 0's).
	PeakReservedGPUs float64 `json:"peak_reserved_gpus"`

	// Binding is true for exactly one pool across all plans: the one whose
	// cliff comes first (ties: lowest min_headroom), or, with no cliff
	// anywhere, the one with the lowest min_headroom_horizon.
	Binding bool `json:"binding"`

	Cost CostDoc `json:"cost"`
	// Strategies prices the strategies planners compare (as-planned,
	// all-reserved, hybrid, all-on-demand and, with interruptible work and
	// a spot price, spot-for-interruptible) and marks the cheapest that
	// meets the policy.
	Strategies []StrategyDoc `json:"strategies"`
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

	// Kubernetes holds the figures of the Kubernetes objects the pool
	// claims or its workloads serve (kubernetes.go), nil without any.
	Kubernetes *KubernetesPoolDoc `json:"kubernetes,omitempty"`

	// Notes are evaluator observations about the pool (CAP018 reports
	// each): code "CAP-LINK-NONE" for a reservations or kubernetes entry
	// that matches nothing, "CAP-ZONE-REGION" for a claimed reservation in
	// another region, "CAP-BASELINE-PEAK" for hybrid workloads whose peak
	// is taken as the baseline, "CAP-ONDEMAND-RISK" for on-demand GPUs a
	// non-reserved strategy counts on, "CAP-SPOT-PRICE" for spot capacity
	// costed at the on-demand price, "CAP-EGRESS-PRICE" for egress with no
	// price_per_gb_egress, "CAP-BLOCK-PRICE" for capacity blocks costed at
	// the reserved price, "CAP-BLOCK-DURATION" for a capacity block of a
	// duration AWS does not sell, and "CAP-K8S-OVERLAYS" for a claimed NodePool or
	// ComputeClass selected by workloads of several overlays.
	Notes []NoteDoc `json:"notes"`
}

// NPlusDoc is N+k across failure domains.
type NPlusDoc struct {
	K      int           `json:"k"`
	Domain FailureDomain `json:"domain"` // "zone" | "replica"
	// Required is true when a workload on the pool has availability ≥ 0.999.
	Required bool `json:"required"`
	OK       bool `json:"ok"`
	// OK when capacity − Σ k largest domains ≥ required in every
	// commit-window month, where required is the GPUs of the workloads
	// whose availability SLO needs redundancy (all demand, for
	// information, when none does). Month is the worst commit-window month (the
	// smallest capacity_after_loss − required, first on ties), with its
	// domains (GPUs descending, then name), the GPUs lost with the k
	// largest, the capacity left and the requirement.
	Month             string      `json:"month"`
	Domains           []DomainDoc `json:"domains"`
	CapacityAfterLoss float64     `json:"capacity_after_loss"`
	RequiredGPUs      float64     `json:"required_gpus"`
	LostGPUs          float64     `json:"lost_gpus"`
}

// DomainDoc is one failure domain's guaranteed GPUs: a zone or a
// reservation instance ("address#i"). Reservations without a zone (AWS
// capacity blocks) may sit in any zone, so they fail closed: their GPUs
// are added to the largest known zone, named "<zone>+unknown", or form one
// domain "unknown" when no zone is known.
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
	// InterruptibleGPUs is demand of interruptible workloads: not part of
	// required_gpus, rented on demand.
	InterruptibleGPUs float64 `json:"interruptible_gpus"`
	// OnDemandGPUs = max(0, required − capacity) + interruptible not on
	// spot, capped by the elastic ceiling when the pool states one: what
	// the cost model rents on demand. UnservedGPUs is the demand beyond
	// that cap.
	OnDemandGPUs float64 `json:"on_demand_gpus"`
	UnservedGPUs float64 `json:"unserved_gpus"`
	// SpotGPUs is the spot capacity the pool claims in the month (never
	// counted for serving); OnSpotGPUs = min(interruptible, SpotGPUs), the
	// interruptible work the cost model puts on it at the spot price.
	SpotGPUs   float64 `json:"spot_gpus"`
	OnSpotGPUs float64 `json:"on_spot_gpus"`
	// CeilingGPUs is the elastic ceiling of the month (see PoolDoc).
	CeilingGPUs float64 `json:"ceiling_gpus"`
	// BaselineGPUs is, under hybrid, the baseline guaranteed capacity
	// carries; 0 otherwise.
	BaselineGPUs float64 `json:"baseline_gpus"`
	// Basis is the constraint judged this month: "peak" (guaranteed vs
	// peak), "baseline" (guaranteed vs baseline) or "burst" (guaranteed +
	// ceiling vs peak); JudgedCapacityGPUs and JudgedRequiredGPUs are its
	// figures, and Headroom is 1 − judged required / judged capacity.
	Basis              string  `json:"basis"`
	JudgedCapacityGPUs float64 `json:"judged_capacity_gpus"`
	JudgedRequiredGPUs float64 `json:"judged_required_gpus"`
}

// StrategyDoc is one strategy's cost for a pool under the plan_for
// scenario. MonthlyCost and CumulativeCost are keyed by milestone "6",
// "12", "18", "24" (months from the current month, within the horizon):
// the run-rate of the milestone's last month and the sum of the months up
// to it. Strategies:
//
//   - as-planned: the pool's own cost (Cost.Monthly); meets the policy
//     when the pool passes headroom (CAP001), N+k where needed (CAP002)
//     and order-by (CAP005).
//   - all-reserved: each month reserves max(ceil(required/(1 − h)),
//     ceil(critical × z/(z − k))) GPUs (z equal domains: the pool's
//     zones, at least k + 1), overflow none, interruptible on demand;
//     meets the policy by construction.
//   - hybrid: the baseline sized the same way is reserved, the rest of
//     the peak rented on demand for the daily peak window; meets the
//     policy when reserved + the elastic ceiling ≥ peak/(1 − h) every
//     month.
//   - all-on-demand: (required + interruptible) rented around the clock;
//     meets the policy when the ceiling ≥ peak/(1 − h) every month.
//   - spot-for-interruptible: as-planned with interruptible work at the
//     spot price.
type StrategyDoc struct {
	Name           string             `json:"name"`
	MonthlyCost    map[string]float64 `json:"monthly_cost"`
	CumulativeCost map[string]float64 `json:"cumulative_cost"`
	// Total is the cost over the whole horizon; Cheapest marks the
	// strategy with the lowest Total that meets the policy.
	Total       float64 `json:"total"`
	MeetsPolicy bool    `json:"meets_policy"`
	Cheapest    bool    `json:"cheapest"`
	Note        string  `json:"note"`
}

// ScenarioDoc summarises one scenario for a pool.
type ScenarioDoc struct {
	MonthlyGrowth    float64    `json:"monthly_growth"`
	RequiredGPUsPeak float64    `json:"required_gpus_peak"`
	MinHeadroom      float64    `json:"min_headroom"`
	Cliff            string     `json:"cliff"`
	Timeline         []MonthDoc `json:"timeline"`
}

// ContingencyDoc is the contingency scenario against capacity, judged
// under the pool's strategy as plan_for is (guaranteed capacity for a
// reserved pool).
type ContingencyDoc struct {
	Scenario        string `json:"scenario"`
	ExceedsCapacity bool   `json:"exceeds_capacity"`
	FirstMonth      string `json:"first_month"` // first month required > capacity
	// RequiredGPUs and CapacityGPUs are taken at FirstMonth, or, when the
	// scenario fits, at the month closest to exceeding capacity.
	RequiredGPUs float64 `json:"required_gpus"`
	CapacityGPUs float64 `json:"capacity_gpus"`
	Written      bool    `json:"written"` // the plan has a contingency text
	// Basis is the constraint of that month under the pool's strategy
	// (MonthDoc.Basis): "peak" (guaranteed vs peak), "baseline" or "burst"
	// (guaranteed + elastic ceiling vs peak).
	Basis string `json:"basis"`
}

// ExpiringDoc is a reservation that ends inside the horizon while the pool
// still needs capacity. Month is the first month it no longer covers
// whole (its end month when it ends before the month's last day, else the
// next month); RequiredGPUs is the pool's requirement in that month (the
// last horizon month when Month lies beyond the horizon).
type ExpiringDoc struct {
	Address string `json:"address"`
	// End is the end as written, as a date; LastDay is the last whole day
	// it covers (an RFC 3339 end at 2027-03-01T00:00:00Z ends "2027-03-01"
	// with last day 2027-02-28; a date-only end is its own last day).
	End          string     `json:"end"`
	LastDay      string     `json:"last_day"`
	Month        string     `json:"month"`
	GPUs         float64    `json:"gpus"`
	RequiredGPUs float64    `json:"required_gpus"`
	Location     diag.Range `json:"location"`
}

// CostDoc is the pool's cost model under the plan_for scenario. With
// hours(m) = days(m) × 24:
//
//	reserved(m)  = (capacity(m) − block(m)) × price.reserved × hours(m)
//	               + block(m) × price.capacity_block × hours(m)
//	spot(m)      = on_spot(m) × hours(m) × price.spot
//	on-demand(m) = (max(0, required(m) − capacity(m)) × days(m) × on_demand_hours_per_day
//	               + (interruptible(m) − on_spot(m)) × hours(m)) × price.on_demand
//
// where on_spot(m) = min(interruptible(m), spot GPUs the pool claims in m)
// (MonthDoc.OnSpotGPUs; price.spot is the on-demand price when the pool
// gives none, with a CAP-SPOT-PRICE note) and block(m) the GPUs of the
// capacity blocks counted in m (price.capacity_block is the reserved
// price when the pool gives none, with a CAP-BLOCK-PRICE note); a block
// overlapping m without covering it adds no capacity but its GPUs × its
// hours in m × price.capacity_block to reserved(m). On-demand overflow of the peak
// is rented for the daily peak window, 24 h by default; interruptible
// training runs around the clock.
type CostDoc struct {
	// Monthly is reserved(m) + spot(m) + on-demand(m) + egress(m) (see
	// EgressMonthly), per timeline month.
	Monthly []float64 `json:"monthly"`
	// At holds the monthly cost at month index 6, 12, 18 and 24 (keys "6",
	// "12", …; index 0 is the current month), where the horizon reaches.
	At map[string]float64 `json:"at"`
	// MonthlyAt and CumulativeAt are the milestones 6, 12, 18 and 24
	// months out (keys "6" …): the run-rate of the milestone's last month
	// (Monthly[n−1]) and the cost of months 0 … n−1, so the default
	// 24-month horizon has a 24-month figure.
	MonthlyAt    map[string]float64 `json:"monthly_at"`
	CumulativeAt map[string]float64 `json:"cumulative_at"`
	// Total is the sum over the horizon.
	Total float64 `json:"total"`
	// PerMillionOutputTokens = Monthly[0] / (OutputTokensFirstMonth / 1e6),
	// 0 when the pool serves no LLM.
	PerMillionOutputTokens float64 `json:"per_million_output_tokens"`
	// OutputTokensFirstMonth is Σ over the pool's LLM workloads of rate ×
	// output tokens × seconds in month 0, where rate is requests_per_s.avg
	// when given (grown from as_of; else the baseline peak, an upper bound
	// of the volume) times the month-0 growth and the mean over the
	// month's days of the event and step multipliers: a 4-day ×1.25 event
	// in a 30-day month adds 4 × 0.25 / 30 = 3.3% to the volume, not 25%.
	OutputTokensFirstMonth float64 `json:"output_tokens_first_month"`
	Currency               string  `json:"currency"`
	// AllOnDemandMonthly = (required(m) + interruptible(m)) × price.on_demand
	// × hours(m): everything rented on demand all month, the comparator.
	AllOnDemandMonthly []float64 `json:"all_on_demand_monthly"`
	// SavingsVsOnDemand = 1 − Monthly[0] / AllOnDemandMonthly[0] (0 when
	// the comparator is 0).
	SavingsVsOnDemand float64 `json:"savings_vs_on_demand"`
	// EgressGBMonthly is the GB the pool's workloads move out of its
	// region per timeline month (egress_mb_per_request; see poolCost),
	// absent when none states an egress size. EgressMonthly is its cost at
	// price_per_gb_egress, included in Monthly, AllOnDemandMonthly and
	// every strategy; absent when the pool gives no price (the pool then
	// carries a CAP-EGRESS-PRICE note and Monthly leaves the egress out).
	EgressGBMonthly []float64 `json:"egress_gb_monthly,omitempty"`
	EgressMonthly   []float64 `json:"egress_monthly,omitempty"`
}

// PoolInputs records what a pool's figures were computed from.
type PoolInputs struct {
	Scenario        string             `json:"scenario"`
	GrowthRates     map[string]float64 `json:"growth_rates"`
	Benchmarks      []string           `json:"benchmarks"`
	ForecastMethods map[string]string  `json:"forecast_methods"` // workload -> method, when fitted from actuals
	PriceReserved   float64            `json:"price_reserved"`
	PriceOnDemand   float64            `json:"price_on_demand"`
	// PriceSpot is price_per_gpu_hour.spot, 0 when not given.
	PriceSpot float64 `json:"price_spot"`
	// OnDemandHours is the pool's on_demand_hours_per_day used (default 24).
	OnDemandHours float64 `json:"on_demand_hours_per_day"`
}

// WorkloadDoc is one workload's demand.
type WorkloadDoc struct {
	Name     string       `json:"name"`
	Plan     string       `json:"plan"`
	Pool     string       `json:"pool"`
	Kind     WorkloadKind `json:"kind"`
	Location diag.Range   `json:"location"`

	// PeakBasis is "peak", "p95", or "avg" (avg only: CAP006); "forecast"
	// when the plan gives no rate and a fitted trend supplies the baseline;
	// "" for training, batch and stream.
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
	// GPUs is the workload's GPUs per timeline month (plan_for scenario).
	GPUs []float64 `json:"gpus"`
	// Interruptible workloads are not part of the pool's required GPUs:
	// they are costed on demand.
	Interruptible bool `json:"interruptible"`
	// Provider is an llm-api workload's provider-api dependency (its Pool
	// is ""); Calls its calls per request of each dependency.
	Provider string             `json:"provider,omitempty"`
	Calls    map[string]float64 `json:"calls,omitempty"`
	// MonthlyGrowth is the plan_for scenario's growth the figures use.
	MonthlyGrowth float64 `json:"monthly_growth"`
	// OutputTokensPerSPeak is LLM output tokens/s at the baseline peak.
	OutputTokensPerSPeak float64 `json:"output_tokens_per_s_peak"`

	// Models is the per-model cost model for LLM workloads.
	Models []ModelCostDoc `json:"models,omitempty"`
	// Inputs are every input behind GPUs, for every kind (see
	// WorkloadInputsDoc).
	Inputs *WorkloadInputsDoc `json:"inputs,omitempty"`
	// Roadmap is a dated model_mix, step by step (roadmap.go); From and
	// Until the first and last day served ("" when not given).
	Roadmap []RoadmapStepDoc `json:"roadmap,omitempty"`
	// TrafficShare is, for a workload served from several pools (pools:),
	// this pool's share of its traffic: the document holds one entry per
	// pool, each with its share of the demand (0: one pool).
	TrafficShare float64 `json:"traffic_share,omitempty"`
	From         string  `json:"from,omitempty"`
	Until        string  `json:"until,omitempty"`

	// CostPerTask is the cost per 1,000 requests (and per million output
	// tokens for LLM inference) of a rate-based workload served by a pool
	// (llm-inference, inference); nil for other kinds.
	CostPerTask *CostPerTaskDoc `json:"cost_per_task,omitempty"`

	// Forecast is present when the baseline came from actuals.
	Forecast *ForecastDoc `json:"forecast,omitempty"`

	// Kubernetes compares the objects the workload's serves names with
	// the plan's sizing (kubernetes.go); nil without serves.
	Kubernetes *KubernetesWorkloadDoc `json:"kubernetes,omitempty"`

	// Notes are evaluator observations policies may turn into findings:
	// codes "CAP-BENCH-SHAPE" (sized from one benchmark point),
	// "CAP-BENCH-FIXED" (a fit that cannot determine the fixed per-request cost),
	// "CAP-BENCH-MISSING" (scaled from another GPU), "CAP-BENCH-SLO" (no
	// point meets the SLO), "CAP-TREND-IGNORED".
	Notes []NoteDoc `json:"notes"`
}

// CostPerTaskDoc is a workload's cost per task over the horizon, so a
// rising cost per task shows before the bill does. The rule (costPerTask):
// the pool's cost in month m (CostDoc.Monthly[m]) is allocated to its
// workloads by their share of the GPUs the pool's workloads require in
// that month under plan_for (WorkloadDoc.GPUs[m] / Σ over the pool's
// workloads, interruptible ones included since the cost rents them),
// except its cross-region egress (CostDoc.EgressMonthly), which each
// workload carries for the GB it moves itself; the
// workload's requests in month m are its mean rate over the month ×
// seconds(m), the mean rate being requests_per_s.avg (grown from as_of)
// when given, else the baseline peak (an upper bound of the volume, so
// the cost per task is then a lower bound; Basis "peak"), times the
// month's growth and the mean event and step multipliers (as for
// CostDoc.OutputTokensFirstMonth).
//
//	per 1,000 requests(m)        = allocated(m) / (requests(m) / 1000)
//	per 1M output tokens(m)      = allocated(m) / (requests(m) × output tokens / 1e6)
//
// Now is month 0; At holds the milestones "6", "12", "18", "24" at month
// n−1, as CostDoc.MonthlyAt; Change is the last milestone within the
// horizon over Now, minus 1 (0 when Now is 0).
type CostPerTaskDoc struct {
	Basis                     string             `json:"basis"` // "avg" | "peak"
	Currency                  string             `json:"currency"`
	PerThousandRequestsNow    float64            `json:"per_thousand_requests_now"`
	PerThousandRequestsAt     map[string]float64 `json:"per_thousand_requests_at"`
	PerMillionOutputTokensNow float64            `json:"per_million_output_tokens_now,omitempty"`
	PerMillionOutputTokensAt  map[string]float64 `json:"per_million_output_tokens_at,omitempty"`
	Change                    float64            `json:"change"`
}

// ModelCostDoc is the per-request cost model of one model in the mix:
// cost(isl, osl) = A·isl + B·osl + C replica-seconds on the pool's GPU
// (already multiplied by BandwidthScale). A single-point model is recorded
// as A = C = 0, B = y / osl_bench.
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
	// BenchmarkGPU is the GPU the benchmarks ran on; BandwidthScale is
	// bandwidth(BenchmarkGPU) / bandwidth(pool GPU), 1 on the pool's GPU.
	BenchmarkGPU   string  `json:"benchmark_gpu"`
	BandwidthScale float64 `json:"bandwidth_scale"`
}

// RoadmapStepDoc is one step of a dated model_mix: the mix in force from
// From (its month Month) and the largest GPUs per replica of its models.
type RoadmapStepDoc struct {
	From           string             `json:"from"`
	Month          string             `json:"month"`
	Mix            map[string]float64 `json:"mix"`
	GPUsPerReplica int                `json:"gpus_per_replica"`
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
	Code     string     `json:"code"`
	Msg      string     `json:"msg"`
	Location diag.Range `json:"location"`
}

// BenchmarkDoc is a benchmark with its freshness and plausibility.
type BenchmarkDoc struct {
	ID               string     `json:"id"`
	Plan             string     `json:"plan"`
	Model            string     `json:"model"`
	GPU              string     `json:"gpu"`
	Location         diag.Range `json:"location"`
	Measured         string     `json:"measured"`
	AgeDays          int        `json:"age_days"`
	Stale            bool       `json:"stale"`
	MeetsSLO         bool       `json:"meets_slo"`
	OutputTokensPerS float64    `json:"output_tokens_per_s"` // per replica (given, else requests_per_s × output_tokens)
	// RooflineOutputTokensPerS is an upper bound from the GPU's HBM
	// bandwidth (decode is memory-bound), 0 when unknown; AboveRoofline
	// when the measurement beats it.
	RooflineOutputTokensPerS float64 `json:"roofline_output_tokens_per_s"`
	AboveRoofline            bool    `json:"above_roofline"`
	Used                     bool    `json:"used"`

	GPUsPerReplica int     `json:"gpus_per_replica"`
	Concurrency    int     `json:"concurrency"`
	InputTokens    float64 `json:"input_tokens"`
	OutputTokens   float64 `json:"output_tokens"`
	RequestsPerS   float64 `json:"requests_per_s"`
}

// finite reports whether every x is a finite number: the document must
// encode as JSON, which has no NaN or infinity.
func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// maxNonFinite bounds the diagnostics [Document.CheckFinite] returns.
const maxNonFinite = 20

// CheckFinite returns an error when a figure of d is NaN or ±Inf: JSON
// cannot carry one, and no output may print one. The inputs are bounded
// where they are read (internal/figure), so this is the guard behind them:
// a figure the model computed anyway is an error naming it, never a
// "NaN" in a report or a policy input that fails to encode.
//
// Each diagnostic names the figure by its path in the document, list
// elements by their name where they have one
// ("pools[h100-use1].cost.savings_vs_on_demand"), and is placed at what
// it came from: the position of the nearest pool, workload, benchmark,
// plan, reservation or note that holds it. Only the first figure under
// each such element is reported, and at most 20 in all.
func (d *Document) CheckFinite() error {
	w := finiteWalker{seen: map[string]bool{}}
	w.walk(reflect.ValueOf(d), "", "", diag.Pos{})
	return w.ds.Err()
}

type finiteWalker struct {
	ds   diag.Diagnostics
	seen map[string]bool // owners already reported
}

// walk visits v at path p; owner is the path of the element whose
// position pos is.
func (w *finiteWalker) walk(v reflect.Value, p, owner string, pos diag.Pos) {
	if len(w.ds) >= maxNonFinite {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem(), p, owner, pos)
		}
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); (math.IsNaN(f) || math.IsInf(f, 0)) && !w.seen[owner] {
			w.seen[owner] = true
			w.ds = append(w.ds, diag.Diagnostic{Range: pos.Range(), Severity: diag.Error, Path: p,
				Msg: fmt.Sprintf("computed figure is %v: the inputs it is derived from are too large or too small to compute with", f)})
		}
	case reflect.Struct:
		if at, ok := positionOf(v); ok {
			owner, pos = p, at
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			w.walk(v.Field(i), joinDocPath(p, name), owner, pos)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), p+"["+elemName(v.Index(i), i)+"]", owner, pos)
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			w.walk(v.MapIndex(k), joinDocPath(p, fmt.Sprint(k)), owner, pos)
		}
	}
}

func joinDocPath(p, name string) string {
	if p == "" {
		return name
	}
	return p + "." + name
}

// elemName is how a list element is named in a path: its Name, ID,
// Address or Month when it has one, else its index.
func elemName(v reflect.Value, i int) string {
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		for _, f := range []string{"Name", "ID", "Address", "Month"} {
			if fv := v.FieldByName(f); fv.IsValid() && fv.Kind() == reflect.String && fv.String() != "" {
				return fv.String()
			}
		}
	}
	return fmt.Sprint(i)
}

// positionOf is the source position of a document element: its Location
// or its embedded diag.Range (plans, reservations, unresolved entries),
// column included, or else its File and Line.
func positionOf(v reflect.Value) (diag.Pos, bool) {
	for _, name := range []string{"Location", "Range"} {
		if f := v.FieldByName(name); f.IsValid() && f.CanInterface() {
			if loc, ok := f.Interface().(diag.Range); ok && loc.File != "" {
				return loc.Pos, true
			}
		}
	}
	file, line := v.FieldByName("File"), v.FieldByName("Line")
	if file.IsValid() && file.Kind() == reflect.String && file.String() != "" && line.IsValid() && line.CanInt() {
		return diag.Pos{File: file.String(), Line: int(line.Int())}, true
	}
	return diag.Pos{}, false
}
