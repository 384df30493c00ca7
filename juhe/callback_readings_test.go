package juhe_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
)

// Juhe through a Handler under every reading of its faceid document the
// sandbox plays (sandbox/readings_juhe.go): how the notify is sent and
// names the order, what the return's sign covers and its hex case, how
// the browser comes back from a check left unfinished, and what search
// answers for an order past its 30 minutes.

// juheWant is the Status and Reason each outcome of Juhe's page resolves
// to through a Handler, read while the session lives (cancel and timeout
// are Juhe's 279307, not submitted: pending until the session's end).
var juheWant = map[sandbox.Outcome]struct {
	status liveness.Status
	reason liveness.Reason
}{
	sandbox.OutcomePass:              {liveness.StatusPassed, liveness.ReasonNone},
	sandbox.OutcomeSpoof:             {liveness.StatusFailed, liveness.ReasonSpoof},
	sandbox.OutcomeFaceMismatch:      {liveness.StatusFailed, liveness.ReasonFaceMismatch},
	sandbox.OutcomeIdentityMismatch:  {liveness.StatusFailed, liveness.ReasonIdentityMismatch},
	sandbox.OutcomeCancel:            {liveness.StatusPending, liveness.ReasonNone},
	sandbox.OutcomeDeviceUnsupported: {liveness.StatusError, liveness.ReasonUnknown},
	sandbox.OutcomeTimeout:           {liveness.StatusPending, liveness.ReasonNone},
}

// handlerReading is a set of sandbox options, by name.
type handlerReading struct {
	name string
	opts []sandbox.Option
}

// juheNotifyReadings are every way the sandbox can notify: the method and
// body × the names the order goes by.
func juheNotifyReadings() []handlerReading {
	var out []handlerReading
	for _, tr := range []handlerReading{
		{"post-form", nil},
		{"post-multipart", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyMultipart)}},
		{"post-json", []sandbox.Option{juhesim.WithNotifyBody(juhesim.NotifyJSON)}},
		{"get", []sandbox.Option{juhesim.WithNotifyMethod(http.MethodGet)}},
	} {
		for _, sp := range []juhesim.NotifySpelling{juhesim.SpellingSnake, juhesim.SpellingCamel, juhesim.SpellingOrderID} {
			out = append(out, handlerReading{tr.name + "+" + string(sp), append([]sandbox.Option{juhesim.WithNotifySpelling(sp)}, tr.opts...)})
		}
	}
	return out
}

// juheReturnReadings are every way the sandbox can send the browser back:
// the text the sign covers × its hex case × what a check left unfinished
// brings.
func juheReturnReadings() []handlerReading {
	var out []handlerReading
	for _, in := range []handlerReading{{"json", nil}, {"encoded", []sandbox.Option{juhesim.WithSignEncoded()}}} {
		for _, hc := range []handlerReading{{"lower", nil}, {"upper", []sandbox.Option{juhesim.WithSignUpperHex()}}} {
			for _, un := range []handlerReading{{"bare", nil}, {"signed", []sandbox.Option{juhesim.WithSignedUnfinishedReturn()}}} {
				opts := append(append(append([]sandbox.Option(nil), in.opts...), hc.opts...), un.opts...)
				out = append(out, handlerReading{"sign-" + in.name + "+" + hc.name + "+unfinished-" + un.name, opts})
			}
		}
	}
	return out
}

// juheDoor stands in front of a Handler's Notify. While shut it answers
// 503 without the Handler seeing the notify, as a proxy that is down
// would; it records every answer, its own and the Handler's.
type juheDoor struct {
	mu      sync.Mutex
	shut    bool
	answers []int // every answer, in order
	handled []int // the Handler's answers
}

func (d *juheDoor) serve(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		shut := d.shut
		d.mu.Unlock()
		rec := httptest.NewRecorder()
		if shut {
			http.Error(rec, "proxy down", http.StatusServiceUnavailable)
		} else {
			next(rec, r)
		}
		d.mu.Lock()
		d.answers = append(d.answers, rec.Code)
		if !shut {
			d.handled = append(d.handled, rec.Code)
		}
		d.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}
}

func (d *juheDoor) setShut(shut bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.shut = shut
}

// since returns the answers and the Handler's answers after the first n
// and m.
func (d *juheDoor) since(n, m int) (answers, handled []int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]int(nil), d.answers[n:]...), append([]int(nil), d.handled[m:]...)
}

func (d *juheDoor) counts() (int, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.answers), len(d.handled)
}

// juheEnv is an env whose Handler serves Notify behind a door, sends the
// browser to /done?status=…&reason=… and records each delivery's Reason.
type juheEnv struct {
	*env
	door    *juheDoor
	base    string
	reasons sync.Map // session ID → liveness.Reason
}

func newJuheEnv(t *testing.T, opts ...sandbox.Option) *juheEnv {
	t.Helper()
	// Redeliveries every few milliseconds for a few seconds: a notify the
	// door turned away comes again once it opens.
	e := newEnv(t, func(_ *env, o *[]sandbox.Option) {
		*o = append(*o, sandbox.WithNotifyRetry(16, time.Millisecond), juhesim.WithNotifyRedelivered())
		*o = append(*o, opts...)
	})
	je := &juheEnv{env: e, door: &juheDoor{}}
	h := e.NewHandler(e.P, nil)
	h.Done = func(res *liveness.Result, _ *liveness.Session) string {
		return "/done?" + url.Values{"status": {string(res.Status)}, "reason": {string(res.Reason)}}.Encode()
	}
	deliver := h.Deliver
	h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		err := deliver(ctx, res, s)
		if err == nil {
			je.reasons.Store(s.ID, res.Reason)
		}
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/start", h.Start)
	mux.HandleFunc("/return", h.Return)
	mux.HandleFunc("/notify", je.door.serve(h.Notify))
	mux.HandleFunc("/done", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "done") })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	je.base = srv.URL
	e.Handler = h // for Reconcile; env's own server is not used
	return je
}

// Every outcome Juhe's page offers × every notify reading × every return
// reading, through a Handler: a browser starts the session with POST
// /start, the sandbox completes it (notifying, for a completed check) and
// the browser follows the way back. In one order the notify reaches the
// Handler first; in the other a proxy turns the notify away until the
// browser's return has delivered the result, and the sandbox's next
// redelivery gets through. Either way the browser lands on the outcome's
// exact Status and Reason, Deliver runs once for a final one (never for
// a pending one) with that Reason, search is called exactly as often as
// the result needs (once for a trigger or a return without a signed
// result, never for a signed return), and a notify the Handler sees for
// the known session is answered 200: never 4xx or 5xx on every try.
func TestJuheReadingsEveryOutcome(t *testing.T) {
	probe := newJuheEnv(t)
	probe.Start(callbacktest.NewBrowser(t), probe.base)
	outcomes, err := probe.SB.SessionOutcomes(liveness.Juhe, probe.LastStarted())
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != len(juheWant) {
		t.Fatalf("the page offers %v, want every one of %d outcomes", outcomes, len(juheWant))
	}
	for _, nr := range juheNotifyReadings() {
		for _, rr := range juheReturnReadings() {
			t.Run(nr.name+"/"+rr.name, func(t *testing.T) {
				e := newJuheEnv(t, append(append([]sandbox.Option(nil), nr.opts...), rr.opts...)...)
				for _, o := range outcomes {
					for _, notifyFirst := range []bool{true, false} {
						e.run(t, o, notifyFirst)
					}
				}
			})
		}
	}
}

// run plays one session ending with o.
func (e *juheEnv) run(t *testing.T, o sandbox.Outcome, notifyFirst bool) {
	t.Helper()
	want := juheWant[o]
	order := "notify-first"
	if !notifyFirst {
		order = "return-first"
	}
	b := callbacktest.NewBrowser(t)
	e.Start(b, e.base)
	id := e.LastStarted()
	reads := e.Reads()
	n0, m0 := e.door.counts()
	e.door.setShut(!notifyFirst)
	c, err := e.SB.Complete(context.Background(), liveness.Juhe, id, o)
	if err != nil {
		t.Fatalf("%s %s: %v", o, order, err)
	}
	completed := want.status != liveness.StatusPending && o != sandbox.OutcomeDeviceUnsupported
	switch {
	case !completed && (c.Notified || c.NotifyErr != nil):
		t.Fatalf("%s %s: Juhe notifies completed checks only, the sandbox notified (%v)", o, order, c.NotifyErr)
	case completed && notifyFirst && !c.Notified:
		t.Fatalf("%s %s: the notify was not acknowledged: %v", o, order, c.NotifyErr)
	case completed && !notifyFirst && c.Notified:
		t.Fatalf("%s %s: the shut door let the notify through", o, order)
	}

	resp := b.Do(http.MethodGet, c.ReturnURL, nil)
	wantTo := "/done?" + url.Values{"status": {string(want.status)}, "reason": {string(want.reason)}}.Encode()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != wantTo {
		t.Fatalf("%s %s: the return answered %d to %q, want 303 to %q", o, order, resp.StatusCode, resp.Header.Get("Location"), wantTo)
	}
	if completed && !notifyFirst {
		// The next redelivery gets through, to a delivered session.
		e.door.setShut(false)
		callbacktest.Eventually(t, func() bool { _, handled := e.door.since(n0, m0); return len(handled) > 0 }, "a redelivered notify reaching the Handler")
	}

	runs, attempts, st := e.Del.Get(id)
	reason, _ := e.reasons.Load(id)
	switch {
	case want.status == liveness.StatusPending:
		if runs != 0 || attempts != 0 {
			t.Fatalf("%s %s: a pending session delivered (%d runs)", o, order, runs)
		}
	case runs != 1 || attempts != 1 || st != want.status || reason != want.reason:
		t.Fatalf("%s %s: Deliver ran %d times (%d attempts) with %s/%v, want once with %s/%s", o, order, runs, attempts, st, reason, want.status, want.reason)
	}

	wantReads := 1 // the notify's trigger, or the return without a signed result
	if completed && !notifyFirst {
		wantReads = 0 // the signed return
	}
	if r := e.Reads() - reads; r != wantReads {
		t.Fatalf("%s %s: %d searches, want %d", o, order, r, wantReads)
	}

	answers, handled := e.door.since(n0, m0)
	for _, code := range handled {
		if code != http.StatusOK {
			t.Fatalf("%s %s: the Handler answered a notify for a known session %d (answers %v)", o, order, code, answers)
		}
	}
	if completed && (len(answers) == 0 || answers[len(answers)-1] != http.StatusOK) {
		t.Fatalf("%s %s: the last notify was answered %v, want 200", o, order, answers)
	}
}

// Whatever search answers for an order never submitted after its 30
// minutes (279307 for good, or 279302 once forgotten), a session whose
// check was left unfinished is delivered once as expired: by the
// reconciler, or by the browser's return, reading search at most once
// after the session's end, and never past its end of life plus the grace.
func TestJuheReadingsSearchAfterExpiry(t *testing.T) {
	for _, forgotten := range []bool{false, true} {
		var opts []sandbox.Option
		name := "279307-for-good"
		if forgotten {
			name = "forgotten"
			opts = []sandbox.Option{juhesim.WithOrdersForgotten()}
		}
		for _, how := range []string{"reconciler", "return"} {
			for _, end := range []sandbox.Outcome{"", sandbox.OutcomeCancel, sandbox.OutcomeTimeout} {
				what := string(end)
				if what == "" {
					what = "never-opened"
				}
				t.Run(name+"/"+how+"/"+what, func(t *testing.T) {
					e := newJuheEnv(t, opts...)
					b := callbacktest.NewBrowser(t)
					e.Start(b, e.base)
					id := e.LastStarted()
					if end != "" {
						if _, err := e.SB.Complete(context.Background(), liveness.Juhe, id, end); err != nil {
							t.Fatal(err)
						}
					}
					reads := e.Reads()
					// A minute past the session's 30 minutes, within the
					// grace: one search.
					e.Clock.Advance(e.SessionExpiry(id).Sub(e.Clock.Now()) + time.Minute)
					e.look(t, b, how)
					runs, _, st := e.Del.Get(id)
					if r := e.Reads() - reads; r != 1 {
						t.Fatalf("%d searches a minute after the end, want 1", r)
					}
					if forgotten {
						if runs != 1 || st != liveness.StatusExpired {
							t.Fatalf("forgotten order: Deliver %d runs with %s, want once expired", runs, st)
						}
					} else if runs != 0 {
						t.Fatalf("279307 within the grace delivered %s", st)
					}
					// Past the grace: expired, without a search.
					e.Clock.Advance(callback.DefaultExpiryGrace)
					e.look(t, b, how)
					runs, _, st = e.Del.Get(id)
					reason, _ := e.reasons.Load(id)
					if runs != 1 || st != liveness.StatusExpired || reason != liveness.ReasonTimeout {
						t.Fatalf("Deliver %d runs with %s/%v, want once expired/timeout", runs, st, reason)
					}
					if r := e.Reads() - reads; r != 1 {
						t.Fatalf("%d searches in all, want 1", r)
					}
				})
			}
		}
	}
}

// look resolves the sessions: one reconciler pass, or the browser coming
// back bare (Juhe's return after a check left unfinished).
func (e *juheEnv) look(t *testing.T, b *callbacktest.Browser, how string) {
	t.Helper()
	if how == "reconciler" {
		if _, err := e.Handler.Reconcile(context.Background()); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		return
	}
	if resp := b.Do(http.MethodGet, e.base+"/return", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("return: %d", resp.StatusCode)
	}
}
