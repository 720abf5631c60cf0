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

// TestLong is `capcheck version`'s line for the builds a user meets.
func TestLong(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"}
	dirty := debug.BuildSetting{Key: "vcs.modified", Value: "true"}
	clean := debug.BuildSetting{Key: "vcs.modified", Value: "false"}
	for _, tc := range []struct {
		name, stamp string
		bi          debug.BuildInfo
		want        string
	}{
		// -ldflags -X main.version=v1.2.3 in a checkout: the stamp and the
		// revision's first 12 hex digits
		{"stamped release", "v1.2.3", debug.BuildInfo{Settings: []debug.BuildSetting{rev, clean}}, "v1.2.3 (revision 0123456789ab)"},
		{"stamped, modified tree", "v1.2.3", debug.BuildInfo{Settings: []debug.BuildSetting{rev, dirty}}, "v1.2.3 (revision 0123456789ab+dirty)"},
		// go build in a checkout (Go 1.24+): the pseudo-version names the
		// revision already, so it is not repeated
		{"pseudo-version", "dev", debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261204015000-0123456789ab+dirty"}, Settings: []debug.BuildSetting{rev, dirty}}, "v0.0.0-20261204015000-0123456789ab+dirty"},
		{"devel with revision", "dev", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{rev, dirty}}, "dev+0123456789ab+dirty"},
		// go install …@v0.4.0 records the module version and no VCS
		{"go install @version", "", debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, "v0.4.0"},
		// -buildvcs=false, as .ci/run builds
		{"nothing recorded", "dev", debug.BuildInfo{}, "dev"},
	} {
		if got := long(tc.stamp, &tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
