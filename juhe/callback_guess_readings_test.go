package juhe_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/sandbox"
)

// Juhe through a Handler under the readings of the guesses beside the
// notify's format and the return's sign (sandbox/readings_juhe.go): what
// the notify carries and which answer Juhe takes as received, where the
// return's parameters go, what search answers for an unfinished order,
// what Juhe bills, the order number's shape, the codes of guessed kinds,
// and a verdict no step explains. Each test counts the calls that reached
// Juhe (sandbox.Requests) and what they cost (juhesim.Charges).

// juheSandbox adds sandbox options to an env.
func juheSandbox(opts ...sandbox.Option) callbacktest.Option {
	return func(_ *env, o *[]sandbox.Option) { *o = append(*o, opts...) }
}

// withOrder makes e's Handler start each session under the BizNo "ORDER"
// + the form's order, and a return URL of e's server with suffix appended
// ("?orderId=" + the BizNo with keepOrder).
func withOrder(e *env, suffix string, keepOrder bool) {
	next := e.Handler.NewRequest
	e.Handler.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = "ORDER" + r.FormValue("order")
			if keepOrder {
				req.ReturnURL += "?orderId=" + req.BizNo
			}
			req.ReturnURL += suffix
		}
		return req, err
	}
}

// startOrder posts a start for order from b and returns the answer's
// status and Location.
func startOrder(e *env, b *callbacktest.Browser, order string) (int, string) {
	e.T.Helper()
	resp, err := b.Client.PostForm(e.Srv.URL+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}, "order": {order}})
	if err != nil {
		e.T.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// Juhe guess notify-signature: whatever the notify carries beside the
// order (a forged pass, the return's response validly signed, nothing),
// the Handler confirms it with one search and delivers the true status
// once: a spoof whose notify claims a pass is delivered failed.
func TestJuheNotifySignatureThroughHandler(t *testing.T) {
	for _, sig := range []juhesim.NotifySignature{juhesim.NotifyForged, juhesim.NotifySigned, juhesim.NotifyUnsigned} {
		for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeIdentityMismatch} {
			t.Run(string(sig)+"/"+string(o), func(t *testing.T) {
				e := newEnv(t, juheSandbox(juhesim.WithNotifySignature(sig)))
				b := e.NewBrowser()
				e.Start(b, e.Srv.URL)
				id := e.LastStarted()
				c, err := e.SB.Complete(context.Background(), liveness.Juhe, id, o)
				if err != nil {
					t.Fatal(err)
				}
				if !c.Notified {
					t.Fatalf("the notify was not acknowledged: %v", c.NotifyErr)
				}
				want := juheWant[o].status
				if runs, _, got := e.Del.Get(id); runs != 1 || got != want {
					t.Fatalf("Deliver ran %d times with %q, want once with %q", runs, got, want)
				}
				if r := e.Reads(); r != 1 {
					t.Fatalf("%d searches, want 1: the notify is never believed", r)
				}
				// The browser's signed return finds it delivered: no call.
				if resp := b.Do(http.MethodGet, c.ReturnURL, nil); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("return: %d", resp.StatusCode)
				}
				if runs, _, _ := e.Del.Get(id); runs != 1 || e.Reads() != 1 {
					t.Fatalf("after the return: %d runs, %d searches", runs, e.Reads())
				}
			})
		}
	}
}

// Juhe guess notify-ack: when Juhe takes only 200 "success" as received,
// the Handler's answers are what stop it: a notify the Handler delivers is
// answered "success" at once; one a proxy turned away is redelivered until
// the Handler answers it, and then no more; Deliver runs once and one
// search is made.
func TestJuheNotifyAckThroughHandler(t *testing.T) {
	for _, ack := range []juhesim.NotifyAck{juhesim.AckAny2xx, juhesim.AckSuccess} {
		for _, doorShut := range []bool{false, true} {
			t.Run(string(ack)+"/shut "+strconv.FormatBool(doorShut), func(t *testing.T) {
				e := newJuheEnv(t, juhesim.WithNotifyAck(ack))
				e.Start(e.NewBrowser(), e.base)
				id := e.LastStarted()
				e.door.setShut(doorShut)
				c, err := e.SB.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomeSpoof)
				if err != nil {
					t.Fatal(err)
				}
				if c.Notified == doorShut {
					t.Fatalf("notified %v with the door shut %v: %v", c.Notified, doorShut, c.NotifyErr)
				}
				if doorShut {
					e.door.setShut(false)
					callbacktest.Eventually(t, func() bool { _, h := e.door.since(0, 0); return len(h) > 0 }, "a redelivery reaching the Handler")
				}
				time.Sleep(50 * time.Millisecond) // room for a redelivery that should not come
				answers, handled := e.door.since(0, 0)
				if len(handled) != 1 || handled[0] != http.StatusOK {
					t.Fatalf("the Handler answered %v (all answers %v), want one 200", handled, answers)
				}
				if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusFailed || e.Reads() != 1 {
					t.Fatalf("Deliver %d runs with %s, %d searches", runs, st, e.Reads())
				}
			})
		}
	}
}

// Juhe guesses return-keeps-query and return-in-fragment, through a
// Handler whose returnUrl carries the order (?orderId=) and, in some, a
// hash route: a pass is delivered once whether the signed parameters reach
// the server (no search) or stay in the fragment (the return is bare and
// one search reads the result, through the orderId Juhe kept or through
// the browser's binding); a cancel lands on pending after one search.
func TestJuheReturnPlacingThroughHandler(t *testing.T) {
	for _, rd := range []struct {
		name              string
		opts              []sandbox.Option
		dropped, inFragmt bool
	}{
		{"kept, before the hash", nil, false, false},
		{"dropped", []sandbox.Option{juhesim.WithReturnQueryDropped()}, true, false},
		{"in the fragment", []sandbox.Option{juhesim.WithReturnInFragment()}, false, true},
		{"dropped, in the fragment", []sandbox.Option{juhesim.WithReturnQueryDropped(), juhesim.WithReturnInFragment()}, true, true},
	} {
		for _, route := range []string{"", "#/done"} {
			t.Run(rd.name+"/"+route, func(t *testing.T) {
				e := newEnv(t, callbacktest.NotifyToSink(), juheSandbox(rd.opts...))
				withOrder(e, route, true)
				for i, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeCancel, sandbox.OutcomeSpoof} {
					b := e.NewBrowser()
					reads := e.Reads()
					code, check := startOrder(e, b, "0000"+strconv.Itoa(i))
					if code != http.StatusSeeOther {
						t.Fatalf("start: %d", code)
					}
					id := e.LastStarted()
					v := e.Press(b, check, o)
					want := juheWant[o]
					if v.ReturnStatus != http.StatusOK || !strings.Contains(v.ReturnURL, "/done?status="+string(want.status)) {
						t.Fatalf("%s: landed on %s (%d)", o, v.ReturnURL, v.ReturnStatus)
					}
					bare := o == sandbox.OutcomeCancel || (rd.inFragmt && route != "")
					wantReads := 0
					if bare {
						wantReads = 1
					}
					if r := e.Reads() - reads; r != wantReads {
						t.Fatalf("%s: %d searches, want %d", o, r, wantReads)
					}
					runs, _, st := e.Del.Get(id)
					if want.status == liveness.StatusPending {
						if runs != 0 {
							t.Fatalf("%s: a pending session delivered", o)
						}
						continue
					}
					if runs != 1 || st != want.status {
						t.Fatalf("%s: Deliver %d runs with %s", o, runs, st)
					}
				}
			})
		}
	}
}

// Juhe guess unfinished-search: whichever of 279306 and 279307 search
// answers for an order left unfinished (canceled, or opened and left), a
// Handler holds it pending within its life, with one search per look,
// and delivers it expired once past its end and the grace, without a
// search.
func TestJuheUnfinishedSearchThroughHandler(t *testing.T) {
	for _, code := range []int{0, 279306, 279307} {
		for _, end := range []string{"opened", string(sandbox.OutcomeCancel)} {
			t.Run(strconv.Itoa(code)+"/"+end, func(t *testing.T) {
				e := newJuheEnv(t, juhesim.WithUnfinishedCode(code))
				b := e.NewBrowser()
				check := e.Start(b, e.base)
				id := e.LastStarted()
				if end == "opened" {
					b.Do(http.MethodGet, check, nil)
				} else if _, err := e.SB.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomeCancel); err != nil {
					t.Fatal(err)
				}
				e.look(t, b, "return")
				if runs, _, _ := e.Del.Get(id); runs != 0 || e.Reads() != 1 {
					t.Fatalf("within its life: %d runs, %d searches", runs, e.Reads())
				}
				e.Clock.Advance(e.SessionExpiry(id).Sub(e.Clock.Now()) + 2*time.Hour)
				e.look(t, b, "reconciler")
				e.look(t, b, "return")
				runs, _, st := e.Del.Get(id)
				if reason, _ := e.reasons.Load(id); runs != 1 || st != liveness.StatusExpired || reason != liveness.ReasonTimeout {
					t.Fatalf("past its end: %d runs with %s/%v", runs, st, reason)
				}
				if e.Reads() != 1 {
					t.Fatalf("%d searches in all, want 1", e.Reads())
				}
			})
		}
	}
}

// Juhe guesses query-billing and search-retry, every call billed (the
// default) or none: a pass by the signed return costs one query and no
// search; by the notify, one search, however often it is redelivered;
// reloads of a bare return within a second, one search; a search that met
// a passing error once, two; a query whose answer was lost is never sent
// again for its BizNo (the start is in doubt), nor is one whose answer
// named an order number the SDK cannot use.
func TestJuheChargesThroughHandler(t *testing.T) {
	for _, free := range []bool{false, true} {
		name := "billed"
		var opts []sandbox.Option
		if free {
			name = "free"
			opts = []sandbox.Option{juhesim.WithQueryFree(), juhesim.WithSearchFree()}
		}
		bill := func(n int) int {
			if free {
				return 0
			}
			return n
		}
		charged := func(t *testing.T, e *env, queries, searches int) {
			t.Helper()
			if q, s := e.SB.Requests(juhesim.Query), e.SB.Requests(juhesim.Search); q != queries || s != searches {
				t.Fatalf("%d queries and %d searches, want %d and %d", q, s, queries, searches)
			}
			if q, s := juhesim.Charges(e.SB, juhesim.Query), juhesim.Charges(e.SB, juhesim.Search); q != bill(queries) || s != bill(searches) {
				t.Fatalf("billed %d queries and %d searches, want %d and %d", q, s, bill(queries), bill(searches))
			}
		}
		t.Run(name+"/a signed return", func(t *testing.T) {
			e := newEnv(t, callbacktest.NotifyToSink(), juheSandbox(opts...))
			b := e.NewBrowser()
			e.Press(b, e.Start(b, e.Srv.URL), sandbox.OutcomePass)
			charged(t, e, 1, 0)
		})
		t.Run(name+"/a notify redelivered", func(t *testing.T) {
			e := newJuheEnv(t, opts...)
			e.Start(e.NewBrowser(), e.base)
			id := e.LastStarted()
			if _, err := e.SB.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomePass); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if code := e.Notify(e.base+"/notify", url.Values{"jh_order_id": {id}}); code != http.StatusOK {
					t.Fatalf("a repeated notify: %d", code)
				}
			}
			charged(t, e.env, 1, 1)
		})
		t.Run(name+"/reloads of a bare return", func(t *testing.T) {
			e := newEnv(t, callbacktest.NotifyToSink(), juheSandbox(opts...))
			b := e.NewBrowser()
			v := e.Press(b, e.Start(b, e.Srv.URL), sandbox.OutcomeCancel)
			for range 5 {
				b.Do(http.MethodGet, v.ReturnURL, nil)
			}
			charged(t, e, 1, 1)
		})
		t.Run(name+"/a search retried", func(t *testing.T) {
			e := newEnv(t, juheSandbox(append([]sandbox.Option{juhesim.WithCodeOnce(279303)}, opts...)...))
			e.Start(e.NewBrowser(), e.Srv.URL)
			id := e.LastStarted()
			if _, err := e.SB.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomePass); err != nil {
				t.Fatal(err)
			}
			if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusPassed {
				t.Fatalf("Deliver %d runs with %s", runs, st)
			}
			charged(t, e, 1, 2)
		})
		for _, fault := range []struct {
			name string
			opt  sandbox.Option
			f    *sandbox.Fault
		}{
			{"a query whose answer was lost", nil, &sandbox.Fault{Drop: true, Times: 1}},
			{"a query answering an order number past the caps", juhesim.WithOrderIDShape(juhesim.OrderIDOverCap), nil},
		} {
			t.Run(name+"/"+fault.name, func(t *testing.T) {
				o := append([]sandbox.Option{}, opts...)
				if fault.opt != nil {
					o = append(o, fault.opt)
				}
				e := newEnv(t, juheSandbox(o...))
				withOrder(e, "", false)
				if fault.f != nil {
					e.SB.InjectFault(juhesim.Query, *fault.f)
				}
				b := e.NewBrowser()
				if code, _ := startOrder(e, b, "00001"); code != http.StatusServiceUnavailable {
					t.Fatalf("the start answered %d, want 503", code)
				}
				// A double click, a reload: the same BizNo, in doubt.
				for range 2 {
					if code, _ := startOrder(e, b, "00001"); code != http.StatusConflict {
						t.Fatalf("the same BizNo again answered %d, want 409", code)
					}
				}
				charged(t, e, 1, 0)
			})
		}
	}
}

// Juhe guess order-id-shape: an order number of another shape within the
// SDK's caps (a UUID, 128 bytes with '-', '_' and '.') carries every flow
// through a Handler: the signed return, the notify, the bare return
// resolved through the browser's binding (whose cookie names the order)
// and the reconciler.
func TestJuheOrderIDShapesThroughHandler(t *testing.T) {
	for _, shape := range []juhesim.OrderIDShape{juhesim.OrderIDUUID, juhesim.OrderIDAtCap} {
		t.Run(string(shape), func(t *testing.T) {
			e := newJuheEnv(t, juhesim.WithOrderIDShape(shape))
			for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof, sandbox.OutcomeCancel, sandbox.OutcomeDeviceUnsupported} {
				for _, notifyFirst := range []bool{true, false} {
					e.run(t, o, notifyFirst)
				}
			}
			b := e.NewBrowser()
			e.Start(b, e.base)
			id := e.LastStarted()
			if shape == juhesim.OrderIDAtCap && len(id) != 128 {
				t.Fatalf("the order number is %d bytes", len(id))
			}
			e.Clock.Advance(e.SessionExpiry(id).Sub(e.Clock.Now()) + 2*time.Hour)
			e.look(t, b, "reconciler")
			if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusExpired {
				t.Fatalf("reconciled: %d runs with %s", runs, st)
			}
		})
	}
}

// Juhe guess code-kinds, each code whose kind the SDK guesses, played for
// every order: a passing code on an order's first search (10011, 10014,
// 10020, 279303, 279304) is retried inside the read, and the notify is
// delivered with two searches; an allowance used up (10012, 10013) fails
// each look with one search and no retry (the browser gets a page to
// reload, nothing is delivered), and a start with no call left is a 503
// with no session; a quota that came and went (a one-off 10012) fails the
// notify, and the signed return delivers without a call; 279305 for a
// canceled check is delivered as an error once.
func TestJuheCodeKindsThroughHandler(t *testing.T) {
	for _, code := range []int{10011, 10014, 10020, 279303, 279304} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			e := newEnv(t, juheSandbox(juhesim.WithCodeOnce(code)))
			for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof} {
				e.Start(e.NewBrowser(), e.Srv.URL)
				id := e.LastStarted()
				reads := e.Reads()
				c, err := e.SB.Complete(context.Background(), liveness.Juhe, id, o)
				if err != nil {
					t.Fatal(err)
				}
				if runs, _, st := e.Del.Get(id); !c.Notified || runs != 1 || st != juheWant[o].status {
					t.Fatalf("%s: notified %v, Deliver %d runs with %s", o, c.Notified, runs, st)
				}
				if r := e.Reads() - reads; r != 2 {
					t.Fatalf("%s: %d searches, want 2 (the code and its retry)", o, r)
				}
			}
		})
	}
	for _, code := range []int{10012, 10013} {
		t.Run(strconv.Itoa(code)+" used up", func(t *testing.T) {
			// One call: the start's query.
			e := newEnv(t, callbacktest.NotifyToSink(), juheSandbox(juhesim.WithQuota(code, 1)))
			b := e.NewBrowser()
			v := e.Press(b, e.Start(b, e.Srv.URL), sandbox.OutcomeCancel)
			id := e.LastStarted()
			if v.ReturnStatus != http.StatusServiceUnavailable {
				t.Fatalf("the return answered %d, want 503", v.ReturnStatus)
			}
			for i := range 3 {
				if resp := b.Do(http.MethodGet, v.ReturnURL, nil); resp.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("reload: %d", resp.StatusCode)
				}
				if r := e.Reads(); r != i+2 {
					t.Fatalf("%d searches after %d looks: a quota is not retried", r, i+2)
				}
			}
			if runs, attempts, _ := e.Del.Get(id); runs != 0 || attempts != 0 {
				t.Fatal("delivered without a result")
			}
			// No call left for a query either.
			b = e.NewBrowser()
			if code, _ := startOrder(e, b, ""); code != http.StatusServiceUnavailable {
				t.Fatalf("a start with no call left answered %d", code)
			}
			if e.SB.Requests(juhesim.Query) != 2 || len(e.SB.Sessions()) != 1 {
				t.Fatal("a refused start left a session")
			}
		})
	}
	t.Run("10012 once, then the signed return", func(t *testing.T) {
		e := newEnv(t)
		b := e.NewBrowser()
		e.Start(b, e.Srv.URL)
		id := e.LastStarted()
		e.SB.InjectFault(juhesim.Search, sandbox.Fault{VendorError: "10012", Times: 1})
		c, err := e.SB.Complete(context.Background(), liveness.Juhe, id, sandbox.OutcomePass)
		if err != nil {
			t.Fatal(err)
		}
		if c.Notified || e.Reads() != 1 {
			t.Fatalf("the notify met 10012: notified %v after %d searches", c.Notified, e.Reads())
		}
		if resp := b.Do(http.MethodGet, c.ReturnURL, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the signed return: %d", resp.StatusCode)
		}
		if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusPassed || e.Reads() != 1 {
			t.Fatalf("Deliver %d runs with %s, %d searches", runs, st, e.Reads())
		}
	})
	t.Run("279305 for a cancel", func(t *testing.T) {
		e := newJuheEnv(t, juhesim.WithAbandonedAbnormal())
		b := e.NewBrowser()
		check := e.Start(b, e.base)
		id := e.LastStarted()
		v := e.Press(b, check, sandbox.OutcomeCancel)
		wantTo := "/done?" + url.Values{"status": {string(liveness.StatusError)}, "reason": {string(liveness.ReasonUnknown)}}.Encode()
		if !strings.HasSuffix(v.ReturnURL, wantTo) {
			t.Fatalf("landed on %s", v.ReturnURL)
		}
		e.look(t, b, "reconciler")
		if runs, _, st := e.Del.Get(id); runs != 1 || st != liveness.StatusError || e.Reads() != 1 {
			t.Fatalf("Deliver %d runs with %s, %d searches", runs, st, e.Reads())
		}
	})
}

// Juhe guess verdict-without-cause: however a failed check's verdict is
// stated (F beside passed steps, F with no detail, T beside the failed
// step), every failed outcome is delivered once as failed, never passed,
// by the signed return and by the notify alike: with the failed step's
// Reason when one failed, else ReasonUnknown.
func TestJuheVerdictThroughHandler(t *testing.T) {
	for _, v := range []juhesim.Verdict{juhesim.VerdictStepsPassed, juhesim.VerdictNoDetail, juhesim.VerdictPassBesideFailedStep} {
		t.Run(string(v), func(t *testing.T) {
			e := newJuheEnv(t, juhesim.WithVerdict(v))
			for _, o := range []sandbox.Outcome{sandbox.OutcomeSpoof, sandbox.OutcomeFaceMismatch, sandbox.OutcomeIdentityMismatch, sandbox.OutcomePass} {
				for _, notifyFirst := range []bool{true, false} {
					b := e.NewBrowser()
					e.Start(b, e.base)
					id := e.LastStarted()
					reads := e.Reads()
					e.door.setShut(!notifyFirst)
					c, err := e.SB.Complete(context.Background(), liveness.Juhe, id, o)
					if err != nil {
						t.Fatal(err)
					}
					want := juheWant[o]
					if o != sandbox.OutcomePass && v != juhesim.VerdictPassBesideFailedStep {
						want.reason = liveness.ReasonUnknown
					}
					wantTo := "/done?" + url.Values{"status": {string(want.status)}, "reason": {string(want.reason)}}.Encode()
					if resp := b.Do(http.MethodGet, c.ReturnURL, nil); resp.Header.Get("Location") != wantTo {
						t.Fatalf("%s: the return went to %q, want %q", o, resp.Header.Get("Location"), wantTo)
					}
					e.door.setShut(false)
					runs, _, st := e.Del.Get(id)
					reason, _ := e.reasons.Load(id)
					if runs != 1 || st != want.status || reason != want.reason {
						t.Fatalf("%s: Deliver %d runs with %s/%v, want once %s/%s", o, runs, st, reason, want.status, want.reason)
					}
					wantReads := 0
					if notifyFirst {
						wantReads = 1
					}
					if r := e.Reads() - reads; r != wantReads {
						t.Fatalf("%s: %d searches, want %d", o, r, wantReads)
					}
				}
			}
		})
	}
}
