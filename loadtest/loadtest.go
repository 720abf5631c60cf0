// Package loadtest reads the machine-readable results of LLM load-test
// tools and turns their sweep points into capacity evidence: the points
// that meet a TTFT and ITL SLO at p95, judged the way the files allow
// (docs/ARCHITECTURE.md; issue 17). It is pure: bytes in, points out.
//
// Formats, detected from content, never from the file name:
//
//   - vllm bench serve --save-result JSON and --append-result JSONL
//     (https://docs.vllm.ai/en/latest/cli/bench/serve.html);
//   - genai-perf profile_export_genai_perf.json and AIPerf
//     profile_export_aiperf.json ({avg, p1..p99} per metric);
//   - GuideLLM benchmarks.json (every sweep point in one file);
//   - SGLang bench_serving --output-file JSONL;
//   - LLMPerf *_summary.json (quantiles in seconds).
//
// What a file cannot say (the GPU, GPUs per replica, often the engine
// version or the date) is read from metadata keys when the tool writes
// them (vLLM's and SGLang's --metadata KEY=VALUE land at the top level) and
// otherwise left empty for the caller to supply.
package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/figure"
)

// Tool names a load-test tool as the plan's `tool` field records it.
type Tool string

const (
	VLLM     Tool = "vllm bench serve"
	GenAI    Tool = "genai-perf"
	AIPerf   Tool = "aiperf"
	GuideLLM Tool = "guidellm"
	SGLang   Tool = "sglang bench_serving"
	LLMPerf  Tool = "llmperf"
)

// Latency is one latency metric of a point: its percentiles in
// milliseconds, keyed by percentile (95 for p95), and the name the file
// gives it. Means and medians are deliberately not kept: an SLO is never
// judged by them.
type Latency struct {
	Metric string
	Pcts   map[float64]float64
}

// Point is one sweep point of a load test: one concurrency or request
// rate, with what was measured at it.
type Point struct {
	Tool Tool
	// Pos is where the point is: the file and, for JSONL and for files
	// holding several points, the line it starts on.
	Pos   diag.Pos
	Model string
	// Concurrency is the configured maximum concurrency (0 when the run
	// was not concurrency-bound); RequestRate the configured rate in
	// requests per second (0 when unknown, +Inf for "as fast as possible").
	Concurrency int
	RequestRate float64
	Completed   int
	// Failed counts failed or errored requests; a point with any is
	// dropped, since its throughput counts only the successes.
	Failed int
	// InputTokens and OutputTokens are the measured means per request.
	InputTokens, OutputTokens      float64
	RequestsPerS, OutputTokensPerS float64
	TTFT, ITL                      Latency
	// ITLKind says which definition of inter-token latency the file's
	// figure is (see the ITL* constants).
	ITLKind string
	// Measured is the day the run started; zero when the file does not say.
	Measured time.Time
	// Meta holds what the file says about itself through metadata keys:
	// "gpu", "gpus_per_replica", "engine_version", "model".
	Meta map[string]string
}

// The inter-token latency definitions the tools use.
const (
	// ITLPerToken is the gap between consecutive tokens, each gap a
	// sample (vLLM's and SGLang's itl, GuideLLM's inter_token_latency).
	ITLPerToken = "per-token"
	// ITLTPOT is one average per request, excluding the first token
	// (vLLM's and SGLang's tpot; what genai-perf and AIPerf call
	// inter_token_latency).
	ITLTPOT = "per-request average (TPOT)"
	// ITLWithTTFT is end-to-end latency over output tokens per request,
	// TTFT included (LLMPerf's inter_token_latency_s).
	ITLWithTTFT = "per-request average including TTFT"
)

// Parse reads the load-test result in data (name is the repository-
// relative file name used in positions) and returns its points in file
// order. The format is detected from the content.
func Parse(name string, data []byte) (Tool, []Point, error) {
	values, err := splitValues(name, data)
	if err != nil {
		return "", nil, err
	}
	if len(values) == 0 {
		return "", nil, diag.Errorf(diag.Pos{File: name}, "empty file: want a load-test result (%s)", formatList)
	}
	var tool Tool
	var points []Point
	for _, v := range values {
		var obj map[string]any
		if err := json.Unmarshal(v.raw, &obj); err != nil {
			return "", nil, diag.Errorf(v.pos, "want a JSON object (a load-test result), got %s", jsonKind(v.raw))
		}
		t, ps, err := parseObject(v, obj)
		if err != nil {
			return "", nil, err
		}
		if tool != "" && t != tool {
			return "", nil, diag.Errorf(v.pos, "a %s result after %s results in the same file; give each tool's results in their own file", t, tool)
		}
		tool = t
		points = append(points, ps...)
	}
	for _, p := range points {
		if err := p.check(); err != nil {
			return "", nil, err
		}
	}
	return tool, points, nil
}

const formatList = "vllm bench serve JSON/JSONL, genai-perf or AIPerf profile export, GuideLLM benchmarks.json, SGLang bench_serving JSONL, LLMPerf summary JSON"

func parseObject(v value, obj map[string]any) (Tool, []Point, error) {
	switch {
	case has(obj, "benchmarks"):
		ps, err := parseGuideLLM(v, obj)
		return GuideLLM, ps, err
	case has(obj, "mean_e2e_latency_ms") && has(obj, "request_throughput"):
		p, err := parseServing(v, obj, SGLang)
		return SGLang, []Point{p}, err
	case isNumber(obj["request_throughput"]):
		p, err := parseServing(v, obj, VLLM)
		return VLLM, []Point{p}, err
	case isObject(obj["request_throughput"]) && has(obj, "input_config"):
		t := GenAI
		if ic, _ := obj["input_config"].(map[string]any); has(ic, "loadgen") || has(obj, "error_summary") || has(obj, "start_time") {
			t = AIPerf
		}
		p, err := parseProfileExport(v, obj, t)
		return t, []Point{p}, err
	case has(obj, "num_concurrent_requests") && has(obj, "results_ttft_s_quantiles_p50") || has(obj, "results_ttft_s_mean") && has(obj, "results_num_completed_requests"):
		p, err := parseLLMPerf(v, obj)
		return LLMPerf, []Point{p}, err
	}
	return "", nil, diag.Errorf(v.pos, "not a load-test result capcheck reads; want %s", formatList)
}

// check rejects figures that are not figures (NaN, overflowing) and a
// point without throughput.
func (p Point) check() error {
	if p.Failed > 0 {
		return nil // dropped by Select; its figures do not matter
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"request throughput", p.RequestsPerS}, {"output token throughput", p.OutputTokensPerS}, {"mean input tokens", p.InputTokens}, {"mean output tokens", p.OutputTokens}} {
		if s := figure.Problem(f.v); s != "" {
			return diag.Errorf(p.Pos, "%s %s %s", f.name, figure.Format(f.v), s)
		}
		if f.v < 0 {
			return diag.Errorf(p.Pos, "%s %s is negative", f.name, figure.Format(f.v))
		}
	}
	if p.RequestsPerS <= 0 {
		return diag.Errorf(p.Pos, "the point has no request throughput (%d completed requests)", p.Completed)
	}
	for _, l := range []Latency{p.TTFT, p.ITL} {
		for q, v := range l.Pcts {
			if s := figure.Problem(v); s != "" || v < 0 {
				if s == "" {
					s = "is negative"
				}
				return diag.Errorf(p.Pos, "%s p%s %s %s", l.Metric, figure.Format(q), figure.Format(v), s)
			}
		}
	}
	return nil
}

// value is one top-level JSON value of a file and where it starts.
type value struct {
	pos  diag.Pos
	raw  json.RawMessage
	data []byte // the whole file, for positions inside the value
	off  int    // offset of raw in data
}

// at returns the position of offset off (relative to the value) in the file.
func (v value) at(off int) diag.Pos {
	return diag.PosAt(v.pos.File, v.data, v.off+off)
}

// splitValues splits data into its top-level JSON values: one for a JSON
// file, one a line for JSONL (which is the same stream to a decoder).
func splitValues(name string, data []byte) ([]value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []value
	for {
		start := int(dec.InputOffset())
		for start < len(data) && isSpace(data[start]) {
			start++
		}
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return nil, diag.Errorf(diag.PosAt(name, data, int(se.Offset)-1), "invalid JSON: %v", se)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, diag.Errorf(diag.PosAt(name, data, len(data)), "invalid JSON: unexpected end of file")
			}
			return nil, diag.Errorf(diag.PosAt(name, data, start), "invalid JSON: %v", err)
		}
		out = append(out, value{pos: diag.PosAt(name, data, start), raw: raw, data: data, off: start})
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func jsonKind(raw []byte) string {
	switch t := bytes.TrimSpace(raw); {
	case len(t) == 0:
		return "nothing"
	case t[0] == '[':
		return "an array"
	case t[0] == '"':
		return "a string"
	}
	return "a scalar"
}

// --- accessors on decoded JSON ---

func has(obj map[string]any, k string) bool {
	if obj == nil {
		return false
	}
	v, ok := obj[k]
	return ok && v != nil
}

func isNumber(v any) bool { _, ok := v.(float64); return ok }
func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

// path walks obj along keys and returns what is there (nil when absent).
func path(obj any, keys ...string) any {
	for _, k := range keys {
		m, ok := obj.(map[string]any)
		if !ok {
			return nil
		}
		obj = m[k]
	}
	return obj
}

// num returns the number at keys, or false.
func num(obj any, keys ...string) (float64, bool) {
	f, ok := path(obj, keys...).(float64)
	return f, ok
}

// numOr0 returns the number at keys, or 0.
func numOr0(obj any, keys ...string) float64 {
	f, _ := num(obj, keys...)
	return f
}

// str returns the string at keys, or the first element of a list of
// strings there, or "".
func str(obj any, keys ...string) string {
	switch v := path(obj, keys...).(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// intOf converts a count or a configured concurrency to int, rejecting
// fractions and absurd sizes.
func intOf(f float64) int {
	if f < 0 || f > 1e9 || f != math.Trunc(f) {
		return -1
	}
	return int(f)
}

// metaKeys are the metadata a point may carry about itself.
var metaKeys = []string{"gpu", "gpus_per_replica", "engine_version", "model"}

// metadata reads metaKeys from the top level of obj and from its
// "metadata" object (the top level wins).
func metadata(obj map[string]any) map[string]string {
	m := map[string]string{}
	for _, src := range []any{obj["metadata"], obj} {
		for _, k := range metaKeys {
			if _, done := m[k]; done {
				continue
			}
			switch v := path(src, k).(type) {
			case string:
				if v != "" {
					m[k] = v
				}
			case float64:
				m[k] = figure.Format(v)
			}
		}
	}
	return m
}

// date parses the day a run was measured from the forms the tools write:
// vLLM's 20251002-101500, RFC 3339 or ISO date-times, YYYY-MM-DD, and
// Unix seconds.
func date(v any) time.Time {
	switch d := v.(type) {
	case float64:
		if d > 1e8 && d < 1e11 {
			return time.Unix(int64(d), 0).UTC().Truncate(24 * time.Hour)
		}
	case string:
		for _, layout := range []string{"20060102-150405", time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, d); err == nil {
				return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			}
		}
	}
	return time.Time{}
}
