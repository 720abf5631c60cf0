package export

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/capcheck/capcheck/schema"
)

// GrafanaDashboard writes a Grafana dashboard (JSON, built with
// github.com/grafana/grafana-foundation-sdk/go) with, per pool that names
// Prometheus utilisation queries (plans and pools in name order), its GPU
// utilisation against the plan's warn_utilization and
// critical_utilization lines, and its reserved GPUs in use against
// reserved_utilization_min; and per workload with a Prometheus actuals
// query, its observed daily demand against the plan (demandPanel).
func GrafanaDashboard(w io.Writer, in Input) error {
	ps := append([]*schema.Plan(nil), in.Plans...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	b := dashboard.NewDashboardBuilder("capcheck: GPU capacity").
		Uid("capcheck-gpu-capacity").
		Tags([]string{"capcheck"}).
		Time("now-7d", "now")
	for _, p := range ps {
		if p == nil {
			continue
		}
		pol := p.Policy
		for _, n := range sortedKeys(p.Pools) {
			pool := p.Pools[n]
			if pool == nil || pool.Utilization == nil {
				continue
			}
			if u := pool.Utilization.GPU; u != nil && u.Prometheus != "" {
				b.WithPanel(fractionPanel(
					fmt.Sprintf("pool %s (plan %s): GPU utilisation", n, p.Name), u.Prometheus, "utilisation",
					[]dashboard.Threshold{step(nil, "green"), step(&pol.WarnUtilization, "orange"), step(&pol.CriticalUtilization, "red")}))
			}
			if u := pool.Utilization.Reservation; u != nil && u.Prometheus != "" {
				b.WithPanel(fractionPanel(
					fmt.Sprintf("pool %s (plan %s): reserved GPUs in use", n, p.Name), u.Prometheus, "reserved in use",
					[]dashboard.Threshold{step(nil, "orange"), step(&pol.ReservedUtilizationMin, "green")}))
			}
		}
		for _, n := range sortedKeys(p.Workloads) {
			if d, ok := planOf(p, n); ok {
				b.WithPanel(demandPanel(fmt.Sprintf("workload %s (plan %s): observed daily %s demand against the plan", n, p.Name, d.basis), d, pol.DriftTolerance))
			}
		}
	}
	d, err := b.Build()
	if err != nil {
		return fmt.Errorf("build the Grafana dashboard: %w", err)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the Grafana dashboard: %w", err)
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// fractionPanel is a time series of query (a fraction, shown 0–100%) with
// the threshold lines drawn.
func fractionPanel(title, query, legend string, steps []dashboard.Threshold) cog.Builder[dashboard.Panel] {
	return timeseries.NewPanelBuilder().
		Title(title).
		Unit("percentunit").
		Min(0).
		Max(1).
		Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine)).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(query).LegendFormat(legend).RefId("A"))
}

// demandPanel is a workload's observed daily demand (the statistic that
// matches its baseline) against the plan's baseline grown at plan_for's
// rate and the drift_tolerance band around it (CapcheckDemandDrift's
// lines), in requests/s.
func demandPanel(title string, d demandPlan, tol float64) cog.Builder[dashboard.Panel] {
	planned := d.expr()
	return timeseries.NewPanelBuilder().
		Title(title).
		Unit("reqps").
		WithTarget(prometheus.NewDataqueryBuilder().Expr(d.observedDaily()).LegendFormat("observed " + d.basis).RefId("A")).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(planned).LegendFormat("plan").RefId("B")).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(planned + " * " + num(1+tol)).LegendFormat("plan + drift_tolerance").RefId("C")).
		WithTarget(prometheus.NewDataqueryBuilder().Expr(planned + " * " + num(1-tol)).LegendFormat("plan − drift_tolerance").RefId("D"))
}

func step(v *float64, color string) dashboard.Threshold {
	if v != nil {
		x := *v
		v = &x
	}
	return dashboard.Threshold{Value: v, Color: color}
}
