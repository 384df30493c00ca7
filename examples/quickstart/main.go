// Command quickstart runs the whole liveness flow for every vendor it
// imports (vendors.go: Jumdata, Juhe and Megvii FaceID): start a session, open the vendor's check page, come back
// through the callback, verify it and resolve the trusted result.
//
// With no credentials in the environment it runs against the built-in
// sandbox, with an HTTP client playing the user's browser:
//
//	go run ./examples/quickstart
//
// With providers in the environment it runs those vendors for real
// instead: it prints the check URL for a person to open on a phone and
// polls FetchResult until the result is final or the wait runs out.
//
//	LIVENESS_PROVIDERS                            liveness.Open URLs, separated by spaces:
//	                                              megvii://KEY:SECRET@api-idn.megvii.com juhe://KEY@apis.juhe.cn
//	                                              jumdata://?appcode=CODE&init_url=...&result_url=...
//	LIVENESS_USER_ID, LIVENESS_NAME, LIVENESS_ID_NUMBER   the person checked, sent to the vendors that use each
//	LIVENESS_RETURN_URL, LIVENESS_NOTIFY_URL      where the vendor sends the user and its callbacks
//	LIVENESS_WAIT                                 how long to poll (default 5m)
//
// With -failover (or LIVENESS_FAILOVER=1) every session goes through one
// failover router (package failover) over the vendors, and the quickstart
// shows which vendor served each one: on the sandbox it makes one vendor
// after another fail; with credentials it starts one session on the first
// vendor that takes it.
//
//	go run ./examples/quickstart -failover
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	viaRouter := flag.Bool("failover", false, "run every session through a failover router and show which vendor served it")
	flag.Parse()
	var err error
	switch live := liveVendors(); {
	case len(live) > 0 && failoverWanted(*viaRouter):
		var d demo
		if d, err = routerDemo(live); err == nil {
			err = runLive(ctx, []demo{d})
		}
	case len(live) > 0:
		err = runLive(ctx, live)
	case failoverWanted(*viaRouter):
		err = runSandboxFailover(ctx, os.Stdout)
	default:
		err = runSandbox(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// envDuration reads a duration from the environment.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}
