//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/rogpeppe/go-internal/txtar"
)

// githubCommentWidth is the width of a PR comment's body on github.com:
// the 826 px comment box less its 16 px padding on each side (the column
// budget in report/markdown_width_test.go uses the same figure).
const githubCommentWidth = 794

// githubCommentCSS is the part of GitHub's markdown-body stylesheet that
// decides a table's width: its font stack at 14 px, tables as scrolling
// blocks as wide as their content but no wider than the comment, cells
// padded 6 px 13 px with a 1 px border, header cells at weight 600. Where
// none of GitHub's fonts is installed (Debian: DejaVu Sans, wider than
// Segoe UI or San Francisco) the measure errs towards too wide.
const githubCommentCSS = `body { margin: 0; }
.markdown-body { box-sizing: border-box; width: 794px; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; font-size: 14px; line-height: 1.5; word-wrap: break-word; }
.markdown-body table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; margin: 0 0 16px; }
.markdown-body td, .markdown-body th { padding: 6px 13px; border: 1px solid #d0d7de; }
.markdown-body th { font-weight: 600; }
.markdown-body code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 85%; padding: .2em .4em; }
.markdown-body sub { font-size: 75%; }
`

// commentTable is one table of a rendered comment as laid out.
type commentTable struct {
	Head      string  `json:"head"`      // header cells joined by " | "
	InDetails bool    `json:"inDetails"` // inside a <details> (collapsed on GitHub)
	Scroll    float64 `json:"scroll"`    // scrollWidth as GitHub lays it out (cells may wrap)
	Client    float64 `json:"client"`    // the width it is given (≤ the comment's)
	Unwrapped float64 `json:"unwrapped"` // scrollWidth with no line break in any cell
	// CostRight is the right edge of the Monthly cost header cell, from
	// the comment's left edge, unwrapped (0 when the table has none).
	CostRight float64 `json:"costRight"`
}

// commentTablesJS opens every <details> and measures each table twice:
// as GitHub's stylesheet lays it out, then with its cells unwrapped.
const commentTablesJS = `(() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const body = document.querySelector('.markdown-body').getBoundingClientRect();
  return [...document.querySelectorAll('.markdown-body table')].map(t => {
    const r = {head: [...t.querySelectorAll('thead th')].map(th => th.textContent).join(' | '),
      inDetails: !!t.closest('details'), scroll: t.scrollWidth, client: t.clientWidth, costRight: 0};
    for (const c of t.querySelectorAll('th, td')) c.style.whiteSpace = 'nowrap';
    r.unwrapped = t.scrollWidth;
    t.style.maxWidth = 'none';
    for (const th of t.querySelectorAll('thead th'))
      if (th.textContent === 'Monthly cost') r.costRight = th.getBoundingClientRect().right - body.left;
    t.style.maxWidth = '';
    for (const c of t.querySelectorAll('th, td')) c.style.whiteSpace = '';
    return r;
  });
})()`

// TestCommentWidthInBrowser is issue 16 item 1's rendered-width check:
// the PR comment rendered to HTML by cmark-gfm (GitHub's own Markdown
// implementation, with the extensions github.com turns on) and laid out
// by Chromium in a 794 px comment body. Every table shown open fits
// unwrapped, the first with Monthly cost; the full pool table, which used
// to lead, does not fit (so the check can fail). Comments: the example's
// (`check --format markdown`) and diff_remove.txtar's base → head comment
// (its want.md, which that script compares with the real output), whose
// cells carry the arrows of the change.
func TestCommentWidthInBrowser(t *testing.T) {
	cmark := testkit.NeedCommand(t, "cmark-gfm", ".ci/run installs Debian's cmark-gfm package")
	b := startBrowser(t)

	var md, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check", "--now", "2026-11-21", "--no-fail", "--format", "markdown", "../../testdata/example"},
		strings.NewReader(""), &md, &stderr); code != exitPass {
		t.Fatalf("capcheck check: exit %d: %s", code, stderr.String())
	}
	comments := map[string][]byte{"example": md.Bytes()}
	ar, err := txtar.ParseFile("../../testdata/script/diff_remove.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == "want.md" {
			comments["diff_remove"] = f.Data
		}
	}
	if comments["diff_remove"] == nil {
		t.Fatal("diff_remove.txtar has no want.md")
	}

	for _, name := range []string{"example", "diff_remove"} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(cmark, "--unsafe", "--to", "html",
				"--extension", "table", "--extension", "strikethrough", "--extension", "autolink", "--extension", "tagfilter")
			cmd.Stdin = bytes.NewReader(comments[name])
			var errb bytes.Buffer
			cmd.Stderr = &errb
			html, err := cmd.Output()
			if err != nil {
				t.Fatalf("cmark-gfm: %v: %s", err, errb.String())
			}
			page := filepath.Join(t.TempDir(), "comment.html")
			doc := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><style>\n" + githubCommentCSS +
				"</style></head><body><div class=\"markdown-body\">\n" + string(html) + "</div></body></html>\n"
			if err := os.WriteFile(page, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			p := b.open("file://"+filepath.ToSlash(page), 1280, 2000)
			t.Logf("table cells drawn in %s", p.fontOf("td"))
			var tables []commentTable
			p.eval(commentTablesJS, &tables)
			if len(tables) == 0 {
				t.Fatal("the rendered comment has no table")
			}
			var lead, full *commentTable
			for i := range tables {
				tb := &tables[i]
				t.Logf("%s table (%s): %v px unwrapped, %v of %v as laid out", map[bool]string{true: "collapsed", false: "open"}[tb.InDetails], tb.Head, tb.Unwrapped, tb.Scroll, tb.Client)
				if !tb.InDetails && lead == nil {
					lead = tb
				}
				if tb.InDetails && strings.HasPrefix(tb.Head, "Pool | Plan | GPU") && full == nil {
					full = tb
				}
				// Every table shown open fits (the full ones are collapsed
				// on purpose), as the column budget in report/ checks too.
				if !tb.InDetails && tb.Scroll > tb.Client {
					t.Errorf("the open table (%s) scrolls: %v px of content in %v", tb.Head, tb.Scroll, tb.Client)
				}
				if !tb.InDetails && tb.Unwrapped > githubCommentWidth {
					t.Errorf("the open table (%s) is %v px unwrapped, wider than the comment's %d", tb.Head, tb.Unwrapped, githubCommentWidth)
				}
			}
			if lead == nil {
				t.Fatal("every table is inside <details>")
			}
			if !strings.Contains(lead.Head, "Monthly cost") {
				t.Errorf("the lead table (%s) has no Monthly cost column", lead.Head)
			}
			if lead.CostRight == 0 || lead.CostRight > githubCommentWidth {
				t.Errorf("the lead table's Monthly cost column ends at %v px, not within the comment's %d", lead.CostRight, githubCommentWidth)
			}
			if full == nil {
				t.Fatal("no collapsed full pool table (Pool | Plan | GPU …)")
			}
			if full.Unwrapped <= githubCommentWidth {
				t.Errorf("the full table is %v px unwrapped, within %d: the check would accept the old layout", full.Unwrapped, githubCommentWidth)
			}
		})
	}
}

// fontOf is the font Chromium drew the first element matching selector
// in (DevTools CSS.getPlatformFontsForNode), for the test log.
func (p *page) fontOf(selector string) string {
	p.b.t.Helper()
	p.b.call(p.session, "DOM.enable", nil, nil)
	p.b.call(p.session, "CSS.enable", nil, nil)
	var doc struct {
		Root struct {
			NodeID int `json:"nodeId"`
		} `json:"root"`
	}
	p.b.call(p.session, "DOM.getDocument", nil, &doc)
	var q struct {
		NodeID int `json:"nodeId"`
	}
	p.b.call(p.session, "DOM.querySelector", map[string]any{"nodeId": doc.Root.NodeID, "selector": selector}, &q)
	var fonts struct {
		Fonts []struct {
			FamilyName string `json:"familyName"`
			GlyphCount int    `json:"glyphCount"`
		} `json:"fonts"`
	}
	p.b.call(p.session, "CSS.getPlatformFontsForNode", map[string]any{"nodeId": q.NodeID}, &fonts)
	var names []string
	for _, f := range fonts.Fonts {
		names = append(names, f.FamilyName)
	}
	return strings.Join(names, ", ")
}
