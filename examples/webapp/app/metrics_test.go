package app_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness/examples/webapp/app"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// scrape GETs /metrics with the Authorization header auth ("" for none),
// and returns the status and the samples, each line as Prometheus shows
// it without the instrumentation scope's labels (otel_scope_name, …),
// which every series carries.
func (e *env) scrape(t *testing.T, auth string) (int, map[string]bool, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+"/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	samples := map[string]bool{}
	scope := regexp.MustCompile(`,?otel_scope_[a-z_]+="[^"]*"`)
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			line = strings.Replace(scope.ReplaceAllString(line, ""), "{,", "{", 1)
			samples[strings.Replace(line, "{}", "", 1)] = true
		}
	}
	return resp.StatusCode, samples, string(b)
}

// TestMetrics: a check through the sandbox of a vendor whose return
// method is an option (Megvii's: its notify lost, so the unsigned GET
// return reads the result once) and a check of a vendor without a notify
// the reconciler finds pending are scraped from /metrics, under the names the
// OpenTelemetry Prometheus exporter gives livenessotel's instruments; the
// scrape needs the operator token, and holds no session ID or BizNo.
func TestMetrics(t *testing.T) {
	const token = "operator-token-for-the-test"
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, noNotify, func(c *app.Config, _ *[]sandbox.Option) { c.OperatorToken, c.Now = token, clock })
	ctx := context.Background()

	c := client(t)
	rv, field := returnMethod(t)
	got := string(rv)
	ref := e.start(t, c, with(person(rv), field, http.MethodGet))
	ent, _ := e.app.Entry(ref)
	visit, err := (&sandbox.Browser{Client: &http.Client{Jar: c.Jar}}).Press(ctx, ent.CheckURL, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(visit.ReturnBody), `id="status">passed<`) {
		t.Fatalf("the %s check did not pass:\n%s", rv, visit.ReturnBody)
	}

	// A check nobody comes back for, of a vendor without a notify: the
	// reconciler reads it from 3 minutes before its session expires, and
	// finds it pending.
	ph := providertest.RegisteredWith(t, "without a notify", func(h providertest.Harness) bool { return !h.Notifies && h.Vendor != rv })[0]
	left := string(ph.Vendor)
	pending := e.start(t, client(t), person(ph.Vendor))
	mu.Lock()
	now = now.Add(ph.Lifetime - 2*time.Minute)
	mu.Unlock()
	if n, err := e.app.Handler(ph.Vendor).Reconcile(ctx); n != 1 || err != nil {
		t.Fatalf("reconciler pass: %d sessions, %v; want 1", n, err)
	}

	for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
		if code, _, _ := e.scrape(t, auth); code != http.StatusUnauthorized {
			t.Errorf("/metrics with %q: %d, want 401", auth, code)
		}
	}
	code, samples, body := e.scrape(t, "Bearer "+token)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	sb, _ := url.Parse(e.sb.URL)
	vendorHTTP := `server_address="127.0.0.1",server_port="` + sb.Port() + `",url_scheme="http"`
	for _, want := range []string{
		`liveness_vendor_call_duration_seconds_count{liveness_operation="InitSession",liveness_vendor="` + got + `"} 1`,
		`liveness_sessions_started_total{liveness_vendor="` + got + `"} 1`, // the app's Begin
		`liveness_vendor_call_duration_seconds_count{liveness_operation="` + readOp(harnessOf(t, rv)) + `",liveness_vendor="` + got + `"} 1`,
		`liveness_vendor_result_calls_total{liveness_vendor="` + got + `"} 1`,
		`liveness_callback_duration_seconds_count{liveness_callback_kind="return",liveness_callback_outcome="passed",liveness_vendor="` + got + `"} 1`,
		`liveness_sessions_finished_total{liveness_reason="",liveness_status="passed",liveness_vendor="` + got + `"} 1`,
		`liveness_delivery_duration_seconds_count{liveness_delivery_outcome="delivered",liveness_vendor="` + got + `"} 1`,
		`liveness_delivery_attempts_sum{liveness_vendor="` + got + `"} 1`,
		`liveness_session_result_calls_sum{liveness_status="passed",liveness_vendor="` + got + `"} 1`,
		`liveness_session_duration_seconds_count{liveness_status="passed",liveness_vendor="` + got + `"} 1`,

		`liveness_vendor_call_duration_seconds_count{liveness_operation="InitSession",liveness_vendor="` + left + `"} 1`,
		`liveness_sessions_started_total{liveness_vendor="` + left + `"} 1`,
		`liveness_vendor_result_calls_total{liveness_vendor="` + left + `"} 1`,
		`liveness_reconcile_looks_total{liveness_callback_outcome="pending",liveness_vendor="` + left + `"} 1`,
		`liveness_callback_duration_seconds_count{liveness_callback_kind="reconcile",liveness_callback_outcome="pending",liveness_vendor="` + left + `"} 1`,
	} {
		if !samples[want] {
			t.Errorf("/metrics has no\n\t%s", want)
		}
	}
	// Each check's create and read, by their methods (the vendors' APIs'):
	// four requests, answered 200.
	served := regexp.MustCompile(`^http_client_request_duration_seconds_count\{http_request_method="(GET|POST)",http_response_status_code="200",` + regexp.QuoteMeta(vendorHTTP) + `\} (\d+)$`)
	requests := 0
	for line := range samples {
		if m := served.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[2])
			requests += n
		}
	}
	if requests != 4 {
		t.Errorf("/metrics counts %d vendor requests answered 200, want 4", requests)
	}
	if t.Failed() {
		t.Logf("scraped:\n%s", body)
	}
	for _, secret := range []string{ent.SessionID, ref, pending, sandbox.TestName, sandbox.TestIDNumber} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics holds %q", secret)
		}
	}

	// Without an operator token, /metrics is open (serve it on an internal
	// network only).
	if code, _, _ := newEnv(t).scrape(t, ""); code != http.StatusOK {
		t.Errorf("/metrics without a configured token: %d, want 200", code)
	}
}
