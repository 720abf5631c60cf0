package loadtest

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// slo is the objective every fixture is judged against: TTFT p95 ≤ 1000
// ms, ITL p95 ≤ 50 ms.
var slo = SLO{TTFTP95Ms: 1000, ITLP95Ms: 50}

// got is what a test asserts about a kept point.
type got struct {
	Pos         string
	Model       string
	Concurrency int
	Rate        float64
	RPS         float64
	In, Out     float64
	Meets       bool
	Unproven    bool
	Knee        bool
	NoneMeets   bool
	ITLKind     string
	Measured    string
}

func loadFiles(t *testing.T, files ...string) []Point {
	t.Helper()
	var all []Point
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		_, ps, err := Parse(f, data)
		if err != nil {
			t.Fatalf("Parse(%s): %v", f, err)
		}
		all = append(all, ps...)
	}
	return all
}

func summarize(ks []Kept) []got {
	var out []got
	for _, k := range ks {
		g := got{Pos: k.Pos.String(), Model: k.Model, Concurrency: k.Concurrency, Rate: k.RequestRate,
			RPS: k.RequestsPerS, In: k.InputTokens, Out: k.OutputTokens, Meets: k.MeetsSLO,
			Unproven: k.Unproven, Knee: k.Knee, NoneMeets: k.NoneMeets, ITLKind: k.ITLKind}
		if !k.Measured.IsZero() {
			g.Measured = k.Measured.Format(time.DateOnly)
		}
		out = append(out, g)
	}
	return out
}

func TestSelectFormats(t *testing.T) {
	approx := cmp.Comparer(func(a, b float64) bool {
		return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
	})
	tests := []struct {
		name        string
		files       []string
		tool        Tool
		want        []got
		wantDropped []string // positions of dropped points
	}{
		{
			// c8 (310/28.5 ms), c16 (520/36.2) and c32 (880/47.9) meet the
			// SLO at p95; c32 has the highest throughput, 6.25 req/s, with
			// 400400/400 = 1001 input and 80400/400 = 201 output tokens.
			// c48's TTFT p95 1450 > 1000 fails: the first point past the
			// knee. c64 had 3 failed requests: dropped, although its 7.94
			// req/s and p95s (950/49) would otherwise have won.
			name: "vllm append-result sweep", files: []string{"vllm_sweep.jsonl"}, tool: VLLM,
			want: []got{
				{Pos: "vllm_sweep.jsonl:3", Model: "meta-llama/Llama-3.1-70B-Instruct", Concurrency: 32, Rate: math.Inf(1), RPS: 6.25, In: 1001, Out: 201, Meets: true, ITLKind: ITLPerToken, Measured: "2026-10-02"},
				{Pos: "vllm_sweep.jsonl:4", Model: "meta-llama/Llama-3.1-70B-Instruct", Concurrency: 48, Rate: math.Inf(1), RPS: 7.02, In: 1000, Out: 200, Knee: true, ITLKind: ITLPerToken, Measured: "2026-10-02"},
			},
			wantDropped: []string{"vllm_sweep.jsonl:5"},
		},
		{
			// vLLM's default --metric-percentiles is 99 alone. TTFT p99
			// 900 ≤ 1000 proves p95 passes; ITL p99 65 > 50 proves nothing
			// about p95: kept, meets_slo false, unproven. 102400/200 = 512
			// input, 25600/200 = 128 output tokens.
			name: "vllm save-result p99 only", files: []string{"vllm_p99.json"}, tool: VLLM,
			want: []got{
				{Pos: "vllm_p99.json:1", Model: "Qwen/Qwen2.5-7B-Instruct", Concurrency: 64, Rate: math.Inf(1), RPS: 2.5, In: 512, Out: 128, Unproven: true, NoneMeets: true, ITLKind: ITLPerToken, Measured: "2026-10-03"},
			},
		},
		{
			// c4: TTFT p95 280, ITL p95 19.5 (a per-request average)
			// meet; c8's TTFT p95 1150 does not.
			name: "genai-perf two concurrencies", files: []string{"genai-perf/c4/profile_export_genai_perf.json", "genai-perf/c8/profile_export_genai_perf.json"}, tool: GenAI,
			want: []got{
				{Pos: "genai-perf/c4/profile_export_genai_perf.json:1", Model: "llama-3.1-8b", Concurrency: 4, RPS: 1.6, In: 512, Out: 128, Meets: true, ITLKind: ITLTPOT},
				{Pos: "genai-perf/c8/profile_export_genai_perf.json:1", Model: "llama-3.1-8b", Concurrency: 8, RPS: 2.9, In: 512, Out: 128, Knee: true, ITLKind: ITLTPOT},
			},
		},
		{
			// c16: TTFT p95 690, ITL p95 34.5 meet at 4.4 req/s; c32 had
			// 5 errored requests (error_request_count): dropped.
			name: "aiperf with an errored point", files: []string{"aiperf/c16/profile_export_aiperf.json", "aiperf/c32/profile_export_aiperf.json"}, tool: AIPerf,
			want: []got{
				{Pos: "aiperf/c16/profile_export_aiperf.json:1", Model: "llama-3.1-70b", Concurrency: 16, RPS: 4.4, In: 2000, Out: 250, Meets: true, ITLKind: ITLTPOT, Measured: "2026-10-05"},
			},
			wantDropped: []string{"aiperf/c32/profile_export_aiperf.json:1"},
		},
		{
			// synchronous (75/3.7 ms, 0.9 req/s) and 16 streams (240/6.2
			// ms, 9.6 req/s) meet; 64 streams had 2 errored requests:
			// dropped. No failing point is left for a knee.
			name: "guidellm sweep in one file", files: []string{"guidellm_benchmarks.json"}, tool: GuideLLM,
			want: []got{
				{Pos: "guidellm_benchmarks.json:17", Model: "llama-3.1-8b", Concurrency: 16, RPS: 9.6, In: 1024, Out: 299, Meets: true, ITLKind: ITLPerToken, Measured: "2026-10-05"},
			},
			wantDropped: []string{"guidellm_benchmarks.json:31"},
		},
		{
			// SGLang writes TTFT at p99 only. Rate 2: p99 620 ≤ 1000
			// proves p95, ITL p95 29 meets. Rate 4: TTFT p99 1310 > 1000
			// proves nothing (unproven), ITL p95 38 meets: the knee, kept
			// as meets_slo false. 307200/300 = 1024 and 76800/300 = 256.
			name: "sglang rate sweep, ttft p99 only", files: []string{"sglang_bench_serving.jsonl"}, tool: SGLang,
			want: []got{
				{Pos: "sglang_bench_serving.jsonl:1", Rate: 2, RPS: 1.997, In: 1024, Out: 256, Meets: true, ITLKind: ITLPerToken},
				{Pos: "sglang_bench_serving.jsonl:2", Rate: 4, RPS: 3.974, In: 1024, Out: 256, Unproven: true, Knee: true, ITLKind: ITLPerToken},
			},
		},
		{
			// Seconds: c4 TTFT p95 0.45 s = 450 ms, ITL p95 0.026 s = 26
			// ms (TTFT included) meet, at 40.8/60 = 0.68 req/s; c8's ITL
			// p95 55 ms > 50 fails.
			name: "llmperf summaries in seconds", files: []string{"llmperf/c4_summary.json", "llmperf/c8_summary.json"}, tool: LLMPerf,
			want: []got{
				{Pos: "llmperf/c4_summary.json:1", Model: "llama-3.1-8b", Concurrency: 4, RPS: 0.68, In: 1023.5, Out: 255, Meets: true, ITLKind: ITLWithTTFT},
				{Pos: "llmperf/c8_summary.json:1", Model: "llama-3.1-8b", Concurrency: 8, RPS: 1.36, In: 1024.2, Out: 256, Knee: true, ITLKind: ITLWithTTFT},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range tc.files {
				data, _ := os.ReadFile(filepath.Join("testdata", f))
				if tool, _, err := Parse(f, data); err != nil || tool != tc.tool {
					t.Errorf("Parse(%s) tool = %q, %v; want %q", f, tool, err, tc.tool)
				}
			}
			kept, dropped := Select(loadFiles(t, tc.files...), slo, true)
			if d := cmp.Diff(tc.want, summarize(kept), approx); d != "" {
				t.Errorf("Select kept (-want +got):\n%s", d)
			}
			var dp []string
			for _, d := range dropped {
				dp = append(dp, d.Pos.String())
			}
			if d := cmp.Diff(tc.wantDropped, dp); d != "" {
				t.Errorf("Select dropped (-want +got):\n%s", d)
			}
		})
	}
}

func TestSelectWithoutKnee(t *testing.T) {
	kept, _ := Select(loadFiles(t, "vllm_sweep.jsonl"), slo, false)
	if len(kept) != 1 || kept[0].Concurrency != 32 || !kept[0].MeetsSLO {
		t.Fatalf("Select(knee=false) = %+v, want only the c32 point meeting the SLO", summarize(kept))
	}
}

func TestJudge(t *testing.T) {
	tests := []struct {
		name           string
		pcts           map[float64]float64
		pass, proven   bool
		wantPercentile float64
	}{
		// p95 judged when present, even with p99 above the limit.
		{"p95 pass", map[float64]float64{95: 40, 99: 70}, true, true, 95},
		{"p95 fail", map[float64]float64{95: 51, 99: 49}, false, true, 95},
		// p99 ≤ 50 proves p95 ≤ 50.
		{"p99 pass proves p95", map[float64]float64{99: 50}, true, true, 99},
		// p99 60 > 50: p95 may be anywhere below 60.
		{"p99 fail unproven", map[float64]float64{99: 60}, false, false, 99},
		// the lowest percentile above 95 is judged: p99 (45) not p99.9.
		{"lowest above 95", map[float64]float64{99: 45, 99.9: 80}, true, true, 99},
		// p90 60 > 50 proves p95 > 50; p90 40 proves nothing.
		{"p90 fail proves", map[float64]float64{90: 60}, false, true, 90},
		{"p90 pass unproven", map[float64]float64{90: 40}, false, false, 90},
		// the median is never used.
		{"median only", map[float64]float64{50: 10}, false, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := judge(Latency{Metric: "itl_ms", Pcts: tc.pcts}, 50)
			if c.Pass != tc.pass || c.Proven != tc.proven || c.Percentile != tc.wantPercentile {
				t.Errorf("judge(%v, 50) = pass %v proven %v at p%v, want pass %v proven %v at p%v",
					tc.pcts, c.Pass, c.Proven, c.Percentile, tc.pass, tc.proven, tc.wantPercentile)
			}
		})
	}
}

func TestEntriesRender(t *testing.T) {
	kept, _ := Select(loadFiles(t, "vllm_sweep.jsonl"), slo, false)
	es, err := Entries(kept, Options{Model: "llama-3.1-70b", GPU: "H100-SXM", GPUsPerReplica: 4, EngineVersion: "vllm 0.11.0"})
	if err != nil {
		t.Fatal(err)
	}
	want := `benchmarks:
  "llama-3.1-70b-h100-sxm-1001-201-c32":
    model: "llama-3.1-70b"
    gpu: "H100-SXM"
    gpus_per_replica: 4
    input_tokens: 1001
    output_tokens: 201
    concurrency: 32
    requests_per_s: 6.25
    meets_slo: true
    measured: "2026-10-02"
    tool: "vllm bench serve"
    engine_version: "vllm 0.11.0"
    source: "vllm_sweep.jsonl:3"
    note: "concurrency 32; highest throughput meeting the SLO: ttft p95 880 ms <= 1000; itl per-token (itl_ms) p95 47.9 ms <= 50"
`
	if d := cmp.Diff(want, string(Render(es, YAML))); d != "" {
		t.Errorf("Render(YAML) (-want +got):\n%s", d)
	}
	cue := string(Render(es, CUE))
	if !strings.HasPrefix(cue, "benchmarks: {\n\t\"llama-3.1-70b-h100-sxm-1001-201-c32\": {\n\t\tmodel: \"llama-3.1-70b\"\n") || !strings.HasSuffix(cue, "\t}\n}\n") {
		t.Errorf("Render(CUE) =\n%s", cue)
	}
}

func TestEntriesMissing(t *testing.T) {
	kept, _ := Select(loadFiles(t, "vllm_sweep.jsonl"), slo, false)
	_, err := Entries(kept, Options{EngineVersion: "vllm 0.11.0"})
	want := "vllm_sweep.jsonl:3: error: the vllm bench serve result does not say how many GPUs one replica uses: pass --gpus-per-replica (e.g. --gpus-per-replica 4) or record it with --metadata\n" +
		"vllm_sweep.jsonl:3: error: the vllm bench serve result does not say which GPU it ran on: pass --gpu (e.g. --gpu H100-SXM) or record it with --metadata"
	if err == nil || err.Error() != want {
		t.Errorf("Entries without --gpu = %v\nwant %s", err, want)
	}
	// vllm_p99.json records gpu, gpus_per_replica and engine_version
	// with --metadata: no flag is needed.
	kept, _ = Select(loadFiles(t, "vllm_p99.json"), slo, false)
	es, err := Entries(kept, Options{})
	if err != nil || es[0].GPU != "L4" || es[0].GPUsPerReplica != 1 || es[0].EngineVersion != "vllm 0.11.0" || es[0].MeetsSLO {
		t.Errorf("Entries(metadata) = %+v, %v; want L4, 1 GPU, vllm 0.11.0, meets_slo false", es, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"syntax", "{\"request_throughput\": 1,\n  \"completed\": }", "r.json:2:16: error: invalid JSON"},
		{"unknown", "{\"hello\": 1}", "r.json:1:1: error: not a load-test result capcheck reads"},
		{"array", "[1]", "r.json:1:1: error: want a JSON object"},
		{"empty", "", "r.json: error: empty file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("r.json", []byte(tc.data))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Parse(%q) = %v, want prefix %q", tc.data, err, tc.want)
			}
		})
	}
}
