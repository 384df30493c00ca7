// Command quickstart runs the whole liveness flow for Jumdata, Juhe and
// Megvii FaceID: start a session, open the vendor's check page, come back
// through the callback, verify it and resolve the trusted result.
//
// With no credentials in the environment it runs against the built-in
// sandbox, with an HTTP client playing the user's browser:
//
//	go run ./examples/quickstart
//
// With a vendor's credentials in the environment it runs that vendor for
// real instead: it prints the check URL for a person to open on a phone and
// polls FetchResult until the result is final or the wait runs out.
//
//	MEGVII_API_KEY, MEGVII_API_SECRET            [MEGVII_BASE_URL, default RegionIDN]
//	JUHE_KEY                                      (plus JUHE_NAME, JUHE_ID_NUMBER of the person)
//	JUMDATA_APPCODE or JUMDATA_APP_ID + JUMDATA_APP_SECRET, with JUMDATA_INIT_URL and JUMDATA_RESULT_URL
//	LIVENESS_RETURN_URL, LIVENESS_NOTIFY_URL      where the vendor sends the user and its callbacks
//	LIVENESS_WAIT                                 how long to poll (default 5m)
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if live := liveVendors(); len(live) > 0 {
		err = runLive(ctx, live)
	} else {
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
