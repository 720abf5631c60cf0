package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/evaluator/terraform"
)

// inventoryJSON is the `capcheck inventory --format json` contract.
type inventoryJSON struct {
	Version      string                  `json:"version"`
	Reservations []terraform.Reservation `json:"reservations"`
	Unresolved   []terraform.Unresolved  `json:"unresolved"`
}

// Inventory renders the discovered GPU reservations as "text" (a table) or
// "json" (the versioned contract of DESIGN.md section 7).
func Inventory(w io.Writer, format string, inv *terraform.Inventory) error {
	switch format {
	case "json":
		out := inventoryJSON{Version: evaluator.Version, Reservations: inv.Reservations, Unresolved: inv.Unresolved}
		if out.Reservations == nil {
			out.Reservations = []terraform.Reservation{}
		}
		if out.Unresolved == nil {
			out.Unresolved = []terraform.Unresolved{}
		}
		return writeJSON(w, out)
	case "text", "":
		return inventoryText(w, inv)
	}
	return errUnknownFormat("inventory", format, "text", "json")
}

func inventoryText(w io.Writer, inv *terraform.Inventory) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tLOCATION\tKIND\tINSTANCE TYPE\tCOUNT\tGPUS\tGPU\tZONE\tEND\tCAPACITY\tPOOL")
	var guaranteed, elastic float64
	for _, r := range inv.Reservations {
		capacity := "guaranteed"
		switch {
		case r.ConsumerOf != "":
			capacity = "consumer of " + r.ConsumerOf
		case !r.Guaranteed:
			capacity = "elastic"
			elastic += r.GPUs
		default:
			guaranteed += r.GPUs
		}
		fmt.Fprintf(tw, "%s\t%s:%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.Address, r.File, r.Line, r.Kind, r.InstanceType, r.Count, num(r.GPUs),
			r.GPU, dash(r.Zone), dash(r.End), capacity, dash(r.Pool))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d reservations: %s guaranteed GPUs, %s elastic GPUs (not guaranteed).\n",
		len(inv.Reservations), num(guaranteed), num(elastic))
	if len(inv.Unresolved) > 0 {
		fmt.Fprintf(w, "\n%d could not be evaluated statically (never counted as zero):\n", len(inv.Unresolved))
		for _, u := range inv.Unresolved {
			fmt.Fprintf(w, "%s:%d:%d: unresolved: %s: %s\n", u.File, u.Line, u.Column, u.Address, u.Msg)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
