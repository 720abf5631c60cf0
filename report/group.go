package report

import (
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/policies"
)

// findingGroup is one line of the text report or the PR comment: one
// finding, or several that say the same thing about different addresses
// (three CAP012 reservations that differ only in the zone). Template is
// the shared message with the differing part as "…", and Parts the
// differing part of each member, in order ("module.r[\"us-east-1a\"]… (24
// GPUs)"); both are empty for a group of one. JSON, SARIF, JUnit and the
// GitHub annotations keep one result per finding: only the line-per-issue
// readers group.
type findingGroup struct {
	Members  []policies.Finding
	Template string
	Parts    []string
}

// First is the member whose rule, level, position and baseline the line shows.
func (g findingGroup) First() policies.Finding { return g.Members[0] }

// groupFindings groups findings that share the rule, level, kind,
// baseline mark (new, existing, worse and the base's message) and
// position, and whose messages differ only in each finding's own address
// (the target after its "kind/") and the parenthesised figures beside it. A
// group forms at its first member; findings that do not fit stay alone,
// in their order.
func groupFindings(fs []policies.Finding) []findingGroup {
	type key struct {
		rule, level, baseline, baseMsg, exception, file string
		kind                                            findingKind
		line, column                                    int
	}
	keyOf := func(f policies.Finding) key {
		return key{f.Rule, f.Level, f.Baseline, f.BaseMsg, f.Exception, f.File, kindOf(f), f.Line, f.Column}
	}
	buckets := map[key][]int{}
	var order []key
	for i, f := range fs {
		k := keyOf(f)
		if _, ok := buckets[k]; !ok {
			order = append(order, k)
		}
		buckets[k] = append(buckets[k], i)
	}
	first := map[int]findingGroup{} // index of the first member → its group
	grouped := map[int]bool{}
	for _, k := range order {
		idx := buckets[k]
		if len(idx) < 2 {
			continue
		}
		members := make([]policies.Finding, len(idx))
		for j, i := range idx {
			members[j] = fs[i]
		}
		tmpl, parts, ok := commonMessage(members)
		if !ok {
			continue
		}
		first[idx[0]] = findingGroup{Members: members, Template: tmpl, Parts: parts}
		for _, i := range idx {
			grouped[i] = true
		}
	}
	var out []findingGroup
	for i, f := range fs {
		if g, ok := first[i]; ok {
			out = append(out, g)
			continue
		}
		if !grouped[i] {
			out = append(out, findingGroup{Members: []policies.Finding{f}})
		}
	}
	return out
}

// commonMessage splits the members' messages into words (a parenthesised,
// bracketed or quoted run is one word) and finds the words they all begin
// and end with. It reports false unless some words are shared and each
// member's differing middle is its address and, at most, parenthesised
// notes beside it (see addressOnly).
func commonMessage(fs []policies.Finding) (string, []string, bool) {
	words := make([][]string, len(fs))
	shortest := -1
	for i, f := range fs {
		words[i] = splitWords(f.Msg)
		if shortest < 0 || len(words[i]) < shortest {
			shortest = len(words[i])
		}
	}
	pre := 0
	for pre < shortest && sameAt(words, func(w []string) string { return w[pre] }) {
		pre++
	}
	suf := 0
	for suf < shortest-pre && sameAt(words, func(w []string) string { return w[len(w)-1-suf] }) {
		suf++
	}
	if pre+suf == 0 {
		return "", nil, false
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		_, addr, ok := strings.Cut(f.Target, "/")
		mid := words[i][pre : len(words[i])-suf]
		if !ok || addr == "" || !addressOnly(mid, addr) {
			return "", nil, false
		}
		parts[i] = strings.Join(mid, " ")
	}
	w := words[0]
	tmpl := append(append(append([]string{}, w[:pre]...), "…"), w[len(w)-suf:]...)
	return strings.Join(tmpl, " "), parts, true
}

// addressOnly reports whether words are the address and, at most,
// parenthesised notes beside it ("(24 GPUs)").
func addressOnly(words []string, addr string) bool {
	found := false
	for _, w := range words {
		switch {
		case !found && strings.Contains(w, addr):
			found = true
		case strings.HasPrefix(w, "(") && strings.HasSuffix(strings.TrimRight(w, ",;:."), ")"):
		default:
			return false
		}
	}
	return found
}

func sameAt(words [][]string, at func([]string) string) bool {
	s := at(words[0])
	for _, w := range words[1:] {
		if at(w) != s {
			return false
		}
	}
	return true
}

// splitWords splits s at spaces outside parentheses, brackets and double
// quotes.
func splitWords(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '(' || r == '[' || r == '{':
			depth++
		case (r == ')' || r == ']' || r == '}') && depth > 0:
			depth--
		case r == ' ' && depth == 0:
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// groupText is a group's message for a line-oriented stream: the message
// of a single finding, or the template followed by "— 3 findings: a; b; c".
// It is raw text: the caller escapes it.
func (g findingGroup) groupText() string {
	if len(g.Members) == 1 {
		return g.First().Msg
	}
	return g.Template + " — " + strconv.Itoa(len(g.Members)) + " findings: " + strings.Join(g.Parts, "; ")
}
