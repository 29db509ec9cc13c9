// Package version reports a tool's version, for the --version flag of the
// commands: the module version recorded in the binary by the go command, so a
// tool installed with "go install ...@v1.2.3" reports v1.2.3, and one built from a
// checkout reports "(devel)" with the commit it was built from.
package version

import (
	"runtime/debug"
	"strings"
)

// String returns the version line of the tool called name, for example
// "zmqcat v1.2.3 (go1.26.0)", or "zmqcat (devel) 1a2b3c4d5e6f+dirty (go1.26.0)" for a
// build from a checkout that the go command gave no version.
func String(name string) string {
	info, _ := debug.ReadBuildInfo()
	return Format(name, info)
}

// Format returns the version line of the tool called name built as info describes;
// info may be nil (a binary built without module support).
func Format(name string, info *debug.BuildInfo) string {
	if info == nil {
		return name + " (unknown version)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	parts := []string{name, v}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	// A version names its commit already (since Go 1.24 a build in a checkout
	// gets a pseudo-version such as v0.0.0-20260102150405-1a2b3c4d5e6f+dirty);
	// without one, the revision places the build.
	if rev != "" && v == "(devel)" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified == "true" {
			rev += "+dirty"
		}
		parts = append(parts, rev)
	}
	parts = append(parts, "("+info.GoVersion+")")
	return strings.Join(parts, " ")
}

// Requested reports whether args, a command line without the program name, asks
// for the version only: "--version" or "-version".
func Requested(args []string) bool {
	return len(args) == 1 && (args[0] == "--version" || args[0] == "-version")
}
