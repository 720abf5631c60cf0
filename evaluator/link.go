package evaluator

import (
	"fmt"
	"iter"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// matchAddress reports whether a pool's reservations entry claims the
// Terraform address addr.
//
// The pattern is matched literally except for `*`, which matches any run of
// characters inside one address segment, instance keys included: segments
// are separated by dots outside brackets and quotes, so
// `module.gpu.aws_ec2_capacity_reservation.*` matches
// `module.gpu.aws_ec2_capacity_reservation.h100[0]` and
// `google_compute_reservation.a3["us.central1-a"]`, but `*.h100` does not
// match `module.gpu.aws_x.h100`. Brackets are literal (unlike path.Match).
//
// A pattern without an instance key also claims every instance of the
// resource: the pattern is tried against the full address, against the
// address without its last instance key, and against the address with all
// instance keys removed, so `aws_ec2_capacity_reservation.h100` claims
// `aws_ec2_capacity_reservation.h100[0]` and `…h100[1]`, and
// `module.gpu.aws_x.h100` claims `module.gpu["a"].aws_x.h100[2]`.
func matchAddress(pattern, addr string) bool {
	return newAddrForms(addr).match(pattern)
}

// splitRoot splits a reservations entry that names a root module,
// `ROOT:ADDRESS` (`prod:aws_ec2_capacity_reservation.*`,
// `envs/*/:module.gpu.*`), into the root glob and the address pattern. A
// Terraform address holds a colon only inside an instance key, so a colon
// before the first bracket or quote is the separator; an entry without one
// claims matching addresses in every root.
func splitRoot(pattern string) (root, addr string, ok bool) {
	end := strings.IndexAny(pattern, `["`)
	if end < 0 {
		end = len(pattern)
	}
	i := strings.IndexByte(pattern[:end], ':')
	if i < 0 {
		return "", pattern, false
	}
	return pattern[:i], pattern[i+1:], true
}

// matchRoot reports whether the root glob of a reservations entry (a
// slash path relative to the repository, `*` matching within one path
// segment, a trailing slash allowed, "." or "" for the top) names root,
// an entry's Root. An entry that does not say its root (from a plan file)
// matches no root glob.
func matchRoot(glob, root string) bool {
	if root == "" {
		return false
	}
	glob = strings.TrimSuffix(strings.TrimPrefix(glob, "./"), "/")
	if glob == "" {
		glob = "."
	}
	ok, err := path.Match(glob, root)
	return ok && err == nil
}

// addrForms are the strings a pattern is tried against for one address
// (see matchAddress), with their segment separators, computed once per
// reservation.
type addrForms struct {
	forms []string
	seps  [][]bool
}

func newAddrForms(addr string) addrForms {
	f := addrForms{forms: []string{addr}}
	if s, ok := stripLastKey(addr); ok {
		f.forms = append(f.forms, s)
		if all := stripAllKeys(addr); all != s {
			f.forms = append(f.forms, all)
		}
	}
	for _, s := range f.forms {
		f.seps = append(f.seps, separators(s))
	}
	return f
}

func (f addrForms) match(pattern string) bool {
	for i, s := range f.forms {
		if globMatch(pattern, s, f.seps[i]) {
			return true
		}
	}
	return false
}

// separators marks the dots of s that separate address segments (dots
// outside brackets and quoted strings).
func separators(s string) []bool {
	sep := make([]bool, len(s))
	for i, depth := range addrBytes(s, true) {
		if depth == 0 && s[i] == '.' {
			sep[i] = true
		}
	}
	return sep
}

// addrBytes yields the index and bracket depth of each byte of s outside
// quoted strings: a string's quotes, the bytes inside it and its escapes
// are skipped. The depth is the one before the byte, so a '[' that opens
// an instance key is yielded at the outer depth and the ']' that closes it
// at the inner one (an unbalanced ']' is yielded at 0 and changes
// nothing). Quoted strings open anywhere when topQuotes is set, else only
// inside brackets (a quote outside them is then an ordinary byte).
func addrBytes(s string, topQuotes bool) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		depth, quoted := 0, false
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case quoted:
				if c == '\\' {
					i++
				} else if c == '"' {
					quoted = false
				}
				continue
			case c == '"' && (topQuotes || depth > 0):
				quoted = true
				continue
			}
			before := depth
			switch {
			case c == '[':
				depth++
			case c == ']' && depth > 0:
				depth--
			}
			if !yield(i, before) {
				return
			}
		}
	}
}

// globMatch matches pattern against s (whose separators are sep) where `*`
// matches any run of characters that contains no segment separator. It
// fills the table of which pattern suffixes match which suffixes of s, one
// pattern position at a time from the end: O(len(pattern) × len(s)) time
// whatever the stars, where backtracking over each star in turn is
// exponential in their number (testdata/fuzz/FuzzMatchAddress/stars).
func globMatch(pattern, s string, sep []bool) bool {
	// next[i] is whether pattern[p+1:] matches s[i:]; cur[i] the same
	// for pattern[p:].
	next, cur := make([]bool, len(s)+1), make([]bool, len(s)+1)
	next[len(s)] = true // the empty pattern matches only the empty string
	for p := len(pattern) - 1; p >= 0; p-- {
		if pattern[p] == '*' {
			// The star matches nothing, or s[i] and what the star
			// matches from i+1, when s[i] is not a separator.
			cur[len(s)] = next[len(s)]
			for i := len(s) - 1; i >= 0; i-- {
				cur[i] = next[i] || (!sep[i] && cur[i+1])
			}
		} else {
			cur[len(s)] = false
			for i := len(s) - 1; i >= 0; i-- {
				cur[i] = pattern[p] == s[i] && next[i+1]
			}
		}
		next, cur = cur, next
	}
	return next[0]
}

// stripLastKey removes a trailing instance key ("[0]", `["a"]`).
func stripLastKey(addr string) (string, bool) {
	open := -1
	for i, depth := range addrBytes(addr, false) {
		switch {
		case addr[i] == '[' && depth == 0:
			open = i
		case addr[i] == ']' && depth == 1 && i == len(addr)-1 && open > 0:
			return addr[:open], true
		}
	}
	return addr, false
}

// stripAllKeys removes every instance key from addr.
func stripAllKeys(addr string) string {
	var b strings.Builder
	for i, depth := range addrBytes(addr, false) {
		if c := addr[i]; depth == 0 && c != '[' && c != ']' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// claim records which pool claimed a reservation, for the two-pools error.
type claim struct {
	plan, pool string
	pos        diag.Pos
}

// link assigns the inventory's reservations to the pools that claim them.
// res is Evaluate's own copy of the inventory (sorted by address); link sets
// each claimed reservation's Pool to the claiming pool's name. Plans are
// visited in Evaluate's order (by name, then file), pools by name, entries
// in order. It returns, per pool, the indexes into res it claims, a
// CAP-LINK-NONE note for each entry that matches nothing, and a
// CAP-ZONE-REGION note, at the reservation, for each claimed reservation
// whose zone lies in another region than the pool's (the region the
// inventory derived from an AWS or GCP zone name; a zone whose region
// cannot be told, such as Azure's "1", is not judged).
//
// Errors: a reservation claimed by two pools (reported at the second pool's
// entry, naming the first) and a claimed reservation whose GPU model
// differs from the pool's gpu (reported at the reservation, naming the
// pool's gpu field and the claiming entry).
func link(plans []*schema.Plan, res []inventory.Entry) (map[*schema.Pool][]int, map[*schema.Pool][]NoteDoc, diag.Diagnostics) {
	claimed := make(map[*schema.Pool][]int)
	notes := make(map[*schema.Pool][]NoteDoc)
	owner := make(map[int]claim)
	forms := make([]addrForms, len(res))
	for j := range res {
		forms[j] = newAddrForms(res[j].Address)
	}
	var diags diag.Diagnostics
	poolPlan := make(map[string]*schema.Plan)
	for _, p := range plans {
		for _, name := range slices.Sorted(maps.Keys(p.Pools)) {
			pool := p.Pools[name]
			if pool == nil {
				continue
			}
			// Pool names are global: reservations, findings and targets
			// ("pool/<name>") name a pool without its plan.
			if other, ok := poolPlan[name]; ok {
				diags = append(diags, diag.Diagnostic{
					Range: p.PosOf("pools." + name).Range(), Severity: diag.Error, Path: "pools." + name,
					Msg: fmt.Sprintf("pool %q is also defined by plan %q at %s; pool names must be unique across plans",
						name, other.Name, other.PosOf("pools."+name)),
				})
				continue
			}
			poolPlan[name] = p
			seen := make(map[int]bool)
			for i, pattern := range pool.Reservations {
				path := fmt.Sprintf("pools.%s.reservations[%d]", name, i)
				pos := p.PosOf(path)
				matched := false
				rootGlob, addrPattern, hasRoot := splitRoot(pattern)
				for j := range res {
					if isKubernetes(&res[j]) || hasRoot && !matchRoot(rootGlob, res[j].Root) {
						continue // Kubernetes objects are claimed by kubernetes: entries
					}
					if !forms[j].match(addrPattern) {
						continue
					}
					matched = true
					if seen[j] {
						continue
					}
					if prev, ok := owner[j]; ok {
						diags = append(diags, diag.Diagnostic{
							Range: pos.Range(), Severity: diag.Error, Path: path,
							Msg: fmt.Sprintf("reservation %s is already claimed by pool %q of plan %q at %s; a reservation belongs to one pool",
								res[j].Address, prev.pool, prev.plan, prev.pos),
						})
						seen[j] = true
						continue
					}
					seen[j] = true
					owner[j] = claim{plan: p.Name, pool: name, pos: pos}
					res[j].Pool = name
					if res[j].GPU != pool.GPU {
						diags = append(diags, diag.Diagnostic{
							Range: res[j].Range, Severity: diag.Error, Path: res[j].Address,
							Msg: fmt.Sprintf("reservation GPU %q differs from pool %q GPU %q (%s), which claims it at %s",
								res[j].GPU, name, pool.GPU, p.PosOf("pools."+name+".gpu"), pos),
						})
					}
					if r := res[j].Region; r != "" && pool.Region != "" && r != pool.Region {
						notes[pool] = append(notes[pool], NoteDoc{
							Code: "CAP-ZONE-REGION",
							Msg: fmt.Sprintf("reservation %s is in zone %s of region %s, but pool %q is in region %s (%s)",
								res[j].Address, res[j].Zone, r, name, pool.Region, p.PosOf("pools."+name+".region")),
							Location: res[j].Pos.Range(),
						})
					}
					claimed[pool] = append(claimed[pool], j)
				}
				if !matched {
					notes[pool] = append(notes[pool], NoteDoc{
						Code:     "CAP-LINK-NONE",
						Msg:      fmt.Sprintf("reservations entry %q of pool %q matches no Terraform reservation", pattern, name),
						Location: pos.Range(),
					})
				}
			}
		}
	}
	diags = append(diags, linkKubernetes(plans, res, claimed, notes)...)
	return claimed, notes, diags
}

// Link returns a copy of inv, sorted by address, with each reservation's
// Pool set to the pool that claims it — what `capcheck inventory` shows.
// Its errors are Evaluate's linking errors.
func Link(plans []*schema.Plan, inv *inventory.Inventory) (*inventory.Inventory, error) {
	out := &inventory.Inventory{}
	if inv != nil {
		out.Reservations = append([]inventory.Entry(nil), inv.Reservations...)
		out.Unresolved = append([]inventory.Unresolved(nil), inv.Unresolved...)
		out.Skipped = append([]inventory.Skipped(nil), inv.Skipped...)
	}
	sortReservations(out.Reservations)
	_, _, diags := link(sortPlans(plans), out.Reservations)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
