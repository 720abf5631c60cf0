package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// PrometheusRuleTests writes a promtool unit-test file
// (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/)
// for the rules PrometheusRules writes from the same input, loading
// in.RulesFile (default capcheck-rules.yml). Each alert with a threshold
// gets one test group per way it fires (CapcheckDemandDrift: above and
// below the plan): its recorded series sits `margin` on the quiet side of
// the threshold for 10 minutes, then `margin` across it
// (CapcheckGPUPodsPending: 0 pending pods, then 1; CapcheckPlanSpendOverBudget:
// the plan's spend split evenly over its pools' series, and another plan's
// pool above the threshold throughout). The alert must be
// absent at the last minute's evaluation before `for` has passed since
// the crossing (a shorter `for`, or a threshold moved past the quiet side,
// which makes the alert active from the start, fires there) and firing,
// with its labels and summary, at the first after (a longer `for`, or a
// threshold moved past the loud side, does not). Date alerts
// (CapcheckOrderByApproaching, CapcheckReservationExpiring) are not
// unit-tested: promtool's tests start at the Unix epoch and evaluate every
// minute up to each test's time, decades of evaluations.
func PrometheusRuleTests(w io.Writer, in Input) error {
	file := in.RulesFile
	if file == "" {
		file = "capcheck-rules.yml"
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "rule_files:\n  - %s\nevaluation_interval: 1m\n", quote(file))
	n := 0
	for _, g := range buildGroups(in) {
		for _, r := range g.rules {
			for _, c := range r.cross {
				if n == 0 {
					bw.WriteString("tests:\n")
				}
				n++
				writeCrossing(bw, r, c)
			}
		}
	}
	if n == 0 {
		bw.WriteString("tests: []\n")
	}
	return bw.Flush()
}

func writeCrossing(bw *bufio.Writer, r rule, c crossing) {
	// forMin is the evaluations (a minute apart) after the crossing until
	// the alert has been active for its `for`: 15 for 15m, 3 for 2m30s.
	forMin := int((r.forDur + time.Minute - 1) / time.Minute)
	quiet := 10 // minutes 0 … quiet−1 on the quiet side
	last := quiet + forMin + 1
	fmt.Fprintf(bw, "  - name: %s\n", quote(fmt.Sprintf("%s: %s, quiet for %dm then across for %s", r.alert, c.name, quiet, promDuration(r.forDur))))
	bw.WriteString("    interval: 1m\n    input_series:\n")
	for _, in := range c.inputs {
		values := make([]float64, last+1)
		for m := range values {
			values[m] = in.value(m, m >= quiet)
		}
		fmt.Fprintf(bw, "      - series: %s\n        values: %s\n", quote(in.series), quote(expandValues(values)))
	}
	bw.WriteString("    alert_rule_test:\n")
	for _, at := range []int{quiet - 1, quiet + forMin - 1} { // the first is for reading
		fmt.Fprintf(bw, "      - eval_time: %dm\n        alertname: %s\n        exp_alerts: []\n", at, r.alert)
	}
	fmt.Fprintf(bw, "      - eval_time: %dm\n        alertname: %s\n        exp_alerts:\n", quiet+forMin, r.alert)
	writeLabels(bw, "          - exp_labels:\n", "              ", append([]label{{"severity", r.severity}}, r.labels...))
	fmt.Fprintf(bw, "            exp_annotations:\n              summary: %s\n", quote(r.summary))
}

// expandValues is promtool's series notation for vs, one sample a step:
// a run of n+1 equal values is "v xn".
func expandValues(vs []float64) string {
	var parts []string
	for i := 0; i < len(vs); {
		j := i
		for j+1 < len(vs) && vs[j+1] == vs[i] {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%sx%d", exact(vs[i]), j-i))
		} else {
			parts = append(parts, exact(vs[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, " ")
}
