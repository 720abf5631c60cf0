package forecast

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit"
)

// readSeries parses a two-column timestamp,value CSV with a header (the NAB
// and prophet files). Test helper only: the package itself does no I/O.
func readSeries(t testing.TB, rel string) Series {
	t.Helper()
	// The shared data beside the repository: skipped if absent, failed
	// under CI=true.
	f, err := os.Open(testkit.NeedData(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var s Series
	for _, r := range rows[1:] {
		var ts time.Time
		for _, layout := range []string{time.DateTime, time.DateOnly} {
			if ts, err = time.Parse(layout, r[0]); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		s.Times = append(s.Times, ts)
		s.Values = append(s.Values, v)
	}
	return s
}

// readM4 reads the M4 train or test file: one series per row, id first,
// trailing empty cells for shorter series.
func readM4(t testing.TB, name string) map[string][]float64 {
	t.Helper()
	f, err := os.Open(testkit.NeedData(t, "m4_weekly/"+name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for _, row := range rows[1:] {
		var vs []float64
		for _, c := range row[1:] {
			if c == "" {
				break
			}
			v, err := strconv.ParseFloat(c, 64)
			if err != nil {
				t.Fatal(err)
			}
			vs = append(vs, v)
		}
		out[row[0]] = vs
	}
	return out
}

func split(s Series, hold int) (train Series, test []float64) {
	k := s.Len() - hold
	return Series{Times: s.Times[:k], Values: s.Values[:k]}, s.Values[k:]
}

// window is one held-out evaluation: fit on train, score the next
// len(test) points; m is the seasonal period that scales MASE and MSIS and
// that Naive2 adjusts for (M4: 1 for weekly data).
type window struct {
	set, series string
	train       Series
	test        []float64
	m           int
}

// scores are the M4 measures of one method over some windows: sums, to
// be averaged over windows (sMAPE, MASE, MSIS) or pooled over points
// (coverage).
type scores struct {
	windows, points    int
	smape, mase, msis  float64
	in80, in95         int
	seconds            float64
	intervals          bool // MSIS and coverage are defined
	naiveSMAPE, naiveM float64
}

func (s *scores) add(o scores) {
	s.windows += o.windows
	s.points += o.points
	s.smape += o.smape
	s.mase += o.mase
	s.msis += o.msis
	s.in80 += o.in80
	s.in95 += o.in95
	s.seconds += o.seconds
	s.intervals = o.intervals
	s.naiveSMAPE += o.naiveSMAPE
	s.naiveM += o.naiveM
}

// owa is the M4 overall weighted average against Naive2: the mean of the
// sMAPE and MASE ratios, each taken over the averages of the set.
func (s scores) owa() float64 {
	return 0.5 * (s.smape/s.naiveSMAPE + s.mase/s.naiveM)
}

// msisOf is the M4 mean scaled interval score of 95% intervals [lo, hi]
// (Gneiting & Raftery 2007): width plus 2/0.05 times each miss, over the
// in-sample seasonal-naive mean absolute error with period m.
func msisOf(train, test, lo, hi []float64, m int) (float64, error) {
	scale, err := naiveScale(train, m)
	if err != nil {
		return math.NaN(), err
	}
	const a = 0.05
	var sum float64
	for j, y := range test {
		sum += hi[j] - lo[j]
		if y < lo[j] {
			sum += 2 / a * (lo[j] - y)
		}
		if y > hi[j] {
			sum += 2 / a * (y - hi[j])
		}
	}
	return sum / float64(len(test)) / scale, nil
}

// naive2 is the M4 benchmark: the naive forecast of the seasonally
// adjusted series, reseasonalised, where the season (classical
// multiplicative decomposition) is used only when the autocorrelation at
// lag m passes the M4 90% test and the series holds three cycles.
func naive2(y []float64, h, m int) []float64 {
	n := len(y)
	idx := make([]float64, max(m, 1))
	for i := range idx {
		idx[i] = 1
	}
	if m > 1 && n >= 3*m && seasonalTest(y, m) && !slices.ContainsFunc(y, func(v float64) bool { return v <= 0 }) {
		sum, cnt := make([]float64, m), make([]int, m)
		half := m / 2
		for t := half; t+half < n; t++ {
			var ma float64
			if m%2 == 1 {
				for k := t - half; k <= t+half; k++ {
					ma += y[k]
				}
				ma /= float64(m)
			} else {
				for k := t - half + 1; k < t+half; k++ {
					ma += y[k]
				}
				ma = (ma + 0.5*(y[t-half]+y[t+half])) / float64(m)
			}
			sum[t%m] += y[t] / ma
			cnt[t%m]++
		}
		var mean float64
		for p := range m {
			idx[p] = sum[p] / float64(cnt[p])
			mean += idx[p] / float64(m)
		}
		for p := range m {
			idx[p] /= mean
		}
	}
	p := len(idx)
	last := y[n-1] / idx[(n-1)%p]
	out := make([]float64, h)
	for j := range out {
		out[j] = last * idx[(n+j)%p]
	}
	return out
}

// method forecasts one window: point forecasts and, when it has them, 80%
// and 95% intervals (nil otherwise).
type method struct {
	name string
	run  func(w window) (f, lo80, hi80, lo95, hi95 []float64, err error)
}

// fitMethod is Fit with opts (Horizon set per window).
func fitMethod(name string, opts Options) method {
	return method{name: name, run: func(w window) (f, lo80, hi80, lo95, hi95 []float64, err error) {
		o := opts
		o.Horizon = len(w.test)
		res, err := Fit(w.train, o)
		if err != nil {
			return nil, nil, nil, nil, nil, err
		}
		for _, p := range res.Forecast {
			f, lo80, hi80 = append(f, p.Value), append(lo80, p.Lo80), append(hi80, p.Hi80)
			lo95, hi95 = append(lo95, p.Lo95), append(hi95, p.Hi95)
		}
		return f, lo80, hi80, lo95, hi95, nil
	}}
}

// seasonalNaiveMethod is the textbook seasonal naive with period m(w)
// (naive for 1): the last cycle repeated, with the fpp3 intervals of
// [fitSeasonalNaive].
func seasonalNaiveMethod(name string, m func(w window) int) method {
	return method{name: name, run: func(w window) (f, lo80, hi80, lo95, hi95 []float64, err error) {
		mod, err := fitSeasonalNaive(spec{method: SeasonalNaive, period: m(w)}, w.train.Values)
		if err != nil {
			return nil, nil, nil, nil, nil, err
		}
		f, lo80, hi80, lo95, hi95 = mod.project(len(w.test))
		return f, lo80, hi80, lo95, hi95, nil
	}}
}

// longestCycle is the longest seasonal period Fit would use for a window
// (a week of hourly data, 52 weeks), when the window holds two cycles and
// four points; otherwise the window's own period.
func longestCycle(w window) int {
	long := map[int]int{24: 168, 1: 52}[w.m]
	if long > 0 && w.train.Len() >= 2*long+4 {
		return long
	}
	return w.m
}

func naive2Method() method {
	return method{name: "Naive2", run: func(w window) (f, lo80, hi80, lo95, hi95 []float64, err error) {
		return naive2(w.train.Values, len(w.test), w.m), nil, nil, nil, nil, nil
	}}
}

// score runs m on w and scores it, Naive2 alongside for OWA.
func (m method) score(t testing.TB, w window) scores {
	t.Helper()
	start := time.Now()
	f, lo80, hi80, lo95, hi95, err := m.run(w)
	secs := time.Since(start).Seconds()
	if err != nil {
		t.Fatalf("%s %s: %s: %v", w.set, w.series, m.name, err)
	}
	s := scores{windows: 1, points: len(w.test), seconds: secs, intervals: lo95 != nil}
	y := w.train.Values
	var e error
	if s.smape, e = SMAPE(w.test, f); e != nil {
		t.Fatal(e)
	}
	if s.mase, e = MASE(w.test, f, y, w.m); e != nil {
		t.Fatal(e)
	}
	n2 := naive2(y, len(w.test), w.m)
	s.naiveSMAPE, _ = SMAPE(w.test, n2)
	s.naiveM, _ = MASE(w.test, n2, y, w.m)
	if s.intervals {
		if s.msis, e = msisOf(y, w.test, lo95, hi95, w.m); e != nil {
			t.Fatal(e)
		}
		for j, v := range w.test {
			if v >= lo80[j] && v <= hi80[j] {
				s.in80++
			}
			if v >= lo95[j] && v <= hi95[j] {
				s.in95++
			}
		}
	}
	return s
}

// realWindows are held-out windows of the real series in ../shared/data:
// for each, the last `windows` horizon-long windows, each forecast from
// everything before it (rolling origin, the last part of the series held
// out). Sub-daily series are aggregated to hourly (and nyc_taxi also to
// daily) peaks.
func realWindows(t testing.TB, windows int) []window {
	t.Helper()
	hourly := func(rel string) Series {
		s, err := PeaksBy(readSeries(t, rel), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	dailyPeaks := func(rel string) Series {
		s, err := DailyPeaks(readSeries(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := []struct {
		name    string
		s       Series
		hold, m int
	}{
		{name: "nab/nyc_taxi (hourly peaks)", s: hourly("nab/nyc_taxi.csv"), hold: 48, m: 24},
		{name: "nab/nyc_taxi (daily peaks)", s: dailyPeaks("nab/nyc_taxi.csv"), hold: 28, m: 7},
		{name: "nab/cpu_utilization_asg_misconfiguration (hourly peaks)", s: hourly("nab/cpu_utilization_asg_misconfiguration.csv"), hold: 48, m: 24},
		{name: "nab/elb_request_count_8c0756 (hourly peaks)", s: hourly("nab/elb_request_count_8c0756.csv"), hold: 48, m: 24},
		{name: "nab/ec2_cpu_utilization_5f5533 (hourly peaks)", s: hourly("nab/ec2_cpu_utilization_5f5533.csv"), hold: 48, m: 24},
		{name: "nab/rds_cpu_utilization_cc0c53 (hourly peaks)", s: hourly("nab/rds_cpu_utilization_cc0c53.csv"), hold: 48, m: 24},
		{name: "wikipedia/peyton_manning (daily)", s: readSeries(t, "wikipedia/example_wp_log_peyton_manning.csv"), hold: 28, m: 7},
		{name: "wikipedia/retail_sales (monthly)", s: readSeries(t, "wikipedia/example_retail_sales.csv"), hold: 12, m: 12},
	}
	var out []window
	for _, c := range cases {
		n := c.s.Len()
		for k := windows; k >= 1; k-- {
			end := n - (k-1)*c.hold
			cut := end - c.hold
			out = append(out, window{set: "real", series: c.name, m: c.m,
				train: Series{Times: c.s.Times[:cut], Values: c.s.Values[:cut]}, test: c.s.Values[cut:end]})
		}
	}
	return out
}

// m4Windows are the 359 M4 Weekly series with their official 13-week
// test parts (MASE with m = 1, as M4 scored weekly data).
func m4Windows(t testing.TB) []window {
	t.Helper()
	train, test := readM4(t, "Weekly-train.csv"), readM4(t, "Weekly-test.csv")
	start := time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC)
	var out []window
	for i := 1; i <= 359; i++ {
		id := fmt.Sprintf("W%d", i)
		tr := train[id]
		s := Series{Values: tr, Times: make([]time.Time, len(tr))}
		for k := range tr {
			s.Times[k] = start.AddDate(0, 0, 7*k)
		}
		out = append(out, window{set: "M4 Weekly", series: id, train: s, test: test[id], m: 1})
	}
	return out
}

// evalMethods scores every method on every window, in parallel over
// windows, and returns the totals per method and per method and series.
func evalMethods(t testing.TB, ws []window, ms []method) (total []scores, perSeries []map[string]*scores) {
	t.Helper()
	res := make([][]scores, len(ms))
	for i := range ms {
		res[i] = make([]scores, len(ws))
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, m := range ms {
		for j, w := range ws {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				res[i][j] = m.score(t, w)
			}()
		}
	}
	wg.Wait()
	total = make([]scores, len(ms))
	perSeries = make([]map[string]*scores, len(ms))
	for i := range ms {
		perSeries[i] = map[string]*scores{}
		for j, w := range ws {
			total[i].add(res[i][j])
			ps := perSeries[i][w.series]
			if ps == nil {
				ps = &scores{}
				perSeries[i][w.series] = ps
			}
			ps.add(res[i][j])
		}
	}
	return total, perSeries
}

// table renders the M4 measures of each method over a set as Markdown.
func table(ms []method, total []scores) string {
	var b strings.Builder
	b.WriteString("| method | sMAPE | MASE | OWA | MSIS | 80% cover | 95% cover | s/series |\n|---|---|---|---|---|---|---|---|\n")
	for i, m := range ms {
		s := total[i]
		w := float64(s.windows)
		msis, c80, c95 := "—", "—", "—"
		if s.intervals {
			msis = fmt.Sprintf("%.3f", s.msis/w)
			c80 = fmt.Sprintf("%.1f%%", 100*float64(s.in80)/float64(s.points))
			c95 = fmt.Sprintf("%.1f%%", 100*float64(s.in95)/float64(s.points))
		}
		fmt.Fprintf(&b, "| %s | %.3f | %.3f | %.3f | %s | %s | %s | %.4f |\n",
			m.name, s.smape/w, s.mase/w, s.owa(), msis, c80, c95, s.seconds/w)
	}
	return b.String()
}

// seriesTable renders OWA, MSIS and coverage per series and method.
func seriesTable(ws []window, ms []method, per []map[string]*scores) string {
	var b strings.Builder
	b.WriteString("| series | windows × h |")
	for _, m := range ms {
		fmt.Fprintf(&b, " %s OWA |", m.name)
	}
	for i, m := range ms {
		if per[i][ws[0].series].intervals {
			fmt.Fprintf(&b, " %s MSIS / 80%% / 95%% |", m.name)
		}
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(ms)))
	for i := range ms {
		if per[i][ws[0].series].intervals {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	var seen []string
	for _, w := range ws {
		if slices.Contains(seen, w.series) {
			continue
		}
		seen = append(seen, w.series)
		fmt.Fprintf(&b, "| %s | %d × %d |", w.series, per[0][w.series].windows, len(w.test))
		for i := range ms {
			fmt.Fprintf(&b, " %.3f |", per[i][w.series].owa())
		}
		for i := range ms {
			s := per[i][w.series]
			if s.intervals {
				fmt.Fprintf(&b, " %.2f / %.0f%% / %.0f%% |", s.msis/float64(s.windows),
					100*float64(s.in80)/float64(s.points), 100*float64(s.in95)/float64(s.points))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// coverageBand is the pooled 80% coverage Fit's default intervals are
// held to on a set: what they measure now (BENCHMARKS.md) ± 2 points on
// M4 Weekly and ± 1.5 points on the real series. Scaling every width by
// 0.9 or 1.1 moves it outside the band on both sets (×0.9: 74.0% real
// and 77.2% M4; ×1.1: 79.5% = 980 of 1,232 points, above 79.3%, and
// 85.0%), so a change of interval width fails the test; the ±3 points
// around nominal alone would catch neither on the real series.
var coverageBand = map[string][2]float64{
	"real series": {0.763, 0.793}, // 77.4% now (954 of 1,232); 77.8% when set, before the harmonic candidates
	"M4 Weekly":   {0.794, 0.834}, // 81.4% now
}

// nominalSets are the sets on which both modes' pooled 80% and 95%
// coverage must lie within ±3 points of nominal (issue 13). On the real
// series only the 80% coverage must: their held-out windows hold level
// shifts (rds ×2–3.5, ec2 −15%) and the nyc_taxi blizzard that no
// history before them shows, and at 95% those three windows alone keep
// pooled coverage below 92% (BENCHMARKS.md); realFloor holds the 95%
// coverage to what it measures now minus 2 points.
var nominalSets = []string{"M4 Weekly"}

// realFloor is the pooled 95% coverage, by mode, below which the real
// series fail: today's figures minus 2 points.
var realFloor = map[string]float64{
	"Fit default":       0.855, // 87.3% now (87.5% when set)
	"Fit --select aicc": 0.867, // 88.6% now (88.7% when set)
}

// TestAccuracyTable prints the tables of BENCHMARKS.md ("Forecast
// accuracy"): Fit's default and AICc modes beside seasonal naive, naive
// and Naive2 on M4 Weekly and on held-out windows of the real series, and
// asserts that the default beats every seasonal naive on OWA on each set,
// that both modes' coverage is within ±3 points of nominal on the
// nominalSets (elsewhere at 80%, with 95% above realFloor), that the default's 80%
// coverage stays in coverageBand, and that the same check fails when the
// interval widths are scaled by 0.9 or 1.1.
func TestAccuracyTable(t *testing.T) {
	if testing.Short() {
		t.Skip("real-data accuracy run skipped in -short mode")
	}
	ms := []method{
		fitMethod("Fit default", Options{}),
		fitMethod("Fit --select aicc", Options{Selection: SelectAICc}),
		seasonalNaiveMethod("seasonal naive", func(w window) int { return w.m }),
		seasonalNaiveMethod("seasonal naive, longest cycle", longestCycle),
		seasonalNaiveMethod("naive", func(window) int { return 1 }),
		naive2Method(),
		fitMethod("Fit default, widths ×0.9", Options{widthScale: 0.9}),
		fitMethod("Fit default, widths ×1.1", Options{widthScale: 1.1}),
	}
	const shown = 6 // the mutated widths are not part of the tables
	for _, set := range []struct {
		name string
		ws   func(testing.TB) []window
	}{{"real series", func(t testing.TB) []window { return realWindows(t, 4) }}, {"M4 Weekly", m4Windows}} {
		t.Run(set.name, func(t *testing.T) { accuracySet(t, set.name, set.ws(t), ms, shown) })
	}
}

// accuracySet scores ms on one set's windows and asserts TestAccuracyTable's
// checks on it.
func accuracySet(t *testing.T, name string, ws []window, ms []method, shown int) {
	total, per := evalMethods(t, ws, ms)
	t.Logf("%s (%d windows):\n%s", name, len(ws), table(ms[:shown], total[:shown]))
	if name == "real series" {
		t.Logf("per series:\n%s", seriesTable(ws, ms[:shown], per[:shown]))
	}
	def := total[0]
	for i := 2; i <= 4; i++ {
		if def.owa() >= total[i].owa() {
			t.Errorf("%s: default OWA %.3f does not beat %s (%.3f)", name, def.owa(), ms[i].name, total[i].owa())
		}
	}
	for _, i := range []int{0, 1} {
		c80 := float64(total[i].in80) / float64(total[i].points)
		c95 := float64(total[i].in95) / float64(total[i].points)
		if slices.Contains(nominalSets, name) {
			if math.Abs(c80-0.80) > 0.03 || math.Abs(c95-0.95) > 0.03 {
				t.Errorf("%s: %s: coverage %.3f / %.3f, want 0.80 / 0.95 ± 0.03", name, ms[i].name, c80, c95)
			}
			continue
		}
		if f := realFloor[ms[i].name]; math.Abs(c80-0.80) > 0.03 || c95 < f {
			t.Errorf("%s: %s: coverage %.3f / %.3f, want 0.80 ± 0.03 and at least %.3f", name, ms[i].name, c80, c95, f)
		}
	}
	band := coverageBand[name]
	inBand := func(s scores) bool {
		c := float64(s.in80) / float64(s.points)
		return c >= band[0] && c <= band[1]
	}
	if !inBand(def) {
		t.Errorf("%s: default 80%% coverage %.3f outside [%.3f, %.3f]", name, float64(def.in80)/float64(def.points), band[0], band[1])
	}
	for _, i := range []int{6, 7} {
		t.Logf("%s: %s: coverage %.1f%% / %.1f%%", name, ms[i].name,
			100*float64(total[i].in80)/float64(total[i].points), 100*float64(total[i].in95)/float64(total[i].points))
		if inBand(total[i]) {
			t.Errorf("%s: %s: coverage %.3f still inside [%.3f, %.3f]: the check does not notice wrong widths",
				name, ms[i].name, float64(total[i].in80)/float64(total[i].points), band[0], band[1])
		}
	}
	if name == "M4 Weekly" {
		// The metric code against the published M4 Naive2 figures.
		n2 := total[5]
		s, m := n2.smape/float64(n2.windows), n2.mase/float64(n2.windows)
		if math.Abs(s-9.161) > 0.0015 || math.Abs(m-2.777) > 0.0015 {
			t.Errorf("Naive2 sMAPE %.4f MASE %.4f, want 9.161 and 2.777 (published)", s, m)
		}
	}
}
