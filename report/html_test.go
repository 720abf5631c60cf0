package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/google/go-cmp/cmp"
)

// htmlElements are the only elements the report may contain.
var htmlElements = []string{"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "strong",
	"table", "thead", "tbody", "tr", "th", "td", "details", "summary", "span", "i",
	"svg", "line", "text", "polyline"}

var tagRE = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)`)

// elementsOf is the set of element names opened in page.
func elementsOf(page string) []string {
	var out []string
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		if name := strings.ToLower(m[1]); !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// TestHTMLSelfContained: the page fetches nothing when viewed (no source,
// link, stylesheet import or CSS url, a Content-Security-Policy allowing
// nothing but its inline style) and opens only the known elements.
func TestHTMLSelfContained(t *testing.T) {
	page := render(t, "html", fixtureCheck(), fixtureOptions())
	for _, bad := range []string{"src=", "href=", "url(", "@import", "<script", "<link", "<img", "<iframe", "<object"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("the HTML report contains %q", bad)
		}
	}
	if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Error("the HTML report has no Content-Security-Policy that forbids fetching")
	}
	for _, el := range elementsOf(page) {
		if !slices.Contains(htmlElements, el) {
			t.Errorf("the HTML report opens <%s>", el)
		}
	}
	// A table per head pool (h100-use1, h200-euw1; l4-old was removed) and
	// its chart.
	for _, want := range []string{"<h2>Pool h100-use1 (plan prod)</h2>", "<h2>Pool h200-euw1 (plan prod)</h2>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML report has no %s", want)
		}
	}
	if strings.Contains(page, "l4-old") {
		t.Error("the HTML report shows the removed pool l4-old")
	}
	if n := strings.Count(page, "<svg "); n != 2 {
		t.Errorf("%d charts, want 2", n)
	}
	// Each chart is well-formed XML (a browser renders a broken inline SVG
	// partly, without saying so).
	for rest := page; ; {
		i := strings.Index(rest, "<svg ")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		if j < 0 {
			t.Fatal("an <svg> is not closed")
		}
		d := xml.NewDecoder(strings.NewReader(rest[i : i+j+len("</svg>")]))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Errorf("a chart is not well-formed XML: %v", err)
				break
			}
		}
		rest = rest[i+j:]
	}
}

// TestHTMLHostile: repository strings (pool, plan, GPU, finding message,
// rule) that try to open elements, close attributes or run script come
// out as text.
func TestHTMLHostile(t *testing.T) {
	c := fixtureCheck()
	for i := range c.Pools {
		c.Pools[i].Name = `<script>alert(1)</script>`
		c.Pools[i].Plan = `"><img src=x onerror=alert(2)>`
		c.Pools[i].GPU = `</td></tr></table><iframe>`
	}
	c.Findings[0].Msg = `</td><script>alert(3)</script>`
	c.Findings[0].Rule = `<svg onload=alert(4)>`
	page := render(t, "html", c, fixtureOptions())
	for _, el := range elementsOf(page) {
		if !slices.Contains(htmlElements, el) {
			t.Errorf("a hostile name opened <%s>", el)
		}
	}
	for _, bad := range []string{"<script", "<img", "<iframe", "<svg onload"} {
		if strings.Contains(page, bad) {
			t.Errorf("the HTML report contains %q unescaped", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"&#34;&gt;&lt;img src=x onerror=alert(2)&gt;",
		"&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML report does not show %q", want)
		}
	}
}

// TestHTMLChart works the chart out by hand. Three months of 40 GPUs,
// required 20, 30, 45 under moderate and 20, 40, 60 under aggressive,
// headroom_min 0.25: the top is 60 × 1.05 = 63, rounded up to 100; the
// plot is 660 wide from x = 48 (330 a month) and 220 high from y = 12, so
// v sits at y = 12 + 220 × (1 − v/100): 40 → 144, usable 40 × 0.75 = 30
// → 166, 20 → 188, 45 → 133, 60 → 100. The cliff (2026-05) is month 1,
// x = 378; order-by 2026-02-20 is before the chart and not marked.
func TestHTMLChart(t *testing.T) {
	p := evaluator.PoolSummary{Name: "a", Plan: "p", HeadroomMin: 0.25, Cliff: "2026-05", OrderByDate: "2026-02-20",
		Timeline: []evaluator.MonthDoc{
			{Month: "2026-04", CapacityGPUs: 40, RequiredGPUs: 20},
			{Month: "2026-05", CapacityGPUs: 40, RequiredGPUs: 30},
			{Month: "2026-06", CapacityGPUs: 40, RequiredGPUs: 45},
		}}
	doc := evaluator.PoolDoc{Scenarios: map[string]evaluator.ScenarioDoc{
		"moderate":   {Timeline: p.Timeline},
		"aggressive": {Timeline: []evaluator.MonthDoc{{RequiredGPUs: 20}, {RequiredGPUs: 40}, {RequiredGPUs: 60}}},
		"short":      {Timeline: []evaluator.MonthDoc{{RequiredGPUs: 1}}}, // not the pool's months: left out
	}}
	c := chartOf(&p, &doc, "moderate")
	want := []htmlLine{
		{"guaranteed capacity", "capacity", "48,144 378,144 708,144"},
		{"usable (capacity × (1 − headroom_min))", "usable", "48,166 378,166 708,166"},
		{"required (moderate)", "required", "48,188 378,166 708,133"},
		{"required (aggressive)", "scenario", "48,188 378,144 708,100"},
	}
	if diff := cmp.Diff(want, c.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]htmlMarker{{X: 378, Label: "cliff 2026-05", Class: "cliff", Y: 22, DX: 3}}, c.Markers); diff != "" {
		t.Errorf("markers (-want +got):\n%s", diff)
	}
	// Month 0 is labelled; 2026-04's quarter start is month 0, and no
	// later month starts a quarter.
	if len(c.Ticks) != 1 || c.Ticks[0].Label != "2026-04" {
		t.Errorf("ticks = %+v, want 2026-04 alone", c.Ticks)
	}
}

// TestHTMLChartLabelsAtTheEdge: labels near the chart's right edge are
// drawn leftwards, and order by's label has its own row. Over the 24
// months 2026-11 … 2028-10 month i sits at x = 48 + 660 × i / 23. The
// last, 2028-10, is at 708: centred, its 7 characters (≤ 7 px each at
// 11 px) would reach 708 + 24.5 = 732.5 > 720, so it ends at 708. A cliff
// there, "cliff 2028-10" (13 characters), would reach 708 + 3 + 91 = 802:
// it ends 3 px left of its line. Order by 2027-09 (month 10, x = 334.96):
// "order by 2027-09" reaches 334.96 + 3 + 112 = 449.96, so it starts 3 px
// right of its line, on the second row (y = 22 + 14 = 36).
func TestHTMLChartLabelsAtTheEdge(t *testing.T) {
	p := evaluator.PoolSummary{Name: "a", Plan: "p", HeadroomMin: 0.3, Cliff: "2028-10", OrderByDate: "2027-09-15"}
	for i := range 24 {
		y, m := 2026+(10+i)/12, (10+i)%12+1
		p.Timeline = append(p.Timeline, evaluator.MonthDoc{Month: fmt.Sprintf("%d-%02d", y, m), CapacityGPUs: 56, RequiredGPUs: 40})
	}
	c := chartOf(&p, nil, "")
	want := []htmlMarker{
		{X: 708, Label: "cliff 2028-10", Class: "cliff", Y: 22, DX: -3, Anchor: "end"},
		{X: 334.96, Label: "order by 2027-09", Class: "orderby", Y: 36, DX: 3},
	}
	if diff := cmp.Diff(want, c.Markers); diff != "" {
		t.Errorf("markers (-want +got):\n%s", diff)
	}
	var anchors []string
	for _, tk := range c.Ticks {
		anchors = append(anchors, tk.Label+" "+tk.Anchor)
	}
	wantTicks := []string{"2026-11 middle", "2027-01 middle", "2027-04 middle", "2027-07 middle", "2027-10 middle",
		"2028-01 middle", "2028-04 middle", "2028-07 middle", "2028-10 end"}
	if diff := cmp.Diff(wantTicks, anchors); diff != "" {
		t.Errorf("axis labels (-want +got):\n%s", diff)
	}
}
