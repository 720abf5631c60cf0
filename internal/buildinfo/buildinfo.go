// Package buildinfo is the version a binary reports (`capcheck version`,
// SARIF's tool version, the report's footer), read from the build.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Version is the binary's version: stamp when the build set one
// (-ldflags "-X main.version=v1.2.3"; "dev" or "" when it did not), else
// the module version the go command recorded (`go install …@v1.2.3`),
// else "dev" followed by the VCS revision when the build recorded one
// ("dev+0123456789ab", "+dirty" for a modified tree).
func Version(stamp string) string {
	if stamp != "dev" && stamp != "" {
		return stamp
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return version(bi)
}

func version(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	if rev := revision(bi); rev != "" {
		return "dev+" + rev
	}
	return "dev"
}

// revision is the VCS revision the build recorded, its first 12 hex
// digits, with "+dirty" for a modified tree; "" when none was recorded
// (go install …@version, go build -buildvcs=false).
func revision(bi *debug.BuildInfo) string {
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev[:min(len(rev), 12)] + dirty
}

// Long is what `capcheck version` prints: [Version], then the VCS
// revision when the build recorded one that the version does not
// already name: "v1.2.3 (revision 0123456789ab)" for a stamped release
// built in a checkout, "v0.0.0-20261204015000-0123456789ab+dirty" (the
// go command's own version from the checkout) or "dev+0123456789ab" as
// they are, "dev" when nothing was recorded.
func Long(stamp string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	return long(stamp, bi)
}

func long(stamp string, bi *debug.BuildInfo) string {
	v := stamp
	if v == "dev" || v == "" {
		v = version(bi)
	}
	rev := revision(bi)
	if rev == "" || strings.Contains(v, strings.TrimSuffix(rev, "+dirty")) {
		return v
	}
	return v + " (revision " + rev + ")"
}
