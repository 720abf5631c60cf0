package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestVersion(t *testing.T) {
	if got := Version("v1.2.3"); got != "v1.2.3" {
		t.Errorf("Version(v1.2.3) = %q, want the stamp", got)
	}
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}}
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"go install @version", debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}, Settings: rev}, "v0.4.0"},
		// the revision's first 12 hex digits
		{"devel with revision", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "dev+0123456789ab"},
		{"modified tree", debug.BuildInfo{Settings: append(rev, debug.BuildSetting{Key: "vcs.modified", Value: "true"})}, "dev+0123456789ab+dirty"},
		{"nothing recorded", debug.BuildInfo{}, "dev"},
	} {
		if got := version(&tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
