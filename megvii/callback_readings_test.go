package megvii_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
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

// Megvii through a Handler under every reading of its documents the
// sandbox plays (megvii/megviisim/readings.go): the notify's encoding,
// whether it is sent again, which answer counts as received, and where
// get_result names the session. The get_result limits are the sandbox's
// defaults throughout: three calls per biz_id counting pending ones, a
// result kept one day.

// megviiReading adds sandbox options.
func megviiReading(opts ...sandbox.Option) callbacktest.Option {
	return func(_ *env, o *[]sandbox.Option) { *o = append(*o, opts...) }
}

// megviiWant is the Status and Reason each outcome of Megvii's page
// resolves to (the sandbox package's outcome table).
var megviiWant = map[sandbox.Outcome]struct {
	status liveness.Status
	reason liveness.Reason
}{
	sandbox.OutcomePass:              {liveness.StatusPassed, liveness.ReasonNone},
	sandbox.OutcomeSpoof:             {liveness.StatusFailed, liveness.ReasonSpoof},
	sandbox.OutcomeFaceMismatch:      {liveness.StatusFailed, liveness.ReasonFaceMismatch},
	sandbox.OutcomeCancel:            {liveness.StatusCanceled, liveness.ReasonUserCanceled},
	sandbox.OutcomeDeviceUnsupported: {liveness.StatusError, liveness.ReasonDeviceUnsupported},
	sandbox.OutcomeTimeout:           {liveness.StatusExpired, liveness.ReasonTimeout},
}

// notifyDoor stands in front of a Handler's Notify: it records every
// notify (its Content-Type, body and the answer), and turns the first
// ones away with 503 before the Handler sees them, as a proxy that is
// down would.
type notifyDoor struct {
	mu      sync.Mutex
	refuse  int
	types   []string
	bodies  [][]byte
	answers []int
	acks    []string
}

func (d *notifyDoor) serve(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.types = append(d.types, r.Header.Get("Content-Type"))
		d.bodies = append(d.bodies, body)
		refuse := d.refuse > 0
		if refuse {
			d.refuse--
		}
		d.mu.Unlock()
		rec := httptest.NewRecorder()
		if refuse {
			http.Error(rec, "proxy down", http.StatusServiceUnavailable)
		} else {
			r.Body = io.NopCloser(bytes.NewReader(body))
			next(rec, r)
		}
		d.mu.Lock()
		d.answers = append(d.answers, rec.Code)
		d.acks = append(d.acks, rec.Body.String())
		d.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}
}

func (d *notifyDoor) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.answers)
}

// serveMegvii serves h as env.serve does, the notify behind door, with
// sessions compared with a reference image (so that the page offers
// face_mismatch), and records the Reason of each delivery.
func serveMegvii(e *env, h *callback.Handler, door *notifyDoor, reasons *sync.Map) *httptest.Server {
	next := h.NewRequest
	h.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()}
		}
		return req, err
	}
	deliver := h.Deliver
	h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		err := deliver(ctx, res, s)
		if err == nil {
			reasons.Store(s.ID, res.Reason)
		}
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/start", h.Start)
	mux.HandleFunc("/return", h.Return)
	mux.HandleFunc("/notify", door.serve(h.Notify))
	mux.HandleFunc("/done", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "done") })
	srv := httptest.NewServer(mux)
	e.T.Cleanup(srv.Close)
	return srv
}

// Every outcome Megvii's page offers × the notify's encoding × redelivery
// on or off × which answer counts as received, through a Handler started
// with POST /start and a browser that comes back by GET (?biz_id=, which
// needs a get_result call when nothing else brought the result). The
// first notify is turned away (503) before the Handler sees it: with
// redelivery the next one delivers the result, without it the browser's
// return does. Either way Deliver runs once with the outcome's exact
// Status and Reason, at most three get_result calls are made, and a
// notify for the delivered session is answered 200 "success" (which every
// reading counts as received), the Handler's answer to each notify it saw
// included.
func TestMegviiNotifyReadingsEveryOutcome(t *testing.T) {
	probe := newEnv(t)
	var reasons sync.Map
	srv := serveMegvii(probe, probe.Handler, &notifyDoor{}, &reasons)
	probe.Start(callbacktest.NewBrowser(t), srv.URL)
	outcomes, err := probe.SB.SessionOutcomes(liveness.Megvii, probe.LastStarted())
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != len(megviiWant) {
		t.Fatalf("the page offers %v, want every one of %d outcomes", outcomes, len(megviiWant))
	}

	for _, body := range []megviisim.NotifyBody{megviisim.NotifyForm, megviisim.NotifyMultipart} {
		for _, redeliver := range []bool{false, true} {
			for _, ack := range []megviisim.NotifyAck{megviisim.AckAny2xx, megviisim.AckSuccess} {
				for _, o := range outcomes {
					name := fmt.Sprintf("%s/redelivered=%v/ack=%s/%s", body, redeliver, ack, o)
					t.Run(name, func(t *testing.T) {
						testMegviiNotifyReading(t, o, body, redeliver, ack)
					})
				}
			}
		}
	}
}

func testMegviiNotifyReading(t *testing.T, o sandbox.Outcome, body megviisim.NotifyBody, redeliver bool, ack megviisim.NotifyAck) {
	want, ok := megviiWant[o]
	if !ok {
		t.Fatalf("no Status for outcome %s", o)
	}
	opts := []callbacktest.Option{callbacktest.UnsignedReturn(), megviiReading(megviisim.WithNotifyBody(body), megviisim.WithNotifyAck(ack))}
	if redeliver {
		opts = append(opts, callbacktest.NotifyRetry(3, 10*time.Millisecond))
	}
	e := newEnv(t, opts...)
	door := &notifyDoor{refuse: 1}
	var reasons sync.Map
	srv := serveMegvii(e, e.Handler, door, &reasons)
	b := callbacktest.NewBrowser(t)
	e.Start(b, srv.URL)
	id := e.LastStarted()

	c, err := e.SB.Complete(context.Background(), liveness.Megvii, id, o)
	if err != nil {
		t.Fatal(err)
	}
	if c.Notified || !strings.Contains(fmt.Sprint(c.NotifyErr), "503") {
		t.Fatalf("the first notify: notified=%v err=%v, want HTTP 503", c.Notified, c.NotifyErr)
	}
	if redeliver {
		callbacktest.Eventually(t, func() bool { runs, _, _ := e.Del.Get(id); return runs == 1 }, "the redelivered notify delivers")
	}
	time.Sleep(80 * time.Millisecond) // any notify still to come: 10, 20 and 40 ms apart
	wantNotifies := 1
	if redeliver {
		wantNotifies = 2 // the refused one, then one the Handler received
	}
	if n := door.count(); n != wantNotifies {
		t.Fatalf("%d notifies, want %d", n, wantNotifies)
	}
	if runs, _, _ := e.Del.Get(id); !redeliver && runs != 0 {
		t.Fatal("delivered without a notify or a return")
	}

	resp := b.Do(http.MethodGet, c.ReturnURL, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/done?status="+string(want.status) {
		t.Fatalf("the return: %d to %q, want 303 to /done?status=%s", resp.StatusCode, loc, want.status)
	}
	runs, attempts, st := e.Del.Get(id)
	reason, _ := reasons.Load(id)
	if runs != 1 || attempts != 1 || st != want.status || reason != want.reason {
		t.Fatalf("Deliver: %d runs in %d attempts with %s/%v, want once with %s/%s", runs, attempts, st, reason, want.status, want.reason)
	}
	calls, wantCalls := megviisim.ResultCalls(e.SB, id), 1 // the return's read
	if redeliver {
		wantCalls = 0 // the signed notify carried the result
	}
	if calls != wantCalls || calls > megvii.ResultCalls {
		t.Fatalf("%d get_result calls, want %d (at most %d)", calls, wantCalls, megvii.ResultCalls)
	}

	// The notify again, as the sandbox encoded it: the session is known
	// and delivered, so it is acknowledged with 200 "success".
	door.mu.Lock()
	ct, raw := door.types[0], door.bodies[0]
	door.mu.Unlock()
	if wantCT := map[megviisim.NotifyBody]string{megviisim.NotifyForm: "application/x-www-form-urlencoded",
		megviisim.NotifyMultipart: "multipart/form-data"}[body]; !strings.HasPrefix(ct, wantCT) {
		t.Fatalf("the notify's Content-Type %q, want %s", ct, wantCT)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/notify", bytes.NewReader(raw))
	req.Header.Set("Content-Type", ct)
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = again.Body.Close()
	door.mu.Lock()
	answers, acks := slices.Clone(door.answers[1:]), slices.Clone(door.acks[1:])
	door.mu.Unlock()
	for i := range answers {
		if answers[i] != http.StatusOK || acks[i] != "success" {
			t.Fatalf("notify %d after the first: %d %q, want 200 \"success\"", i+2, answers[i], acks[i])
		}
	}
	if runs, _, _ := e.Del.Get(id); runs != 1 || megviisim.ResultCalls(e.SB, id) != wantCalls {
		t.Fatalf("after the notify again: %d runs, %d calls", runs, megviisim.ResultCalls(e.SB, id))
	}
}

// get_result naming the session in biz_info, by biz_no alone, or at the
// top of its answer: a browser's GET return whose notify was lost is
// resolved with one call, and delivered once with the outcome's Status.
func TestMegviiResultBizFieldsThroughTheReturn(t *testing.T) {
	for _, f := range []megviisim.BizFields{megviisim.BizInfo, megviisim.BizNoOnly, megviisim.BizTopLevel} {
		for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeCancel} {
			t.Run(string(f)+"/"+string(o), func(t *testing.T) {
				e := newEnv(t, callbacktest.UnsignedReturn(), callbacktest.NotifyToSink(), megviiReading(megviisim.WithResultBizFields(f)))
				var reasons sync.Map
				srv := serveMegvii(e, e.Handler, &notifyDoor{}, &reasons)
				b := callbacktest.NewBrowser(t)
				e.Start(b, srv.URL)
				id := e.LastStarted()
				c, err := e.SB.Complete(context.Background(), liveness.Megvii, id, o)
				if err != nil {
					t.Fatal(err)
				}
				want := megviiWant[o]
				for i := 0; i < 3; i++ {
					resp := b.Do(http.MethodGet, c.ReturnURL, nil)
					if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/done?status="+string(want.status) {
						t.Fatalf("return %d: %d to %q", i, resp.StatusCode, loc)
					}
				}
				runs, _, st := e.Del.Get(id)
				reason, _ := reasons.Load(id)
				if runs != 1 || st != want.status || reason != want.reason {
					t.Fatalf("Deliver: %d runs with %s/%v, want once with %s/%s", runs, st, reason, want.status, want.reason)
				}
				if n := megviisim.ResultCalls(e.SB, id); n != 1 {
					t.Fatalf("%d get_result calls, want 1", n)
				}
			})
		}
	}
}

// Megvii serves three get_result calls per session, pending ones included
// (the sandbox plays that literal reading). A check that takes five
// minutes, with its notify lost, polled by Wait, reloaded by the bound
// browser and swept by the reconciler, makes at most three calls and is
// delivered with its result.
func TestMegviiThreeCallsEver(t *testing.T) {
	e := newEnv(t, callbacktest.UnsignedReturn(), callbacktest.NotifyToSink(), func(_ *env, o *[]sandbox.Option) {
		*o = append(*o, megviisim.WithCallsCounted())
	})
	e.Handler.PollInterval = 5 * time.Millisecond
	b := callbacktest.NewBrowser(t)
	e.Start(b, e.Srv.URL)
	id := e.LastStarted()
	s := &liveness.Session{Vendor: e.Vendor, ID: id}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waited := make(chan *liveness.Result, 1)
	go func() {
		res, _ := e.Handler.Wait(ctx, s)
		waited <- res
	}()
	calls := func() int { return megviisim.ResultCalls(e.SB, id) }
	callbacktest.Eventually(t, func() bool { return calls() == 1 }, "Wait's first call")
	time.Sleep(1100 * time.Millisecond) // past the second a pending answer is served from the Store
	if n := calls(); n != 1 {
		t.Fatalf("%d calls within a minute of the first, want 1", n)
	}
	e.Clock.Advance(2 * time.Minute)
	callbacktest.Eventually(t, func() bool { return calls() == 2 }, "Wait's second call, a minute later")
	e.Clock.Advance(3 * time.Minute)
	c, err := e.SB.Complete(ctx, e.Vendor, id, sandbox.OutcomePass) // the notify goes to the sink: lost
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // past the second a pending answer is served from the Store
	for i := 0; i < 5; i++ {
		resp := b.Do(http.MethodGet, c.ReturnURL, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/done?status=pending" {
			t.Fatalf("reload %d before the last call: %d %s", i, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if _, err := e.Handler.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if n := calls(); n != 2 {
		t.Fatalf("%d calls before a final answer is expected, want 2: the last is kept", n)
	}
	// ExpiresAt plus the grace: a final answer is expected now.
	rec := e.SessionExpiry(id)
	e.Clock.Advance(rec.Sub(e.Clock.Now()) + callback.DefaultExpiryGrace + time.Second)
	var res *liveness.Result
	select {
	case res = <-waited:
	case <-ctx.Done():
		t.Fatal("Wait did not end")
	}
	if res == nil || res.Status != liveness.StatusPassed {
		t.Fatalf("Wait = %+v", res)
	}
	for i := 0; i < 3; i++ {
		b.Do(http.MethodGet, c.ReturnURL, nil)
		_ = e.Notify(e.Srv.URL+"/notify", c.ReturnForm)
		if _, err := e.Handler.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Hour)
	}
	if n := calls(); n != 3 {
		t.Fatalf("%d get_result calls, want 3", n)
	}
	if runs, attempts, st := e.Del.Get(id); runs != 1 || attempts != 1 || st != liveness.StatusPassed {
		t.Fatalf("Deliver: %d runs, %d attempts, %s", runs, attempts, st)
	}
}
