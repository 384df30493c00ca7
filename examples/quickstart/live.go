package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/megvii"
)

// liveVendors returns the vendors whose credentials are in the
// environment. A vendor whose credentials are incomplete is reported and
// skipped.
func liveVendors() []demo {
	var ds []demo
	bizNo := func() string { return "QS" + strconv.FormatInt(time.Now().UnixNano(), 10)[:16] }
	add := func(v liveness.Vendor, p liveness.Provider, err error, req func(ret, notify string) *liveness.SessionRequest) {
		if err != nil {
			fmt.Fprintf(os.Stderr, "quickstart: %s credentials found but unusable: %v\n", v, err)
			return
		}
		ds = append(ds, demo{v, p, req})
	}
	if key := os.Getenv("MEGVII_API_KEY"); key != "" {
		p, err := megvii.New(megvii.Config{APIKey: key, APISecret: os.Getenv("MEGVII_API_SECRET"), BaseURL: os.Getenv("MEGVII_BASE_URL")})
		add(liveness.Megvii, p, err, func(ret, notify string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: ret, NotifyURL: notify, BizNo: bizNo(), UserID: "quickstart"}
		})
	}
	if key := os.Getenv("JUHE_KEY"); key != "" {
		p, err := juhe.New(juhe.Config{Key: key})
		add(liveness.Juhe, p, err, func(ret, notify string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: ret, NotifyURL: notify, BizNo: bizNo(),
				Name: os.Getenv("JUHE_NAME"), IDNumber: os.Getenv("JUHE_ID_NUMBER")}
		})
	}
	if os.Getenv("JUMDATA_APPCODE") != "" || os.Getenv("JUMDATA_APP_ID") != "" {
		p, err := jumdata.New(jumdata.Config{
			AppCode: os.Getenv("JUMDATA_APPCODE"), AppID: os.Getenv("JUMDATA_APP_ID"), AppSecret: os.Getenv("JUMDATA_APP_SECRET"),
			InitURL: os.Getenv("JUMDATA_INIT_URL"), ResultURL: os.Getenv("JUMDATA_RESULT_URL"),
		})
		add(liveness.Jumdata, p, err, func(ret, _ string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: ret, BizNo: bizNo()}
		})
	}
	return ds
}

// runLive starts one real session per vendor, prints its check URL and
// polls for the result.
func runLive(ctx context.Context, ds []demo) error {
	ret, notify := os.Getenv("LIVENESS_RETURN_URL"), os.Getenv("LIVENESS_NOTIFY_URL")
	if ret == "" {
		return errors.New("set LIVENESS_RETURN_URL (and LIVENESS_NOTIFY_URL for Megvii) to run against a real vendor")
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
