package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// liveVendors returns the vendors named in LIVENESS_PROVIDERS: liveness.Open
// URLs separated by spaces, such as "megvii://KEY:SECRET@api-idn.megvii.com".
// A URL that does not open is reported (without its credentials: Open's
// errors never quote them) and skipped. The person checked comes from
// LIVENESS_USER_ID, LIVENESS_NAME and LIVENESS_ID_NUMBER, each sent only to
// a vendor that uses it.
func liveVendors() []demo {
	var ds []demo
	bizNo := func() string { return "QS" + strconv.FormatInt(time.Now().UnixNano(), 10)[:16] }
	who := person{userID: os.Getenv("LIVENESS_USER_ID"), name: os.Getenv("LIVENESS_NAME"), idNumber: os.Getenv("LIVENESS_ID_NUMBER")}
	if who.userID == "" {
		who.userID = "quickstart"
	}
	for i, raw := range strings.Fields(os.Getenv("LIVENESS_PROVIDERS")) {
		p, err := liveness.Open(raw)
		if err != nil {
			fmt.Fprintf(os.Stderr, "quickstart: LIVENESS_PROVIDERS URL %d does not open: %v\n", i+1, err)
			continue
		}
		v := p.Vendor()
		ds = append(ds, demo{v, p, func(ret, notify string) *liveness.SessionRequest {
			return request(v, ret, notify, bizNo(), who)
		}})
	}
	return ds
}

// runLive starts one real session per vendor, prints its check URL and
// polls for the result.
func runLive(ctx context.Context, ds []demo) error {
	ret, notify := os.Getenv("LIVENESS_RETURN_URL"), os.Getenv("LIVENESS_NOTIFY_URL")
	if ret == "" {
		return errors.New("set LIVENESS_RETURN_URL (and LIVENESS_NOTIFY_URL for a vendor that notifies) to run against a real vendor")
	}
	wait := envDuration("LIVENESS_WAIT", 5*time.Minute)
	for _, d := range ds {
		s, err := d.provider.InitSession(ctx, d.request(ret, notify))
		if err != nil {
			return err
		}
		// s.Vendor is the vendor that served the session, d.vendor's
		// own or, through a failover router, the one the router chose.
		fmt.Print(openLine(s))
		res, err := poll(ctx, d.provider, s.ID, wait)
		if err != nil {
			return fmt.Errorf("%s: %w", d.vendor, err)
		}
		fmt.Printf("%s: %s %s (vendor code %s: %s) liveness=%s face match=%s\n\n", d.vendor, res.Status, orDash(string(res.Reason)),
			orDash(res.VendorCode), orDash(res.Message), livenessText(res), faceMatchText(res))
	}
	return nil
}

// poll fetches the result every few seconds until it is final, retrying
// what Retryable allows.
func poll(ctx context.Context, p liveness.Provider, id string, wait time.Duration) (*liveness.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(3 * time.Second)
	defer t.Stop()
	for {
		res, err := p.FetchResult(ctx, id)
		switch {
		case err == nil && res.Status.Final():
			return res, nil
		case err != nil && !liveness.Retryable(err):
			return nil, err
		}
		select {
		case <-ctx.Done():
			if res != nil {
				return res, nil
			}
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// openLine asks a person to open s's check URL, with its expiry in UTC
// RFC 3339, as the liveness command prints it.
func openLine(s *liveness.Session) string {
	exp := "no expiry given"
	if !s.ExpiresAt.IsZero() {
		exp = "expires " + s.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s: open this on a phone and do the check (%s):\n  %s\n", s.Vendor, exp, s.CheckURL)
}
