package schema

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
)

func ptr(f float64) *float64 { return &f }

func day(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// wantFull is testdata/full.{yaml,json,cue} decoded by hand.
func wantFull() *Plan {
	return &Plan{
		Name:          "chat-platform",
		Owner:         "ml-platform@example.com",
		Reviewed:      day("2026-01-15"),
		HorizonMonths: 24,
		Policy: Policy{
			HeadroomMin:            0.30,
			Redundancy:             Redundancy{NPlus: 1, Domain: "zone"},
			WarnUtilization:        0.70,
			CriticalUtilization:    0.85,
			DriftTolerance:         0.15,
			ReservedUtilizationMin: 0.50,
			BudgetTolerance:        0.10,
			BenchmarkMaxAgeDays:    180,
			ReviewMaxAgeDays:       92,
			UnbackedTolerance:      0.10,
		},
		Scenarios: map[string]Scenario{
			Conservative: {MonthlyGrowth: 0.02},
			Moderate: {MonthlyGrowth: 0.05, Steps: []StepEvent{{
				Name: "enterprise-launch", At: day("2026-06-01"), Multiplier: 1.5, Workloads: []string{"chat"},
			}}},
			Aggressive: {MonthlyGrowth: 0.10},
		},
		PlanFor:        Moderate,
		ContingencyFor: Aggressive,
		Contingency:    "Serve cached answers for repeated prompts, fall back to the 8B model, and shed free-tier traffic first.",
		Pools: map[string]*Pool{
			"h100-use1": {
				Name: "h100-use1", GPU: "h100", Region: "us-east-1", LeadTimeWeeks: 16,
				Price: Price{Reserved: 2.10, OnDemand: 4.50}, Strategy: StrategyReserved, // default
				Reservations: []string{
					"aws_ec2_capacity_reservation.h100_use1a",
					"module.gpu.aws_ec2_capacity_reservation.*",
				},
				OnDemandMaxGPUs:     16,
				Zones:               []string{"us-east-1a", "us-east-1b"},
				Kubernetes:          []KubernetesClaim{{NodePool: "gpu-h100", Root: "k8s/clusters/prod"}, {ClusterQueue: "training"}, {ComputeClass: "h100-reserved"}},
				OnDemandHoursPerDay: 8,
				BudgetMonthly:       250000,
				PriceEgressPerGB:    ptr(0.02),
				Utilization: &UtilizationQueries{
					GPU:            &Actuals{Prometheus: `avg(DCGM_FI_DEV_GPU_UTIL{pool="h100-use1"}) / 100`, Metric: "gpu_utilization"},
					Reservation:    &Actuals{CSV: "actuals/h100-reservation.csv", Series: "h100-use1", Metric: "reserved_utilization"},
					Spend:          &Actuals{Prometheus: `sum(capcheck_pool_spend_usd_per_month{pool="h100-use1"})`},
					PendingGPUPods: &Actuals{Prometheus: `sum(kube_pod_status_phase{phase="Pending",pool="h100-use1"})`},
					QueueDepth:     &Actuals{Prometheus: `sum(vllm:num_requests_waiting{pool="h100-use1"})`},
				},
				ScaleUpMinutes: 15,
			},
			"a10g-usw2": {
				Name: "a10g-usw2", GPU: "a10g", Region: "us-west-2", LeadTimeWeeks: 4,
				Price:               Price{Reserved: 0.75, OnDemand: 1.21, Spot: 0.40, CapacityBlock: 0.95},
				Reservations:        []string{"aws_ec2_capacity_reservation.a10g"},
				Strategy:            StrategyHybrid,
				OnDemandHoursPerDay: 24, // default
			},
		},
		Workloads: map[string]*Workload{
			"chat": {
				Name: "chat", Kind: KindLLMInference, Pool: "h100-use1",
				RequestsPerS:       &Rate{Avg: ptr(40), P95: ptr(95), Peak: ptr(120)},
				Tokens:             &Tokens{Input: 1800, Output: 350},
				PromptCacheHitRate: 0.35,
				ModelMix:           ModelMix{Steps: []MixStep{{Mix: map[string]float64{"llama-3.1-70b": 0.8, "llama-3.1-8b": 0.2}, Path: "workloads.chat.model_mix"}}},
				Events:             []Event{{Name: "black-friday", Start: day("2026-11-27"), End: day("2026-11-30"), Multiplier: 2}},
				SLO:                &SLO{Availability: 0.999, TTFTP95Ms: 800, ITLP95Ms: 60},
				AsOf:               day("2026-01-10"),
				Source:             `grafana dashboard "chat / traffic", p95 of daily peaks`,
				Actuals:            &Actuals{CSV: "actuals/chat-rps.csv", Series: "chat", Metric: "requests_per_s"},
				Serves:             []string{"Deployment/llm/vllm-70b"},
			},
			"embeddings": {
				Name: "embeddings", Kind: KindInference, Pool: "a10g-usw2",
				RequestsPerS:       &Rate{P95: ptr(300), P50: ptr(120)},
				RequestsPerSPerGPU: 75,
				SLO:                &SLO{Availability: 0.99},
			},
			"finetune": {
				Name: "finetune", Kind: KindTraining, Pool: "h100-use1",
				GPUHoursPerMonth: 2880,
				Experimentation:  &Experimentation{People: 6, GPUHoursPerDay: 8},
				Runs:             []Run{{Name: "llama-70b-sft", GPUs: 32, Start: day("2026-03-01"), End: day("2026-03-14")}},
				Interruptible:    true,
			},
			"nightly-eval": {
				Name: "nightly-eval", Kind: KindBatch, Pool: "a10g-usw2",
				VolumePerDay: 2000000, ThroughputPerGPUHour: 50000, BatchFactor: 2,
			},
			"moderation": {
				Name: "moderation", Kind: KindStream, Pool: "a10g-usw2",
				VolumePerS: 800, ThroughputPerGPUS: 400, StreamPeakFactor: 3,
			},
			"summarize": {
				Name: "summarize", Kind: KindLLMAPI, Provider: "openai",
				RequestsPerS:       &Rate{Avg: ptr(10), P95: ptr(25), Peak: ptr(40)},
				Tokens:             &Tokens{Input: 3000, Output: 400},
				PromptCacheHitRate: 0.5,
				Calls:              map[string]float64{"pgvector": 2, "crm-tool": 0.5, "egress": 0.2},
			},
			"assistant": {
				Name: "assistant", Kind: KindLLMInference, Pools: map[string]float64{"h100-use1": 0.6, "a10g-usw2": 0.4},
				RequestsPerS: &Rate{P95: ptr(20)},
				Tokens:       &Tokens{Input: 2000, Output: 300},
				ModelMix: ModelMix{Steps: []MixStep{
					{From: day("2026-12-01"), Mix: map[string]float64{"llama-3.1-70b": 1}, Path: "workloads.assistant.model_mix[0].mix"},
					{From: day("2027-06-01"), Mix: map[string]float64{"llama-3.1-70b": 0.3, "llama-3.1-405b": 0.7}, Path: "workloads.assistant.model_mix[1].mix"},
				}},
				From:  day("2026-12-01"),
				Until: day("2028-06-30"),
				SLO:   &SLO{TTFTP95Ms: 1500, MinReplicas: 2},

				EgressMBPerRequest: 0.5,
			},
		},
		Benchmarks: map[string]*Benchmark{
			"llama70b-h100-short": {
				ID: "llama70b-h100-short", Model: "llama-3.1-70b", GPU: "h100", GPUsPerReplica: 4,
				InputTokens: 2000, OutputTokens: 256, Concurrency: 64, RequestsPerS: 6.2,
				MeetsSLO: true, Measured: day("2025-12-01"), ParamsB: 70, BytesPerParam: 2,
				Tool: "vllm benchmark_serving", EngineVersion: "vllm 0.6.3",
				Source: "results/sweep.jsonl:3", Note: "concurrency 64; highest throughput meeting the SLO",
			},
			"llama8b-h100": {
				ID: "llama8b-h100", Model: "llama-3.1-8b", GPU: "h100", GPUsPerReplica: 1,
				InputTokens: 2000, OutputTokens: 256, OutputTokensPerS: 9000,
				MeetsSLO: true, Measured: day("2025-12-01"), BytesPerParam: 2,
			},
		},
		Budget: &Budget{Monthly: 400000, Currency: "USD"},
		Exceptions: []Exception{{
			Rule: "CAP007", Target: "pool/a10g-usw2", Reason: "Reserved ahead of the Q2 embeddings migration.",
			Expires: day("2026-03-31"), ApprovedBy: "capacity-council",
		}},
		Dependencies: map[string]*Dependency{
			"openai": {
				Kind: DependencyProviderAPI, LeadTimeWeeks: 4, CountsCachedTokens: true,
				DegradedMode: "Queue summaries and serve them within the hour.",
				Limits:       &Limits{TokensPerMinute: 2000000, RequestsPerMinute: 5000},
				Usage:        map[string]*Actuals{"tokens_per_minute": {Prometheus: `sum(rate(openai_tokens_total[1m])) * 60`}},
			},
			"pgvector":    {Kind: DependencyVectorDB, Limits: &Limits{QueriesPerS: 800}},
			"crm-tool":    {Kind: DependencyToolAPI, Limits: &Limits{RequestsPerMinute: 3000}},
			"egress":      {Kind: DependencyNetwork, Limits: &Limits{GbitPerS: 10}},
			"model-store": {Kind: DependencyStorage, CapacityGB: 50000, UsedGB: 30000, GrowthGBPerMonth: 1500},
		},
		Models: map[string]*Model{
			"llama-3.1-405b": {ParamsB: 405, BytesPerParam: 1, Layers: 126, KVHeads: 8, HeadDim: 128, KVBytesPerValue: 1},
			"llama-3.1-70b":  {ParamsB: 70, BytesPerParam: 2, KVBytesPerToken: 327680, KVBytesPerValue: 2}, // defaults 2
		},
	}
}

// ignorePositions compares plans without File and positions, which differ
// between the three formats by construction.
var ignorePositions = cmp.Options{
	cmpopts.IgnoreFields(Plan{}, "File", "Positions"),
	cmpopts.IgnoreTypes(diag.Pos{}),
}

func TestLoadPlanFileFormats(t *testing.T) {
	for _, tc := range []struct {
		name    string
		file    string
		posPath string
		wantPos diag.Pos // value position: line, and column after the indent and key
	}{
		{name: "yaml", file: "testdata/full.yaml", posPath: "pools.h100-use1.lead_time_weeks", wantPos: diag.Pos{File: "testdata/full.yaml", Line: 45, Column: 22}},
		// 8 spaces + `"p95": ` = 15 characters before the value.
		{name: "json", file: "testdata/full.json", posPath: "workloads.chat.requests_per_s.p95", wantPos: diag.Pos{File: "testdata/full.json", Line: 92, Column: 16}},
		// 2 tabs + "lead_time_weeks: " = 19 characters before the value.
		{name: "cue", file: "testdata/full.cue", posPath: "pools.h100-use1.lead_time_weeks", wantPos: diag.Pos{File: "testdata/full.cue", Line: 52, Column: 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadPlanFile(".", tc.file)
			if err != nil {
				t.Fatalf("LoadPlanFile(%s): %v", tc.file, err)
			}
			if diff := cmp.Diff(wantFull(), got, ignorePositions); diff != "" {
				t.Errorf("LoadPlanFile(%s) mismatch (-want +got):\n%s", tc.file, diff)
			}
			if got.File != tc.file {
				t.Errorf("File = %q, want %q", got.File, tc.file)
			}
			if pos := got.PosOf(tc.posPath); pos != tc.wantPos {
				t.Errorf("PosOf(%q) = %v, want %v", tc.posPath, pos, tc.wantPos)
			}
			if want := (diag.Pos{File: tc.file, Line: 1, Column: 1}); got.Pos != want {
				t.Errorf("Pos = %v, want %v", got.Pos, want)
			}
		})
	}
}

// TestFullCoversTypes guards against drift between types.go, plan.cue and
// full.yaml: every field of every struct reachable from Plan must be set
// (non-zero) somewhere in full.yaml, which the schema must accept. A new Go
// field without schema support fails here.
func TestFullCoversTypes(t *testing.T) {
	p, err := LoadPlanFile(".", "testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	all := map[string]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(v.MapIndex(k))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			if v.Type() == timeType || v.Type() == reflect.TypeFor[diag.Pos]() {
				return
			}
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if f.Tag.Get("json") == "-" {
					continue
				}
				key := v.Type().Name() + "." + f.Name
				all[key] = true
				if !v.Field(i).IsZero() {
					set[key] = true
				}
				walk(v.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(p))
	for key := range all {
		if !set[key] {
			t.Errorf("%s is never set by testdata/full.yaml: add it to the schema and the fixture", key)
		}
	}
	if len(all) < 100 {
		t.Errorf("walked %d fields, want the whole Plan (more than 100)", len(all))
	}
}

func TestDefaults(t *testing.T) {
	// hostileYAML (its only workload is train) with a workload of each
	// other kind, a benchmark and a budget.
	src := yamlWith("workloads:\n", `workloads:
  llm:
    kind: llm-inference
    pool: p
    requests_per_s: {peak: 1}
    tokens: {input: 10, output: 5}
    model_mix: {m: 1}
`) + `  batch: {kind: batch, pool: p, volume_per_day: 1, throughput_per_gpu_hour: 1}
  stream: {kind: stream, pool: p, volume_per_s: 1, throughput_per_gpu_s: 1}
benchmarks:
  b: {model: m, gpu: h100, input_tokens: 1, output_tokens: 1, requests_per_s: 1, meets_slo: false, measured: 2026-01-01}
budget: {monthly: 10}
`
	p, err := LoadPlanBytes("capacity/minimal.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	wantPolicy := Policy{
		HeadroomMin: 0.30, Redundancy: Redundancy{NPlus: 1, Domain: "zone"},
		WarnUtilization: 0.70, CriticalUtilization: 0.85, DriftTolerance: 0.15,
		ReservedUtilizationMin: 0.50, BudgetTolerance: 0.10, BenchmarkMaxAgeDays: 180,
		ReviewMaxAgeDays: 92, UnbackedTolerance: 0.10,
	}
	if diff := cmp.Diff(wantPolicy, p.Policy); diff != "" {
		t.Errorf("default policy (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"horizon_months", p.HorizonMonths, 24},
		{"plan_for", p.PlanFor, Moderate},
		{"contingency_for", p.ContingencyFor, Aggressive},
		{"pool on_demand_hours_per_day", p.Pools["p"].OnDemandHoursPerDay, 24.0},
		{"prompt_cache_hit_rate", p.Workloads["llm"].PromptCacheHitRate, 0.0},
		{"interruptible", p.Workloads["train"].Interruptible, false},
		{"batch_factor", p.Workloads["batch"].BatchFactor, 2.0},
		{"stream_peak_factor", p.Workloads["stream"].StreamPeakFactor, 3.0},
		{"gpus_per_replica", p.Benchmarks["b"].GPUsPerReplica, 1},
		{"bytes_per_param", p.Benchmarks["b"].BytesPerParam, 2.0},
		{"budget currency", p.Budget.Currency, "USD"},
		{"avg not given", p.Workloads["llm"].RequestsPerS.Avg == nil, true},
		{"reservations empty, not nil", p.Pools["p"].Reservations != nil && len(p.Pools["p"].Reservations) == 0, true},
		// A default points at its parent: the pool p is on line 9, column 3.
		{"default position", p.PosOf("pools.p.on_demand_hours_per_day"), diag.Pos{File: "capacity/minimal.yaml", Line: 9, Column: 3}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestPositions(t *testing.T) {
	p, err := LoadPlanFile(".", "testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const f = "testdata/full.yaml"
	for _, tc := range []struct {
		path string
		want diag.Pos
	}{
		// Scalars: the value. Structs and lists: the key.
		{path: "name", want: diag.Pos{File: f, Line: 4, Column: 7}},
		{path: "policy", want: diag.Pos{File: f, Line: 9, Column: 1}},
		{path: "policy.redundancy.n_plus", want: diag.Pos{File: f, Line: 12, Column: 13}},
		{path: "pools.h100-use1.lead_time_weeks", want: diag.Pos{File: f, Line: 45, Column: 22}},
		{path: "pools.h100-use1.reservations[1]", want: diag.Pos{File: f, Line: 51, Column: 9}},
		{path: "pools.a10g-usw2.price_per_gpu_hour.on_demand", want: diag.Pos{File: f, Line: 71, Column: 53}},
		{path: "workloads.chat.requests_per_s.p95", want: diag.Pos{File: f, Line: 78, Column: 36}},
		{path: "workloads.chat.model_mix.llama-3.1-8b", want: diag.Pos{File: f, Line: 83, Column: 21}},
		{path: "workloads.chat.events[0].end", want: diag.Pos{File: f, Line: 87, Column: 14}},
		{path: "exceptions[0].expires", want: diag.Pos{File: f, Line: 179, Column: 14}},
		{path: "pools.h100-use1.kubernetes[0].nodepool", want: diag.Pos{File: f, Line: 57, Column: 20}},
		{path: "workloads.chat.serves[0]", want: diag.Pos{File: f, Line: 96, Column: 14}},
		// Not written: falls back to the nearest written parent.
		{path: "workloads.embeddings.prompt_cache_hit_rate", want: diag.Pos{File: f, Line: 97, Column: 3}},
		{path: "workloads.chat.requests_per_s.p99", want: diag.Pos{File: f, Line: 78, Column: 5}},
		{path: "nothing.at.all", want: diag.Pos{File: f, Line: 1, Column: 1}},
	} {
		if got := p.PosOf(tc.path); got != tc.want {
			t.Errorf("PosOf(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	for _, tc := range []struct {
		what      string
		got, want diag.Pos
	}{
		{"pool h100-use1", p.Pools["h100-use1"].Pos, diag.Pos{File: f, Line: 42, Column: 3}},
		{"workload chat", p.Workloads["chat"].Pos, diag.Pos{File: f, Line: 75, Column: 3}},
		{"benchmark llama8b-h100", p.Benchmarks["llama8b-h100"].Pos, diag.Pos{File: f, Line: 162, Column: 3}},
		{"exception 0", p.Exceptions[0].Pos, diag.Pos{File: f, Line: 176, Column: 5}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s.Pos = %v, want %v", tc.what, tc.got, tc.want)
		}
	}
}

// TestLoadPlansErrors runs the txtar cases in testdata/errors: each holds a
// repository's plan files and a "want" file listing the expected
// diagnostics in order, each line a prefix of the printed diagnostic
// ("file:line:col: error: path: start of message").
func TestLoadPlansErrors(t *testing.T) {
	cases, err := filepath.Glob("testdata/errors/*.txtar")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			var want []string
			for _, f := range ar.Files {
				if f.Name == "want" {
					for _, line := range strings.Split(strings.TrimSpace(string(f.Data)), "\n") {
						if line != "" {
							want = append(want, line)
						}
					}
					continue
				}
				writeFile(t, filepath.Join(root, filepath.FromSlash(f.Name)), string(f.Data))
			}
			_, err = LoadPlans(root, nil)
			checkDiagPrefixes(t, "LoadPlans", err, want)
		})
	}
}

// checkDiagPrefixes fails t unless the diagnostics of err, printed one a
// line, start with want, in order and no more (none when err is nil).
func checkDiagPrefixes(t *testing.T, what string, err error, want []string) {
	t.Helper()
	var got []string
	if err != nil {
		var ds diag.Diagnostics
		if !errors.As(err, &ds) {
			t.Fatalf("%s error is %T, want diag.Diagnostics: %v", what, err, err)
		}
		for _, d := range ds {
			got = append(got, d.String())
		}
	}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.HasPrefix(got[i], want[i])
	}
	if !ok {
		t.Errorf("%s diagnostics:\n%s\nwant (prefixes):\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadPlansValid(t *testing.T) {
	root := t.TempDir()
	for name, src := range map[string]string{
		"capacity/b/full.yaml": "testdata/full.yaml",
		"capacity/a.cue":       "testdata/full.cue",
	} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if name == "capacity/a.cue" {
			data = []byte(strings.Replace(string(data), `name:           "chat-platform"`, `name:           "chat-platform-2"`, 1))
		}
		writeFile(t, filepath.Join(root, filepath.FromSlash(name)), string(data))
	}
	plans, err := LoadPlans(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	var files, names []string
	for _, p := range plans {
		files = append(files, p.File)
		names = append(names, p.Name)
	}
	if want := []string{"capacity/a.cue", "capacity/b/full.yaml"}; !reflect.DeepEqual(files, want) {
		t.Errorf("files = %v, want %v", files, want)
	}
	if want := []string{"chat-platform-2", "chat-platform"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
	// Positions are relative to root: line 45 of full.yaml is lead_time_weeks.
	if got, want := plans[1].PosOf("pools.h100-use1.lead_time_weeks"), (diag.Pos{File: "capacity/b/full.yaml", Line: 45, Column: 22}); got != want {
		t.Errorf("PosOf = %v, want %v", got, want)
	}
}

func TestLoadPlanFileOutsideRoot(t *testing.T) {
	outside := t.TempDir()
	root := t.TempDir()
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "plan.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "capacity"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "plan.yaml"), filepath.Join(root, "capacity", "plan.yaml")); err != nil {
		testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
	}
	for _, rel := range []string{"capacity/plan.yaml", "../plan.yaml"} {
		_, err := LoadPlanFile(root, rel)
		if err == nil || !strings.Contains(err.Error(), "repository") {
			t.Errorf("LoadPlanFile(%q) error = %v, want a refusal naming the repository", rel, err)
		}
	}
	// Through LoadPlans the link is found by the glob, then refused.
	_, err = LoadPlans(root, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "capacity/plan.yaml: error: read plan: capacity/plan.yaml resolves outside the repository") {
		t.Errorf("LoadPlans error = %v", err)
	}
}

func TestLoadPlanBytesUnknownFormat(t *testing.T) {
	_, err := LoadPlanBytes("capacity/plan.toml", []byte("name = 1"))
	if err == nil || !strings.Contains(err.Error(), `unknown plan format ".toml"`) {
		t.Errorf("error = %v, want unknown plan format", err)
	}
}
