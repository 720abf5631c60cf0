package evaluator

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/inventory"
)

// ScaffoldPool is a pool `capcheck init` proposes for guaranteed
// reservations no plan claims yet: one per GPU model and region.
type ScaffoldPool struct {
	Name   string
	GPU    string
	Region string // "" when no reservation's zone names it
	// Root is the root module the pool's reservations are read from, set
	// when the unclaimed reservations come from more than one root: two
	// roots (prod/, staging/) are separate capacity, even at the same
	// address, so each gets its own pool and its entries name the root
	// (`prod:aws_ec2_capacity_reservation.h100`).
	Root  string
	GPUs  float64 // guaranteed GPUs of its reservations
	Zones []string
	// Reservations are the entries for the pool's `reservations` list:
	// a resource's address without instance keys when every instance of it
	// lands in this pool, else the instance addresses.
	Reservations []string
}

// Scaffold groups the guaranteed reservations of inv that no pool claims
// (Pool == "", as Link leaves them) into proposed pools, ordered by name.
// Elastic groups and consumers add no guaranteed capacity and are left out.
func Scaffold(inv *inventory.Inventory) []ScaffoldPool {
	byKey := map[string]*ScaffoldPool{}
	instances := map[string][]string{} // resource address → instance addresses, all pools
	owner := map[string]string{}       // instance address → pool key
	roots := map[string]bool{}
	for _, r := range inv.Reservations {
		if guaranteedKind(&r) && r.Pool == "" {
			roots[r.Root] = true
		}
	}
	perRoot := len(roots) > 1
	for _, r := range inv.Reservations {
		if !guaranteedKind(&r) || r.Pool != "" {
			continue
		}
		key, name, root, addr := r.GPU+"\x00"+r.Region, scaffoldName(r.GPU, r.Region), "", r.Address
		if perRoot {
			root = r.Root
			key += "\x00" + root
			if root != "" {
				name = scaffoldName(r.GPU, r.Region+"-"+root)
				addr = root + ":" + r.Address
			}
		}
		p := byKey[key]
		if p == nil {
			p = &ScaffoldPool{Name: name, GPU: r.GPU, Region: r.Region, Root: root}
			byKey[key] = p
		}
		p.GPUs += r.GPUs
		if r.Zone != "" && !slices.Contains(p.Zones, r.Zone) {
			p.Zones = append(p.Zones, r.Zone)
		}
		res := stripAllKeys(addr)
		instances[res] = append(instances[res], addr)
		owner[addr] = key
	}
	// A resource whose instances all fall in one pool is claimed whole.
	for res, addrs := range instances {
		key := owner[addrs[0]]
		whole := true
		for _, a := range addrs {
			whole = whole && owner[a] == key
		}
		if whole {
			byKey[key].Reservations = append(byKey[key].Reservations, res)
			continue
		}
		for _, a := range addrs {
			byKey[owner[a]].Reservations = append(byKey[owner[a]].Reservations, a)
		}
	}
	out := make([]ScaffoldPool, 0, len(byKey))
	for _, p := range byKey {
		slices.Sort(p.Zones)
		slices.Sort(p.Reservations)
		p.Reservations = slices.Compact(p.Reservations)
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b ScaffoldPool) int { return cmp.Compare(a.Name, b.Name) })
	// Two GPU/region pairs can fold to one name ("h100-sxm" vs "H100 SXM"):
	// number the later ones so names stay unique.
	seen := map[string]int{}
	for i := range out {
		n := out[i].Name
		if seen[n]++; seen[n] > 1 {
			out[i].Name = fmt.Sprintf("%s-%d", n, seen[n])
		}
	}
	return out
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// scaffoldName is "<gpu>-<region>" in the schema's name alphabet:
// "h100-sxm-us-east-1".
func scaffoldName(gpu, region string) string {
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(gpu+"-"+region), "-"), "-")
	if n == "" {
		return "pool"
	}
	return n
}
