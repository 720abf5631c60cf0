package tfedit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
)

// FutureType is the GCP reservation the solver adds for capacity needed
// only from a later day (evaluator addType): a
// google_compute_future_reservation holds capacity for its time window
// only, where a google_compute_reservation holds (and bills) it from
// apply.
const FutureType = "google_compute_future_reservation"

// FutureHCL is a google_compute_future_reservation named name for
// instances instances in zone over first..last (YYYY-MM-DD, whole days):
// time_window from the first instant of first to the first instant after
// last (what the reader reads back as first..last), submitted
// (planning_status "SUBMITTED", so the reader counts it as guaranteed),
// its auto-created reservations deleted at the window's end (what it
// bills stops where the reader's capacity does). head are lines put at
// the top of the block (provider, project) and props the body of
// specific_sku_properties.instance_properties (machine_type,
// guest_accelerators), both HCL as written; the result is formatted.
func FutureHCL(name, zone string, instances int, first, last, head, props string) (string, error) {
	end, err := endInstant(last)
	if err != nil {
		return "", fmt.Errorf("end %q: %w", last, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resource %q %q {\n", FutureType, name)
	if head != "" {
		b.WriteString(head + "\n")
	}
	fmt.Fprintf(&b, "name = %s\n", valueText(cty.StringVal(strings.ReplaceAll(name, "_", "-"))))
	fmt.Fprintf(&b, "zone = %s\n", valueText(cty.StringVal(zone)))
	b.WriteString("planning_status = \"SUBMITTED\"\n")
	b.WriteString("auto_delete_auto_created_reservations = true\n")
	b.WriteString("time_window {\n")
	fmt.Fprintf(&b, "start_time = %s\n", valueText(cty.StringVal(first+"T00:00:00Z")))
	fmt.Fprintf(&b, "end_time = %s\n", valueText(cty.StringVal(end)))
	b.WriteString("}\n")
	b.WriteString("specific_sku_properties {\n")
	// total_count is a string in the provider's schema.
	fmt.Fprintf(&b, "total_count = %s\n", valueText(cty.StringVal(strconv.Itoa(instances))))
	b.WriteString("instance_properties {\n" + strings.TrimSpace(props) + "\n}\n")
	b.WriteString("}\n}\n")
	return strings.TrimRight(string(hclwrite.Format([]byte(b.String()))), "\n"), nil
}

// addFuture plans an addition of c as a new
// google_compute_future_reservation, a copy of the machine type,
// accelerators (the whole instance_properties), provider and project of
// a google_compute_reservation of the pool's instance type in c's root
// (one without count or for_each first), after the pool's last
// reservation in that block's file.
func (p *planner) addFuture(r Request, c Change) error {
	claimed := p.claimed(r.Pool, c.Root)
	for _, pass := range []bool{false, true} {
		for _, e := range claimed {
			if e.InstanceType != c.InstanceType || !strings.HasPrefix(e.Address, "google_compute_reservation.") {
				continue
			}
			if multi := strings.HasSuffix(e.Address, "]"); multi != pass {
				continue
			}
			if r.Claim != "" {
				return fmt.Errorf("suggest: pool %s: the new reservation %s would not be claimed by pools.%s.reservations; add %s there first (capcheck edits the Terraform only)", r.Pool, c.Address, r.Pool, r.Claim)
			}
			if err := p.newFuture(e, c, claimed); err != nil {
				return err
			}
			p.created[r.Pool] = append(p.created[r.Pool], c.Address)
			return nil
		}
	}
	return fmt.Errorf("suggest: pool %s has no google_compute_reservation of %s in root %s to copy for %s", r.Pool, c.InstanceType, c.Root, c.Address)
}

// newFuture adds the google_compute_future_reservation of c copied from
// e's block (see addFuture).
func (p *planner) newFuture(e inventory.Entry, c Change, claimed []inventory.Entry) error {
	b, err := p.block(e)
	if err != nil {
		return err
	}
	if err := p.overridden(b); err != nil {
		return err
	}
	_, name, _ := strings.Cut(c.Address, ".")
	if err := p.refuseTaken(b.dir, resourceNamed(FutureType, name, c.Address)); err != nil {
		return err
	}
	src := b.f.src
	var sr, ip *hclsyntax.Block
	for _, nb := range b.blk.Body.Blocks {
		if nb.Type == "specific_reservation" {
			sr = nb
		}
	}
	if sr != nil {
		for _, nb := range sr.Body.Blocks {
			if nb.Type == "instance_properties" {
				ip = nb
			}
		}
	}
	if ip == nil {
		return diag.Errorf(b.f.pos(b.blk.DefRange()), "cannot copy %s for %s: no specific_reservation.instance_properties block (a dynamic block?); make the change by hand", b.addr.resource(), c.Address).Err()
	}
	props := string(src[ip.OpenBraceRange.End.Byte:ip.CloseBraceRange.Start.Byte])
	var head []string
	for _, a := range []string{"provider", "project"} {
		if at := b.blk.Body.Attributes[a]; at != nil {
			rg := at.SrcRange
			head = append(head, string(src[rg.Start.Byte:rg.End.Byte]))
		}
	}
	text, err := FutureHCL(name, c.Zone, c.Instances, c.Start, c.End, strings.Join(head, "\n"), props)
	if err != nil {
		return fmt.Errorf("suggest: %s: %w", c.Address, err)
	}
	wf, hd := hclwrite.ParseConfig([]byte(text), b.f.rel, b.blk.Range().Start)
	if hd.HasErrors() || len(wf.Body().Blocks()) != 1 {
		return diag.Errorf(b.f.pos(b.blk.DefRange()), "cannot copy %s for %s", b.addr.resource(), c.Address).Err()
	}
	if ref := instanceRef(wf.Body().Blocks()[0].Body()); ref != "" {
		return diag.Errorf(b.f.pos(b.blk.DefRange()), "cannot copy %s for %s: an argument refers to %s, which the copy does not have; make the change by hand", b.addr.resource(), c.Address, ref).Err()
	}
	return p.addAfterClaimed(b, claimed, text)
}
