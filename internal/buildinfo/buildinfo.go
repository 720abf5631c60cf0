// Package buildinfo is the version a binary reports (`capcheck version`,
// SARIF's tool version, the report's footer), read from the build.
package buildinfo

import "runtime/debug"

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
	v := "dev"
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
	if rev != "" {
		v += "+" + rev[:min(len(rev), 12)] + dirty
	}
	return v
}
