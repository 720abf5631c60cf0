package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

// hostilePlan has names and queries that try to break out of where the
// rules file writes them. The schema allows any string as a pool key
// and any non-blank #Text as a plan name or a query, so these are
// plans capcheck must write rules for.
//   - pool injP's name ends a YAML comment (the spend note above its
//     record) with a newline and starts an alert, and holds a Go
//     template action, which Prometheus expands in an alert's labels and
//     annotations;
//   - pool ctl's name holds what YAML rejects (DEL) or reads as a line
//     break (NEL, U+2028) or drops (a BOM) when written raw, a CR, a tab
//     and a double quote;
//   - injP's GPU query holds a quoted `"`, a `#` in a label string and a
//     PromQL comment after the expression with quotes and `{{` in it, a
//     newline, and a YAML document marker `---` (here `---1`, valid
//     PromQL: minus minus minus one).
func hostilePlan() *schema.Plan {
	policy := schema.Policy{HeadroomMin: 0.3, WarnUtilization: 0.7, CriticalUtilization: 0.85}
	return &schema.Plan{Name: "llm", Policy: policy, Pools: map[string]*schema.Pool{
		"injP{{ .Value }}\n      - alert: Injected\n        expr: vector(1)\n      #": {Utilization: &schema.UtilizationQueries{
			GPU:   &schema.Actuals{Prometheus: "sum(x{a=\"b\\\"c # {{ $labels }}\"}) # comment \"q\" {{ x }}\n---1"},
			Spend: &schema.Actuals{Prometheus: "sum(spend)"},
		}},
		"ctl\x7f\u0085\u2028\ufeff\r\t\"": {Utilization: &schema.UtilizationQueries{Reservation: &schema.Actuals{Prometheus: "up{a=\"\u0085\x7f\"}"}}},
	}}
}

// wantHostileRules: every name and query is a double-quoted scalar with
// JSON's escapes and \u for what JSON leaves raw (DEL \u007f, NEL
// \u0085, BOM \ufeff; U+2028 JSON escapes itself); the spend note is one
// comment line (its newlines written \n); each "{{" of an alert's label
// or summary is the template action {{"{{"}}, a record's labels are not
// templates and keep it; selectors in exprs quote the name twice (a
// PromQL string in a YAML string). Pools in name order ("ctl…" < "injP…"),
// records before alerts.
const wantHostileRules = `groups:
  - name: "capcheck-llm"
    rules:
      - record: capcheck:reserved_utilization:ratio
        expr: "up{a=\"\u0085\u007f\"}"
        labels:
          capcheck_plan: "llm"
          capcheck_pool: "ctl\u007f\u0085\u2028\ufeff\r\t\""
      - record: capcheck:gpu_utilization:ratio
        expr: "sum(x{a=\"b\\\"c # {{ $labels }}\"}) # comment \"q\" {{ x }}\n---1"
        labels:
          capcheck_plan: "llm"
          capcheck_pool: "injP{{ .Value }}\n      - alert: Injected\n        expr: vector(1)\n      #"
      # pool injP{{ .Value }}\n      - alert: Injected\n        expr: vector(1)\n      # (plan llm): utilization.spend is recorded but not alerted on: the pool has no budget_monthly
      - record: capcheck:pool_spend:usd_per_month
        expr: "sum(spend)"
        labels:
          capcheck_plan: "llm"
          capcheck_pool: "injP{{ .Value }}\n      - alert: Injected\n        expr: vector(1)\n      #"
      - alert: CapcheckReservedUtilizationLow
        expr: "capcheck:reserved_utilization:ratio{capcheck_plan=\"llm\",capcheck_pool=\"ctl\\u007f\\u0085\\u2028\\ufeff\\r\\t\\\"\"} < 0"
        for: 1d
        labels:
          severity: "info"
          capcheck_plan: "llm"
          capcheck_pool: "ctl\u007f\u0085\u2028\ufeff\r\t\""
        annotations:
          summary: "pool ctl\u007f\u0085\u2028\ufeff\r\t\" (plan llm): reserved GPUs in use below the plan's reserved_utilization_min 0%; reserved capacity is paid for and idle"
      - alert: CapcheckGPUUtilizationWarning
        expr: "capcheck:gpu_utilization:ratio{capcheck_plan=\"llm\",capcheck_pool=\"injP{{ .Value }}\\n      - alert: Injected\\n        expr: vector(1)\\n      #\"} > 0.7"
        for: 15m
        labels:
          severity: "warning"
          capcheck_plan: "llm"
          capcheck_pool: "injP{{\"{{\"}} .Value }}\n      - alert: Injected\n        expr: vector(1)\n      #"
        annotations:
          summary: "pool injP{{\"{{\"}} .Value }}\n      - alert: Injected\n        expr: vector(1)\n      # (plan llm): GPU utilisation above the plan's warn_utilization 70%"
      - alert: CapcheckGPUUtilizationCritical
        expr: "capcheck:gpu_utilization:ratio{capcheck_plan=\"llm\",capcheck_pool=\"injP{{ .Value }}\\n      - alert: Injected\\n        expr: vector(1)\\n      #\"} > 0.85"
        for: 15m
        labels:
          severity: "critical"
          capcheck_plan: "llm"
          capcheck_pool: "injP{{\"{{\"}} .Value }}\n      - alert: Injected\n        expr: vector(1)\n      #"
        annotations:
          summary: "pool injP{{\"{{\"}} .Value }}\n      - alert: Injected\n        expr: vector(1)\n      # (plan llm): GPU utilisation above the plan's critical_utilization 85%; latency SLOs are at risk"
      - alert: CapcheckHeadroomBelowMin
        expr: "capcheck:gpu_utilization:ratio{capcheck_plan=\"llm\",capcheck_pool=\"injP{{ .Value }}\\n      - alert: Injected\\n        expr: vector(1)\\n      #\"} > 0.7"
        for: 1h
        labels:
          severity: "warning"
          capcheck_plan: "llm"
          capcheck_pool: "injP{{\"{{\"}} .Value }}\n      - alert: Injected\n        expr: vector(1)\n      #"
        annotations:
          summary: "pool injP{{\"{{\"}} .Value }}\n      - alert: Injected\n        expr: vector(1)\n      # (plan llm): observed headroom (1 − GPU utilisation) below the plan's headroom_min 30%"
`

// TestPrometheusRulesHostileNames: the rules of hostilePlan are exactly
// wantHostileRules and parse, as YAML and by promtool, into the 7
// rules capcheck means (3 records, 1 + 3 alerts), none of them Injected,
// with the names and queries as the plan has them; promtool's unit tests
// of them pass (they expect the alerts' labels and summary as the plan
// names them, so an expanded template fails them).
func TestPrometheusRulesHostileNames(t *testing.T) {
	p := hostilePlan()
	var b bytes.Buffer
	if err := PrometheusRules(&b, Input{Plans: []*schema.Plan{p}}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if got != wantHostileRules {
		t.Errorf("rules =\n%s\nwant\n%s", got, wantHostileRules)
	}
	var rules promRules
	if err := yaml.UnmarshalStrict(b.Bytes(), &rules); err != nil {
		t.Fatalf("the rules do not parse: %v\n%s", err, got)
	}
	var names []string
	exprs := map[string]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Record+r.Alert)
			exprs[r.Record+r.Alert+" "+r.Labels["capcheck_pool"]] = r.Expr
			if pool, ok := r.Labels["capcheck_pool"]; ok && r.Alert == "" && p.Pools[pool] == nil {
				t.Errorf("%s labelled capcheck_pool %q, a pool the plan does not have", r.Record, pool)
			}
			if s := r.Annotations["summary"]; r.Alert != "" && !strings.Contains(s, templateText(r.Labels["capcheck_pool"][:4])) {
				t.Errorf("%s summary %q does not name its pool", r.Alert, s)
			}
		}
	}
	want := []string{seriesReserved, seriesGPU, seriesSpend, "CapcheckReservedUtilizationLow",
		"CapcheckGPUUtilizationWarning", "CapcheckGPUUtilizationCritical", "CapcheckHeadroomBelowMin"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("rules %v, want %v", names, want)
	}
	inj := "injP{{ .Value }}\n      - alert: Injected\n        expr: vector(1)\n      #"
	if q := exprs[seriesGPU+" "+inj]; q != p.Pools[inj].Utilization.GPU.Prometheus {
		t.Errorf("GPU query of injP reads %q, want the plan's %q", q, p.Pools[inj].Utilization.GPU.Prometheus)
	}
	ctl := "ctl\x7f\u0085\u2028\ufeff\r\t\""
	if q := exprs[seriesReserved+" "+ctl]; q != p.Pools[ctl].Utilization.Reservation.Prometheus {
		t.Errorf("reservation query of ctl reads %q, want the plan's %q", q, p.Pools[ctl].Utilization.Reservation.Prometheus)
	}

	promtool := testkit.NeedCommand(t, "promtool", "Debian's prometheus package (.ci/run installs it)")
	dir := t.TempDir()
	var tests bytes.Buffer
	if err := PrometheusRuleTests(&tests, Input{Plans: []*schema.Plan{p}, RulesFile: "rules.yml"}); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"rules.yml": b.Bytes(), "rules.test.yml": tests.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"check", "rules", "rules.yml"}, {"test", "rules", "rules.test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("SUCCESS")) || args[0] == "check" && !bytes.Contains(out, []byte("SUCCESS: 7 rules found")) {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestQuoteYAMLUnsafe: quote writes what a YAML double-quoted scalar
// cannot hold raw as a \u escape (JSON's own escapes for C0 and U+2028
// kept), and the scalar reads back as the string; comment keeps a note
// on its line.
func TestQuoteYAMLUnsafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain {{ x }} # y", `"plain {{ x }} # y"`},
		{"a\x7fb", `"a\u007fb"`},
		{"nel\u0085", `"nel\u0085"`},
		{"c1\u009f", `"c1\u009f"`},
		{"\ufeffbom", `"\ufeffbom"`},
		{"ls\u2028ps\u2029", `"ls\u2028ps\u2029"`},
		{"nl\n\r\t\"\\", `"nl\n\r\t\"\\"`},
		{"\x00", `"\u0000"`},
		{"é€😀", `"é€😀"`},
	} {
		got := quote(tc.in)
		if got != tc.want {
			t.Errorf("quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		var back map[string]string
		if err := yaml.UnmarshalStrict([]byte("k: "+got+"\n"), &back); err != nil || back["k"] != tc.in {
			t.Errorf("k: %s reads %q (%v), want %q", got, back["k"], err, tc.in)
		}
	}
	if got, want := comment("pool a\n- alert: X\r\u0085\u2028 {{ y }}"), `pool a\n- alert: X\r\u0085\u2028 {{ y }}`; got != want {
		t.Errorf("comment = %s, want %s", got, want)
	}
}

// TestParenComment: a query that ends in a PromQL comment keeps the ")"
// capcheck puts after it on a line of its own, in the dashboard's daily
// statistic (observedDaily) as in its demand panels; promtool parses the
// result (a recording rule of it). A query without "#" is as before.
func TestParenComment(t *testing.T) {
	if got, want := paren("sum(rate(x[5m]))"), "(sum(rate(x[5m])))"; got != want {
		t.Errorf("paren = %q, want %q", got, want)
	}
	q := "sum(rate(x{a=\"#\"}[5m])) # requests/s"
	d := demandPlan{query: q, stat: "max_over_time(%s)"}
	got := d.observedDaily()
	if want := "max_over_time((sum(rate(x{a=\"#\"}[5m])) # requests/s\n)[1d:5m])"; got != want {
		t.Errorf("observedDaily = %q, want %q", got, want)
	}
	promtool := testkit.NeedCommand(t, "promtool", "Debian's prometheus package (.ci/run installs it)")
	file := filepath.Join(t.TempDir(), "r.yml")
	text := "groups:\n  - name: g\n    rules:\n      - record: daily\n        expr: " + quote(got) + "\n      - record: gpus\n        expr: " + quote(paren(q)+" / 2") + "\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil || !bytes.Contains(out, []byte("SUCCESS: 2 rules found")) {
		t.Errorf("promtool check rules: %v\n%s\n%s", err, out, text)
	}
}

// TestQueryDefect: what makes a query one Prometheus refuses, by its
// tokens; brackets and "#" inside strings, `raw` strings over lines and
// a trailing comment are fine. Offsets are 1-based bytes.
func TestQueryDefect(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{`sum(rate(x{a="(", b=~"[{"}[5m])) # ) ] }`, ""},
		{"sum(x{a=`multi\nline)`})\n# done", ""},
		{`max_over_time(x[1d:5m] @ end())`, ""},
		{`sum(x{a='it\'s'})`, ""},
		{`sum(x # )`, "never closes ( at byte 4"},
		{`sum(x]`, "closes ( at byte 4 with ] at byte 6"},
		{`x)`, "closes ) at byte 2 that is not open"},
		{`x{a="b}`, "has a string at byte 5 that does not end"},
		{"x{a=\"b\n\"}", "has a string at byte 5 that does not end"},
		{`x{a="b\"}`, "has a string at byte 5 that does not end"},
		{"  # nothing\n", "has no expression, only comments"},
	} {
		if got := queryDefect(tc.q); got != tc.want {
			t.Errorf("queryDefect(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

// TestPrometheusRulesBrokenQuery: a broken query (the pool's and the
// dependency's) is an error at its place in the plan, each
// one, in position order, and nothing is written (the manifest neither).
// By hand: in the plan below, the GPU query is at 3:38 (4 spaces +
// "utilization: {gpu: {prometheus: " is 37), the usage query at 8:54.
func TestPrometheusRulesBrokenQuery(t *testing.T) {
	p := &schema.Plan{Name: "llm", Pools: map[string]*schema.Pool{
		"h100": {Name: "h100", Utilization: &schema.UtilizationQueries{GPU: &schema.Actuals{Prometheus: "avg(x # )"}}},
	}, Dependencies: map[string]*schema.Dependency{
		"openai": {Usage: map[string]*schema.Actuals{"tokens_per_minute": {Prometheus: "sum(rate(tokens[5m]) / 60"}}},
	}, Positions: map[string]diag.Pos{
		"pools.h100.utilization.gpu.prometheus":                  {File: "capacity/llm.yaml", Line: 3, Column: 38},
		"dependencies.openai.usage.tokens_per_minute.prometheus": {File: "capacity/llm.yaml", Line: 8, Column: 54},
	}}
	want := "capacity/llm.yaml:3:38: error: pools.h100.utilization.gpu.prometheus: the PromQL query never closes ( at byte 4; capcheck export writes no rules from it\n" +
		"capacity/llm.yaml:8:54: error: dependencies.openai.usage.tokens_per_minute.prometheus: the PromQL query never closes ( at byte 4; capcheck export writes no rules from it"
	for _, m := range []*Manifest{nil, {Name: "capcheck"}} {
		var b bytes.Buffer
		err := PrometheusRules(&b, Input{Plans: []*schema.Plan{p}, Manifest: m})
		if err == nil || err.Error() != want {
			t.Errorf("PrometheusRules (manifest %v) = %v\nwant %s", m != nil, err, want)
		}
		if b.Len() != 0 {
			t.Errorf("PrometheusRules wrote\n%s", b.String())
		}
	}
}
