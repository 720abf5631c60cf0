package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/figure"
)

// Options supply what the result files cannot say. A field left empty is
// taken from the file's metadata keys; a flag-given value wins over them.
type Options struct {
	Model          string
	GPU            string
	GPUsPerReplica int
	EngineVersion  string
	Measured       time.Time
}

// Entry is one benchmark entry of a plan (schema/plan.cue #Benchmark).
type Entry struct {
	ID             string
	Model          string
	GPU            string
	GPUsPerReplica int
	InputTokens    float64
	OutputTokens   float64
	Concurrency    int
	RequestsPerS   float64
	MeetsSLO       bool
	Measured       time.Time
	Tool           Tool
	EngineVersion  string
	// Source is the result file and line the entry was read from.
	Source string
	// Note says how meets_slo was judged (percentiles, ITL definition,
	// why a point is unproven) and the point's load.
	Note string
}

// Entries turns the kept points into plan entries. A point whose GPU,
// GPUs per replica, engine version, model or date is known neither from
// o nor from the file is an error at the point that names the flag to
// pass.
func Entries(kept []Kept, o Options) ([]Entry, error) {
	var out []Entry
	var errs diag.Diagnostics
	ids := map[string]int{}
	for _, k := range kept {
		e := Entry{
			Model: firstOf(o.Model, k.Model), GPU: firstOf(o.GPU, k.Meta["gpu"]),
			GPUsPerReplica: o.GPUsPerReplica, EngineVersion: firstOf(o.EngineVersion, k.Meta["engine_version"]),
			InputTokens: roundTo(k.InputTokens, 1), OutputTokens: roundTo(k.OutputTokens, 1),
			Concurrency: k.Concurrency, RequestsPerS: roundTo(k.RequestsPerS, 3),
			MeetsSLO: k.MeetsSLO, Measured: k.Measured, Tool: k.Tool, Source: k.Pos.String(),
		}
		if !o.Measured.IsZero() {
			e.Measured = o.Measured
		}
		if e.GPUsPerReplica == 0 && k.Meta["gpus_per_replica"] != "" {
			n, err := strconv.Atoi(k.Meta["gpus_per_replica"])
			if err != nil || n < 1 {
				errs = append(errs, diag.Errorf(k.Pos, "metadata gpus_per_replica %q is not a whole number of GPUs; pass --gpus-per-replica", k.Meta["gpus_per_replica"])...)
				continue
			}
			e.GPUsPerReplica = n
		}
		missing := func(what, flag, example string) {
			errs = append(errs, diag.Errorf(k.Pos, "the %s result does not say %s: pass %s (e.g. %s) or record it with --metadata", k.Tool, what, flag, example)...)
		}
		n := len(errs)
		if e.Model == "" {
			missing("which model it served", "--model", "--model llama-3.1-70b")
		}
		if e.GPU == "" {
			missing("which GPU it ran on", "--gpu", "--gpu H100-SXM")
		}
		if e.GPUsPerReplica == 0 {
			missing("how many GPUs one replica uses", "--gpus-per-replica", "--gpus-per-replica 4")
		}
		if e.EngineVersion == "" {
			missing("the serving engine's version", "--engine-version", `--engine-version "vllm 0.11.0"`)
		}
		if e.Measured.IsZero() {
			missing("when it was measured", "--measured", "--measured 2026-10-02")
		}
		if len(errs) > n {
			continue
		}
		e.ID = entryID(e, k.Point)
		if c := ids[e.ID]; c > 0 {
			ids[e.ID]++
			e.ID = fmt.Sprintf("%s-%d", e.ID, c+1)
		} else {
			ids[e.ID] = 1
		}
		e.Note = note(k)
		out = append(out, e)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func note(k Kept) string {
	var parts []string
	switch {
	case k.Concurrency > 0:
		parts = append(parts, fmt.Sprintf("concurrency %d", k.Concurrency))
	case math.IsInf(k.RequestRate, 1):
		parts = append(parts, "request rate unlimited")
	case k.RequestRate > 0:
		parts = append(parts, fmt.Sprintf("request rate %s/s", figure.Format(k.RequestRate)))
	}
	switch {
	case k.Knee:
		parts = append(parts, "first point past the knee")
	case k.NoneMeets:
		parts = append(parts, "no point of the sweep meets the SLO; lowest load shown")
	case k.MeetsSLO:
		parts = append(parts, "highest throughput meeting the SLO")
	}
	if k.Unproven {
		parts = append(parts, "meets_slo unproven")
	}
	return strings.Join(parts, "; ") + ": " + k.Judgement.Note()
}

var slugRE = regexp.MustCompile(`[^a-z0-9.]+`)

func slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-.")
}

// entryID names an entry after its model (the part after the last /),
// GPU, shape and load: llama-3.1-70b-h100-sxm-1000-200-c32.
func entryID(e Entry, p Point) string {
	model := e.Model
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	id := fmt.Sprintf("%s-%s-%.0f-%.0f", slug(model), slug(e.GPU), e.InputTokens, e.OutputTokens)
	switch {
	case p.Concurrency > 0:
		id += fmt.Sprintf("-c%d", p.Concurrency)
	case math.IsInf(p.RequestRate, 1):
		id += "-rinf"
	case p.RequestRate > 0:
		id += "-r" + slug(figure.Format(p.RequestRate))
	}
	return id
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func roundTo(v float64, digits int) float64 {
	s := math.Pow(10, float64(digits))
	return math.Round(v*s) / s
}

// Format is an output syntax for entries.
type Format string

const (
	YAML Format = "yaml"
	CUE  Format = "cue"
)

// Render writes entries as a plan's benchmarks: block in f. Strings are
// always quoted, so a model or version that looks like a number, a bool
// or a comment reads back as the text it is.
func Render(entries []Entry, f Format) []byte {
	var b bytes.Buffer
	if f == CUE {
		b.WriteString("benchmarks: {\n")
	} else {
		b.WriteString("benchmarks:\n")
	}
	for _, e := range entries {
		fields := e.fields()
		if f == CUE {
			fmt.Fprintf(&b, "\t%s: {\n", quote(e.ID))
			for _, kv := range fields {
				fmt.Fprintf(&b, "\t\t%s: %s\n", kv[0], kv[1])
			}
			b.WriteString("\t}\n")
			continue
		}
		fmt.Fprintf(&b, "  %s:\n", quote(e.ID))
		for _, kv := range fields {
			fmt.Fprintf(&b, "    %s: %s\n", kv[0], kv[1])
		}
	}
	if f == CUE {
		b.WriteString("}\n")
	}
	return b.Bytes()
}

func (e Entry) fields() [][2]string {
	fs := [][2]string{
		{"model", quote(e.Model)},
		{"gpu", quote(e.GPU)},
		{"gpus_per_replica", strconv.Itoa(e.GPUsPerReplica)},
		{"input_tokens", figure.Format(e.InputTokens)},
		{"output_tokens", figure.Format(e.OutputTokens)},
	}
	if e.Concurrency > 0 {
		fs = append(fs, [2]string{"concurrency", strconv.Itoa(e.Concurrency)})
	}
	return append(fs,
		[2]string{"requests_per_s", figure.Format(e.RequestsPerS)},
		[2]string{"meets_slo", strconv.FormatBool(e.MeetsSLO)},
		[2]string{"measured", quote(e.Measured.Format(time.DateOnly))},
		[2]string{"tool", quote(string(e.Tool))},
		[2]string{"engine_version", quote(e.EngineVersion)},
		[2]string{"source", quote(e.Source)},
		[2]string{"note", quote(e.Note)},
	)
}

// quote writes s as a double-quoted string, which YAML and CUE read alike.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
