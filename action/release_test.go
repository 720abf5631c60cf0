package action

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

type releaseWorkflow struct {
	On struct {
		Push struct {
			Tags     []string `json:"tags"`
			Branches []string `json:"branches"`
		} `json:"push"`
	} `json:"on"`
	Permissions map[string]string `json:"permissions"`
	Jobs        map[string]struct {
		Permissions map[string]string `json:"permissions"`
		Steps       []step            `json:"steps"`
	} `json:"jobs"`
}

// pinnedRE is a third-party action pinned by a full commit SHA.
var pinnedRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)

// TestReleaseWorkflow parses .github/workflows/release.yml: it runs on
// version tags only, writes contents in its one job only, pins every
// action by commit SHA (as the action does: a tag can be moved, a commit
// cannot), stamps the version from the tag and publishes checksums.
func TestReleaseWorkflow(t *testing.T) {
	var w releaseWorkflow
	decodeYAML(t, "../.github/workflows/release.yml", &w)
	if diff := cmp.Diff([]string{"v[0-9]+.[0-9]+.[0-9]+"}, w.On.Push.Tags); diff != "" || len(w.On.Push.Branches) > 0 {
		t.Errorf("on.push = tags %v branches %v, want version tags only", w.On.Push.Tags, w.On.Push.Branches)
	}
	if diff := cmp.Diff(map[string]string{"contents": "read"}, w.Permissions); diff != "" {
		t.Errorf("top-level permissions (-want +got):\n%s", diff)
	}
	job, ok := w.Jobs["release"]
	if !ok || len(w.Jobs) != 1 {
		t.Fatalf("jobs = %v, want release alone", w.Jobs)
	}
	if diff := cmp.Diff(map[string]string{"contents": "write"}, job.Permissions); diff != "" {
		t.Errorf("release job permissions (-want +got):\n%s", diff)
	}
	var names []string
	for _, s := range job.Steps {
		if s.Uses != "" && !pinnedRE.MatchString(s.Uses) {
			t.Errorf("release.yml: %q is not pinned by a full commit SHA", s.Uses)
		}
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"", "", "Test", "Build", "Publish"}, names); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	build := releaseStep(t, "Build")
	for _, want := range []string{`-X main.version=$TAG`, "sha256sum", "checksums.txt", "CGO_ENABLED=0"} {
		if !strings.Contains(build.Run, want) {
			t.Errorf("the Build step does not say %q", want)
		}
	}
	if p := releaseStep(t, "Publish"); !strings.Contains(p.Run, "dist/checksums.txt") || p.Env["GH_TOKEN"] != "${{ github.token }}" {
		t.Errorf("the Publish step does not attach checksums.txt with the job's token: %+v", p)
	}
	// The action pins its own third-party actions the same way.
	for _, s := range loadAction(t).Runs.Steps {
		if s.Uses != "" && !pinnedRE.MatchString(s.Uses) {
			t.Errorf("action.yml: %q is not pinned by a full commit SHA", s.Uses)
		}
	}
}

func releaseStep(t *testing.T, name string) step {
	t.Helper()
	var w releaseWorkflow
	decodeYAML(t, "../.github/workflows/release.yml", &w)
	for _, s := range w.Jobs["release"].Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("release.yml has no step %q", name)
	return step{}
}

// fakeGo stands for `go build` in TestReleaseBuild: it records its
// arguments and environment, and writes a script that prints them as the
// binary. Compiling capcheck for real with -trimpath takes minutes on 2
// cores; the stamp itself (-X main.version) is the one `var version` in
// cmd/capcheck that TestReleaseBuild checks is there.
const fakeGo = `#!/usr/bin/env bash
out=
prev=
for a in "$@"; do
  if [ "$prev" = -o ]; then out=$a; fi
  prev=$a
done
printf '#!/bin/sh\necho "%s|%s|%s|%s"\n' "$*" "$GOOS" "$GOARCH" "$CGO_ENABLED" > "$out"
chmod +x "$out"
`

// TestReleaseBuild runs the Build step with the tag v9.8.7 for two
// platforms: per platform one archive holding capcheck (capcheck.exe on
// Windows) built with CGO off, -trimpath and the tag stamped into
// main.version, and checksums.txt naming each archive with its SHA-256.
func TestReleaseBuild(t *testing.T) {
	bash := testkit.NeedCommand(t, "bash", "the GitHub runner's shell for run: steps")
	testkit.NeedCommand(t, "sha256sum", "GNU coreutils, on the release runner")
	testkit.NeedCommand(t, "tar", "on the release runner")
	cli, err := os.ReadFile("../cmd/capcheck/cli.go")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^var version = "dev"$`).Match(cli) {
		t.Fatal("cmd/capcheck has no `var version = \"dev\"` for -X main.version to stamp")
	}
	dir := t.TempDir()
	dist, bin := filepath.Join(dir, "dist"), filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	s := releaseStep(t, "Build")
	cmd := exec.Command(bash, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", s.Run)
	cmd.Dir = ".."
	cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "TAG=v9.8.7", "TARGETS=linux/amd64 windows/amd64", "DIST=" + dist}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Build step: %v\n%s", err, out)
	}
	var wantSums strings.Builder
	for _, tc := range []struct{ goos, goarch, exe string }{{"linux", "amd64", "capcheck"}, {"windows", "amd64", "capcheck.exe"}} {
		name := "capcheck_v9.8.7_" + tc.goos + "_" + tc.goarch
		archive, err := os.ReadFile(filepath.Join(dist, name+".tar.gz"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(archive)
		wantSums.WriteString(hex.EncodeToString(sum[:]) + "  " + name + ".tar.gz\n")
		exe := filepath.Join(dir, name)
		untar(t, archive, name+"/"+tc.exe, exe)
		out, err := exec.Command(exe).CombinedOutput()
		want := "build -trimpath -ldflags -s -w -X main.version=v9.8.7 -o " + dist + "/" + name + "/" + tc.exe + " ./cmd/capcheck|" + tc.goos + "|" + tc.goarch + "|0\n"
		if err != nil || string(out) != want {
			t.Errorf("%s was built with %q (%v), want %q", name, out, err, want)
		}
	}
	sums, _ := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	if string(sums) != wantSums.String() {
		t.Errorf("checksums.txt = %q, want %q", sums, wantSums.String())
	}
	// Only a version tag is released.
	cmd = exec.Command(bash, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", s.Run)
	cmd.Dir = ".."
	cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "TAG=main", "TARGETS=linux/amd64", "DIST=" + filepath.Join(dir, "no")}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "release: main is not a vMAJOR.MINOR.PATCH tag") {
		t.Errorf("the Build step on TAG=main: %v\n%s", err, out)
	}
}

// untar writes the member name of the gzipped tar archive to file.
func untar(t *testing.T, archive []byte, name, file string) {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(archive)))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the archive: %v", name, err)
		}
		if h.Name != name {
			continue
		}
		f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.ReadFrom(tr); err != nil {
			t.Fatal(err)
		}
		return
	}
}

// TestDownloadStep runs the action's Download step against a release
// served on 127.0.0.1: the archive for the action's tag is installed when
// checksums.txt vouches for it; a wrong checksum, a missing release or a
// ref that is not a release tag installs nothing (the next steps build
// from source), and a branch ref asks nothing of the network.
func TestDownloadStep(t *testing.T) {
	testkit.NeedCommand(t, "curl", "the GitHub runner's curl")
	testkit.NeedCommand(t, "sha256sum", "GNU coreutils, on the runner")
	name := "capcheck_v1.2.3_linux_amd64"
	archive := tarGz(t, map[string]string{name + "/capcheck": "#!/bin/sh\necho capcheck v1.2.3\n"})
	sum := sha256.Sum256(archive)
	good := hex.EncodeToString(sum[:]) + "  " + name + ".tar.gz\n" + strings.Repeat("0", 64) + "  capcheck_v1.2.3_darwin_arm64.tar.gz\n"
	bad := strings.Repeat("1", 64) + "  " + name + ".tar.gz\n"
	var requests []string
	sums := good
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests = append(requests, r.URL.Path)
		switch r.URL.Path {
		case "/capcheck/capcheck/releases/download/v1.2.3/" + name + ".tar.gz":
			w.Write(archive)
		case "/capcheck/capcheck/releases/download/v1.2.3/checksums.txt":
			w.Write([]byte(sums))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	s := stepByID(t, loadAction(t), "download")
	for _, tc := range []struct {
		name, ref, version, sums string
		installed                bool
		requests                 int
	}{
		{name: "action tag", ref: "v1.2.3", sums: good, installed: true, requests: 2},
		{name: "version input", ref: "main", version: "v1.2.3", sums: good, installed: true, requests: 2},
		{name: "checksum mismatch", ref: "v1.2.3", sums: bad, installed: false, requests: 2},
		{name: "no such release", ref: "v9.9.9", sums: good, installed: false, requests: 1},
		{name: "branch", ref: "main", sums: good, installed: false, requests: 0},
		{name: "major tag", ref: "v1", sums: good, installed: false, requests: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requests, sums = nil, tc.sums
			dir := t.TempDir()
			ghPath := filepath.Join(dir, "path")
			code, outputs, log := runStep(t, s, map[string]string{
				"VERSION": tc.version, "ACTION_REF": tc.ref, "ACTION_REPOSITORY": "capcheck/capcheck",
				"SERVER_URL": srv.URL, "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "GITHUB_PATH": ghPath,
			}, "")
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, log)
			}
			want := "installed=false\n"
			if tc.installed {
				want = "installed=true\n"
			}
			if outputs != want {
				t.Errorf("outputs = %q, want %q\n%s", outputs, want, log)
			}
			if len(requests) != tc.requests {
				t.Errorf("requests = %v, want %d", requests, tc.requests)
			}
			path, _ := os.ReadFile(ghPath)
			if tc.installed {
				bin := strings.TrimSpace(string(path))
				out, err := exec.Command(filepath.Join(bin, "capcheck")).CombinedOutput()
				if err != nil || string(out) != "capcheck v1.2.3\n" {
					t.Errorf("installed capcheck says %q (%v)", out, err)
				}
			} else if len(path) != 0 {
				t.Errorf("GITHUB_PATH = %q, want nothing added", path)
			}
			if !tc.installed && tc.requests > 0 && !strings.Contains(log, "::warning::capcheck "+tc.ref+": could not download and verify") {
				t.Errorf("no fallback warning in\n%s", log)
			}
		})
	}
}

func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b strings.Builder
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return []byte(b.String())
}
