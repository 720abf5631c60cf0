package policies

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Doc writes the Markdown rule catalogue (`capcheck doc`): a summary table
// of every rule (id, level, enforcement, severity, title) and a section per
// rule with its description, all from the rules' METADATA.
func Doc(w io.Writer, rules []Rule) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# capcheck policy rules")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "A **deny** finding fails the check unless its enforcement is `advisory`, an active")
	fmt.Fprintln(bw, "exception covers it, or (for `soft-mandatory` rules) an authorised override clears it.")
	fmt.Fprintln(bw, "`hard-mandatory` findings cannot be excepted or overridden. A **warn** finding never fails")
	fmt.Fprintln(bw, "the check (unless `--fail-on-warn`). Enforcement can be changed per rule in `capcheck.yaml`.")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "| id | level | enforcement | severity | title |")
	fmt.Fprintln(bw, "|---|---|---|---|---|")
	for _, r := range rules {
		fmt.Fprintf(bw, "| [%s](#%s) | %s | %s | %s | %s |\n",
			cell(r.ID), anchor(r.ID), cell(r.Level), cell(r.Enforcement), cell(orDash(r.Severity)), cell(r.Title))
	}
	for _, r := range rules {
		fmt.Fprintln(bw)
		fmt.Fprintf(bw, "## %s\n\n", r.ID)
		if r.Title != "" {
			fmt.Fprintf(bw, "**%s**\n\n", strings.TrimSpace(r.Title))
		}
		fmt.Fprintf(bw, "Level `%s`, enforcement `%s`", r.Level, r.Enforcement)
		if r.Enforcement != r.DefaultEnforcement {
			fmt.Fprintf(bw, " (default `%s`)", r.DefaultEnforcement)
		}
		if r.Severity != "" {
			fmt.Fprintf(bw, ", severity %s", r.Severity)
		}
		fmt.Fprintf(bw, ", package `%s`.\n", r.Package)
		if r.Description != "" {
			fmt.Fprintln(bw)
			fmt.Fprintln(bw, strings.TrimSpace(r.Description))
		}
	}
	return bw.Flush()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// anchor is the GitHub heading anchor of a rule id.
func anchor(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
