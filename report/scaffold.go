package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
)

// Scaffold is what `capcheck init` writes: a plan for the reservations no
// plan claims yet.
type Scaffold struct {
	Name  string
	Owner string // "" leaves a TODO
	Today time.Time
	Pools []evaluator.ScaffoldPool
}

// PlanScaffold writes s as a YAML capacity plan. What cannot be known from
// Terraform — prices, lead times, the owner, the demand — is left as
// commented TODO lines rather than guessed, so the first `capcheck check`
// names each missing field at its line: an unknown is never a silent zero.
func PlanScaffold(w io.Writer, s Scaffold) error {
	var b strings.Builder
	b.WriteString("# Capacity plan scaffolded by `capcheck init` from the Terraform reservations\n")
	b.WriteString("# no plan claimed. Fill in every TODO, then add the workloads that need\n")
	b.WriteString("# these GPUs: until then capcheck reports them as unbacked (CAP007).\n")
	fmt.Fprintf(&b, "name: %s\n", yamlString(s.Name))
	if s.Owner != "" {
		fmt.Fprintf(&b, "owner: %s\n", yamlString(s.Owner))
	} else {
		b.WriteString("# owner: TODO  # the team accountable for this capacity\n")
	}
	fmt.Fprintf(&b, "reviewed: %q\n", s.Today.Format("2006-01-02"))
	b.WriteString("horizon_months: 24\n\n")
	b.WriteString("scenarios:  # compound monthly growth of demand\n")
	b.WriteString("  conservative: {monthly_growth: 0.01}\n")
	b.WriteString("  moderate: {monthly_growth: 0.03}\n")
	b.WriteString("  aggressive: {monthly_growth: 0.06}\n")
	b.WriteString("# contingency: TODO  # how service degrades if the aggressive scenario comes true\n\n")
	if len(s.Pools) == 0 {
		b.WriteString("pools: {}\n")
	} else {
		b.WriteString("pools:\n")
	}
	for _, p := range s.Pools {
		fmt.Fprintf(&b, "  %s:  # %s GPUs", yamlString(p.Name), num(p.GPUs))
		if len(p.Zones) > 0 {
			fmt.Fprintf(&b, " in %s", diag.Text(strings.Join(p.Zones, ", "))) // a comment: one line
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "    gpu: %s\n", yamlString(p.GPU))
		if p.Region != "" {
			fmt.Fprintf(&b, "    region: %s\n", yamlString(p.Region))
		} else {
			b.WriteString("    # region: TODO  # no reservation names its zone\n")
		}
		b.WriteString("    # lead_time_weeks: TODO  # how long new GPUs of this kind take to arrive\n")
		b.WriteString("    # price_per_gpu_hour: {reserved: TODO, on_demand: TODO}\n")
		b.WriteString("    reservations:\n")
		for _, r := range p.Reservations {
			fmt.Fprintf(&b, "      - %s\n", yamlString(r))
		}
	}
	b.WriteString("\nworkloads: {}  # TODO: the demand these pools serve (see schema/testdata/full.yaml)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// yamlString quotes s as a YAML double-quoted scalar (JSON string syntax is
// valid YAML), so addresses with brackets and quotes survive.
func yamlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
