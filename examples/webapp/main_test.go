package main

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback/pgstore/pgtest"
	"github.com/go-liveness/liveness/sandbox"
)

// The app on PostgreSQL (-store postgres://…), against the sandbox: a
// Jumdata and a Megvii check pass through the browser's return; each
// verdict is in the app's verdicts table once, beside the pgstore tables
// in the liveness_webapp schema, and the start page still works when the
// app is built again on the same database (a restart, with LIVENESS_KEY).
func TestPostgresStore(t *testing.T) {
	dsn := pgtest.Start(t)
	t.Setenv("LIVENESS_KEY", strings.Repeat("k", 32))
	t.Setenv("LIVENESS_PROVIDERS", "") // the sandbox
	ctx := context.Background()
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
		for _, vendor := range []string{"jumdata", "megvii"} {
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
// never its text (it holds credentials).
func TestLiveProvidersReadsTheEnvironment(t *testing.T) {
	t.Setenv("LIVENESS_PROVIDERS", "megvii://k:s@api-idn.megvii.com  juhe://sandboxjuhekey0000000000000000000@apis.juhe.cn")
	ps, err := liveProviders()
	if err != nil || len(ps) != 2 || ps[liveness.Megvii] == nil || ps[liveness.Juhe] == nil {
		t.Fatalf("liveProviders = %v, %v; want megvii and juhe", ps, err)
	}
	for _, env := range []string{"megvii://k:s@api-idn.megvii.com acme://secretkey@x", "juhe://secretkey0000000000000000000000@apis.juhe.cn juhe://secretkey0000000000000000000000@apis.juhe.cn"} {
		t.Setenv("LIVENESS_PROVIDERS", env)
		if _, err := liveProviders(); err == nil || !strings.Contains(err.Error(), "URL 2") || strings.Contains(err.Error(), "secretkey") {
			t.Errorf("liveProviders of %q: %v; want an error naming URL 2 and no credential", env, err)
		}
	}
	t.Setenv("LIVENESS_PROVIDERS", "")
	if ps, err := liveProviders(); len(ps) != 0 || err != nil {
		t.Errorf("liveProviders of nothing = %v, %v", ps, err)
	}
}
