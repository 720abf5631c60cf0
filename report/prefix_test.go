package report

import (
	"strings"
	"testing"
)

// TestPathPrefix: when the checked directory is a subdirectory of the
// repository, links, annotations and SARIF URIs name files from the
// repository root; the Check's own prefix applies when Options has none.
func TestPathPrefix(t *testing.T) {
	c := fixtureCheck()
	c.PathPrefix = "platform/gpu"
	opts := fixtureOptions()

	md := render(t, "markdown", c, opts)
	wantLink := "[infra/gpu.tf:14](https://github.com/acme/gpu-infra/blob/0123456789abcdef0123456789abcdef01234567/platform/gpu/infra/gpu.tf#L14)"
	if !strings.Contains(md, wantLink) {
		t.Errorf("markdown lacks %s", wantLink)
	}
	gh := render(t, "github", c, opts)
	if !strings.Contains(gh, "::error file=platform/gpu/infra/gpu.tf,line=14,col=1,") {
		t.Errorf("github annotations lack the prefixed file:\n%s", gh)
	}
	sarif := render(t, "sarif", c, opts)
	if !strings.Contains(sarif, `"uri": "platform/gpu/capacity/plan.cue"`) {
		t.Errorf("SARIF lacks the prefixed URI")
	}
	// The text report stays relative to the checked directory, as typed.
	if text := render(t, "text", c, opts); !strings.Contains(text, "\ninfra/gpu.tf:14:1: deny: [CAP004]") && !strings.HasPrefix(text, "infra/gpu.tf:14:1: deny: [CAP004]") {
		t.Errorf("text report changed its paths:\n%s", text)
	}
	// An explicit option wins over the saved prefix.
	opts.PathPrefix = "elsewhere"
	if gh := render(t, "github", c, opts); !strings.Contains(gh, "file=elsewhere/infra/gpu.tf") {
		t.Errorf("Options.PathPrefix did not win:\n%s", gh)
	}
}
