package megvii_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// Megvii through a Handler under the readings of its get_token and
// callback documents the sandbox plays beside the result limits
// (megvii_readings_test.go): what expired_time bounds, which comparison
// and false-accept rate decide a pass, Megvii's own limits on
// procedure_priority, scene_id and the reference images, and a notify
// whose headers look like a browser's.

// megviiTokenEnd is expired_time of the sandbox's session id: its
// creation plus the token's ten minutes, whatever a reading made of the
// session's expiry since.
func megviiTokenEnd(e *env, id string) time.Time {
	e.T.Helper()
	for _, s := range e.SB.Sessions() {
		if s.ID == id {
			return s.CreatedAt.Add(10 * time.Minute)
		}
	}
	e.T.Fatalf("no sandbox session %s", id)
	return time.Time{}
}

// A check whose page was opened before expired_time and that ends a
// minute after it: under bounds-start it ends as a pass, under
// bounds-completion it is cut off and the session reads TIMEOUT. Before
// expired_time the browser lands on the return once while the check is
// pending (one get_result call answering PROCESSING). Then the result
// comes by the notify, by the browser's return (?biz_id=, the notify
// lost) or, with neither, by the reconciler after ExpiresAt plus the
// grace. Either way Deliver runs once with the reading's Status, within
// three get_result calls, and nothing is delivered again later.
func TestMegviiExpiredTimeThroughAHandler(t *testing.T) {
	for _, reading := range []megviisim.ExpiredTime{megviisim.ExpiryBoundsCompletion, megviisim.ExpiryBoundsStart} {
		for _, path := range []string{"notify", "return", "reconciler"} {
			t.Run(string(reading)+"/"+path, func(t *testing.T) {
				opts := []callbacktest.Option{callbacktest.UnsignedReturn(), megviiReading(megviisim.WithExpiredTime(reading))}
				if path != "notify" {
					opts = append(opts, callbacktest.NotifyToSink())
				}
				e := newEnv(t, opts...)
				b := e.NewBrowser()
				check := e.Start(b, e.Srv.URL)
				id := e.LastStarted()
				if resp := b.Do(http.MethodGet, check, nil); resp.StatusCode != http.StatusOK {
					t.Fatalf("the check page: HTTP %d", resp.StatusCode)
				}
				early := e.Srv.URL + "/return?" + url.Values{"biz_id": {id}}.Encode()
				if loc := b.Do(http.MethodGet, early, nil).Header.Get("Location"); loc != "/done?status=pending" {
					t.Fatalf("the return while the check runs: to %q, want pending", loc)
				}

				end := megviiTokenEnd(e, id)
				e.Clock.Advance(end.Sub(e.Clock.Now()) + time.Minute)
				want := liveness.StatusExpired
				c, err := e.SB.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomePass)
				switch {
				case reading == megviisim.ExpiryBoundsStart && err == nil:
					want = liveness.StatusPassed
				case reading == megviisim.ExpiryBoundsStart || !errors.Is(err, sandbox.ErrSessionExpired):
					t.Fatalf("a check ending after expired_time: %v", err)
				}
				if path == "notify" && want == liveness.StatusPassed && !c.Notified {
					t.Fatalf("the late notify: %v", c.NotifyErr)
				}

				switch path {
				case "return":
					time.Sleep(1100 * time.Millisecond) // past the second a pending answer is served from the Store
					to := early
					if c != nil {
						to = c.ReturnURL
					}
					if loc := b.Do(http.MethodGet, to, nil).Header.Get("Location"); loc != "/done?status="+string(want) {
						t.Fatalf("the return after expired_time: to %q, want %s", loc, want)
					}
				default:
					e.Clock.Advance(callback.DefaultExpiryGrace + time.Second)
					if _, err := e.Handler.Reconcile(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				for i := 0; i < 3; i++ { // later passes, up to the final read and past it
					e.Clock.Advance(12 * time.Hour)
					if _, err := e.Handler.Reconcile(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				if runs, attempts, st := e.Del.Get(id); runs != 1 || attempts != 1 || st != want {
					t.Fatalf("Deliver: %d runs in %d attempts with %q, want once with %q", runs, attempts, st, want)
				}
				if n := megviisim.ResultCalls(e.SB, id); n < 1 || n > megvii.ResultCalls {
					t.Fatalf("%d get_result calls, want 1 to %d", n, megvii.ResultCalls)
				}
			})
		}
	}
}

// Megvii refusing a value the client sends (an unknown procedure_priority,
// a scene_id or a reference image over a limit of Megvii's own): Start
// answers 400 after one get_token call, no session exists, and the BizNo
// is free again, so the same start with a value Megvii takes makes the
// session. Under the default readings the first value starts a session.
func TestMegviiTokenLimitsThroughAHandler(t *testing.T) {
	withImage := func(n int) func(*liveness.SessionRequest) {
		return func(r *liveness.SessionRequest) {
			img := sandbox.SampleFaceJPEG()
			r.ReferenceImages = [][]byte{append(img, bytes.Repeat([]byte{0}, n-len(img))...)}
		}
	}
	withOpts := func(o megvii.SessionOptions) func(*liveness.SessionRequest) {
		return func(r *liveness.SessionRequest) {
			if prev, ok := r.Extra.(*megvii.SessionOptions); ok {
				o.ActionHTTPMethod = prev.ActionHTTPMethod
			}
			r.Extra = &o
		}
	}
	capped := func(a megviisim.ImageCapAnswer) sandbox.Option {
		return megviisim.WithReferenceImageCap(megviisim.SmallImageCap, a)
	}
	for _, tc := range []struct {
		name      string
		reading   sandbox.Option
		refused   func(*liveness.SessionRequest)
		accepted  func(*liveness.SessionRequest)
		bites     bool
		vendorErr string
	}{
		{"procedure-priority=any-value", megviisim.WithProcedurePriorities(),
			withOpts(megvii.SessionOptions{ProcedurePriority: "fallback"}), nil, false, ""},
		{"procedure-priority=known-values", megviisim.WithProcedurePriorities(megviisim.ProcedurePriorities()...),
			withOpts(megvii.SessionOptions{ProcedurePriority: "fallback"}), withOpts(megvii.SessionOptions{ProcedurePriority: megvii.ProcedurePriorityKeep}),
			true, "procedure_priority"},
		{"scene-id-length=unbounded", megviisim.WithSceneIDLimit(0),
			withOpts(megvii.SessionOptions{SceneID: strings.Repeat("s", 256)}), nil, false, ""},
		{"scene-id-length=32-bytes", megviisim.WithSceneIDLimit(megviisim.ShortSceneID),
			withOpts(megvii.SessionOptions{SceneID: strings.Repeat("s", 33)}), withOpts(megvii.SessionOptions{SceneID: "scene7"}),
			true, "scene_id"},
		{"reference-image-cap=unbounded", megviisim.WithReferenceImageCap(0, ""),
			withImage(megvii.MaxReferenceImageBytes), nil, false, ""},
		{"reference-image-cap=1mib-bad-arguments", capped(megviisim.ImageCapBadArguments),
			withImage(megviisim.SmallImageCap + 1), withImage(megviisim.SmallImageCap), true, "image_ref1"},
		{"reference-image-cap=1mib-unsupported-format", capped(megviisim.ImageCapUnsupportedFormat),
			withImage(megviisim.SmallImageCap + 1), withImage(megviisim.SmallImageCap), true, "image_ref1"},
		{"reference-image-cap=1mib-file-too-large", capped(megviisim.ImageCapTooLarge),
			withImage(megviisim.SmallImageCap + 1), withImage(megviisim.SmallImageCap), true, "image_ref1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, callbacktest.NotifyToSink(), megviiReading(tc.reading))
			var mu sync.Mutex
			edit := tc.refused
			newRequest := e.Handler.NewRequest
			e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
				req, err := newRequest(r)
				if err == nil {
					req.BizNo = "order-7"
					mu.Lock()
					edit(req)
					mu.Unlock()
				}
				return req, err
			}
			var started []string
			e.Handler.Observe = func(ev callback.Event) {
				if ev.Kind == callback.KindStart {
					mu.Lock()
					started = append(started, ev.Outcome)
					mu.Unlock()
				}
			}
			startOnce := func() int {
				resp, err := e.NewBrowser().Client.PostForm(e.Srv.URL+"/start", url.Values{"user": {"someone"}})
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				return resp.StatusCode
			}
			if !tc.bites {
				if st := startOnce(); st != http.StatusSeeOther || e.SB.Requests(megviisim.GetToken) != 1 || len(e.SB.Sessions()) != 1 {
					t.Fatalf("start: HTTP %d, %d get_token calls, %d sessions; want 303 after one call",
						st, e.SB.Requests(megviisim.GetToken), len(e.SB.Sessions()))
				}
				return
			}
			if st := startOnce(); st != http.StatusBadRequest || e.SB.Requests(megviisim.GetToken) != 1 || len(e.SB.Sessions()) != 0 {
				t.Fatalf("a start Megvii refuses: HTTP %d, %d get_token calls, %d sessions; want 400 after one call, none",
					st, e.SB.Requests(megviisim.GetToken), len(e.SB.Sessions()))
			}
			// What the Handler was told, through the provider it uses.
			r := httptest.NewRequest(http.MethodPost, e.Srv.URL+"/start", strings.NewReader("user=someone"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req, err := e.Handler.NewRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.P.InitSession(context.Background(), req)
			var le *liveness.Error
			if !errors.As(err, &le) || !errors.Is(err, liveness.ErrInvalidArgument) || le.Field != tc.vendorErr || liveness.Retryable(err) {
				t.Fatalf("InitSession: %v (Field %q), want ErrInvalidArgument naming %s, not retryable", err, fieldOf(le), tc.vendorErr)
			}
			mu.Lock()
			edit = tc.accepted
			mu.Unlock()
			if st := startOnce(); st != http.StatusSeeOther || len(e.SB.Sessions()) != 1 {
				t.Fatalf("the same BizNo with a value Megvii takes: HTTP %d, %d sessions; want 303 and one", st, len(e.SB.Sessions()))
			}
			mu.Lock()
			defer mu.Unlock()
			if want := []string{callback.OutcomeRejected, callback.OutcomeStarted}; strings.Join(started, ",") != strings.Join(want, ",") {
				t.Fatalf("start events %v, want %v", started, want)
			}
		})
	}
}

func fieldOf(le *liveness.Error) string {
	if le == nil {
		return ""
	}
	return le.Field
}

// A compared session's pass under every reading of its comparisons, with
// the Handler's provider at the default false-accept rate (1e-4) and at
// 1e-3: the signed return and notify give the provider's verdict, which
// Deliver gets once, with no get_result call. Near the thresholds the
// rate decides: the callback document's 68.918 fails at 1e-4 (69) and
// passes at 1e-3 (64).
func TestMegviiFaceMatchThroughAHandler(t *testing.T) {
	for _, tc := range []struct {
		c    megviisim.Comparisons
		far  string
		want liveness.Status
	}{
		{megviisim.ComparisonsClear, "", liveness.StatusPassed},
		{megviisim.ComparisonsClear, megvii.FAR1e3, liveness.StatusPassed},
		{megviisim.ComparisonsSeedExample, "", liveness.StatusFailed},
		{megviisim.ComparisonsSeedExample, megvii.FAR1e3, liveness.StatusPassed},
		{megviisim.ComparisonsMixed, "", liveness.StatusFailed},
		{megviisim.ComparisonsMixed, megvii.FAR1e3, liveness.StatusPassed},
	} {
		t.Run(string(tc.c)+"/far="+tc.far, func(t *testing.T) {
			e := newEnv(t, megviiReading(megviisim.WithComparisons(tc.c)))
			u := e.SB.ProviderURL(liveness.Megvii)
			if tc.far != "" {
				u += "&far=" + tc.far
			}
			p, err := liveness.Open(u, liveness.WithClock(e.Clock.Now))
			if err != nil {
				t.Fatal(err)
			}
			h := e.NewHandler(p, nil)
			var reasons sync.Map
			door := &notifyDoor{}
			srv := serveMegvii(e, h, door, &reasons)
			b := e.NewBrowser()
			check := e.Start(b, srv.URL)
			id := e.LastStarted()
			v := e.Press(b, check, sandbox.OutcomePass)
			if v.ReturnStatus != http.StatusOK || !strings.HasSuffix(v.ReturnURL, "/done?status="+string(tc.want)) {
				t.Fatalf("the return: HTTP %d at %s, want /done?status=%s", v.ReturnStatus, v.ReturnURL, tc.want)
			}
			runs, _, st := e.Del.Get(id)
			reason, _ := reasons.Load(id)
			wantReason := liveness.ReasonNone
			if tc.want == liveness.StatusFailed {
				wantReason = liveness.ReasonFaceMismatch
			}
			if runs != 1 || st != tc.want || reason != wantReason {
				t.Fatalf("Deliver: %d runs with %s/%v, want once with %s/%s", runs, st, reason, tc.want, wantReason)
			}
			if door.count() != 1 || megviisim.ResultCalls(e.SB, id) != 0 {
				t.Fatalf("%d notifies, %d get_result calls; want 1 and 0", door.count(), megviisim.ResultCalls(e.SB, id))
			}
		})
	}
}

// A notify sent with a browser's headers, and the POST return sent
// without them (a client the headers cannot place): the Handler serves
// each at its own URL with VerifyCallbackOfKind, so the notify is
// acknowledged 200 "success" and delivers once, and the return lands on
// Done without delivering again or calling get_result. Under the default
// reading, the same.
func TestMegviiCallbackKindThroughAHandler(t *testing.T) {
	for _, h := range []megviisim.NotifyHeaders{megviisim.NotifyServerHeaders, megviisim.NotifyBrowserHeaders} {
		for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof} {
			t.Run(string(h)+"/"+string(o), func(t *testing.T) {
				e := newEnv(t, megviiReading(megviisim.WithNotifyHeaders(h)))
				door := &notifyDoor{}
				var reasons sync.Map
				srv := serveMegvii(e, e.Handler, door, &reasons)
				e.Start(e.NewBrowser(), srv.URL)
				id := e.LastStarted()
				c, err := e.SB.Complete(context.Background(), liveness.Megvii, id, o)
				if err != nil {
					t.Fatal(err)
				}
				want := megviiWant[o]
				door.mu.Lock()
				answers, acks := door.answers, door.acks
				door.mu.Unlock()
				if !c.Notified || len(answers) != 1 || answers[0] != http.StatusOK || acks[0] != "success" {
					t.Fatalf("the notify: notified=%v (%v), answers %v %q", c.Notified, c.NotifyErr, answers, acks)
				}
				ret, err := c.ReturnRequest(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(ret)
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/done?status="+string(want.status) {
					t.Fatalf("the bare POST return: %d to %q", resp.StatusCode, loc)
				}
				runs, attempts, st := e.Del.Get(id)
				reason, _ := reasons.Load(id)
				if runs != 1 || attempts != 1 || st != want.status || reason != want.reason {
					t.Fatalf("Deliver: %d runs in %d attempts with %s/%v, want once with %s/%s", runs, attempts, st, reason, want.status, want.reason)
				}
				if n := megviisim.ResultCalls(e.SB, id); n != 0 {
					t.Fatalf("%d get_result calls, want 0", n)
				}
			})
		}
	}
}
