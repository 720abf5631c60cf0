package loadtest

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
)

// servingPct matches vLLM's and SGLang's percentile keys: p99_ttft_ms,
// p99.9_itl_ms (--metric-percentiles takes any percentile).
var servingPct = regexp.MustCompile(`^p([0-9]+(?:\.[0-9]+)?)_(ttft|itl|tpot)_ms$`)

// parseServing reads one vllm bench serve result (--save-result, or a
// line of --append-result) or one SGLang bench_serving line: flat keys
// request_throughput, output_throughput, total_input_tokens, completed,
// max_concurrency, request_rate and p{P}_{ttft,itl,tpot}_ms.
func parseServing(v value, obj map[string]any, tool Tool) (Point, error) {
	p := Point{Tool: tool, Pos: lineOnly(v.pos), Meta: metadata(obj)}
	p.Model = str(obj, "model_id")
	if p.Model == "" {
		p.Model = p.Meta["model"]
	}
	completed := numOr0(obj, "completed")
	p.Completed = intOf(completed)
	if p.Completed < 0 {
		return p, diag.Errorf(p.Pos, "completed %v is not a count of requests", completed)
	}
	if f, ok := num(obj, "failed"); ok {
		p.Failed = max(intOf(f), 0)
	} else if n, ok := num(obj, "num_prompts"); ok && intOf(n) > p.Completed {
		p.Failed = intOf(n) - p.Completed
	}
	if p.Completed > 0 {
		p.InputTokens = numOr0(obj, "total_input_tokens") / float64(p.Completed)
		p.OutputTokens = numOr0(obj, "total_output_tokens") / float64(p.Completed)
	}
	p.RequestsPerS = numOr0(obj, "request_throughput")
	p.OutputTokensPerS = numOr0(obj, "output_throughput")
	if c, ok := num(obj, "max_concurrency"); ok {
		p.Concurrency = max(intOf(c), 0)
	}
	switch r := obj["request_rate"].(type) {
	case float64:
		p.RequestRate = r
	case string:
		if strings.EqualFold(r, "inf") {
			p.RequestRate = math.Inf(1)
		}
	}
	p.TTFT = Latency{Metric: "ttft_ms", Pcts: map[float64]float64{}}
	itl := Latency{Metric: "itl_ms", Pcts: map[float64]float64{}}
	tpot := Latency{Metric: "tpot_ms", Pcts: map[float64]float64{}}
	for k, val := range obj {
		m := servingPct.FindStringSubmatch(k)
		f, ok := val.(float64)
		if m == nil || !ok {
			continue
		}
		q, _ := strconv.ParseFloat(m[1], 64)
		switch m[2] {
		case "ttft":
			p.TTFT.Pcts[q] = f
		case "itl":
			itl.Pcts[q] = f
		case "tpot":
			tpot.Pcts[q] = f
		}
	}
	// Per-token ITL when the file has it; TPOT (a per-request average)
	// only when --percentile-metrics left itl out.
	p.ITL, p.ITLKind = itl, ITLPerToken
	if len(itl.Pcts) == 0 && len(tpot.Pcts) > 0 {
		p.ITL, p.ITLKind = tpot, ITLTPOT
	}
	p.Measured = date(obj["date"])
	return p, nil
}

// parseProfileExport reads genai-perf's profile_export_genai_perf.json or
// AIPerf's profile_export_aiperf.json: one object per metric ({unit, avg,
// p1..p99}) and the run's input_config.
func parseProfileExport(v value, obj map[string]any, tool Tool) (Point, error) {
	p := Point{Tool: tool, Pos: lineOnly(v.pos), Meta: metadata(obj)}
	ic := obj["input_config"]
	for _, keys := range [][]string{{"model"}, {"model_names"}, {"endpoint", "model_names"}} {
		if p.Model = str(ic, keys...); p.Model != "" {
			break
		}
	}
	if p.Model == "" {
		p.Model = p.Meta["model"]
	}
	for _, keys := range [][]string{{"concurrency"}, {"perf_analyzer", "stimulus", "concurrency"}, {"loadgen", "concurrency"}} {
		if c, ok := num(ic, keys...); ok {
			p.Concurrency = max(intOf(c), 0)
			break
		}
	}
	for _, keys := range [][]string{{"request_rate"}, {"perf_analyzer", "stimulus", "request_rate"}, {"loadgen", "request_rate"}} {
		if r, ok := num(ic, keys...); ok {
			p.RequestRate = r
			break
		}
	}
	p.RequestsPerS = numOr0(obj, "request_throughput", "avg")
	p.OutputTokensPerS = numOr0(obj, "output_token_throughput", "avg")
	p.InputTokens = numOr0(obj, "input_sequence_length", "avg")
	p.OutputTokens = numOr0(obj, "output_sequence_length", "avg")
	p.Completed = max(intOf(numOr0(obj, "request_count", "avg")), 0)
	switch e := obj["error_request_count"].(type) {
	case float64:
		p.Failed = max(intOf(e), 0)
	case map[string]any:
		p.Failed = max(intOf(numOr0(e, "avg")), 0)
	}
	if list, ok := obj["error_summary"].([]any); ok && p.Failed == 0 {
		for _, e := range list {
			p.Failed += max(intOf(numOr0(e, "count")), 0)
		}
	}
	p.TTFT = statLatency(obj, "time_to_first_token")
	// genai-perf's and AIPerf's inter_token_latency is one average per
	// request: (latency − TTFT) / (output tokens − 1), vLLM's TPOT.
	p.ITL, p.ITLKind = statLatency(obj, "inter_token_latency"), ITLTPOT
	p.Measured = date(obj["start_time"])
	return p, nil
}

// statPct matches genai-perf's and AIPerf's percentile keys p1 … p99.
var statPct = regexp.MustCompile(`^p([0-9]+(?:\.[0-9]+)?)$`)

// statLatency reads the percentiles of the metric object name, in
// milliseconds whatever its unit.
func statLatency(obj map[string]any, name string) Latency {
	l := Latency{Metric: name, Pcts: map[float64]float64{}}
	m, _ := obj[name].(map[string]any)
	scale := 1.0
	switch unit, _ := m["unit"].(string); unit {
	case "ns":
		scale = 1e-6
	case "us":
		scale = 1e-3
	case "s", "sec":
		scale = 1e3
	}
	for k, val := range m {
		f, ok := val.(float64)
		sm := statPct.FindStringSubmatch(k)
		if !ok || sm == nil {
			continue
		}
		q, _ := strconv.ParseFloat(sm[1], 64)
		l.Pcts[q] = f * scale
	}
	return l
}

// parseGuideLLM reads a GuideLLM benchmarks.json: every sweep point is an
// element of benchmarks, with its strategy in config.strategy (args.strategy
// in older files), metrics by request status (successful, errored,
// incomplete, total) and request_totals.
func parseGuideLLM(v value, obj map[string]any) ([]Point, error) {
	list, ok := obj["benchmarks"].([]any)
	if !ok {
		return nil, diag.Errorf(v.pos, "benchmarks is not a list of GuideLLM benchmarks")
	}
	offs := elementOffsets(v.raw, "benchmarks")
	top := metadata(obj)
	var out []Point
	for i, b := range list {
		bo, ok := b.(map[string]any)
		if !ok {
			return nil, diag.Errorf(v.pos, "benchmarks[%d] is not an object", i)
		}
		p := Point{Tool: GuideLLM, Pos: lineOnly(v.pos), Meta: metadata(bo)}
		if i < len(offs) {
			p.Pos = lineOnly(v.at(offs[i]))
		}
		for k, val := range top {
			if _, ok := p.Meta[k]; !ok {
				p.Meta[k] = val
			}
		}
		for _, keys := range [][]string{{"config", "model"}, {"config", "backend", "model"}, {"worker", "backend_model"}} {
			if p.Model = str(bo, keys...); p.Model != "" {
				break
			}
		}
		if p.Model == "" {
			if p.Model = str(obj, "args", "model"); p.Model == "" {
				p.Model = p.Meta["model"]
			}
		}
		strategy := path(bo, "config", "strategy")
		if strategy == nil {
			strategy = path(bo, "args", "strategy")
		}
		switch kind, _ := path(strategy, "type_").(string); kind {
		case "synchronous":
			p.Concurrency = 1
		case "concurrent":
			p.Concurrency = max(intOf(numOr0(strategy, "streams")), 0)
		case "throughput":
			p.RequestRate = math.Inf(1)
			if c, ok := num(strategy, "max_concurrency"); ok {
				p.Concurrency = max(intOf(c), 0)
			}
		case "constant", "poisson":
			p.RequestRate = numOr0(strategy, "rate")
		}
		p.Completed = max(intOf(numOr0(bo, "request_totals", "successful")), 0)
		p.Failed = max(intOf(numOr0(bo, "request_totals", "errored")), 0)
		met := bo["metrics"]
		p.RequestsPerS = numOr0(met, "requests_per_second", "successful", "mean")
		p.OutputTokensPerS = numOr0(met, "output_tokens_per_second", "successful", "mean")
		p.InputTokens = numOr0(met, "prompt_token_count", "successful", "mean")
		p.OutputTokens = numOr0(met, "output_token_count", "successful", "mean")
		p.TTFT = guidePcts(met, "time_to_first_token_ms")
		p.ITL, p.ITLKind = guidePcts(met, "inter_token_latency_ms"), ITLPerToken
		if t := date(bo["start_time"]); !t.IsZero() {
			p.Measured = t
		} else {
			p.Measured = date(path(bo, "run_stats", "start_time"))
		}
		out = append(out, p)
	}
	return out, nil
}

// guidePct matches GuideLLM's percentile keys: p001 (0.1), p01 (1), p95,
// p999 (99.9).
var guidePct = regexp.MustCompile(`^p([0-9]{2,3})$`)

func guidePcts(met any, name string) Latency {
	l := Latency{Metric: name, Pcts: map[float64]float64{}}
	m, _ := path(met, name, "successful", "percentiles").(map[string]any)
	for k, val := range m {
		f, ok := val.(float64)
		sm := guidePct.FindStringSubmatch(k)
		if !ok || sm == nil {
			continue
		}
		q, _ := strconv.ParseFloat(sm[1], 64)
		if len(sm[1]) == 3 {
			q /= 10
		}
		l.Pcts[q] = f
	}
	return l
}

// llmperfPct matches LLMPerf's flattened quantile keys, in seconds:
// results_ttft_s_quantiles_p95.
var llmperfPct = regexp.MustCompile(`^results_(ttft_s|inter_token_latency_s)_quantiles_p([0-9]+(?:\.[0-9]+)?)$`)

// parseLLMPerf reads an LLMPerf token_benchmark_ray *_summary.json: flat
// results_* keys, latencies in seconds.
func parseLLMPerf(v value, obj map[string]any) (Point, error) {
	p := Point{Tool: LLMPerf, Pos: lineOnly(v.pos), Meta: metadata(obj)}
	p.Model = str(obj, "model")
	if p.Model == "" {
		p.Model = p.Meta["model"]
	}
	p.Concurrency = max(intOf(numOr0(obj, "num_concurrent_requests")), 0)
	p.Completed = max(intOf(numOr0(obj, "results_num_completed_requests")), 0)
	if e, ok := num(obj, "results_number_errors"); ok {
		p.Failed = max(intOf(e), 0)
	} else if r := numOr0(obj, "results_error_rate"); r > 0 {
		p.Failed = max(1, int(math.Round(r*numOr0(obj, "results_num_requests_started"))))
	}
	p.RequestsPerS = numOr0(obj, "results_num_completed_requests_per_min") / 60
	p.OutputTokensPerS = numOr0(obj, "results_mean_output_throughput_token_per_s")
	p.InputTokens = numOr0(obj, "results_number_input_tokens_mean")
	p.OutputTokens = numOr0(obj, "results_number_output_tokens_mean")
	p.TTFT = Latency{Metric: "ttft_s", Pcts: map[float64]float64{}}
	p.ITL = Latency{Metric: "inter_token_latency_s", Pcts: map[float64]float64{}}
	p.ITLKind = ITLWithTTFT
	for k, val := range obj {
		m := llmperfPct.FindStringSubmatch(k)
		f, ok := val.(float64)
		if m == nil || !ok {
			continue
		}
		q, _ := strconv.ParseFloat(m[2], 64)
		if m[1] == "ttft_s" {
			p.TTFT.Pcts[q] = f * 1000
		} else {
			p.ITL.Pcts[q] = f * 1000
		}
	}
	p.Measured = date(obj["date"])
	return p, nil
}

// lineOnly drops the column: a point is a line of its file.
func lineOnly(p diag.Pos) diag.Pos { p.Column = 0; return p }

// elementOffsets returns the offsets in raw (a JSON object) of the
// elements of its array-valued key, or nil.
func elementOffsets(raw []byte, key string) []int {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		if k, _ := t.(string); k != key {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return nil
		}
		var offs []int
		for dec.More() {
			off := int(dec.InputOffset())
			for off < len(raw) && (isSpace(raw[off]) || raw[off] == ',') {
				off++
			}
			offs = append(offs, off)
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
		}
		return offs
	}
	return nil
}
