package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/go-liveness/liveness"
)

// versionLine is what liveness --version prints: liveness.Version, the
// one version the library's User-Agent ("go-liveness/"+Version) reports
// too, then the Go toolchain and platform, and the commit when the binary
// was built in a Git checkout.
func versionLine() string {
	line := fmt.Sprintf("liveness %s (%s %s/%s", liveness.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			line += ", commit " + rev + modified
		}
	}
	return line + ")"
}

func runVersion(c *cmd, args []string) int {
	const usage = "liveness version (or liveness --version)"
	fs := newFlags("version")
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(usage, "takes no arguments")
	}
	fmt.Fprintln(c.stdout, versionLine())
	return exitOK
}
