// Package export writes what operators run next to a capacity plan, built
// from the plan itself: Prometheus alerting rules from its thresholds and
// utilisation queries (docs/ARCHITECTURE.md, "Outputs and exit codes").
// It renders only; loading the plans is the caller's.
package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/schema"
)

// rule is one Prometheus alerting rule.
type rule struct {
	alert, expr, forDur, severity string
	plan, pool, summary           string
}

// PrometheusRules writes a Prometheus rules file
// (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/),
// one group per plan that names a Prometheus utilisation query, for each
// such pool:
//
//   - CapcheckGPUUtilizationWarning / …Critical: utilization.gpu above
//     warn_utilization / critical_utilization (for 15m);
//   - CapcheckHeadroomBelowMin: observed headroom 1 − utilization.gpu below
//     headroom_min, written as utilisation above 1 − headroom_min (for 1h);
//   - CapcheckReservedUtilizationLow: utilization.reservation below
//     reserved_utilization_min (for 1d).
//
// Queries are the plan's own, in parentheses, and must yield fractions
// (0..1) as `capcheck audit` reads them. Plans and pools are in name order;
// a tree without queries gets `groups: []`.
func PrometheusRules(w io.Writer, plans []*schema.Plan) error {
	ps := append([]*schema.Plan(nil), plans...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	bw := bufio.NewWriter(w)
	groups := 0
	for _, p := range ps {
		if p == nil {
			continue
		}
		rules := planRules(p)
		if len(rules) == 0 {
			continue
		}
		if groups == 0 {
			bw.WriteString("groups:\n")
		}
		groups++
		fmt.Fprintf(bw, "  - name: %s\n    rules:\n", quote("capcheck-"+p.Name))
		for _, r := range rules {
			fmt.Fprintf(bw, "      - alert: %s\n", r.alert)
			fmt.Fprintf(bw, "        expr: %s\n", quote(r.expr))
			fmt.Fprintf(bw, "        for: %s\n", r.forDur)
			fmt.Fprintf(bw, "        labels:\n          severity: %s\n          capcheck_plan: %s\n          capcheck_pool: %s\n", r.severity, quote(r.plan), quote(r.pool))
			fmt.Fprintf(bw, "        annotations:\n          summary: %s\n", quote(r.summary))
		}
	}
	if groups == 0 {
		bw.WriteString("groups: []\n")
	}
	return bw.Flush()
}

func planRules(p *schema.Plan) []rule {
	names := make([]string, 0, len(p.Pools))
	for n := range p.Pools {
		names = append(names, n)
	}
	sort.Strings(names)
	pol := p.Policy
	var out []rule
	for _, n := range names {
		pool := p.Pools[n]
		if pool == nil || pool.Utilization == nil {
			continue
		}
		mk := func(alert, expr, forDur, severity, summary string) rule {
			return rule{alert: alert, expr: expr, forDur: forDur, severity: severity, plan: p.Name, pool: n,
				summary: "pool " + n + " (plan " + p.Name + "): " + summary}
		}
		if u := pool.Utilization.GPU; u != nil && u.Prometheus != "" {
			q := "(" + u.Prometheus + ")"
			out = append(out,
				mk("CapcheckGPUUtilizationWarning", q+" > "+num(pol.WarnUtilization), "15m", "warning",
					"GPU utilisation above the plan's warn_utilization "+pct(pol.WarnUtilization)),
				mk("CapcheckGPUUtilizationCritical", q+" > "+num(pol.CriticalUtilization), "15m", "critical",
					"GPU utilisation above the plan's critical_utilization "+pct(pol.CriticalUtilization)+"; latency SLOs are at risk"),
				mk("CapcheckHeadroomBelowMin", q+" > "+num(1-pol.HeadroomMin), "1h", "warning",
					"observed headroom (1 − GPU utilisation) below the plan's headroom_min "+pct(pol.HeadroomMin)))
		}
		if u := pool.Utilization.Reservation; u != nil && u.Prometheus != "" {
			out = append(out, mk("CapcheckReservedUtilizationLow", "("+u.Prometheus+") < "+num(pol.ReservedUtilizationMin), "1d", "info",
				"reserved GPUs in use below the plan's reserved_utilization_min "+pct(pol.ReservedUtilizationMin)+"; reserved capacity is paid for and idle"))
		}
	}
	return out
}

// quote is a YAML double-quoted scalar: a JSON string is one (without
// HTML escapes, so "> 0.7" reads as written).
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return `""`
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// num formats a threshold briefly, to six decimals (0.7, 0.85; 1 − 0.3
// is 0.7, not 0.7000000000000001).
func num(f float64) string { return strconv.FormatFloat(math.Round(f*1e6)/1e6, 'g', -1, 64) }

// pct formats a fraction as a percentage, to one decimal ("70%", "17.5%").
func pct(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(100*f, 'f', 1, 64), ".0") + "%"
}
