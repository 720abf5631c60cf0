package loadtest

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/internal/figure"
)

// SLO is the latency objective a point is judged against, at p95 in
// milliseconds (a workload's slo.ttft_p95_ms and slo.itl_p95_ms).
type SLO struct {
	TTFTP95Ms, ITLP95Ms float64
}

// Check is the verdict on one latency metric of a point.
type Check struct {
	Metric string
	// Percentile is the one judged (95 when the file has it); 0 when the
	// file has no percentile of the metric at all.
	Percentile float64
	Value      float64 // ms, at Percentile
	Limit      float64 // ms, the SLO at p95
	// Pass says the p95 meets the limit; Proven says the verdict (pass or
	// fail) holds for the p95 the SLO names.
	Pass, Proven bool
}

// judge applies limit, a p95 objective, to l:
//   - p95 when the file has it;
//   - else a higher percentile (the lowest above 95, usually p99): its
//     pass proves the p95 passes (p95 ≤ p99), its fail proves nothing;
//   - else a lower percentile (the highest below 95): its fail proves the
//     p95 fails, its pass proves nothing.
//
// Means and medians are never used.
func judge(l Latency, limit float64) Check {
	c := Check{Metric: l.Metric, Limit: limit}
	if v, ok := l.Pcts[95]; ok {
		c.Percentile, c.Value, c.Pass, c.Proven = 95, v, v <= limit, true
		return c
	}
	above, below := math.Inf(1), math.Inf(-1)
	for q := range l.Pcts {
		switch {
		case q > 95 && q < above:
			above = q
		case q < 95 && q > below && q > 50:
			below = q
		}
	}
	switch {
	case !math.IsInf(above, 1):
		c.Percentile, c.Value = above, l.Pcts[above]
		c.Pass = c.Value <= limit
		c.Proven = c.Pass
	case !math.IsInf(below, -1):
		c.Percentile, c.Value = below, l.Pcts[below]
		c.Pass = false
		c.Proven = c.Value > limit
	}
	return c
}

// Judgement is a point against an SLO.
type Judgement struct {
	MeetsSLO bool
	// Unproven is set when the point is kept as not meeting the SLO only
	// because the file cannot show that it does (a p99 above the limit,
	// no p95).
	Unproven      bool
	TTFT, ITL     Check
	ITLDefinition string // which ITL the file's figure is (Point.ITLKind)
}

// Judge applies slo to p.
func Judge(p Point, slo SLO) Judgement {
	j := Judgement{TTFT: judge(p.TTFT, slo.TTFTP95Ms), ITL: judge(p.ITL, slo.ITLP95Ms), ITLDefinition: p.ITLKind}
	j.MeetsSLO = j.TTFT.Pass && j.ITL.Pass
	provenFail := (!j.TTFT.Pass && j.TTFT.Proven) || (!j.ITL.Pass && j.ITL.Proven)
	j.Unproven = !j.MeetsSLO && !provenFail
	return j
}

// Note says how the judgement was reached, in one line: the percentile
// and value of each metric against its limit, which ITL definition the
// file's figure is, and why a point is unproven.
func (j Judgement) Note() string {
	part := func(name string, c Check) string {
		if c.Percentile == 0 {
			return fmt.Sprintf("%s: no percentile in the file", name)
		}
		op := "<="
		if c.Value > c.Limit {
			op = ">"
		}
		s := fmt.Sprintf("%s p%s %s ms %s %s", name, figure.Format(c.Percentile), round(c.Value, 1), op, figure.Format(c.Limit))
		if !c.Proven {
			switch {
			case c.Percentile > 95:
				s += fmt.Sprintf(" (p95 unproven: the file has no p95, and a p%s fail says nothing about p95)", figure.Format(c.Percentile))
			default:
				s += fmt.Sprintf(" (p95 unproven: the file has no p95, and a p%s pass says nothing about p95)", figure.Format(c.Percentile))
			}
		}
		return s
	}
	return part("ttft", j.TTFT) + "; " + part("itl "+j.ITLDefinition+" ("+j.ITL.Metric+")", j.ITL)
}

// Kept is a point chosen for the plan.
type Kept struct {
	Point
	Judgement
	// Knee marks the first failing point past the chosen one (kept with
	// meets_slo false, to show where the SLO breaks).
	Knee bool
	// NoneMeets marks the lowest-load point of a sweep in which no point
	// meets the SLO (kept with meets_slo false).
	NoneMeets bool
}

// Dropped is a point left out, and why.
type Dropped struct {
	Point
	Reason string
}

// Select chooses, per sweep (the points of one model whose measured
// input and output tokens are within 10% of each other), the point with
// the highest request throughput that meets slo, and with knee the first
// point past it (by concurrency, else rate, else throughput) that does
// not. A sweep in which no point meets the SLO keeps its lowest-load
// point as not meeting it. Points with failed or errored requests are
// dropped: their throughput counts only the successes and looks better
// than it is.
func Select(points []Point, slo SLO, knee bool) (kept []Kept, dropped []Dropped) {
	var sweeps [][]Point
	for _, p := range points {
		if p.Failed > 0 {
			dropped = append(dropped, Dropped{p, fmt.Sprintf("%d of %d requests failed; the throughput counts only the successes", p.Failed, p.Failed+p.Completed)})
			continue
		}
		i := slices.IndexFunc(sweeps, func(s []Point) bool { return sameSweep(s[0], p) })
		if i < 0 {
			sweeps = append(sweeps, []Point{p})
		} else {
			sweeps[i] = append(sweeps[i], p)
		}
	}
	for _, s := range sweeps {
		slices.SortStableFunc(s, func(a, b Point) int {
			if c := cmpFloat(load(a), load(b)); c != 0 {
				return c
			}
			return cmpFloat(a.RequestsPerS, b.RequestsPerS)
		})
		best := -1
		js := make([]Judgement, len(s))
		for i, p := range s {
			js[i] = Judge(p, slo)
			if js[i].MeetsSLO && (best < 0 || p.RequestsPerS > s[best].RequestsPerS) {
				best = i
			}
		}
		if best < 0 {
			kept = append(kept, Kept{Point: s[0], Judgement: js[0], NoneMeets: true})
			continue
		}
		kept = append(kept, Kept{Point: s[best], Judgement: js[best]})
		if !knee {
			continue
		}
		for i := best + 1; i < len(s); i++ {
			if !js[i].MeetsSLO {
				kept = append(kept, Kept{Point: s[i], Judgement: js[i], Knee: true})
				break
			}
		}
	}
	return kept, dropped
}

// load orders the points of a sweep: concurrency, else request rate.
func load(p Point) float64 {
	if p.Concurrency > 0 {
		return float64(p.Concurrency)
	}
	return p.RequestRate
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sameSweep reports whether b belongs to the sweep a started: the same
// model, tool and GPU metadata, and a request shape within 10%.
func sameSweep(a, b Point) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 0.10*math.Max(x, y) }
	return a.Model == b.Model && a.Tool == b.Tool && a.Meta["gpu"] == b.Meta["gpu"] &&
		near(a.InputTokens, b.InputTokens) && near(a.OutputTokens, b.OutputTokens)
}

// round formats v with at most digits decimals, trailing zeros dropped.
func round(v float64, digits int) string {
	s := fmt.Sprintf("%.*f", digits, v)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
