package main

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/go-liveness/liveness/callback/pgstore/pgtest"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"
)

// The app on PostgreSQL (-store postgres://…), against the sandbox: a
// check of a vendor that sends no notify (Jumdata) and one of a vendor
// whose return may be a POST form beside its notify (Megvii), picked
// from the registered profiles, pass through the browser's return; each
// verdict is in the app's verdicts table once, beside the pgstore tables
// in the liveness_webapp schema, and the start page still works when the
// app is built again on the same database (a restart, with LIVENESS_KEY).
func TestPostgresStore(t *testing.T) {
	dsn := pgtest.Start(t)
	t.Setenv("LIVENESS_KEY", strings.Repeat("k", 32))
	t.Setenv("LIVENESS_PROVIDERS", "") // the sandbox
	ctx := context.Background()
	vendors := []string{
		firstVendor(t, "sends no notify", func(p driver.Profile) bool { return p.NoNotify }),
		firstVendor(t, "returns by a POST form and notifies", func(p driver.Profile) bool {
			return !p.NoNotify && slices.Contains(p.ReturnMethods, http.MethodPost)
		}),
	}
	for round := range 2 { // the second, a restart on the same database
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + l.Addr().String()
		a, closeApp, err := newApp(ctx, base, dsn)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(l) }()
		for _, vendor := range vendors {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.PostForm(base+"/start", url.Values{"vendor": {vendor}})
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			ref, ok := strings.CutPrefix(resp.Header.Get("Location"), "/check/")
			if resp.StatusCode != http.StatusSeeOther || !ok {
				t.Fatalf("round %d, %s: start answered %d, Location %q", round, vendor, resp.StatusCode, resp.Header.Get("Location"))
			}
			e, _ := a.Entry(ref)
			visit, err := (&sandbox.Browser{Client: &http.Client{Jar: jar}}).Press(ctx, e.CheckURL, sandbox.OutcomePass)
			if err != nil {
				t.Fatal(err)
			}
			if visit.ReturnStatus != http.StatusOK || !strings.Contains(string(visit.ReturnBody), `id="status">passed<`) {
				t.Fatalf("round %d, %s: the return answered %d:\n%s", round, vendor, visit.ReturnStatus, visit.ReturnBody)
			}
			var rows int
			var status string
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			err = conn.QueryRow(ctx, `SELECT count(*), min(status) FROM liveness_webapp.verdicts WHERE vendor = $1 AND session_id = $2`,
				vendor, e.SessionID).Scan(&rows, &status)
			_ = conn.Close(ctx)
			if err != nil || rows != 1 || status != "passed" {
				t.Fatalf("round %d, %s: verdicts of the session: %d rows, %q, %v; want passed once", round, vendor, rows, status, err)
			}
		}
		_ = srv.Close()
		closeApp()
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var sessions, verdicts int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM liveness_webapp.liveness_kv WHERE key LIKE 's:%'),
		(SELECT count(*) FROM liveness_webapp.verdicts)`).Scan(&sessions, &verdicts); err != nil {
		t.Fatal(err)
	}
	if sessions != 4 || verdicts != 4 {
		t.Fatalf("%d session records and %d verdicts in PostgreSQL, want 4 and 4", sessions, verdicts)
	}
}

// firstVendor returns the first registered vendor, by name, whose profile
// is what, and fails t when there is none.
func firstVendor(t *testing.T, what string, is func(driver.Profile) bool) string {
	t.Helper()
	for _, p := range driver.Profiles() {
		if is(p) {
			return string(p.Vendor)
		}
	}
	t.Fatalf("no registered vendor %s", what)
	return ""
}

// -store takes memory or a PostgreSQL URL, and says nothing of the URL
// it refuses (it may hold a password).
func TestOpenStoreRefuses(t *testing.T) {
	for _, spec := range []string{"redis://:secret@localhost", "postgres:/secret@x", "secret"} {
		_, err := openStore(context.Background(), spec)
		if err == nil {
			t.Errorf("openStore(%q): no error", spec)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("openStore(%q) = %q: repeats the spec", spec, err)
		}
	}
	if st, err := openStore(context.Background(), "memory"); st != nil || err != nil {
		t.Errorf("openStore(memory) = %v, %v; want nil, nil", st, err)
	}
}

// LIVENESS_PROVIDERS names the live vendors by their Open URLs; one that
// does not open, or a second of one vendor, is an error naming its place,
// never its text (it holds credentials). The URLs are the sandbox's, of
// two registered vendors.
func TestLiveProvidersReadsTheEnvironment(t *testing.T) {
	sb, err := sandbox.New()
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	vs := sb.Vendors()
	if len(vs) < 2 {
		t.Fatalf("the sandbox serves %v; want two vendors at least", vs)
	}
	v1, v2 := vs[0], vs[1]
	u1, u2 := sb.ProviderURL(v1), sb.ProviderURL(v2)
	t.Setenv("LIVENESS_PROVIDERS", u1+"  "+u2)
	ps, err := liveProviders()
	if err != nil || len(ps) != 2 || ps[v1] == nil || ps[v2] == nil {
		t.Fatalf("liveProviders = %v, %v; want %s and %s", ps, err, v1, v2)
	}
	for _, tt := range []struct{ env, secret string }{
		{u1 + " acme://secretkey@x", "secretkey"},
		{u2 + " " + u2, credential(t, u2)},
	} {
		t.Setenv("LIVENESS_PROVIDERS", tt.env)
		if _, err := liveProviders(); err == nil || !strings.Contains(err.Error(), "URL 2") || strings.Contains(err.Error(), tt.secret) {
			t.Errorf("liveProviders of %q: %v; want an error naming URL 2 and no credential", tt.env, err)
		}
	}
	t.Setenv("LIVENESS_PROVIDERS", "")
	if ps, err := liveProviders(); len(ps) != 0 || err != nil {
		t.Errorf("liveProviders of nothing = %v, %v", ps, err)
	}
}

// credential returns the credential an Open URL carries: its user info's
// password, or else its user name, or else its query.
func credential(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return p
	}
	if n := u.User.Username(); n != "" {
		return n
	}
	if u.RawQuery == "" {
		t.Fatalf("%s carries no credential", raw)
	}
	return u.RawQuery
}
