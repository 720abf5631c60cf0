package report

import (
	_ "embed"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/capcheck/capcheck/evaluator"
)

//go:embed html.tmpl
var htmlSource string

// htmlPage is parsed once; html/template escapes every value for its
// context (text, attribute), so repository strings cannot open an element
// or a script.
var htmlPage = template.Must(template.New("report").Parse(htmlSource))

// checkHTML writes the monthly capacity review of c as one self-contained HTML
// page (`capcheck report --out report.html`, `--format html`): no script, stylesheet, font
// or image is fetched when it is viewed. It holds the verdict, the
// findings with their positions, and per head pool its figures, the
// forecast chart as inline SVG (required GPUs per scenario against
// guaranteed capacity and the usable line capacity × (1 − headroom_min),
// the cliff and order-by months marked), the strategy costs at 6, 12, 18
// and 24 months, and the monthly timeline. Every string from the
// repository is escaped by html/template.
func checkHTML(w io.Writer, c *Check, opts Options) error {
	page := htmlReport{Now: c.Now, Verdict: c.Verdict, Version: opts.Version}
	for _, f := range c.Findings {
		page.Findings = append(page.Findings, htmlFinding{
			Rule: f.Rule, Level: f.Level, Position: posOr(f, ""), Message: f.Msg,
			Blocking: f.Blocking, Excepted: f.Excepted, Overridden: f.Overridden,
		})
	}
	docs := map[[2]string]*evaluator.PoolDoc{}
	if c.Document != nil {
		for i := range c.Document.Pools {
			p := &c.Document.Pools[i]
			docs[[2]string{p.Plan, p.Name}] = p
		}
	}
	planFor := map[string]string{}
	if c.Document != nil {
		for _, p := range c.Document.Plans {
			planFor[p.Name] = p.PlanFor
		}
	}
	for i := range c.Pools {
		p := &c.Pools[i]
		if p.Status == evaluator.StatusRemoved {
			continue
		}
		page.Pools = append(page.Pools, htmlPoolOf(p, docs[[2]string{p.Plan, p.Name}], planFor[p.Plan]))
	}
	return htmlPage.Execute(w, page)
}

type htmlReport struct {
	Now, Verdict, Version string
	Findings              []htmlFinding
	Pools                 []htmlPool
}

type htmlFinding struct {
	Rule, Level, Position, Message string
	Blocking, Excepted, Overridden bool
}

type htmlPool struct {
	Name, Plan, GPU                          string
	Reserved, Required, MinHeadroom, NPlus   string
	Cliff, OrderBy, MonthlyCost, HeadroomMin string
	Chart                                    htmlChart
	Strategies                               []htmlStrategy
	Milestones                               []string
	Timeline                                 []htmlMonth
}

type htmlStrategy struct {
	Name   string
	Costs  []string
	Meets  string
	Marked bool
}

type htmlMonth struct{ Month, Capacity, Required, Headroom string }

func htmlPoolOf(p *evaluator.PoolSummary, doc *evaluator.PoolDoc, planFor string) htmlPool {
	hp := htmlPool{
		Name: p.Name, Plan: p.Plan, GPU: p.GPU,
		Reserved: num(p.ReservedGPUs), Required: num(p.RequiredGPUsPeak),
		MinHeadroom: pct(p.MinHeadroom) + " (" + p.MinHeadroomMonth + ")",
		NPlus:       nPlusText(p),
		Cliff:       orDash(p.Cliff), OrderBy: orDash(firstNonEmpty(p.OrderByDate, p.OrderBy)),
		MonthlyCost: money(p.MonthlyCost, p.Currency), HeadroomMin: pct(p.HeadroomMin),
		Milestones: strategyMilestones,
	}
	for _, s := range p.Strategies {
		hs := htmlStrategy{Name: s.Name, Meets: strategyVerdict(s), Marked: s.Cheapest}
		if s.Name == evaluator.StrategyAsPlanned && p.Strategy != "" {
			hs.Name += " (" + string(p.Strategy) + ")"
		}
		for _, n := range strategyMilestones {
			hs.Costs = append(hs.Costs, milestoneCell(s, n, p.Currency))
		}
		hp.Strategies = append(hp.Strategies, hs)
	}
	for _, m := range p.Timeline {
		hp.Timeline = append(hp.Timeline, htmlMonth{m.Month, num(m.CapacityGPUs), num(m.RequiredGPUs), pct(m.Headroom)})
	}
	hp.Chart = chartOf(p, doc, planFor)
	return hp
}

func nPlusText(p *evaluator.PoolSummary) string {
	s := "N+" + strconv.Itoa(p.NPlusK)
	if p.NPlusOK {
		s += " ok"
	} else {
		s += " not met"
	}
	if !p.NPlusRequired {
		s += " (not required)"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// The chart's frame, in SVG user units.
const (
	chartW, chartH        = 720.0, 260.0
	chartLeft, chartRight = 48.0, 12.0
	chartTop, chartBottom = 12.0, 28.0
	chartPlotW            = chartW - chartLeft - chartRight
	chartPlotH            = chartH - chartTop - chartBottom
)

type htmlChart struct {
	W, H float64
	// X0…X1 and Y0…Y1 are the plot area (Y1 its bottom); Tick is the
	// bottom of a month's tick mark.
	X0, X1, Y0, Y1, Tick float64
	Lines                []htmlLine
	Ticks                []htmlTick
	YTicks               []htmlTick
	Markers              []htmlMarker
	Empty                bool
}

// htmlLine is one series; Points is computed here from numbers only.
type htmlLine struct {
	Name, Class, Points string
}

type htmlTick struct {
	X, Y  float64
	Label string
	// Anchor is the label's text-anchor (x-axis ticks: middle, or end at
	// the right edge, where a centred label would run off the chart).
	Anchor string
}

// htmlMarker is a cliff or order-by line and its label: Y is the label's
// row (the cliff's on the first, order by's on the second, so two close
// months do not print one label over the other) and DX its offset from
// the line: +3 to the right, or −3 with Anchor end when the label would
// run past the chart's right edge.
type htmlMarker struct {
	X      float64
	Label  string
	Class  string
	Y, DX  float64
	Anchor string
}

// Label widths for placing chart text, at the charts' 11 px font: a
// character is at most 7 px wide (the widest digit of DejaVu Sans, a
// system-ui fallback, is 0.636 em = 7 px), so "2028-10" is ≤ 49 px and
// "order by 2028-10" ≤ 112 px. TestReportInBrowser checks the result in
// a real browser.
const (
	chartCharW   = 7.0
	markerRowGap = 14.0
)

// chartOf plots the pool's months: guaranteed capacity, the usable line
// capacity × (1 − headroom_min), and required GPUs per scenario (plan_for
// as the pool's own timeline, the others from the document), with the
// cliff and order-by months marked. Months are evenly spaced; labels on
// quarter starts.
func chartOf(p *evaluator.PoolSummary, doc *evaluator.PoolDoc, planFor string) htmlChart {
	c := htmlChart{W: chartW, H: chartH, X0: chartLeft, X1: chartW - chartRight, Y0: chartTop, Y1: chartTop + chartPlotH, Tick: chartTop + chartPlotH + 4}
	n := len(p.Timeline)
	if n == 0 {
		c.Empty = true
		return c
	}
	type series struct {
		name, class string
		v           []float64
	}
	var ss []series
	capacity, usable, required := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, m := range p.Timeline {
		capacity[i], required[i] = m.CapacityGPUs, m.RequiredGPUs
		usable[i] = m.CapacityGPUs * (1 - p.HeadroomMin)
	}
	ss = append(ss, series{"guaranteed capacity", "capacity", capacity}, series{"usable (capacity × (1 − headroom_min))", "usable", usable})
	reqName := "required"
	if planFor != "" {
		reqName += " (" + planFor + ")"
	}
	ss = append(ss, series{reqName, "required", required})
	if doc != nil {
		names := make([]string, 0, len(doc.Scenarios))
		for name := range doc.Scenarios {
			if name != planFor {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			tl := doc.Scenarios[name].Timeline
			if len(tl) != n {
				continue
			}
			v := make([]float64, n)
			for i, m := range tl {
				v[i] = m.RequiredGPUs
			}
			ss = append(ss, series{"required (" + name + ")", "scenario", v})
		}
	}
	top := 0.0
	for _, s := range ss {
		for _, v := range s.v {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > top {
				top = v
			}
		}
	}
	top = niceCeil(top * 1.05)
	x := func(i int) float64 {
		if n == 1 {
			return chartLeft + chartPlotW/2
		}
		return chartLeft + chartPlotW*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 {
		if top <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return chartTop + chartPlotH
		}
		return chartTop + chartPlotH*(1-v/top)
	}
	for _, s := range ss {
		pts := make([]string, n)
		for i, v := range s.v {
			pts[i] = svgNum(x(i)) + "," + svgNum(y(v))
		}
		c.Lines = append(c.Lines, htmlLine{Name: s.name, Class: s.class, Points: strings.Join(pts, " ")})
	}
	for i, m := range p.Timeline {
		// Month 0 is labelled, and quarter starts from month 2 (a label is
		// about two months wide at 24 months).
		if i == 0 || i >= 2 && quarterStart(m.Month) {
			t := htmlTick{X: round2(x(i)), Y: chartH - 8, Label: m.Month, Anchor: "middle"}
			if t.X+chartCharW*float64(len(m.Month))/2 > chartW {
				t.Anchor = "end"
			}
			c.Ticks = append(c.Ticks, t)
		}
	}
	for k := 0; k <= 4; k++ {
		v := top * float64(k) / 4
		c.YTicks = append(c.YTicks, htmlTick{X: chartLeft - 6, Y: round2(y(v)), Label: num(v)})
	}
	mark := func(month, label, class string, row int) {
		if month == "" {
			return
		}
		month = month[:min(len(month), 7)] // a day marks its month
		for i, m := range p.Timeline {
			if m.Month == month {
				mk := htmlMarker{X: round2(x(i)), Label: label + " " + month, Class: class, Y: 22 + markerRowGap*float64(row), DX: 3}
				if mk.X+mk.DX+chartCharW*float64(utf8.RuneCountInString(mk.Label)) > chartW {
					mk.DX, mk.Anchor = -3, "end"
				}
				c.Markers = append(c.Markers, mk)
				return
			}
		}
	}
	mark(p.Cliff, "cliff", "cliff", 0)
	mark(firstNonEmpty(p.OrderByDate, p.OrderBy), "order by", "orderby", 1)
	return c
}

// niceCeil rounds f up to 1, 2 or 5 × a power of ten (at least 1).
func niceCeil(f float64) float64 {
	if !(f > 1) || math.IsInf(f, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(f)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= f {
			return m * p
		}
	}
	return 10 * p
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func svgNum(f float64) string { return strconv.FormatFloat(round2(f), 'f', -1, 64) }
