package report

import (
	"strings"
	"testing"
)

// TestAuditMarkdownLead: the audit's workload table leads with observed
// against plan (ranker: p95 3000 against 2400, 3000 / 2400 − 1 = +25%,
// beyond the ±15% tolerance) and keeps where each observation comes from
// in a collapsed table of every column; the pool table follows, open.
func TestAuditMarkdownLead(t *testing.T) {
	got := auditMarkdown(auditCheck().Document.Audit)
	want := "#### Audit over the 14 days to 2026-11-21\n\n" +
		"| Workload | Pool | Observed | Plan | Drift |\n|:--|:--|--:|--:|--:|\n" +
		"| ranker | l4-usc1 | p95 3000 requests/s | 2400 (2026-11) | +25% (beyond ±15%) |\n\n" +
		"<details><summary>Where each observation comes from</summary>\n\n" +
		"| Workload | Pool | Observed | Plan | Drift | Source |\n|:--|:--|--:|--:|--:|:--|\n" +
		"| ranker | l4-usc1 | p95 3000 requests/s | 2400 (2026-11) | +25% (beyond ±15%) | actuals/ranker.csv |\n\n" +
		"</details>\n\n" +
		"| Pool | GPU utilisation | Reserved utilisation | Cliff (plan → observed) |\n|:--|--:|--:|:--|\n" +
		"| l4-usc1 | p95 75% (peak 75%) | mean 45% | 2028-04 → 2027-04 |\n\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("audit section:\n%s\nwant it to start:\n%s", got, want)
	}
}
