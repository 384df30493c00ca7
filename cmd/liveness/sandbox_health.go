package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-liveness/liveness/sandbox"
)

// runSandboxHealth asks a running sandbox whether it is alive (or, with
// --ready, ready) and exits 0 if so, 1 if not: what a container's
// HEALTHCHECK runs, since a static image has no curl. Docker reads exit 1
// as unhealthy; any other code but 0 is reserved there, so a usage error
// (2) is for a person at a shell, not for the image.
func runSandboxHealth(c *cmd, args []string) int {
	const usage = "liveness sandbox health [--sandbox URL] [--ready] [--timeout D]"
	fs := newFlags("health")
	base := sandboxFlag(fs)
	ready := fs.Bool("ready", false, "ask the readiness route ("+sandbox.ReadyPath+": state usable) instead of liveness ("+sandbox.HealthPath+")")
	timeout := fs.Duration("timeout", 3*time.Second, "give up, unhealthy, after this long")
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(usage, "takes no arguments, got %d", len(pos))
	}
	if *timeout <= 0 {
		return c.usageError(usage, "flag --timeout must be positive")
	}
	u := c.sandboxURL(*base) + sandbox.HealthPath
	if *ready {
		u = c.sandboxURL(*base) + sandbox.ReadyPath
	}
	ctx, cancel := context.WithTimeout(c.ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return c.usageError(usage, "--sandbox is not a URL")
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: unhealthy: %v\n", c.name, err)
		return exitError
	}
	defer resp.Body.Close()
	var h sandbox.Health
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(b, &h)
	if resp.StatusCode != http.StatusOK {
		what := h.Status
		if what == "" {
			what = resp.Status
		}
		fmt.Fprintf(c.stderr, "%s: unhealthy: %s answered %d (%s)\n", c.name, u, resp.StatusCode, what)
		return exitError
	}
	fmt.Fprintf(c.stdout, "%s: %s\n", u, h.Status)
	return exitOK
}
