package failover

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The route parameter added to any URL that does not carry one already is
// found again, and the rest of the URL is left as it was.
func FuzzRoute(f *testing.F) {
	for _, s := range []string{"https://shop.example/back", "https://x/?a=1#/done?b=2", "/pages/r/index?x=1", "https://x/?", "?&#", "https://x/a%zz?b=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		if u == "" {
			return
		}
		if _, found, err := routeOf(u); found || err != nil {
			return // InitSession refuses such a URL
		}
		got := withRoute(u, "backup-2")
		name, found, err := routeOf(got)
		if err != nil || !found || name != "backup-2" {
			t.Fatalf("withRoute(%q) = %q: routeOf = %q, %v, %v", u, got, name, found, err)
		}
		base, _, _ := strings.Cut(u, "#")
		if !strings.HasPrefix(got, strings.TrimRight(base, "?&")) || !strings.HasSuffix(got, u[len(base):]) {
			t.Fatalf("withRoute(%q) = %q changed the URL", u, got)
		}
	})
}

// Whatever a callback's query holds, the router answers without panicking,
// and only a held provider ever sees the request.
func FuzzVerifyCallbackRouting(f *testing.F) {
	for _, s := range []string{"lv_provider=a", "lv_provider=a?token=t", "lv_provider=b&lv_provider=a", "lv%5Fprovider=%61", "lv_provider=%zz"} {
		f.Add(s)
	}
	a := &fake{vendor: "a"}
	r, err := New(Config{Providers: []Member{{Provider: a}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string) {
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Scheme: "https", Host: "x", Path: "/return", RawQuery: query}}
		before := a.count()
		cb, err := r.VerifyCallback(context.Background(), req)
		called := a.count() > before
		name, found, serr := scanRoute(query)
		// Routed to a: a is asked. Naming no provider: every provider is
		// asked only whether it is a bare return (ErrNoResult), and the
		// callback is refused either way. A malformed or unknown route:
		// nobody is asked.
		routed := serr == nil && found && name == "a"
		wantCall := routed || (serr == nil && !found)
		if called != wantCall {
			t.Fatalf("query %q: provider called %v, want %v", query, called, wantCall)
		}
		if (err == nil) != routed || (cb != nil && cb.SessionID != "" && !strings.HasPrefix(cb.SessionID, "a:")) {
			t.Fatalf("query %q: %+v, %v", query, cb, err)
		}
	})
}
