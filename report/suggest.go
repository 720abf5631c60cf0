package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
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
		return suggestText(w, d, currency)
	}
	return errUnknownFormat("suggest", format, SuggestFormats()...)
}

func suggestText(w io.Writer, d *evaluator.SuggestDoc, currency string) error {
	var b strings.Builder
	for i, ps := range d.Suggestions {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "pool %s (plan %s, %s): ", diag.Text(ps.Pool), diag.Text(ps.Plan), diag.Text(ps.GPU))
		switch ps.Status {
		case evaluator.SuggestPass:
			b.WriteString("passes every month; nothing to change\n")
			continue
		case evaluator.SuggestUnsupported:
			b.WriteString("not solved\n")
		case evaluator.SuggestFixed:
			fmt.Fprintf(&b, "cheapest fix %s over the horizon\n", money(ps.Total, currency))
		case evaluator.SuggestNoFix:
			b.WriteString("no fix passes every rule\n")
		}
		if len(ps.Changes) > 0 {
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  ACTION\tADDRESS\tZONE\tINSTANCES\tGPUS\tSTART\tEND\tMONTHLY\tHORIZON")
			for _, c := range ps.Changes {
				end := c.End
				if end == "" {
					end = "open-ended"
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%d × %s\t%s\t%s\t%s\t%s\t%s\n", c.Action, diag.Text(c.Address), diag.Text(c.Zone),
					c.Instances, diag.Text(c.InstanceType), num(c.GPUs), c.Start, end, money(c.MonthlyCost, currency), money(c.HorizonCost, currency))
			}
			tw.Flush()
			var at []string
			for _, n := range []string{"6", "12", "18", "24"} {
				if v, ok := ps.CumulativeCost[n]; ok {
					at = append(at, n+" mo "+money(v, currency))
				}
			}
			if len(at) > 0 {
				fmt.Fprintf(&b, "  cost of the changes: %s\n", strings.Join(at, ", "))
			}
		}
		for _, bd := range ps.Binding {
			fmt.Fprintf(&b, "  binding: %s: %s\n", bd.Constraint, diag.Text(bd.Msg))
		}
		fmt.Fprintf(&b, "  before: %s\n", figuresText(ps.Before))
		if len(ps.Changes) > 0 {
			fmt.Fprintf(&b, "  after:  %s\n", figuresText(ps.After))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
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

// suggestHCL writes Terraform for the changes: a resource per
// reservation to add and, per extended reservation, the end it needs.
// The resource is written for AWS capacity reservations; other types get
// a comment naming what to add.
func suggestHCL(w io.Writer, d *evaluator.SuggestDoc) error {
	var b strings.Builder
	for _, ps := range d.Suggestions {
		for _, c := range ps.Changes {
			rt, name, _ := strings.Cut(c.Address, ".")
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			switch {
			case c.Action == "extend":
				end := strconv.Quote(c.End)
				if c.End == "" {
					end = "null (end_date_type = \"unlimited\")"
				}
				fmt.Fprintf(&b, "# pool %s: extend %s (ends %s): end_date = %s\n", hclComment(ps.Pool), hclComment(c.Address), hclComment(c.OldEnd), end)
			case rt == "aws_ec2_capacity_reservation":
				fmt.Fprintf(&b, "# pool %s: %d × %s (%s GPUs) in %s\n", hclComment(ps.Pool), c.Instances, hclComment(c.InstanceType), num(c.GPUs), hclComment(c.Zone))
				fmt.Fprintf(&b, "resource %q %q {\n", rt, name)
				fmt.Fprintf(&b, "  instance_type     = %q\n", c.InstanceType)
				fmt.Fprintf(&b, "  instance_platform = \"Linux/UNIX\"\n")
				fmt.Fprintf(&b, "  availability_zone = %q\n", c.Zone)
				fmt.Fprintf(&b, "  instance_count    = %d\n", c.Instances)
				fmt.Fprintf(&b, "  start_date        = %q\n", c.Start+"T00:00:00Z")
				if c.End == "" {
					fmt.Fprintf(&b, "  end_date_type     = \"unlimited\"\n")
				} else {
					fmt.Fprintf(&b, "  end_date_type     = \"limited\"\n")
					fmt.Fprintf(&b, "  end_date          = %q\n", c.End)
				}
				b.WriteString("}\n")
			default:
				fmt.Fprintf(&b, "# pool %s: add %s: %d × %s in %s from %s to %s\n", hclComment(ps.Pool), hclComment(c.Address), c.Instances, hclComment(c.InstanceType), hclComment(c.Zone), c.Start, cmpOr(c.End, "open-ended"))
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

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
