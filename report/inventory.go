package report

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
)

// inventoryJSON is the `capcheck inventory --format json` contract.
type inventoryJSON struct {
	Version      string                 `json:"version"`
	Reservations []inventory.Entry      `json:"reservations"`
	Unresolved   []inventory.Unresolved `json:"unresolved"`
	Skipped      []inventory.Skipped    `json:"skipped,omitempty"`
}

// Inventory renders the discovered GPU reservations as "text" (a table) or
// "json" (the versioned contract of docs/ARCHITECTURE.md, "Outputs and exit codes").
func Inventory(w io.Writer, format string, inv *inventory.Inventory) error {
	switch format {
	case "json":
		out := inventoryJSON{Version: evaluator.Version, Reservations: inv.Reservations, Unresolved: inv.Unresolved, Skipped: inv.Skipped}
		if out.Reservations == nil {
			out.Reservations = []inventory.Entry{}
		}
		if out.Unresolved == nil {
			out.Unresolved = []inventory.Unresolved{}
		}
		return writeJSON(w, out)
	case "text", "":
		return inventoryText(w, inv, styleOf(w))
	}
	return errUnknownFormat("inventory", format, "text", "json")
}

// inventoryText is a table, one row per resource, then what it adds up
// to: guaranteed GPUs (and how many no plan claims), elastic GPUs, and the
// groups that run inside a reservation. A consumer's CAPACITY cell is just
// "consumer" (the reservation it runs in is named below the table) so the
// column stays narrow.
func inventoryText(w io.Writer, inv *inventory.Inventory, st style) error {
	var (
		guaranteed, elastic, unclaimed, demand     float64
		nGuaranteed, nElastic, nUnclaimed, nDemand int
		consumers                                  []inventory.Entry
	)
	if len(inv.Reservations) == 0 {
		fmt.Fprintln(w, "No GPU capacity found: no reservation, capacity block, node group or autoscaling group with GPUs.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ADDRESS\tLOCATION\tKIND\tINSTANCE TYPE\tCOUNT\tGPUS\tGPU\tZONE\tSTART\tEND\tCAPACITY\tPOOL")
		for _, r := range inv.Reservations {
			capacity := "guaranteed"
			switch {
			case r.Kind == inventory.KindWorkload:
				// Kubernetes demand: requests × replicas at the autoscaling
				// maximum, running inside other capacity.
				capacity = "demand"
				demand += r.GPUs
				nDemand++
				if r.ConsumerOf != "" {
					consumers = append(consumers, r)
				}
			case r.Kind == inventory.KindQueue:
				capacity = "quota"
				if r.ConsumerOf != "" {
					consumers = append(consumers, r)
				}
			case r.ConsumerOf != "":
				capacity = "consumer"
				consumers = append(consumers, r)
			case !r.Guaranteed:
				capacity = "elastic"
				elastic += r.GPUs
				nElastic++
			default:
				guaranteed += r.GPUs
				nGuaranteed++
				if r.Pool == "" {
					unclaimed += r.GPUs
					nUnclaimed++
				}
			}
			fmt.Fprintf(tw, "%s\t%s:%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				diag.Text(r.Address), diag.Text(r.File), r.Line, diag.Text(string(r.Kind)), dash(r.InstanceType), r.Count, num(r.GPUs),
				dash(r.GPU), dash(r.Zone), day(r.Start, inventory.FirstDay), day(r.End, inventory.LastDay), capacity, dash(r.Pool))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Guaranteed: %s GPUs in %s%s.\n", num(guaranteed),
			plural(nGuaranteed, "reservation", "reservations"), claimed(nGuaranteed, nUnclaimed, unclaimed))
		fmt.Fprintf(w, "Elastic:    %s GPUs in %s (scaling maximum, never counted as guaranteed).\n",
			num(elastic), plural(nElastic, "group", "groups"))
		if nDemand > 0 {
			fmt.Fprintf(w, "Demand:     %s GPUs requested by %s at their autoscaling maximum (Kubernetes; adds no capacity).\n",
				num(demand), plural(nDemand, "workload", "workloads"))
		}
		if len(consumers) > 0 {
			fmt.Fprintf(w, "Consumers:  %s inside a reservation, adding no GPUs:\n", plural(len(consumers), "group runs", "groups run"))
			for _, r := range consumers {
				fmt.Fprintf(w, "  %s → %s\n", diag.Text(r.Address), diag.Text(r.ConsumerOf))
			}
		}
		kubernetesBindings(w, inv.Reservations)
	}
	if len(inv.Unresolved) > 0 {
		fmt.Fprintf(w, "\n%s could not be evaluated statically (never counted as zero):\n",
			plural(len(inv.Unresolved), "resource", "resources"))
		for _, u := range inv.Unresolved {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s: %s\n", diag.Text(u.File), u.Line, u.Column, st.paint(sgrWarn, "unresolved"), diag.Text(u.Address), diag.Text(u.Msg))
		}
	}
	for i, s := range inv.Skipped {
		if i == 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "Skipped: %s/ (%s): %s.\n", diag.Text(s.Dir), plural(s.Roots, "root module", "root modules"), diag.Text(s.Msg))
	}
	return nil
}

// claimed says how much of the guaranteed capacity no plan's pool claims.
func claimed(n, nUnclaimed int, unclaimed float64) string {
	switch {
	case n == 0:
		return ""
	case nUnclaimed == 0:
		return ", all claimed by a plan's pool"
	case nUnclaimed == n:
		return ", none claimed by a plan's pool (CAP003)"
	}
	return fmt.Sprintf("; %s GPUs in %s claimed by no plan's pool (CAP003)",
		num(unclaimed), plural(nUnclaimed, "reservation", "reservations"))
}

// day shows a start or end as the whole day it covers, the way the
// capacity model counts it (whole is inventory.FirstDay or
// inventory.LastDay: an end of "2027-04-01T00:00:00Z" shows 2027-03-31).
// Anything else is shown as written (one line, see [diag.Text]); empty is
// "-".
func day(s string, whole func(string) (time.Time, error)) string {
	if t, err := whole(s); err == nil {
		return t.Format("2006-01-02")
	}
	return dash(s)
}

// dash is s on one line (see [diag.Text]), "-" when empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return diag.Text(s)
}
