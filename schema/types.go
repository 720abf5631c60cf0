package schema

import (
	"time"

	"github.com/capcheck/capcheck/internal/diag"
)

// Workload kinds.
const (
	KindLLMInference = "llm-inference"
	KindInference    = "inference"
	KindTraining     = "training"
	KindBatch        = "batch"
	KindStream       = "stream"
	// KindLLMAPI is an LLM workload served by a provider's API (a
	// provider-api dependency), not by a pool.
	KindLLMAPI = "llm-api"
)

// Dependency kinds.
const (
	DependencyProviderAPI = "provider-api"
	DependencyVectorDB    = "vector-db"
	DependencyToolAPI     = "tool-api"
	DependencyStorage     = "storage"
	DependencyNetwork     = "network"
)

// Scenario names.
const (
	Conservative = "conservative"
	Moderate     = "moderate"
	Aggressive   = "aggressive"
)

// Date is a calendar date (UTC midnight). The zero Date means "not given".
type Date = time.Time

// Plan is one capacity plan after CUE validation, with every default from
// the schema filled in. Maps are keyed by name; Positions maps a field path
// to where it was written so findings can point at it.
type Plan struct {
	// File is the plan's path relative to the repository root.
	File string   `json:"file"`
	Pos  diag.Pos `json:"pos"`

	Name          string `json:"name"`
	Owner         string `json:"owner"`
	Reviewed      Date   `json:"reviewed"`
	HorizonMonths int    `json:"horizon_months"`

	Policy Policy `json:"policy"`

	Scenarios      map[string]Scenario `json:"scenarios"` // conservative, moderate, aggressive
	PlanFor        string              `json:"plan_for"`
	ContingencyFor string              `json:"contingency_for"`
	Contingency    string              `json:"contingency,omitempty"`

	Pools      map[string]*Pool      `json:"pools"`
	Workloads  map[string]*Workload  `json:"workloads"`
	Benchmarks map[string]*Benchmark `json:"benchmarks,omitempty"`

	// Dependencies are the non-GPU resources workloads load, by name.
	Dependencies map[string]*Dependency `json:"dependencies,omitempty"`
	// Models say what a model needs in memory, by model name.
	Models map[string]*Model `json:"models,omitempty"`

	Budget     *Budget     `json:"budget,omitempty"`
	Exceptions []Exception `json:"exceptions,omitempty"`

	// Positions maps a dotted field path ("pools.h100-use1.lead_time_weeks",
	// "workloads.chat.requests_per_s.p95", "exceptions[0].expires") to the
	// position of its value in File. Every field written in the source has an
	// entry; defaults filled in by the schema point at their parent.
	Positions map[string]diag.Pos `json:"-"`
}

// PosOf returns the position of path, falling back to the longest prefix
// that has one and finally to the plan itself.
func (p *Plan) PosOf(path string) diag.Pos {
	for path != "" {
		if pos, ok := p.Positions[path]; ok {
			return pos
		}
		cut := -1
		for i := len(path) - 1; i >= 0; i-- {
			if path[i] == '.' || path[i] == '[' {
				cut = i
				break
			}
		}
		if cut < 0 {
			break
		}
		path = path[:cut]
	}
	return p.Pos
}

// Policy holds the thresholds rules judge against (all fractions 0..1).
type Policy struct {
	HeadroomMin            float64    `json:"headroom_min"`             // 0.30
	Redundancy             Redundancy `json:"redundancy"`               // n_plus 1, domain zone
	WarnUtilization        float64    `json:"warn_utilization"`         // 0.70
	CriticalUtilization    float64    `json:"critical_utilization"`     // 0.85
	DriftTolerance         float64    `json:"drift_tolerance"`          // 0.15
	ReservedUtilizationMin float64    `json:"reserved_utilization_min"` // 0.50
	BudgetTolerance        float64    `json:"budget_tolerance"`         // 0.10
	BenchmarkMaxAgeDays    int        `json:"benchmark_max_age_days"`   // 180
	ReviewMaxAgeDays       int        `json:"review_max_age_days"`      // 92
	UnbackedTolerance      float64    `json:"unbacked_tolerance"`       // 0.10
}

// Redundancy is the N+k requirement.
type Redundancy struct {
	NPlus  int    `json:"n_plus"` // k
	Domain string `json:"domain"` // "zone" | "replica" | "region"
}

// Scenario is a compound monthly growth rate with optional step events.
type Scenario struct {
	MonthlyGrowth float64     `json:"monthly_growth"`
	Steps         []StepEvent `json:"steps,omitempty"`
}

// StepEvent multiplies demand from At onwards (a launch, a new customer).
// Workloads, when non-empty, limits it to the named workloads.
type StepEvent struct {
	Name       string   `json:"name"`
	At         Date     `json:"at"`
	Multiplier float64  `json:"multiplier"`
	Workloads  []string `json:"workloads,omitempty"`
}

// Pool is a set of interchangeable GPUs.
type Pool struct {
	Name          string   `json:"name"`
	Pos           diag.Pos `json:"pos"`
	GPU           string   `json:"gpu"`
	Region        string   `json:"region"`
	LeadTimeWeeks float64  `json:"lead_time_weeks"`
	Price         Price    `json:"price_per_gpu_hour"`
	// Reservations are Terraform addresses or globs
	// ("module.gpu.aws_ec2_capacity_reservation.*").
	Reservations    []string `json:"reservations"`
	OnDemandMaxGPUs float64  `json:"on_demand_max_gpus,omitempty"`
	// Zones are the zones capacity may be added in (`capcheck suggest`);
	// empty: the zones the pool's reservations already use.
	Zones []string `json:"zones,omitempty"`
	// Kubernetes are the NodePools and ClusterQueues the pool claims.
	Kubernetes []KubernetesClaim `json:"kubernetes,omitempty"`
	// Strategy is how the pool meets demand: StrategyReserved (default),
	// StrategyHybrid or StrategyOnDemand.
	Strategy string `json:"strategy"`
	// OnDemandHoursPerDay is how many hours a day on-demand overflow GPUs
	// are held (they are rented for the daily peak window, not per
	// request). Default 24: conservative.
	OnDemandHoursPerDay float64 `json:"on_demand_hours_per_day"`
	BudgetMonthly       float64 `json:"budget_monthly,omitempty"`
	// PriceEgressPerGB is the price of a GB leaving the pool's region for
	// another (price_per_gb_egress); nil when not given, so that a free
	// transfer (0) and an unknown price differ.
	PriceEgressPerGB *float64 `json:"price_per_gb_egress,omitempty"`
	// ScaleUpMinutes is how long autoscaling may take to place a pending
	// GPU pod (0: not given; the exported alert then uses 10).
	ScaleUpMinutes float64 `json:"scale_up_minutes,omitempty"`
	// Utilization holds optional audit queries for the pool.
	Utilization *UtilizationQueries `json:"utilization,omitempty"`
}

// Price is per GPU-hour.
type Price struct {
	Reserved float64 `json:"reserved"`
	OnDemand float64 `json:"on_demand"`
	// Spot is the spot price, 0 when not given.
	Spot float64 `json:"spot,omitempty"`
	// CapacityBlock is the AWS capacity block price, 0 when not given
	// (`capcheck suggest` then offers no block).
	CapacityBlock float64 `json:"capacity_block,omitempty"`
}

// Pool strategies.
const (
	// StrategyReserved: guaranteed capacity carries the peak with headroom.
	StrategyReserved = "reserved"
	// StrategyHybrid: guaranteed capacity carries the baseline (average
	// or p50) with headroom and N+k; guaranteed plus the elastic ceiling
	// carries the peak with headroom.
	StrategyHybrid = "hybrid"
	// StrategyOnDemand: the elastic ceiling carries the peak with headroom.
	StrategyOnDemand = "on-demand"
)

// UtilizationQueries are the audit sources of a pool's utilisation
// (fractions 0..1).
type UtilizationQueries struct {
	GPU         *Actuals `json:"gpu,omitempty"`
	Reservation *Actuals `json:"reservation,omitempty"`
	// Spend is the pool's observed spend in USD per month.
	Spend *Actuals `json:"spend,omitempty"`
	// PendingGPUPods is the number of the pool's GPU pods waiting to be
	// scheduled.
	PendingGPUPods *Actuals `json:"pending_gpu_pods,omitempty"`
	// QueueDepth is the depth of the queue in front of the pool.
	QueueDepth *Actuals `json:"queue_depth,omitempty"`
}

// Workload is demand on one pool. Which fields are set depends on Kind; the
// schema enforces the combination.
type Workload struct {
	Name string   `json:"name"`
	Pos  diag.Pos `json:"pos"`
	Kind string   `json:"kind"`
	Pool string   `json:"pool"`
	// Pools, for a workload served from several pools (regions), is each
	// pool's share of the traffic (summing to 1); Pool is then "".
	Pools map[string]float64 `json:"pools,omitempty"`
	// EgressMBPerRequest (llm-inference and inference) is the megabytes
	// each request served moves out of the serving pool's region to
	// another region, priced at the pool's PriceEgressPerGB.
	EgressMBPerRequest float64 `json:"egress_mb_per_request,omitempty"`

	// llm-inference and inference
	RequestsPerS *Rate   `json:"requests_per_s,omitempty"`
	SLO          *SLO    `json:"slo,omitempty"`
	AsOf         Date    `json:"as_of"`
	Source       string  `json:"source,omitempty"`
	Events       []Event `json:"events,omitempty"`
	// From and Until are the first and last day the workload is served
	// (inclusive); zero: from before the horizon, to after it.
	From  Date `json:"from"`
	Until Date `json:"until"`

	// llm-inference
	Tokens             *Tokens  `json:"tokens,omitempty"`
	PromptCacheHitRate float64  `json:"prompt_cache_hit_rate"`
	ModelMix           ModelMix `json:"model_mix,omitempty"` // model -> share, sums to 1; dated steps (roadmap.go)

	// inference (non-LLM)
	RequestsPerSPerGPU float64 `json:"requests_per_s_per_gpu,omitempty"`

	// llm-api: the provider-api dependency serving the workload.
	Provider string `json:"provider,omitempty"`
	// Calls are, for llm-inference, inference and llm-api workloads, the
	// calls per request of each dependency by name (for a network
	// dependency: megabytes transferred per request).
	Calls map[string]float64 `json:"calls,omitempty"`

	// training
	GPUHoursPerMonth float64          `json:"gpu_hours_per_month,omitempty"`
	Experimentation  *Experimentation `json:"experimentation,omitempty"`
	Runs             []Run            `json:"runs,omitempty"`
	Interruptible    bool             `json:"interruptible"`

	// batch
	VolumePerDay         float64 `json:"volume_per_day,omitempty"`
	ThroughputPerGPUHour float64 `json:"throughput_per_gpu_hour,omitempty"`
	BatchFactor          float64 `json:"batch_factor,omitempty"` // default 2

	// stream
	VolumePerS        float64 `json:"volume_per_s,omitempty"`
	ThroughputPerGPUS float64 `json:"throughput_per_gpu_s,omitempty"`
	StreamPeakFactor  float64 `json:"stream_peak_factor,omitempty"` // default 3

	// Actuals, when set, is the observed series the forecast is fitted from.
	Actuals *Actuals `json:"actuals,omitempty"`

	// Serves are the Kubernetes objects that serve the workload
	// ("Deployment/llm/vllm-70b", "ROOT:Kind/ns/name" to name the tree).
	Serves []string `json:"serves,omitempty"`
}

// KubernetesClaim is a pool's claim on Kubernetes capacity: one of
// NodePool (a Karpenter NodePool), ClusterQueue (a Kueue ClusterQueue,
// every flavor of it) or ComputeClass (a GKE ComputeClass), by name; Root
// names the manifest tree when several declare the object.
type KubernetesClaim struct {
	NodePool     string `json:"nodepool,omitempty"`
	ClusterQueue string `json:"clusterqueue,omitempty"`
	ComputeClass string `json:"computeclass,omitempty"`
	Root         string `json:"root,omitempty"`
}

// Rate is a demand rate. Avg alone is not enough for planning (CAP006):
// capacity follows P95 or Peak. Nil means not given.
type Rate struct {
	Avg *float64 `json:"avg,omitempty"`
	P95 *float64 `json:"p95,omitempty"`
	// P50 is the median rate: with Avg, the baseline a hybrid pool's
	// guaranteed capacity carries.
	P50  *float64 `json:"p50,omitempty"`
	Peak *float64 `json:"peak,omitempty"`
}

// Tokens per request.
type Tokens struct {
	Input  float64 `json:"input"`
	Output float64 `json:"output"`
}

// SLO of a serving workload. Zero values mean not given.
type SLO struct {
	Availability float64 `json:"availability,omitempty"`
	TTFTP95Ms    float64 `json:"ttft_p95_ms,omitempty"`
	ITLP95Ms     float64 `json:"itl_p95_ms,omitempty"`
	// MinReplicas is the replicas the latency SLO needs even at low
	// traffic (of each model of an llm-inference mix); 0: not given.
	MinReplicas int `json:"min_replicas,omitempty"`
}

// Event is a temporary demand multiplier between Start and End (inclusive).
type Event struct {
	Name       string  `json:"name"`
	Start      Date    `json:"start"`
	End        Date    `json:"end"`
	Multiplier float64 `json:"multiplier"`
}

// Experimentation is ad-hoc training demand.
type Experimentation struct {
	People         int     `json:"people"`
	GPUHoursPerDay float64 `json:"gpu_hours_per_day"` // per person
}

// Run is a one-off large training run.
type Run struct {
	Name  string  `json:"name"`
	GPUs  float64 `json:"gpus"`
	Start Date    `json:"start"`
	End   Date    `json:"end"`
}

// Actuals names an observed series: a CSV file (relative to the plan's
// directory) with an optional series column value, or a Prometheus query.
type Actuals struct {
	CSV        string `json:"csv,omitempty"`
	Series     string `json:"series,omitempty"`
	Prometheus string `json:"prometheus,omitempty"`
	Metric     string `json:"metric,omitempty"` // what the series measures, e.g. "requests_per_s"
}

// Benchmark is measured throughput of a model on a GPU at the SLO.
type Benchmark struct {
	ID               string   `json:"id"`
	Pos              diag.Pos `json:"pos"`
	Model            string   `json:"model"`
	GPU              string   `json:"gpu"`
	GPUsPerReplica   int      `json:"gpus_per_replica"`
	InputTokens      float64  `json:"input_tokens"`
	OutputTokens     float64  `json:"output_tokens"`
	Concurrency      int      `json:"concurrency,omitempty"`
	RequestsPerS     float64  `json:"requests_per_s,omitempty"`      // per replica
	OutputTokensPerS float64  `json:"output_tokens_per_s,omitempty"` // per replica
	MeetsSLO         bool     `json:"meets_slo"`
	Measured         Date     `json:"measured"`
	// ParamsB (billions of parameters) and BytesPerParam (default 2)
	// give a roofline bound on decode throughput; optional.
	ParamsB       float64 `json:"params_b,omitempty"`
	BytesPerParam float64 `json:"bytes_per_param,omitempty"`
	Tool          string  `json:"tool,omitempty"`
	EngineVersion string  `json:"engine_version,omitempty"`
	// Source is the load-test result the point was imported from, Note
	// how its meets_slo was judged (capcheck benchmarks import).
	Source string `json:"source,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Budget is a monthly budget for the whole plan.
type Budget struct {
	Monthly  float64 `json:"monthly"`
	Currency string  `json:"currency,omitempty"` // default USD
}

// Exception waives one rule for one target until Expires.
type Exception struct {
	Pos        diag.Pos `json:"pos"`
	Rule       string   `json:"rule"`
	Target     string   `json:"target"` // e.g. "pool/h100-use1", may be a glob
	Reason     string   `json:"reason"`
	Expires    Date     `json:"expires"`
	ApprovedBy string   `json:"approved_by"`
}

// Dependency is a resource other than a GPU pool that workloads load: a
// provider API, a vector database, a tool API, storage or network. Which
// fields are set depends on Kind; the schema enforces the combination.
type Dependency struct {
	Kind string `json:"kind"`
	// LeadTimeWeeks is how long raising the limit takes.
	LeadTimeWeeks float64 `json:"lead_time_weeks"`
	// DegradedMode is the written throttling plan for demand past the
	// limit ("" when none).
	DegradedMode string `json:"degraded_mode,omitempty"`
	// Usage is the observed usage per limit name, in the limit's unit.
	Usage map[string]*Actuals `json:"usage,omitempty"`
	// Limits are the ceilings of provider-api, vector-db, tool-api and
	// network dependencies.
	Limits *Limits `json:"limits,omitempty"`
	// CountsCachedTokens (provider-api, default true) is whether cached
	// input tokens count toward tokens_per_minute.
	CountsCachedTokens bool `json:"counts_cached_tokens"`
	// storage
	CapacityGB       float64 `json:"capacity_gb,omitempty"`
	UsedGB           float64 `json:"used_gb"`
	GrowthGBPerMonth float64 `json:"growth_gb_per_month"`
}

// Limits are a dependency's ceilings; zero means not given.
type Limits struct {
	TokensPerMinute   float64 `json:"tokens_per_minute,omitempty"`
	RequestsPerMinute float64 `json:"requests_per_minute,omitempty"`
	QueriesPerS       float64 `json:"queries_per_s,omitempty"`
	GbitPerS          float64 `json:"gbit_per_s,omitempty"`
}

// Model is what a model needs in memory.
type Model struct {
	ParamsB       float64 `json:"params_b"`
	BytesPerParam float64 `json:"bytes_per_param"`
	// The KV cache per token: KVBytesPerToken, else 2 × Layers × KVHeads
	// × HeadDim × KVBytesPerValue (zero: not given).
	KVBytesPerToken float64 `json:"kv_bytes_per_token,omitempty"`
	Layers          int     `json:"layers,omitempty"`
	KVHeads         int     `json:"kv_heads,omitempty"`
	HeadDim         int     `json:"head_dim,omitempty"`
	KVBytesPerValue float64 `json:"kv_bytes_per_value,omitempty"`
}
