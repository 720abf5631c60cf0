// Package export writes what operators run next to a capacity plan, built
// from the plan itself: Prometheus alerting rules (a rules file or a
// PrometheusRule manifest, and their promtool unit tests) from its
// thresholds and utilisation queries, and a Grafana
// dashboard (docs/ARCHITECTURE.md, "Outputs and exit codes"). It renders
// only; loading and evaluating the plans is the caller's.
package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/gregorian"
	"github.com/capcheck/capcheck/schema"
)

// Input is what the exports are built from: the plans, and the pools as
// the capacity model evaluated them (for dates such as order-by; nil
// when not evaluated).
type Input struct {
	Plans []*schema.Plan
	Pools []evaluator.PoolSummary
	// Docs are the evaluated pools in full (for the reservations that
	// expire while demand remains); nil when not evaluated.
	Docs []evaluator.PoolDoc
	// RulesFile is the rules file the promtool unit tests load
	// (PrometheusRuleTests), relative to the test file.
	RulesFile string
	// Manifest, when set, makes PrometheusRules write its rules as a
	// PrometheusRule manifest with this metadata (PrometheusRuleManifest).
	Manifest *Manifest
}

// Recorded series: each plan query is recorded once under a capcheck name
// with capcheck_plan and capcheck_pool (or capcheck_workload) labels, and
// the alerts read the recorded series, so the promtool unit tests drive
// the alerts without knowing the plan's metrics
// (https://prometheus.io/docs/practices/rules/).
const (
	seriesGPU      = "capcheck:gpu_utilization:ratio"
	seriesReserved = "capcheck:reserved_utilization:ratio"
	seriesRate     = "capcheck:workload_demand:rate"
	seriesDemand   = "capcheck:workload_demand:observed_1d"
	// seriesSpend is a pool's observed spend in USD per month.
	seriesSpend = "capcheck:pool_spend:usd_per_month"
	// seriesPending is the number of a pool's GPU pods waiting to be
	// scheduled.
	seriesPending = "capcheck:pool_pending_gpu_pods:count"
	// seriesQueue is the depth of the queue in front of a pool (recorded
	// for the dashboard; nothing alerts on it).
	seriesQueue = "capcheck:pool_queue_depth:count"
	// seriesDependency is a dependency's observed usage of one limit, in
	// the limit's unit, labelled capcheck_dependency and capcheck_limit.
	seriesDependency = "capcheck:dependency_usage:limit_unit"
)

// defaultScaleUp is how long a pending GPU pod may wait before
// CapcheckGPUPodsPending fires when the pool gives no scale_up_minutes
// (schema/plan.cue).
const defaultScaleUp = 10 * time.Minute

// record is one recording rule, and a note on it written as a comment
// above it ("" none: a query recorded but not alerted on says why).
type record struct {
	name, expr string
	labels     []label
	note       string
}

type label struct{ name, value string }

// rule is one Prometheus alerting rule, with the crossing its unit test
// drives (nil: not unit-tested, e.g. a date).
type rule struct {
	alert, expr string
	forDur      time.Duration
	severity    string
	labels      []label
	summary     string
	cross       []crossing
	note        string // a comment above the rule ("" none)
}

// crossing is one way an alert's inputs cross its threshold: each input's
// value(t, loud) is its recorded series' sample at t (minutes from the
// test's start) on the quiet side (loud false) or just across (loud true).
type crossing struct {
	name   string
	inputs []input
}

// input is one series a crossing's test writes: the recorded series'
// selector, with its labels, and its samples (value as in crossing).
type input struct {
	series string
	value  func(minute int, loud bool) float64
}

// margin is how far past (or short of) a threshold the unit tests' samples
// sit: a threshold off by more than this fails them.
const margin = 0.001

// orderByWarning is how long before a pool's order-by date
// CapcheckOrderByApproaching fires.
const orderByWarning = 30 * 24 * time.Hour

// group is the rules of one plan, and notes written as comments above
// them (what the plan would alert on and why it does not).
type group struct {
	name    string
	notes   []string
	records []record
	rules   []rule
}

// PrometheusRules writes a Prometheus rules file
// (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/),
// one group per plan with anything to alert on. Each pool's
// utilization.gpu and utilization.reservation Prometheus queries (fractions
// 0..1, as `capcheck audit` reads them) and each workload's
// actuals.prometheus demand query are recorded (seriesGPU, seriesReserved,
// seriesRate, and seriesDemand: the daily statistic of seriesRate that
// matches the plan's baseline), and alerted on:
//
//   - CapcheckGPUUtilizationWarning / …Critical: GPU utilisation above
//     warn_utilization / critical_utilization (for 15m);
//   - CapcheckHeadroomBelowMin: observed headroom 1 − utilisation below
//     headroom_min, written as utilisation above 1 − headroom_min (for 1h);
//   - CapcheckReservedUtilizationLow: reserved GPUs in use below
//     reserved_utilization_min (for 1d);
//   - CapcheckSpendOverBudget: the pool's utilization.spend (USD a month,
//     seriesSpend) above budget_monthly × (1 + budget_tolerance) (for 1h),
//     when the pool has a budget_monthly; without one the spend is
//     recorded and a comment above the record says it is not alerted on;
//   - CapcheckPlanSpendOverBudget: the sum of the plan's pools' spend
//     above the plan's budget.monthly × (1 + budget_tolerance) (for 1h),
//     when the plan has a budget and a pool a spend query; pools without
//     one are named in its summary and a comment (planSpendRule);
//   - CapcheckGPUPodsPending: the pool's utilization.pending_gpu_pods
//     (seriesPending) above 0 for longer than its scale_up_minutes
//     (default 10): autoscaling slower than the plan expects;
//   - CapcheckDependencyNearLimit / …AtLimit: a dependency's usage of a
//     limit (usage.LIMIT, in the limit's unit; used_gb against a storage
//     dependency's capacity_gb; seriesDependency) above warn_utilization /
//     critical_utilization of the limit (for 15m);
//   - CapcheckDemandDrift: the day's observed demand more than
//     drift_tolerance away from the plan's baseline grown at plan_for's
//     monthly rate since as_of (baseline × (1 + g)^(months since as_of), a
//     mean Gregorian month; events and step events are not modelled, so
//     the alert may fire during one) (for 1h);
//   - CapcheckOrderByApproaching: 30 days before each pool's order-by date
//     (the last day to order capacity before its cliff), when the pools
//     were evaluated.
//   - CapcheckReservationExpiring: 30 days before the last day to order a
//     replacement of each reservation that ends while the pool still needs
//     capacity (its last day + 1 − the lead time), when evaluated.
//
// A pool's utilization.queue_depth is recorded (seriesQueue) for the
// dashboard and not alerted on. Plans, pools, dependencies and limits are
// in name order; a tree with nothing to alert on gets `groups: []`.
//
// With in.Manifest it writes them as a PrometheusRule manifest instead
// (PrometheusRuleManifest). A query Prometheus would refuse as written
// (checkQueries) is an error at its place in the plan, and nothing is
// written. Names from the plan (any string its schema allows) are
// written quoted, in comments escaped to one line, and in an alert's
// labels and summary as template text that expands to them.
func PrometheusRules(w io.Writer, in Input) error {
	if m := in.Manifest; m != nil {
		in.Manifest = nil
		return PrometheusRuleManifest(w, in, *m)
	}
	if err := checkQueries(in.Plans); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	groups := buildGroups(in)
	if len(groups) == 0 {
		bw.WriteString("groups: []\n")
		return bw.Flush()
	}
	bw.WriteString("groups:\n")
	for _, g := range groups {
		fmt.Fprintf(bw, "  - name: %s\n    rules:\n", quote(g.name))
		for _, n := range g.notes {
			fmt.Fprintf(bw, "      # %s\n", comment(n))
		}
		for _, r := range g.records {
			if r.note != "" {
				fmt.Fprintf(bw, "      # %s\n", comment(r.note))
			}
			fmt.Fprintf(bw, "      - record: %s\n", r.name)
			fmt.Fprintf(bw, "        expr: %s\n", quote(r.expr))
			writeLabels(bw, "        labels:\n", "          ", r.labels)
		}
		for _, r := range g.rules {
			if r.note != "" {
				fmt.Fprintf(bw, "      # %s\n", comment(r.note))
			}
			fmt.Fprintf(bw, "      - alert: %s\n", r.alert)
			fmt.Fprintf(bw, "        expr: %s\n", quote(r.expr))
			fmt.Fprintf(bw, "        for: %s\n", promDuration(r.forDur))
			// An alert's labels and annotations are Go templates to
			// Prometheus; the names in them are not.
			ls := []label{{"severity", r.severity}}
			for _, l := range r.labels {
				ls = append(ls, label{l.name, templateText(l.value)})
			}
			writeLabels(bw, "        labels:\n", "          ", ls)
			fmt.Fprintf(bw, "        annotations:\n          summary: %s\n", quote(templateText(r.summary)))
		}
	}
	return bw.Flush()
}

// templateText is s as the text of a Go template that expands to s, as
// Prometheus expands an alert's labels and annotations
// (https://prometheus.io/docs/prometheus/latest/configuration/template_reference/):
// each "{{" (in a pool, plan or workload name) written as an action
// that prints it.
func templateText(s string) string {
	return strings.ReplaceAll(s, "{{", `{{"{{"}}`)
}

// Manifest is the metadata of a PrometheusRule manifest: its name (a
// DNS-1123 subdomain), namespace ("" none: the one kubectl applies it
// in) and labels (for the Prometheus Operator's ruleSelector, e.g.
// release: kube-prometheus-stack).
type Manifest struct {
	Name, Namespace string
	Labels          map[string]string
}

// ManifestName is the PrometheusRule name derived from the repository's
// directory name: "capcheck-" and the name lowercased, each run of other
// characters than a-z and 0-9 a "-", at most 253 characters (a DNS-1123
// subdomain); "capcheck" when nothing is left.
func ManifestName(repo string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(repo) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "capcheck"
	}
	name := "capcheck-" + b.String()
	if len(name) > validation.DNS1123SubdomainMaxLength {
		name = strings.TrimRight(name[:validation.DNS1123SubdomainMaxLength], "-")
	}
	return name
}

// Resolve is the manifest that `capcheck export KIND --format FORMAT` of
// the repository at root writes with m's metadata flags: nil for the
// rules file (FORMAT rules), else m with its name, when not given,
// derived from root's directory name (ManifestName) and validated. An
// unknown format, metadata flags without --format manifest, or either
// for another kind than prometheus-rules are errors naming the flag.
func (m Manifest) Resolve(kind, format, root string) (*Manifest, error) {
	if format != "rules" && format != "manifest" {
		return nil, fmt.Errorf("unknown --format %q (want rules or manifest)", format)
	}
	flags := map[string]bool{"--format": format != "rules", "--name": m.Name != "", "--namespace": m.Namespace != "", "--label": len(m.Labels) > 0}
	for _, f := range sortedKeys(flags) {
		if flags[f] && kind != "prometheus-rules" {
			return nil, fmt.Errorf("%s is for prometheus-rules", f)
		}
		if flags[f] && format == "rules" {
			return nil, fmt.Errorf("%s is for --format manifest", f)
		}
	}
	if format == "rules" {
		return nil, nil
	}
	if m.Name == "" {
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, err
		}
		m.Name = ManifestName(filepath.Base(abs))
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate reports the first of m's name, namespace and labels (in key
// order) that Kubernetes would reject, naming the flag that sets it.
func (m Manifest) Validate() error {
	if errs := validation.IsDNS1123Subdomain(m.Name); len(errs) > 0 {
		return fmt.Errorf("--name %q is not a valid PrometheusRule name: %s", m.Name, strings.Join(errs, "; "))
	}
	if m.Namespace != "" {
		if errs := validation.IsDNS1123Label(m.Namespace); len(errs) > 0 {
			return fmt.Errorf("--namespace %q is not a valid namespace: %s", m.Namespace, strings.Join(errs, "; "))
		}
	}
	for _, k := range sortedKeys(m.Labels) {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("--label %q: the key is not a valid label key: %s", k+"="+m.Labels[k], strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(m.Labels[k]); len(errs) > 0 {
			return fmt.Errorf("--label %q: the value is not a valid label value: %s", k+"="+m.Labels[k], strings.Join(errs, "; "))
		}
	}
	return nil
}

// PrometheusRuleManifest writes the rules PrometheusRules writes as a
// Prometheus Operator PrometheusRule manifest
// (https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule):
// m's metadata, and spec the rules file indented by two spaces, so that
// spec.groups is the rules file's groups byte for byte (comments
// included).
func PrometheusRuleManifest(w io.Writer, in Input, m Manifest) error {
	if err := m.Validate(); err != nil {
		return err
	}
	var rules strings.Builder
	if err := PrometheusRules(&rules, in); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: %s\n", quote(m.Name))
	if m.Namespace != "" {
		fmt.Fprintf(bw, "  namespace: %s\n", quote(m.Namespace))
	}
	if len(m.Labels) > 0 {
		bw.WriteString("  labels:\n")
		for _, k := range sortedKeys(m.Labels) {
			fmt.Fprintf(bw, "    %s: %s\n", quote(k), quote(m.Labels[k]))
		}
	}
	bw.WriteString("spec:\n")
	for _, line := range strings.SplitAfter(rules.String(), "\n") {
		if line != "" {
			bw.WriteString("  " + line)
		}
	}
	return bw.Flush()
}

func writeLabels(bw *bufio.Writer, head, indent string, ls []label) {
	bw.WriteString(head)
	for _, l := range ls {
		fmt.Fprintf(bw, "%s%s: %s\n", indent, l.name, quote(l.value))
	}
}

func buildGroups(in Input) []group {
	ps := append([]*schema.Plan(nil), in.Plans...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	var out []group
	for _, p := range ps {
		if p == nil {
			continue
		}
		g := group{name: "capcheck-" + p.Name}
		planGroup(&g, p, in)
		if len(g.records)+len(g.rules) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func planGroup(g *group, p *schema.Plan, in Input) {
	pol := p.Policy
	for _, n := range sortedKeys(p.Pools) {
		pool := p.Pools[n]
		if pool == nil {
			continue
		}
		ls := []label{{"capcheck_plan", p.Name}, {"capcheck_pool", n}}
		about := "pool " + n + " (plan " + p.Name + "): "
		if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.GPU }); u != "" {
			sel := selector(seriesGPU, ls)
			g.records = append(g.records, record{name: seriesGPU, expr: u, labels: ls})
			g.rules = append(g.rules,
				above("CapcheckGPUUtilizationWarning", sel, pol.WarnUtilization, 15*time.Minute, "warning", ls,
					about+"GPU utilisation above the plan's warn_utilization "+pct(pol.WarnUtilization)),
				above("CapcheckGPUUtilizationCritical", sel, pol.CriticalUtilization, 15*time.Minute, "critical", ls,
					about+"GPU utilisation above the plan's critical_utilization "+pct(pol.CriticalUtilization)+"; latency SLOs are at risk"),
				above("CapcheckHeadroomBelowMin", sel, 1-pol.HeadroomMin, time.Hour, "warning", ls,
					about+"observed headroom (1 − GPU utilisation) below the plan's headroom_min "+pct(pol.HeadroomMin)))
		}
		if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.Reservation }); u != "" {
			sel := selector(seriesReserved, ls)
			g.records = append(g.records, record{name: seriesReserved, expr: u, labels: ls})
			g.rules = append(g.rules, below("CapcheckReservedUtilizationLow", sel, pol.ReservedUtilizationMin, 24*time.Hour, "info", ls,
				about+"reserved GPUs in use below the plan's reserved_utilization_min "+pct(pol.ReservedUtilizationMin)+"; reserved capacity is paid for and idle"))
		}
		poolQueries(g, p, pool, ls, about)
		if r, ok := orderByRule(p.Name, n, in.Pools, ls, about); ok {
			g.rules = append(g.rules, r)
		}
		g.rules = append(g.rules, expiringRules(p.Name, pool, in.Docs, ls, about)...)
	}
	planSpendRule(g, p)
	for _, n := range sortedKeys(p.Workloads) {
		if recs, r, ok := driftRule(p, n); ok {
			g.records = append(g.records, recs...)
			g.rules = append(g.rules, r)
		}
	}
	for _, n := range sortedKeys(p.Dependencies) {
		dependencyRules(g, p, n)
	}
}

// poolQueries records the pool's spend, pending GPU pods and queue depth
// queries of plan p and alerts on the first two. The spend queries are
// USD (schema/plan.cue) and budget_monthly is in the plan's currency: a
// pool of a plan in another currency has its spend recorded, with a
// comment, and not alerted on (as planSpendRule does).
func poolQueries(g *group, p *schema.Plan, pool *schema.Pool, ls []label, about string) {
	pol := p.Policy
	if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.Spend }); u != "" {
		cur := "USD"
		if p.Budget != nil && p.Budget.Currency != "" {
			cur = p.Budget.Currency
		}
		switch {
		case pool.BudgetMonthly > 0 && cur != "USD":
			g.records = append(g.records, record{name: seriesSpend, expr: u, labels: ls,
				note: about + "utilization.spend is recorded but not alerted on: budget_monthly is in " + cur + " and utilization.spend is USD"})
		case pool.BudgetMonthly > 0:
			limit := pool.BudgetMonthly * (1 + pol.BudgetTolerance)
			g.records = append(g.records, record{name: seriesSpend, expr: u, labels: ls})
			g.rules = append(g.rules, above("CapcheckSpendOverBudget", selector(seriesSpend, ls), limit, time.Hour, "warning", ls,
				fmt.Sprintf("%sspend above the pool's budget_monthly %s USD by more than the plan's budget_tolerance %s (%s USD a month)",
					about, num(pool.BudgetMonthly), pct(pol.BudgetTolerance), num(limit))))
		default:
			g.records = append(g.records, record{name: seriesSpend, expr: u, labels: ls,
				note: about + "utilization.spend is recorded but not alerted on: the pool has no budget_monthly"})
		}
	}
	if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.PendingGPUPods }); u != "" {
		sel := selector(seriesPending, ls)
		g.records = append(g.records, record{name: seriesPending, expr: u, labels: ls})
		wait, given := scaleUp(pool)
		stated := "scale_up_minutes " + num(pool.ScaleUpMinutes)
		if !given {
			stated = "default scale-up time of " + num(defaultScaleUp.Minutes()) + " minutes (no scale_up_minutes)"
		}
		g.rules = append(g.rules, rule{alert: "CapcheckGPUPodsPending", expr: sel + " > 0", forDur: wait, severity: "warning", labels: ls,
			summary: about + "GPU pods have waited to be scheduled for longer than the pool's " + stated + "; autoscaling is slower than the plan expects",
			// none pending, then one: an alert on >= 0 fires from the start,
			// one on > 1 never.
			cross: []crossing{{name: sel + " > 0", inputs: []input{{series: sel, value: func(_ int, loud bool) float64 {
				if loud {
					return 1
				}
				return 0
			}}}}}})
	}
	if u := utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.QueueDepth }); u != "" {
		g.records = append(g.records, record{name: seriesQueue, expr: u, labels: ls})
	}
}

// planSpendRule is CapcheckPlanSpendOverBudget for a plan with a
// budget.monthly: the sum of its pools' recorded spend (seriesSpend, this
// plan's only) above budget.monthly × (1 + budget_tolerance) (for 1h).
// The sum is of the pools with a utilization.spend query; when some pools
// have none it is a lower bound of the plan's spend, so the alert is
// still emitted (when it fires the plan is over budget) and its summary
// and a comment above it say how many pools it sums and which it misses
// (it fires late, or never, when their spend would tip the plan over).
// Without any spend query there is nothing to sum and no alert. The spend
// queries are USD (schema/plan.cue): a budget in another currency is not
// compared with them, and a comment says so.
func planSpendRule(g *group, p *schema.Plan) {
	if p.Budget == nil || p.Budget.Monthly <= 0 {
		return
	}
	var spent, missing []string
	for _, n := range sortedKeys(p.Pools) {
		if pool := p.Pools[n]; pool == nil {
			continue
		} else if utilQuery(pool, func(q *schema.UtilizationQueries) *schema.Actuals { return q.Spend }) != "" {
			spent = append(spent, n)
		} else {
			missing = append(missing, n)
		}
	}
	if len(spent) == 0 {
		return
	}
	about := "plan " + p.Name + ": "
	if c := p.Budget.Currency; c != "" && c != "USD" {
		g.notes = append(g.notes, fmt.Sprintf("%sthe sum of the pools' spend is not alerted on against budget.monthly: the budget is in %s and utilization.spend is USD", about, c))
		return
	}
	ls := []label{{"capcheck_plan", p.Name}}
	limit := round6(p.Budget.Monthly * (1 + p.Policy.BudgetTolerance))
	sel := selector(seriesSpend, ls)
	sum := "sum by (capcheck_plan) (" + sel + ")"
	of := fmt.Sprintf("its %d pools (%s)", len(spent), strings.Join(spent, ", "))
	if len(spent) == 1 {
		of = "its pool " + spent[0]
	}
	rest, note := "", ""
	if len(missing) > 0 {
		of = fmt.Sprintf("%d of its %d pools (%s)", len(spent), len(spent)+len(missing), strings.Join(spent, ", "))
		none, is := strings.Join(missing, ", ")+" has no utilization.spend query", "is"
		if len(missing) > 1 {
			none, is = strings.Join(missing, ", ")+" have no utilization.spend query", "are"
		}
		rest = "; " + none + " and " + is + " not counted, so the plan spends more"
		note = fmt.Sprintf("%sCapcheckPlanSpendOverBudget sums the spend of %d of its %d pools: %s, so the sum is a lower bound and the alert fires late, or not at all, when the uncounted spend tips the plan over its budget",
			about, len(spent), len(spent)+len(missing), none)
	}
	r := rule{alert: "CapcheckPlanSpendOverBudget", expr: sum + " > " + num(limit), forDur: time.Hour, severity: "warning", labels: ls, note: note,
		summary: fmt.Sprintf("%sspend of %s above the plan's budget.monthly %s USD by more than its budget_tolerance %s (%s USD a month)%s",
			about, of, num(p.Budget.Monthly), pct(p.Policy.BudgetTolerance), num(limit), rest)}
	// The test splits the plan's spend evenly over its pools with a spend
	// query, none of them above the limit alone (an alert on one pool's
	// spend, or on their max, never fires), and adds another plan's pool
	// spending more than the limit (an alert on every plan's spend fires
	// from the start).
	k := float64(len(spent))
	c := crossing{name: sum + " > " + num(limit)}
	for _, n := range spent {
		c.inputs = append(c.inputs, input{series: selector(seriesSpend, append(append([]label(nil), ls...), label{"capcheck_pool", n})),
			value: func(_ int, loud bool) float64 {
				if loud {
					return (limit + margin) / k
				}
				return (limit - margin) / k
			}})
	}
	other := []label{{"capcheck_plan", p.Name + "-other"}, {"capcheck_pool", spent[0]}}
	c.inputs = append(c.inputs, input{series: selector(seriesSpend, other), value: func(int, bool) float64 { return limit + 1 }})
	r.cross = []crossing{c}
	g.rules = append(g.rules, r)
}

// scaleUp is how long the pool's GPU pods may wait to be scheduled:
// scale_up_minutes in whole seconds, rounded up (true), else
// defaultScaleUp (false).
func scaleUp(pool *schema.Pool) (time.Duration, bool) {
	if pool.ScaleUpMinutes <= 0 {
		return defaultScaleUp, false
	}
	return time.Duration(math.Ceil(round6(pool.ScaleUpMinutes*60))) * time.Second, true
}

// dependencyRules records each usage query of dependency name and alerts
// on it above warn_utilization and critical_utilization of its limit.
func dependencyRules(g *group, p *schema.Plan, name string) {
	d := p.Dependencies[name]
	if d == nil {
		return
	}
	for _, limitName := range sortedKeys(d.Usage) {
		a := d.Usage[limitName]
		if a == nil || a.Prometheus == "" {
			continue
		}
		ls := []label{{"capcheck_plan", p.Name}, {"capcheck_dependency", name}, {"capcheck_limit", limitName}}
		about := fmt.Sprintf("dependency %s (plan %s): ", name, p.Name)
		limit := limitOf(d, limitName)
		if limit <= 0 { // the schema requires the limit; say so rather than alert on 0
			g.records = append(g.records, record{name: seriesDependency, expr: a.Prometheus, labels: ls,
				note: about + "usage." + limitName + " is recorded but not alerted on: the dependency gives no " + limitName + " limit"})
			continue
		}
		g.records = append(g.records, record{name: seriesDependency, expr: a.Prometheus, labels: ls})
		used, of := limitName+" usage", "the limit "+num(limit)
		if limitName == "used_gb" {
			used, of = "used_gb", "capacity_gb "+num(limit)
		}
		sel := selector(seriesDependency, ls)
		raise := ""
		if d.LeadTimeWeeks > 0 {
			raise = "; raising it takes " + num(d.LeadTimeWeeks) + " weeks"
		}
		over := func(f float64, what string) string {
			return fmt.Sprintf("%s above the plan's %s %s of %s (%s)", used, what, pct(f), of, num(f*limit))
		}
		g.rules = append(g.rules,
			above("CapcheckDependencyNearLimit", sel, p.Policy.WarnUtilization*limit, 15*time.Minute, "warning", ls,
				about+over(p.Policy.WarnUtilization, "warn_utilization")+raise),
			above("CapcheckDependencyAtLimit", sel, p.Policy.CriticalUtilization*limit, 15*time.Minute, "critical", ls,
				about+over(p.Policy.CriticalUtilization, "critical_utilization")+raise))
	}
}

// limitOf is dependency d's limit that usage key name is observed
// against: the named limit, capacity_gb for used_gb; 0 when not given.
func limitOf(d *schema.Dependency, name string) float64 {
	if name == "used_gb" {
		return d.CapacityGB
	}
	if d.Limits == nil {
		return 0
	}
	switch name {
	case "tokens_per_minute":
		return d.Limits.TokensPerMinute
	case "requests_per_minute":
		return d.Limits.RequestsPerMinute
	case "queries_per_s":
		return d.Limits.QueriesPerS
	case "gbit_per_s":
		return d.Limits.GbitPerS
	}
	return 0
}

func utilQuery(pool *schema.Pool, pick func(*schema.UtilizationQueries) *schema.Actuals) string {
	if pool.Utilization == nil {
		return ""
	}
	if a := pick(pool.Utilization); a != nil {
		return a.Prometheus
	}
	return ""
}

// above is an alert on sel rising above t; its test crosses t by margin.
func above(alert, sel string, t float64, forDur time.Duration, severity string, ls []label, summary string) rule {
	return threshold(alert, sel, ">", t, forDur, severity, ls, summary)
}

// below is an alert on sel falling below t.
func below(alert, sel string, t float64, forDur time.Duration, severity string, ls []label, summary string) rule {
	return threshold(alert, sel, "<", t, forDur, severity, ls, summary)
}

func threshold(alert, sel, op string, t float64, forDur time.Duration, severity string, ls []label, summary string) rule {
	t = round6(t)
	dir := 1.0 // the loud side: above t for ">", below for "<"
	if op == "<" {
		dir = -1
	}
	value := func(_ int, loud bool) float64 {
		if loud {
			return t + dir*margin
		}
		return t - dir*margin
	}
	return rule{alert: alert, expr: sel + " " + op + " " + num(t), forDur: forDur, severity: severity, labels: ls, summary: summary,
		cross: []crossing{{name: fmt.Sprintf("%s %s %s", sel, op, num(t)), inputs: []input{{series: sel, value: value}}}}}
}

// demandPlan is what the plan says of a workload's request rate that a
// Prometheus query observes: the baseline (peak, else p95, else average)
// on as_of, grown by plan_for's monthly rate over mean Gregorian months.
type demandPlan struct {
	query        string // the workload's actuals.prometheus
	basis        string // "peak" | "p95" | "average"
	stat         string // the daily statistic of a range matching basis, %s the range
	base, factor float64
	asOf, month  int64
	growth       float64
}

// planOf is the demandPlan of workload name, false when it has no
// Prometheus actuals or no request-rate baseline.
func planOf(p *schema.Plan, name string) (demandPlan, bool) {
	w := p.Workloads[name]
	if w == nil || w.Actuals == nil || w.Actuals.Prometheus == "" || w.RequestsPerS == nil || w.AsOf.IsZero() {
		return demandPlan{}, false
	}
	d := demandPlan{query: w.Actuals.Prometheus, asOf: w.AsOf.Unix(), month: int64(gregorian.Month / time.Second)}
	switch r := w.RequestsPerS; {
	case r.Peak != nil:
		d.base, d.basis, d.stat = *r.Peak, "peak", "max_over_time(%s)"
	case r.P95 != nil:
		d.base, d.basis, d.stat = *r.P95, "p95", "quantile_over_time(0.95, %s)"
	case r.Avg != nil:
		d.base, d.basis, d.stat = *r.Avg, "average", "avg_over_time(%s)"
	default:
		return demandPlan{}, false
	}
	sc, ok := p.Scenarios[p.PlanFor]
	if d.base <= 0 || !ok { // the schema fills plan_for in; without its scenario there is no plan to drift from
		return demandPlan{}, false
	}
	d.growth = sc.MonthlyGrowth
	d.factor = 1 + d.growth
	return d, true
}

// expr is the planned rate in PromQL at the evaluation's time().
func (d demandPlan) expr() string {
	return fmt.Sprintf("(%s * %s ^ ((time() - %d) / %d))", exact(d.base), exact(d.factor), d.asOf, d.month)
}

// at is the planned rate at Unix time t seconds.
func (d demandPlan) at(t float64) float64 {
	return d.base * math.Pow(d.factor, (t-float64(d.asOf))/float64(d.month))
}

// observedDaily is the day's statistic of the raw query (a subquery at a
// 5m step), for a dashboard that needs no recording rules.
func (d demandPlan) observedDaily() string {
	return fmt.Sprintf(d.stat, paren(d.query)+"[1d:5m]")
}

// paren is the plan's query q in parentheses, to build on: the ")" on a
// line of its own when q may end in a PromQL comment ("#" to the end of
// the line), which would otherwise comment it out.
func paren(q string) string {
	if strings.Contains(q, "#") {
		return "(" + q + "\n)"
	}
	return "(" + q + ")"
}

// driftRule is CapcheckDemandDrift for a workload with a demandPlan: the
// query is recorded (seriesRate) and its daily statistic matching the
// baseline over 1d of that (seriesDemand), compared with the plan.
func driftRule(p *schema.Plan, name string) ([]record, rule, bool) {
	d, ok := planOf(p, name)
	if !ok {
		return nil, rule{}, false
	}
	w := p.Workloads[name]
	ls := []label{{"capcheck_plan", p.Name}, {"capcheck_workload", name}}
	if w.Pool != "" {
		ls = append(ls, label{"capcheck_pool", w.Pool})
	}
	sel := selector(seriesDemand, ls)
	recs := []record{{name: seriesRate, expr: d.query, labels: ls}, {name: seriesDemand, expr: fmt.Sprintf(d.stat, selector(seriesRate, ls)+"[1d]"), labels: ls}}
	planned := d.expr()
	tol := round6(p.Policy.DriftTolerance)
	// plannedAt is the same figure at t minutes after the Unix epoch, where
	// promtool's tests start.
	plannedAt := func(minute int) float64 { return d.at(float64(minute) * 60) }
	side := func(dir float64) func(int, bool) float64 {
		return func(m int, loud bool) float64 {
			d := tol - margin
			if loud {
				d = tol + margin
			}
			return plannedAt(m) * (1 + dir*d)
		}
	}
	r := rule{
		alert:    "CapcheckDemandDrift",
		expr:     fmt.Sprintf("abs(%s / %s - 1) > %s", sel, planned, num(tol)),
		forDur:   time.Hour,
		severity: "warning",
		labels:   ls,
		summary: fmt.Sprintf("workload %s (plan %s): the day's %s demand is more than the plan's drift_tolerance %s away from the plan (%s requests/s on %s, growing %s a month under %s)",
			name, p.Name, d.basis, pct(tol), exact(d.base), w.AsOf.UTC().Format(time.DateOnly), pct(d.growth), p.PlanFor),
		cross: []crossing{
			{name: sel + " above plan", inputs: []input{{series: sel, value: side(1)}}},
			{name: sel + " below plan", inputs: []input{{series: sel, value: side(-1)}}},
		},
	}
	return recs, r, true
}

// orderByRule is CapcheckOrderByApproaching for the evaluated pool
// (plan, pool) when it has an order-by date: from 30 days before it.
func orderByRule(plan, pool string, pools []evaluator.PoolSummary, ls []label, about string) (rule, bool) {
	for _, s := range pools {
		if s.Plan != plan || s.Name != pool || s.OrderByDate == "" || s.Status == evaluator.StatusRemoved {
			continue
		}
		day, err := time.Parse(time.DateOnly, s.OrderByDate)
		if err != nil {
			return rule{}, false
		}
		from := day.Add(-orderByWarning)
		return rule{
			alert:    "CapcheckOrderByApproaching",
			expr:     fmt.Sprintf("vector(time()) >= %d", from.Unix()),
			severity: "warning",
			labels:   ls,
			summary: fmt.Sprintf("%sorder capacity by %s (from %s): the pool's headroom falls below headroom_min in %s and new capacity takes %s weeks",
				about, s.OrderByDate, from.Format(time.DateOnly), s.Cliff, num(s.LeadTimeWeeks)),
		}, true
	}
	return rule{}, false
}

// expiringRules are CapcheckReservationExpiring for each reservation of
// the evaluated pool that ends inside the horizon while the pool still
// needs capacity: from 30 days before the last day a replacement can be
// ordered (the day after its last day minus the lead time, whole days:
// ceil(lead_time_weeks × 7)).
func expiringRules(plan string, pool *schema.Pool, docs []evaluator.PoolDoc, ls []label, about string) []rule {
	var out []rule
	for _, d := range docs {
		if d.Plan != plan || d.Name != pool.Name {
			continue
		}
		lead := int(math.Ceil(pool.LeadTimeWeeks * 7))
		for _, e := range d.Expiring {
			last, err := time.Parse(time.DateOnly, e.LastDay)
			if err != nil {
				continue
			}
			renew := last.AddDate(0, 0, 1-lead)
			from := renew.Add(-orderByWarning)
			out = append(out, rule{
				alert:    "CapcheckReservationExpiring",
				expr:     fmt.Sprintf("vector(time()) >= %d", from.Unix()),
				severity: "warning",
				labels:   append(append([]label(nil), ls...), label{"capcheck_reservation", e.Address}),
				summary: fmt.Sprintf("%sreservation %s (%s GPUs) covers its last day %s while the pool needs %s GPUs in %s; renew or replace it by %s (lead time %s weeks)",
					about, e.Address, num(e.GPUs), e.LastDay, num(e.RequiredGPUs), e.Month, renew.Format(time.DateOnly), num(pool.LeadTimeWeeks)),
			})
		}
	}
	return out
}

// selector is name{labels…} in PromQL.
func selector(name string, ls []label) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.name + "=" + quote(l.value)
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// promDuration is d, whole seconds, in Prometheus' duration syntax: days,
// hours, minutes and seconds from the largest ("1d", "1h", "15m",
// "2m30s", "0s").
func promDuration(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.name)
			d -= n * u.unit
		}
	}
	return b.String()
}

// quote is a YAML double-quoted scalar: a JSON string is one (without
// HTML escapes, so "> 0.7" reads as written). It is also a PromQL string
// literal, whose escapes are Go's.
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return `""`
	}
	out := strings.TrimSuffix(b.String(), "\n")
	if strings.IndexFunc(out, yamlUnsafe) < 0 {
		return out
	}
	// JSON leaves DEL, the C1 controls (NEL, which YAML folds as a line
	// break, among them) and the byte order mark as they are; YAML
	// rejects them or reads them otherwise. \uXXXX means the rune in
	// YAML and PromQL alike.
	var e strings.Builder
	for _, r := range out {
		if yamlUnsafe(r) {
			fmt.Fprintf(&e, `\u%04x`, r)
		} else {
			e.WriteRune(r)
		}
	}
	return e.String()
}

// yamlUnsafe reports a rune that a YAML double-quoted scalar or comment
// cannot hold as written: one that YAML reads as a line break or does not
// allow in a stream (https://yaml.org/spec/1.2.2/#51-character-set), as
// go-yaml, which Prometheus parses rules with, reads them.
func yamlUnsafe(r rune) bool {
	return r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff || r == utf8.RuneError
}

// comment is s as the text of a one-line YAML comment: every rune that
// would end the line or not be allowed in it written as a Go escape, so
// that a name in a note (a pool, a plan, a dependency: any string the
// plan allows) cannot end the comment and start a rule.
func comment(s string) string {
	if strings.IndexFunc(s, yamlUnsafe) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if yamlUnsafe(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// round6 rounds to six decimals (1 − 0.3 is 0.7, not 0.7000000000000001).
func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

// exact formats f so that it parses back to the same float64, without an
// exponent (2000000, not 2e+06).
func exact(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// num formats a threshold briefly, to six decimals (0.7, 0.85, 1400000).
func num(f float64) string { return strconv.FormatFloat(round6(f), 'f', -1, 64) }

// pct formats a fraction as a percentage, to one decimal ("70%", "17.5%").
func pct(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(100*f, 'f', 1, 64), ".0") + "%"
}

// checkQueries reports, at its place in the plan, each PromQL query the
// rules would record that Prometheus would refuse as written
// (queryDefect), since one such rule makes Prometheus refuse the whole
// rules file: none is written then.
func checkQueries(plans []*schema.Plan) error {
	var ds diag.Diagnostics
	check := func(p *schema.Plan, key, q string) {
		if q == "" {
			return
		}
		if msg := queryDefect(q); msg != "" {
			ds = append(ds, diag.Errorf(p.PosOf(key), "%s: the PromQL query %s; capcheck export writes no rules from it", key, msg)...)
		}
	}
	for _, p := range plans {
		if p == nil {
			continue
		}
		for _, n := range sortedKeys(p.Pools) {
			pool := p.Pools[n]
			if pool == nil || pool.Utilization == nil {
				continue
			}
			u := pool.Utilization
			for _, a := range []struct {
				key string
				q   *schema.Actuals
			}{{"gpu", u.GPU}, {"reservation", u.Reservation}, {"spend", u.Spend}, {"pending_gpu_pods", u.PendingGPUPods}, {"queue_depth", u.QueueDepth}} {
				if a.q != nil {
					check(p, "pools."+n+".utilization."+a.key+".prometheus", a.q.Prometheus)
				}
			}
		}
		for _, n := range sortedKeys(p.Workloads) {
			if d, ok := planOf(p, n); ok {
				check(p, "workloads."+n+".actuals.prometheus", d.query)
			}
		}
		for _, n := range sortedKeys(p.Dependencies) {
			if d := p.Dependencies[n]; d != nil {
				for _, l := range sortedKeys(d.Usage) {
					if a := d.Usage[l]; a != nil {
						check(p, "dependencies."+n+".usage."+l+".prometheus", a.Prometheus)
					}
				}
			}
		}
	}
	ds.Sort()
	return ds.Err()
}

// queryDefect is what makes PromQL query q one no PromQL parser takes,
// as far as its tokens say ("" when nothing does): a string that does
// not end (a quoted one ends on its line; `raw` ones may span lines), a
// bracket ( [ { not closed, or closed by another kind, a closing one
// never opened, or no expression at all (spaces and # comments only).
// The grammar beyond that is Prometheus' to check.
func queryDefect(q string) string {
	var open []int // offsets of the brackets open
	pair := map[byte]byte{')': '(', ']': '[', '}': '{'}
	expr := false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case ' ', '\t', '\r', '\n':
		case '#':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case '"', '\'', '`':
			start := i
			for i++; i < len(q) && q[i] != c; i++ {
				if c != '`' && q[i] == '\\' {
					i++
				} else if c != '`' && q[i] == '\n' {
					break
				}
			}
			if i >= len(q) || q[i] != c {
				return fmt.Sprintf("has a string at byte %d that does not end", start+1)
			}
			expr = true
		case '(', '[', '{':
			open = append(open, i)
			expr = true
		case ')', ']', '}':
			if len(open) == 0 {
				return fmt.Sprintf("closes %c at byte %d that is not open", c, i+1)
			}
			if o := open[len(open)-1]; q[o] != pair[c] {
				return fmt.Sprintf("closes %c at byte %d with %c at byte %d", q[o], o+1, c, i+1)
			}
			open = open[:len(open)-1]
		default:
			expr = true
		}
	}
	if len(open) > 0 {
		o := open[len(open)-1]
		return fmt.Sprintf("never closes %c at byte %d", q[o], o+1)
	}
	if !expr {
		return "has no expression, only comments"
	}
	return ""
}
