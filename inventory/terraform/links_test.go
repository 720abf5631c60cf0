package terraform

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

// symlinks makes each link (slash path below dir) point at its target,
// written as given (relative targets stay relative).
func symlinks(t *testing.T, dir string, links map[string]string) {
	t.Helper()
	for link, target := range links {
		p := filepath.Join(dir, filepath.FromSlash(link))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.FromSlash(target), p); err != nil {
			testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
		}
	}
}

// TestDiscoverFollowsSymlinks: a .tf file or a directory reached through a
// symbolic link that stays inside the repository is read like any other,
// named by the link's path. Before, the walk skipped every link, so the
// GPUs they declare were silently missing.
func TestDiscoverFollowsSymlinks(t *testing.T) {
	// The targets live in library trees (modules/, examples/): not roots
	// of their own, so each reservation is counted once, where it is
	// linked.
	dir := testkit.TempTree(t, map[string]string{
		"live/main.tf":            reservation("own", "1"),
		"modules/shared/gpu.tf":   reservation("shared", "2"),
		"examples/stack/main.tf":  reservation("stack", "3"),
		"modules/shared/n.tfvars": "n = 4\n",
		"live/vars.tf":            "variable \"n\" {}\n" + reservation("from_var", "var.n"),
	})
	symlinks(t, dir, map[string]string{
		"live/gpu.tf":           "../modules/shared/gpu.tf",
		"stack":                 "examples/stack",
		"live/terraform.tfvars": "../modules/shared/n.tfvars",
		"live/README.md":        "/etc/passwd", // not a configuration file: never read
	})
	inv := discover(t, dir, Options{})
	type row struct {
		Address, File string
		Line, Count   int
	}
	var got []row
	for _, r := range inv.Reservations {
		got = append(got, row{r.Address, r.File, r.Line, r.Count})
	}
	want := []row{
		{"aws_ec2_capacity_reservation.from_var", "live/vars.tf", 2, 4}, // n from the linked terraform.tfvars
		{"aws_ec2_capacity_reservation.own", "live/main.tf", 1, 1},
		{"aws_ec2_capacity_reservation.shared", "live/gpu.tf", 1, 2},  // the linked file
		{"aws_ec2_capacity_reservation.stack", "stack/main.tf", 1, 3}, // below the linked directory
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reservations mismatch (-want +got):\n%s", d)
	}
}

// TestDiscoverSymlinkErrors: a link that would be read and leads outside
// the repository, cannot be resolved, or loops is an error at the link
// (line 1, column 1), and every such link is reported in one run.
func TestDiscoverSymlinkErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		links map[string]string // below repo/
		want  []string
	}{
		{
			name:  "file leaving the repository",
			files: map[string]string{"outside/gpu.tf": reservation("secret", "4"), "repo/main.tf": ""},
			links: map[string]string{"infra/gpu.tf": "../../outside/gpu.tf"},
			want:  []string{`infra/gpu.tf:1:1: error: symbolic link to "../../outside/gpu.tf" leads outside the repository: capcheck reads only what is inside it; move the target in, or exclude the link (terraform.exclude in capcheck.yaml)`},
		},
		{
			name:  "directory leaving the repository",
			files: map[string]string{"outside/gpu.tf": reservation("secret", "4"), "repo/main.tf": ""},
			links: map[string]string{"vendor": "../outside"},
			want:  []string{`vendor:1:1: error: symbolic link to "../outside" leads outside the repository: capcheck reads only what is inside it; move the target in, or exclude the link (terraform.exclude in capcheck.yaml)`},
		},
		{
			name:  "chain of links whose last one leaves",
			files: map[string]string{"outside/gpu.tf": reservation("secret", "4"), "repo/main.tf": ""},
			links: map[string]string{"a.tf": "b/c.tf", "b/c.tf": "../../outside/gpu.tf"},
			want: []string{
				`a.tf:1:1: error: symbolic link to "b/c.tf" leads outside the repository: capcheck reads only what is inside it; move the target in, or exclude the link (terraform.exclude in capcheck.yaml)`,
				`b/c.tf:1:1: error: symbolic link to "../../outside/gpu.tf" leads outside the repository: capcheck reads only what is inside it; move the target in, or exclude the link (terraform.exclude in capcheck.yaml)`,
			},
		},
		{
			name:  "dangling .tf link",
			files: map[string]string{"repo/main.tf": ""},
			links: map[string]string{"gone.tf": "missing.tf"},
			want:  []string{`gone.tf:1:1: error: symbolic link to "missing.tf" cannot be read: no such file or directory`},
		},
		{
			name:  "two directories linking to each other",
			files: map[string]string{"repo/a/main.tf": "", "repo/c/main.tf": ""},
			links: map[string]string{"a/b": "../c", "c/d": "../a"},
			// Walking a: a/b is c, whose d leads back to a. Walking c:
			// c/d is a, whose b leads back to c.
			want: []string{
				`a/b/d:1:1: error: symbolic link to "../a" loops: it leads back to a, which contains it; remove it, or exclude it (terraform.exclude in capcheck.yaml)`,
				`c/d/b:1:1: error: symbolic link to "../c" loops: it leads back to c, which contains it; remove it, or exclude it (terraform.exclude in capcheck.yaml)`,
			},
		},
		{
			name:  "link to the repository root",
			files: map[string]string{"repo/main.tf": ""},
			links: map[string]string{"infra/all": ".."},
			want:  []string{`infra/all:1:1: error: symbolic link to ".." loops: it leads back to the repository root, which contains it; remove it, or exclude it (terraform.exclude in capcheck.yaml)`},
		},
		{
			name: "auto tfvars leaving the repository",
			// The reservation makes the root worth parsing (mayHoldCapacity).
			files: map[string]string{"outside/x.tfvars": "n = 9\n", "repo/main.tf": "variable \"n\" {\n  default = 1\n}\n", "repo/gpu.tf": reservation("r", "var.n")},
			links: map[string]string{"x.auto.tfvars": "../outside/x.tfvars"},
			want:  []string{`x.auto.tfvars:1:1: error: var file x.auto.tfvars resolves outside the repository (through a symbolic link)`},
		},
		{
			name: "file in a module directory the walk skips",
			files: map[string]string{
				"outside/gpu.tf":        reservation("secret", "4"),
				"repo/main.tf":          "module \"m\" {\n  source = \"./.mods/gpu\"\n}\n",
				"repo/.mods/gpu/own.tf": reservation("own", "1"),
			},
			links: map[string]string{".mods/gpu/gpu.tf": "../../../outside/gpu.tf"},
			want:  []string{`.mods/gpu/gpu.tf:1:1: error: symbolic link to "../../../outside/gpu.tf" leads outside the repository: capcheck reads only what is inside it; move the target in, or exclude the link (terraform.exclude in capcheck.yaml)`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			top := testkit.TempTree(t, tc.files)
			repo := filepath.Join(top, "repo")
			symlinks(t, repo, tc.links)
			inv, err := Discover(context.Background(), repo, Options{})
			if err == nil {
				t.Fatalf("Discover = %+v, want errors %q", inv, tc.want)
			}
			if d := cmp.Diff(tc.want, diagStrings(t, err)); d != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestDiscoverSymlinkFanOut: links that fan out without looping (two
// links to the next level, twenty levels deep: a million paths) stop at
// maxLinkedDirs with an error at the link that went past it instead of
// walking for hours.
func TestDiscoverSymlinkFanOut(t *testing.T) {
	defer func(n int) { maxLinkedDirs = n }(maxLinkedDirs)
	maxLinkedDirs = 50
	files := map[string]string{"main.tf": ""}
	links := map[string]string{}
	for i := range 20 {
		next := fmt.Sprintf("../l%02d", i+1)
		links[fmt.Sprintf("l%02d/x", i)] = next
		links[fmt.Sprintf("l%02d/y", i)] = next
	}
	files["l20/main.tf"] = ""
	dir := testkit.TempTree(t, files)
	symlinks(t, dir, links)
	_, err := Discover(context.Background(), dir, Options{})
	// l00 is walked first, depth first, x before y: 20 x reach l20 (the
	// 20th linked directory); then 19 x and y (21st), 18 x, y (22nd) and
	// its x and y (23rd, 24th), 17 x, y and its 6 below (25th to 31st),
	// 16 x, y and its 14 below (32nd to 46th), then 15 x, y (47th) and
	// down its x: the 51st is 15 x, y and 4 x.
	want := []string{"l00/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/y/x/x/x/x:1:1: error: more than 50 directories reached through symbolic links; exclude some links (terraform.exclude in capcheck.yaml)"}
	if d := cmp.Diff(want, diagStrings(t, err)); d != "" {
		t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
	}
}

// TestDiscoverRootDirLink: a root module named in Options.Dirs (capcheck.yaml's
// terraform.dirs) may not lead out of the repository through a link either,
// even one the walk skips (a hidden directory).
func TestDiscoverRootDirLink(t *testing.T) {
	top := testkit.TempTree(t, map[string]string{"outside/gpu.tf": reservation("secret", "4"), "repo/main.tf": ""})
	repo := filepath.Join(top, "repo")
	symlinks(t, repo, map[string]string{".ext": "../outside"})
	_, err := Discover(context.Background(), repo, Options{Dirs: []string{".ext"}})
	want := []string{"error: root module .ext resolves outside the repository"}
	if d := cmp.Diff(want, diagStrings(t, err)); d != "" {
		t.Errorf("diagnostics mismatch (-want +got):\n%s", d)
	}
}
