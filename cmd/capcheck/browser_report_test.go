//go:build unix

package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// reportLayout is what the browser lays out of the report page; the
// expression below computes it in the page.
type reportLayout struct {
	PageWidth float64      `json:"pageWidth"` // the document's scroll width
	Viewport  float64      `json:"viewport"`
	Pools     []poolLayout `json:"pools"`
	// Overflowing is every laid-out element whose content is wider than
	// its box (text running out of a cell, say).
	Overflowing []string `json:"overflowing"`
	// Fetching is every element that names something to fetch (src,
	// href, srcset, a CSS url() in its computed style).
	Fetching []string `json:"fetching"`
}

type poolLayout struct {
	Heading string  `json:"heading"`
	Charts  int     `json:"charts"`
	Width   float64 `json:"width"` // the chart's rendered width, CSS px
	Lines   []struct {
		Class  string  `json:"class"`
		X      float64 `json:"x"`
		W      float64 `json:"w"`
		Points int     `json:"points"`
	} `json:"lines"`
	Markers  []string `json:"markers"`
	Ticks    []string `json:"ticks"`
	Outside  []string `json:"outside"`  // chart text drawn beyond the chart's viewBox
	Overlaps []string `json:"overlaps"` // chart texts whose boxes intersect
}

// reportLayoutJS measures the report as laid out: per pool section (an
// h2 "Pool …" up to the next h2) its inline SVG charts, each polyline's
// geometry box, the marker and axis labels, and every pair of chart texts
// whose boxes (getBBox, in the chart's user units) intersect or leave the
// viewBox; and across the page, elements whose content overflows them and
// anything that would fetch.
const reportLayoutJS = `(() => {
  const r = {pageWidth: document.documentElement.scrollWidth, viewport: innerWidth, pools: [], overflowing: [], fetching: []};
  const hit = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  for (const h2 of document.querySelectorAll('h2')) {
    if (!h2.textContent.startsWith('Pool ')) continue;
    const pool = {heading: h2.textContent, charts: 0, width: 0, lines: [], markers: [], ticks: [], outside: [], overlaps: []};
    for (let e = h2.nextElementSibling; e && e.localName !== 'h2'; e = e.nextElementSibling) {
      if (e.localName !== 'svg') continue;
      pool.charts++;
      pool.width = e.getBoundingClientRect().width;
      const vb = e.viewBox.baseVal;
      for (const pl of e.querySelectorAll('polyline')) {
        const b = pl.getBBox();
        pool.lines.push({class: pl.getAttribute('class'), x: b.x, w: b.width, points: pl.points.numberOfItems});
      }
      const texts = [...e.querySelectorAll('text')];
      const boxes = texts.map(t => t.getBBox());
      texts.forEach((t, i) => {
        const b = boxes[i], prev = t.previousElementSibling;
        if (b.width === 0) pool.outside.push(t.textContent + ' (not drawn)');
        if (b.x < vb.x || b.y < vb.y || b.x + b.width > vb.x + vb.width || b.y + b.height > vb.y + vb.height)
          pool.outside.push(t.textContent);
        if (prev && /^(cliff|orderby)$/.test(prev.getAttribute('class'))) pool.markers.push(t.textContent);
        if (prev && prev.getAttribute('class') === 'axis') pool.ticks.push(t.textContent);
        for (let j = i + 1; j < texts.length; j++)
          if (hit(b, boxes[j])) pool.overlaps.push(t.textContent + ' / ' + texts[j].textContent);
      });
    }
    r.pools.push(pool);
  }
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg')) continue;
    const cs = getComputedStyle(el);
    if (cs.display !== 'inline' && el.clientWidth > 0 && el.scrollWidth > el.clientWidth)
      r.overflowing.push(el.localName + ' ' + el.scrollWidth + ' > ' + el.clientWidth + ': ' + el.textContent.slice(0, 80));
    for (const a of ['src', 'href', 'srcset', 'xlink:href', 'action', 'poster', 'data'])
      if (el.hasAttribute(a)) r.fetching.push(el.localName + ' ' + a);
    for (const p of ['background-image', 'list-style-image', 'border-image-source', 'content', 'mask-image'])
      if (cs.getPropertyValue(p).includes('url(')) r.fetching.push(el.localName + ' ' + p);
  }
  return r;
})()`

// cspProbe is an address off the page; cspProbeJS adds an image showing
// it after load. Whether the policy refuses it (blocked: csp) or not (the
// closed network's name lookup fails), Chromium reports the request as
// failed, so the test waits for that report rather than for a timer.
const (
	cspProbe   = "http://capcheck-csp-probe.invalid/pixel.png"
	cspProbeJS = `(() => { const img = document.createElement('img'); img.src = '` + cspProbe + `'; document.body.append(img); return true; })()`
)

// TestReportInBrowser is issue 16 item 9's test: the example's monthly
// review (capcheck report --now 2026-11-21) opened in headless Chromium.
//
// By hand, from the example: three pools, each charted over the 24 months
// 2026-11 … 2028-10 with five lines (guaranteed capacity, usable, required
// under plan_for moderate, and the aggressive and conservative
// scenarios); the plot runs from x = 48 to 720 − 12 = 708, so every line's
// box is 660 wide. Axis labels: 2026-11, then quarter starts from the
// third month (2027-01, -04, -07, -10, 2028-01, -04, -07, -10). Markers
// (cliff, then order by): h100-use1 2027-08 and 2027-05, l4-usc1 2028-04
// and 2028-02, a100-usc1 2028-01 and 2027-09 (the figures of the example's
// PR comment).
func TestReportInBrowser(t *testing.T) {
	b := startBrowser(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"report", "--now", "2026-11-21", "--out", out, "../../testdata/example"},
		strings.NewReader(""), io.Discard, &stderr); code != exitPass {
		t.Fatalf("capcheck report: exit %d: %s", code, stderr.String())
	}
	url := "file://" + filepath.ToSlash(out)

	ticks := []string{"2026-11", "2027-01", "2027-04", "2027-07", "2027-10", "2028-01", "2028-04", "2028-07", "2028-10"}
	classes := []string{"capacity", "usable", "required", "scenario", "scenario"}
	want := []struct {
		heading string
		markers []string
	}{
		{"Pool h100-use1 (plan llm-platform)", []string{"cliff 2027-08", "order by 2027-05"}},
		{"Pool l4-usc1 (plan recsys)", []string{"cliff 2028-04", "order by 2028-02"}},
		{"Pool a100-usc1 (plan training)", []string{"cliff 2028-01", "order by 2027-09"}},
	}

	// 1280 px is a desktop window, where the chart shows at its 720 px;
	// 794 px is an A4 page at 96 px an inch (the review printed), where
	// the body's 1em padding leaves 794 − 2 × 14 = 766 px, still wider
	// than the chart.
	for _, width := range []int{1280, 794} {
		p := b.open(url, width, 2000)
		var got reportLayout
		p.eval(reportLayoutJS, &got)

		if got.Viewport != float64(width) {
			t.Fatalf("viewport %v px, want %d", got.Viewport, width)
		}
		if got.PageWidth > got.Viewport {
			t.Errorf("at %d px the page is %v px wide: it scrolls sideways", width, got.PageWidth)
		}
		for _, o := range got.Overflowing {
			t.Errorf("at %d px content overflows its box: %s", width, o)
		}
		for _, f := range got.Fetching {
			t.Errorf("an element would fetch: %s", f)
		}
		if len(got.Pools) != len(want) {
			t.Fatalf("at %d px: %d pool sections, want %d: %+v", width, len(got.Pools), len(want), got.Pools)
		}
		for i, w := range want {
			g := got.Pools[i]
			if g.Heading != w.heading {
				t.Errorf("pool section %d is %q, want %q", i, g.Heading, w.heading)
			}
			if g.Charts != 1 {
				t.Errorf("%s: %d charts, want 1", w.heading, g.Charts)
				continue
			}
			if g.Width != 720 {
				t.Errorf("%s at %d px: the chart is %v px wide, want its 720", w.heading, width, g.Width)
			}
			var gotClasses []string
			for _, l := range g.Lines {
				gotClasses = append(gotClasses, l.Class)
				if l.X != 48 || l.W != 660 || l.Points != 24 {
					t.Errorf("%s: line %s spans x %v + %v with %d points, want 48 + 660 with 24", w.heading, l.Class, l.X, l.W, l.Points)
				}
			}
			if diff := cmp.Diff(classes, gotClasses); diff != "" {
				t.Errorf("%s: lines (-want +got):\n%s", w.heading, diff)
			}
			if diff := cmp.Diff(w.markers, g.Markers); diff != "" {
				t.Errorf("%s: marker labels (-want +got):\n%s", w.heading, diff)
			}
			if diff := cmp.Diff(ticks, g.Ticks); diff != "" {
				t.Errorf("%s: axis labels (-want +got):\n%s", w.heading, diff)
			}
			for _, o := range g.Outside {
				t.Errorf("%s: chart text %q is drawn outside the chart", w.heading, o)
			}
			for _, o := range g.Overlaps {
				t.Errorf("%s: chart texts overlap: %s", w.heading, o)
			}
		}

		// Nothing was fetched but the page itself, and nothing was
		// logged (a style or element the policy refused would be).
		urls, failed := p.requests()
		if diff := cmp.Diff([]string{url}, urls); diff != "" {
			t.Errorf("requests while loading (-want +got):\n%s", diff)
		}
		if len(failed) > 0 {
			t.Errorf("failed requests: %v", failed)
		}
		for _, pr := range p.problems() {
			t.Errorf("the page logged: %s", pr)
		}

		// The policy holds in the browser: an image added after load is
		// refused before any request leaves.
		p.eval(cspProbeJS, nil)
		if why := p.failure(cspProbe); why != "csp" {
			t.Errorf("at %d px an image added after load failed with %q, want blocked by the policy (csp)", width, why)
		}
	}
}
