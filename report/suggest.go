package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/inventory/terraform/tfedit"
)

// SuggestFormats are the formats of `capcheck suggest`.
func SuggestFormats() []string { return []string{"text", "json", "hcl"} }

// Suggest writes the cheapest fixes of d: text (a table of changes per
// pool with its cost and the figures after the change), json (the
// document) or hcl (a Terraform snippet of the reservations to add and
// the end dates to change). currency is the plans' currency ("" USD).
func Suggest(w io.Writer, format string, d *evaluator.SuggestDoc, currency string) error {
	switch format {
	case "json":
		return writeJSON(w, d)
	case "hcl":
		return suggestHCL(w, d)
	case "text", "":
		if quietOf(w) {
			return suggestText(w, unsolvedOnly(d), currency)
		}
		return suggestText(w, d, currency)
	}
	return errUnknownFormat("suggest", format, SuggestFormats()...)
}

func suggestText(w io.Writer, d *evaluator.SuggestDoc, currency string) error {
	var b strings.Builder
	for i := range d.Suggestions {
		if i > 0 {
			b.WriteString("\n")
		}
		suggestPoolText(&b, &d.Suggestions[i], currency)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// suggestPoolText is one pool's suggestion: its status line, the table
// of changes with their cost, the `reservations:` entry to add, the
// binding constraints and the figures before and after.
// unsolvedOnly is d with only the pools that have no fix or are not
// solved: what `capcheck suggest --quiet` prints (those make it exit 1).
func unsolvedOnly(d *evaluator.SuggestDoc) *evaluator.SuggestDoc {
	q := *d
	q.Suggestions = nil
	for _, ps := range d.Suggestions {
		if ps.Status == evaluator.SuggestNoFix || ps.Status == evaluator.SuggestUnsupported {
			q.Suggestions = append(q.Suggestions, ps)
		}
	}
	return &q
}

func suggestPoolText(b *strings.Builder, ps *evaluator.PoolSuggestion, currency string) {
	fmt.Fprintf(b, "pool %s (plan %s, %s): ", diag.Text(ps.Pool), diag.Text(ps.Plan), diag.Text(ps.GPU))
	switch ps.Status {
	case evaluator.SuggestPass:
		b.WriteString("passes every month; nothing to change\n")
		return
	case evaluator.SuggestUnsupported:
		b.WriteString("not solved\n")
	case evaluator.SuggestFixed:
		fmt.Fprintf(b, "cheapest fix %s over the horizon\n", money(ps.Total, currency))
	case evaluator.SuggestNoFix:
		b.WriteString("no fix passes every rule\n")
	}
	if len(ps.Changes) > 0 {
		tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ACTION\tADDRESS\tZONE\tINSTANCES\tGPUS\tSTART\tEND\tMONTHLY\tHORIZON")
		for _, c := range ps.Changes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Action, diag.Text(c.Address), diag.Text(c.Zone),
				changeInstances(c, diag.Text), num(c.GPUs), c.Start, cmpOr(c.End, "open-ended"), money(c.MonthlyCost, currency), money(c.HorizonCost, currency))
		}
		tw.Flush()
		if at := suggestMilestones(ps, currency); at != "" {
			fmt.Fprintf(b, "  cost of the changes: %s\n", at)
		}
	}
	if ps.Claim != "" {
		fmt.Fprintf(b, "  add to pools.%s.reservations: %s\n", diag.Text(ps.Pool), diag.Text(ps.Claim))
	}
	for _, n := range ps.Notes {
		fmt.Fprintf(b, "  note: %s\n", diag.Text(n))
	}
	for _, bd := range ps.Binding {
		fmt.Fprintf(b, "  binding: %s: %s\n", bd.Constraint, diag.Text(bd.Msg))
	}
	fmt.Fprintf(b, "  before: %s\n", figuresText(ps.Before))
	if len(ps.Changes) > 0 {
		fmt.Fprintf(b, "  after:  %s\n", figuresText(ps.After))
	}
}

// suggestMilestones is the cumulative cost of a pool's changes at 6, 12,
// 18 and 24 months ("6 mo $1, 12 mo $2"), as far as the horizon reaches.
func suggestMilestones(ps *evaluator.PoolSuggestion, currency string) string {
	var at []string
	for _, n := range strategyMilestones {
		if v, ok := ps.CumulativeCost[n]; ok {
			at = append(at, n+" mo "+money(v, currency))
		}
	}
	return strings.Join(at, ", ")
}

// suggestCheckText writes, under `check --suggest`, the cheapest fix of
// each pool that has one attached (see evaluator.SuggestDoc.Attach);
// nothing when no pool does.
func suggestCheckText(w io.Writer, pools []evaluator.PoolSummary) error {
	var b strings.Builder
	for i := range pools {
		if ps := pools[i].Suggestion; ps != nil {
			if b.Len() == 0 {
				b.WriteString("Cheapest fix (capcheck suggest):\n")
			}
			suggestPoolText(&b, ps, pools[i].Currency)
		}
	}
	if b.Len() == 0 {
		return nil
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// suggestMarkdown is the PR comment's "Cheapest fix" section: per pool
// with a suggestion attached, a block with its total, the table of
// changes (monthly and horizon cost), the cost at 6/12/18/24 months,
// the `reservations:` entry to add and the binding constraints.
func suggestMarkdown(pools []evaluator.PoolSummary) []string {
	var out []string
	for i := range pools {
		p := &pools[i]
		ps := p.Suggestion
		if ps == nil {
			continue
		}
		var b strings.Builder
		if len(out) == 0 {
			b.WriteString("#### Cheapest fix\n\n")
		}
		b.WriteString("**pool " + mdText(ps.Pool) + "**: ")
		switch ps.Status {
		case evaluator.SuggestFixed:
			b.WriteString(mdText(money(ps.Total, p.Currency)) + " over the horizon, verified by re-evaluating with the change\n\n")
		case evaluator.SuggestNoFix:
			b.WriteString("no change passes every rule\n\n")
		default:
			b.WriteString("not solved\n\n")
		}
		if len(ps.Changes) > 0 {
			// Lead with what changes and what it costs a month (see
			// splitTable); the rest of each change collapsed.
			t := splitTable{
				leadHead: "| action | address | GPUs | monthly |\n|---|---|---:|---:|\n",
				fullHead: "| action | address | zone | instances | GPUs | start | end | monthly | horizon |\n|---|---|---|---:|---:|---|---|---:|---:|\n",
				summary:  "All figures of the changes: zone, instances, start, end, cost over the horizon",
			}
			for _, c := range ps.Changes {
				t.lead = append(t.lead, mdRow(c.Action, mdText(c.Address), num(c.GPUs), mdText(money(c.MonthlyCost, p.Currency))))
				t.full = append(t.full, mdRow(c.Action, mdText(c.Address), mdText(c.Zone),
					changeInstances(c, mdText), num(c.GPUs), mdText(c.Start), mdText(cmpOr(c.End, "open-ended")),
					mdText(money(c.MonthlyCost, p.Currency)), mdText(money(c.HorizonCost, p.Currency))))
			}
			lead, full := t.blocks()
			b.WriteString(strings.Join(lead, "") + full)
			if at := suggestMilestones(ps, p.Currency); at != "" {
				b.WriteString("Cost of the changes: " + mdText(at) + ".\n\n")
			}
		}
		if ps.Claim != "" {
			b.WriteString("Add " + mdText(ps.Claim) + " to pools." + mdText(ps.Pool) + ".reservations so the plan claims the reservations to add.\n\n")
		}
		for _, bd := range ps.Binding {
			b.WriteString("- binding **" + mdText(bd.Constraint) + "**: " + mdText(bd.Msg) + "\n")
		}
		if len(ps.Binding) > 0 {
			b.WriteString("\n")
		}
		out = append(out, b.String())
	}
	return out
}

func figuresText(f evaluator.SuggestFigures) string {
	cliff := "no cliff"
	if f.Cliff != "" {
		cliff = "cliff " + f.Cliff
	}
	np := "N+k ok"
	if !f.NPlusOK {
		np = "N+k NO"
	}
	if !f.NPlusRequired {
		np += " (not required)"
	}
	return fmt.Sprintf("%s reserved, min headroom %s (commit window) %s (horizon), %s, %s", num(f.ReservedGPUs), pct(f.MinHeadroom), pct(f.MinHeadroomHorizon), np, cliff)
}

// suggestHCL writes Terraform for the changes as --apply writes them
// (inventory/terraform/tfedit): a resource per AWS capacity reservation
// to add (a start only later than today, the RFC 3339 end after the last
// day), a GCP future reservation (tfedit.FutureHCL) for one that starts
// later, an AWS capacity block's offering and block, and per extended
// reservation the end it needs; other types, GPUs rented on demand and a
// raised ceiling get a comment naming what to do.
func suggestHCL(w io.Writer, d *evaluator.SuggestDoc) error {
	var b strings.Builder
	claimed := map[string]bool{}
	for _, ps := range d.Suggestions {
		for _, c := range ps.Changes {
			rt, name, _ := strings.Cut(c.Address, ".")
			if ps.Claim != "" && c.Action == "add" && !claimed[ps.Pool] {
				claimed[ps.Pool] = true
				if b.Len() > 0 {
					b.WriteString("\n")
				}
				fmt.Fprintf(&b, "# pool %s: add %s to the plan's pools.%s.reservations\n", hclComment(ps.Pool), hclComment(ps.Claim), hclComment(ps.Pool))
			}
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			switch {
			case c.Action == "extend":
				// As --apply writes it: an end written as an instant moves
				// to the instant after the new last day, a date to the day.
				end := "null (end_date_type = \"unlimited\")"
				if c.End != "" {
					end = strconv.Quote(c.End)
					if _, dateOnly, err := inventory.Instant(c.OldEnd); err == nil && !dateOnly {
						if e, err := tfedit.EndInstant(c.End); err == nil {
							end = strconv.Quote(e)
						}
					}
				}
				fmt.Fprintf(&b, "# pool %s: extend %s (ends %s): end_date = %s\n", hclComment(ps.Pool), hclComment(c.Address), hclComment(c.OldEnd), end)
			case c.Kind == evaluator.KindOnDemand:
				fmt.Fprintf(&b, "# pool %s: rent %s GPUs on demand from %s to %s (no Terraform)\n", hclComment(ps.Pool), num(c.GPUs), c.Start, cmpOr(c.End, "open-ended"))
			case c.Kind == evaluator.KindOnDemandCeiling:
				fmt.Fprintf(&b, "# pool %s: set %s to %s in the plan\n", hclComment(ps.Pool), hclComment(c.Address), num(c.OnDemandMaxGPUs))
			case c.Kind == evaluator.KindCapacityBlock:
				start, err := time.Parse("2006-01-02", c.Start)
				if err != nil || !hclsyntax.ValidIdentifier(name) {
					fmt.Fprintf(&b, "# pool %s: add %s: a capacity block of %d × %s from %s for %s h\n", hclComment(ps.Pool), hclComment(c.Address), c.Instances, hclComment(c.InstanceType), c.Start, num(c.DurationHours))
					continue
				}
				fmt.Fprintf(&b, "# pool %s: a capacity block of %d × %s (%s GPUs) for %s h, holding capacity %s to %s (blocks start and end at 11:30 UTC)\n",
					hclComment(ps.Pool), c.Instances, hclComment(c.InstanceType), num(c.GPUs), num(c.DurationHours), c.Start, c.End)
				b.WriteString(tfedit.BlockHCL(name, c.InstanceType, c.Instances, c.DurationHours, start) + "\n")
			case rt == "aws_ec2_capacity_reservation":
				fmt.Fprintf(&b, "# pool %s: %d × %s (%s GPUs) in %s\n", hclComment(ps.Pool), c.Instances, hclComment(c.InstanceType), num(c.GPUs), hclComment(c.Zone))
				fmt.Fprintf(&b, "resource %q %q {\n", rt, name)
				fmt.Fprintf(&b, "  instance_type     = %q\n", c.InstanceType)
				fmt.Fprintf(&b, "  instance_platform = \"Linux/UNIX\"\n")
				fmt.Fprintf(&b, "  availability_zone = %q\n", c.Zone)
				fmt.Fprintf(&b, "  instance_count    = %d\n", c.Instances)
				if c.Start > d.Now {
					// As --apply writes it: a start only later than today.
					fmt.Fprintf(&b, "  start_date        = %q\n", c.Start+"T00:00:00Z")
				}
				if c.End == "" {
					fmt.Fprintf(&b, "  end_date_type     = \"unlimited\"\n")
				} else if end, err := tfedit.EndInstant(c.End); err == nil {
					// AWS takes an RFC 3339 end: the instant after the last day.
					fmt.Fprintf(&b, "  end_date_type     = \"limited\"\n")
					fmt.Fprintf(&b, "  end_date          = %q\n", end)
				} else {
					fmt.Fprintf(&b, "  # end_date: %s is not a date\n", hclComment(c.End))
				}
				b.WriteString("}\n")
			case rt == tfedit.FutureType && c.End != "" && hclsyntax.ValidIdentifier(name):
				// As --apply writes it, but for what it copies from the
				// pool's google_compute_reservation.
				text, err := tfedit.FutureHCL(name, c.Zone, c.Instances, c.Start, c.End, "",
					"machine_type = "+string(hclwrite.TokensForValue(cty.StringVal(c.InstanceType)).Bytes())+"\n# guest_accelerators, provider and project as the pool's google_compute_reservation has them")
				if err != nil {
					fmt.Fprintf(&b, "# pool %s: add %s: %d × %s in %s from %s to %s\n", hclComment(ps.Pool), hclComment(c.Address), c.Instances, hclComment(c.InstanceType), hclComment(c.Zone), c.Start, c.End)
					continue
				}
				fmt.Fprintf(&b, "# pool %s: %d × %s (%s GPUs) in %s, reserved for %s to %s only\n", hclComment(ps.Pool), c.Instances, hclComment(c.InstanceType), num(c.GPUs), hclComment(c.Zone), c.Start, c.End)
				b.WriteString(text + "\n")
			default:
				fmt.Fprintf(&b, "# pool %s: add %s: %d × %s in %s from %s to %s\n", hclComment(ps.Pool), hclComment(c.Address), c.Instances, hclComment(c.InstanceType), hclComment(cmpOr(c.Zone, "any zone")), c.Start, cmpOr(c.End, "open-ended"))
			}
		}
	}
	if b.Len() == 0 {
		b.WriteString("# nothing to change\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// hclComment keeps repository text on one comment line.
func hclComment(s string) string {
	return diag.Text(strings.NewReplacer("\n", " ", "\r", " ").Replace(s))
}

// changeInstances is a change's "N × TYPE", "-" for one of no instances
// (GPUs rented on demand, a ceiling raised).
func changeInstances(c evaluator.Change, text func(string) string) string {
	if c.Instances == 0 && c.InstanceType == "" {
		return "-"
	}
	return strconv.Itoa(c.Instances) + " × " + text(c.InstanceType)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
