package callback_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

// An auditor dumps the Store after every vendor's flow run with a person's
// data: no key and no value holds the BizNo, the name, the ID number, the
// face image URL or any part of the vendor's answer in clear (every value
// is sealed, the BizNo's key is a keyed hash), and neither do the logs
// and the Events. Opened, the record holds the
// whole result until the delivery mark, and then only what the flow needs.
// Here on a MemoryStore; callback/redisstore runs the same on Redis, with
// the dump of the Redis database scanned too.
func TestStoreHoldsNoPersonalDataInClear(t *testing.T) {
	ran := 0
	for _, hv := range providertest.Registered() {
		if hv.Outcomes[sandbox.OutcomePass].NoReturn {
			continue // the browser is not sent back: no return to follow
		}
		ran++
		vendor := hv.Vendor
		t.Run(string(vendor)+"/memory", func(t *testing.T) {
			opts := []callbacktest.Option{callbacktest.NotifyToSink()}
			if hv.UnsignedReturn != nil {
				opts = append(opts, callbacktest.UnsignedReturn()) // the result is read, not carried
			}
			e := newEnv(t, hv, opts...)
			st := callbacktest.NewDumpStore(callback.NewMemoryStore(0))
			var got sync.Map
			h := e.PersonalHandler(st, &got)
			e.Del.SetFail(1) // the first Deliver fails: the record holds the result undelivered
			srv := e.Serve(h)
			b := e.NewBrowser()
			e.Start(b, srv.URL)
			id := e.LastStarted()
			c, err := e.SB.Complete(context.Background(), vendor, id, sandbox.OutcomePass)
			if err != nil {
				t.Fatal(err)
			}
			if resp := b.Return(srv.URL, c); resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("return with Deliver failing: %d", resp.StatusCode)
			}
			undelivered := e.StoredRecord(st, id)
			if !strings.Contains(undelivered, `"raw":`) || !strings.Contains(undelivered, callbacktest.PersonBizNo) {
				t.Fatalf("before the delivery mark the sealed record should hold the whole result: %s", undelivered)
			}
			if resp := b.Return(srv.URL, c); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("reload: %d", resp.StatusCode)
			}
			v, ok := got.Load(id)
			if !ok {
				t.Fatal("not delivered")
			}
			res := v.(*liveness.Result)
			if len(res.Raw) == 0 {
				t.Fatal("Deliver got no raw payload")
			}
			delivered := e.StoredRecord(st, id)
			for _, field := range []string{`"raw":`, `"face_image`, `"message":`} {
				if strings.Contains(delivered, field) {
					t.Errorf("the delivered record still holds %s: %s", field, delivered)
				}
			}
			if !strings.Contains(delivered, `"status":"passed"`) {
				t.Errorf("the delivered record lost its status: %s", delivered)
			}

			data := map[string]string{"BizNo": callbacktest.PersonBizNo, "phone": "13912345678", "name": sandbox.TestName,
				"ID number": sandbox.TestIDNumber, "face image URL": res.FaceImageURL, "vendor message": res.Message}
			// Every 24-byte window of the vendor's answer, but those
			// within the session ID it echoes (an ID, which keys, logs
			// and Events name).
			for i := 0; i+24 <= len(res.Raw); i += 24 {
				if w := string(res.Raw[i : i+24]); !strings.Contains(id, w) {
					data["vendor answer at "+strconv.Itoa(i)] = w
				}
			}
			callbacktest.ScanFor(t, "every write", st.Entries(), data)
			var events bytes.Buffer
			for len(e.Events) > 0 {
				fmt.Fprintf(&events, "%+v\n", <-e.Events)
			}
			if !strings.Contains(events.String(), id) || !strings.Contains(e.Logs.String(), id) {
				t.Fatalf("the events or logs do not name the session: the scan is blind")
			}
			callbacktest.ScanFor(t, "logs and events", callbacktest.Dump{"log": {[]byte(e.Logs.String())}, "events": {events.Bytes()}}, data)
		})
	}
	if ran == 0 {
		t.Fatal("no registered vendor sends the browser back after a pass")
	}
}

// A sealed value copied under another session's key does not open there:
// the session whose record was overwritten is answered 503, never with the
// other session's result.
func TestSealedValueStaysWithItsSession(t *testing.T) {
	e := newEnv(t, vendorWith(t, noNotify))
	st := callback.NewMemoryStore(0)
	srv := e.Serve(e.NewHandler(e.P, st))
	b1, b2 := e.NewBrowser(), e.NewBrowser()
	e.Start(b1, srv.URL)
	id1 := e.LastStarted()
	e.Start(b2, srv.URL)
	id2 := e.LastStarted()
	c1, err := e.SB.Complete(context.Background(), e.Vendor, id1, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := e.SB.Complete(context.Background(), e.Vendor, id2, sandbox.OutcomeSpoof)
	if err != nil {
		t.Fatal(err)
	}
	if resp := b1.Return(srv.URL, c1); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("return 1: %d", resp.StatusCode)
	}
	ctx := context.Background()
	v1, _, _ := st.Get(ctx, "s:"+string(e.Vendor)+":"+id1)
	if err := st.Set(ctx, "s:"+string(e.Vendor)+":"+id2, v1, time.Hour); err != nil {
		t.Fatal(err)
	}
	if resp := b2.Return(srv.URL, c2); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("return 2 over a moved value: %d, want 503", resp.StatusCode)
	}
	if runs, _, _ := e.Del.Get(id2); runs != 0 {
		t.Fatalf("session 2 delivered %d times", runs)
	}
}

// Rotating Key keeps the sessions in the Store readable through
// PreviousKeys, and a start with a BizNo reserved under the old key joins
// that start instead of paying for another.
func TestKeyRotationKeepsStoredSessions(t *testing.T) {
	e := newEnv(t, vendorWith(t, signedNotify), callbacktest.UnsignedReturn(), callbacktest.NotifyToSink())
	st := callback.NewMemoryStore(0)
	var got sync.Map
	oldH := e.PersonalHandler(st, &got)
	oldSrv := e.Serve(oldH)
	b := e.NewBrowser()
	e.Start(b, oldSrv.URL)
	id := e.LastStarted()

	newH := e.PersonalHandler(st, &got)
	newH.Key, newH.PreviousKeys = bytes.Repeat([]byte{7}, 32), [][]byte{testKey}
	newSrv := e.Serve(newH)
	// The same BizNo again, on the instance with the new key: joined.
	resp, err := e.NewBrowser().Client.PostForm(newSrv.URL+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || e.Creates() != 1 {
		t.Fatalf("second start: %d, %d creates", resp.StatusCode, e.Creates())
	}
	c, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass)
	if err != nil {
		t.Fatal(err)
	}
	if resp := b.Return(newSrv.URL, c); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("return on the new key: %d", resp.StatusCode)
	}
	if runs, _, _ := e.Del.Get(id); runs != 1 || e.Reads() != 1 {
		t.Fatalf("%d runs, %d reads", runs, e.Reads())
	}
	// What the new key wrote, the old key alone cannot open.
	if _, err := oldH.Wait(context.Background(), &liveness.Session{Vendor: e.Vendor, ID: id}); err == nil {
		t.Fatal("a Handler without the new key read its record")
	}
}

// Forget erases a session: an auditor's scan of the Store finds nothing of
// it but a tombstone naming the vendor and the ID; the vendor's notify
// replayed after it is acknowledged and neither read nor delivered; the
// browser's return shows the check closed; Wait says ErrForgotten, and the
// reconciler never brings it back. ForgetBizNo does the same for a session
// in flight, and leaves no key of the BizNo. Here on a MemoryStore;
// callback/redisstore runs the same on Redis.
func TestForget(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
		mem := callback.NewMemoryStore(0)
		var st callback.Store = mem
		dump := func() callbacktest.Dump {
			out := callbacktest.Dump{}
			for _, k := range memKeys(t, mem) {
				v, ok, _ := mem.Get(context.Background(), k)
				if ok {
					out[k] = [][]byte{v}
				}
			}
			due, _ := mem.Due(context.Background(), "due:"+string(e.Vendor)+":", time.Now().Add(1000*time.Hour), 1000)
			for _, m := range due {
				out["due:"+string(e.Vendor)+":"] = append(out["due:"+string(e.Vendor)+":"], []byte(m))
			}
			return out
		}
		var got sync.Map
		h := e.PersonalHandler(st, &got)
		srv := e.Serve(h)
		ctx := context.Background()

		// One session delivered, then erased.
		b := e.NewBrowser()
		e.Start(b, srv.URL)
		id := e.LastStarted()
		c, err := e.SB.Complete(ctx, e.Vendor, id, sandbox.OutcomePass)
		if err != nil {
			t.Fatal(err)
		}
		if code := e.Forge(srv.URL, id); code != http.StatusOK {
			t.Fatalf("notify: %d", code)
		}
		if runs, _, _ := e.Del.Get(id); runs != 1 {
			t.Fatalf("%d runs", runs)
		}
		if keys := callbacktest.KeysOf(dump(), id); len(keys) == 0 {
			t.Fatal("the scan finds nothing of the session before Forget: the scan is blind")
		}
		if err := h.Forget(ctx, id); err != nil {
			t.Fatal(err)
		}
		e.CheckErased(dump(), st, id)
		reads := e.Reads()
		if code := e.Forge(srv.URL, id); code != http.StatusOK {
			t.Fatalf("notify after Forget: %d", code)
		}
		if resp := b.Return(srv.URL, c); resp.StatusCode != http.StatusGone {
			t.Fatalf("return after Forget: %d", resp.StatusCode)
		}
		if _, err := h.Wait(ctx, &liveness.Session{Vendor: e.Vendor, ID: id}); !errors.Is(err, callback.ErrForgotten) {
			t.Fatalf("Wait after Forget: %v", err)
		}
		e.Clock.Advance(2 * time.Hour)
		if _, err := h.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		if runs, _, _ := e.Del.Get(id); runs != 1 || e.Reads() != reads {
			t.Fatalf("after Forget: %d runs, %d more reads", runs, e.Reads()-reads)
		}
		e.CheckErased(dump(), st, id)

		// A session in flight, erased by its BizNo.
		ref := "kyc13800000000"
		resp, err := e.NewBrowser().Client.PostForm(srv.URL+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}, "ref": {ref}})
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		id2 := e.LastStarted()
		if err := h.ForgetBizNo(ctx, ref); err != nil {
			t.Fatal(err)
		}
		if _, err := e.SB.Complete(ctx, e.Vendor, id2, sandbox.OutcomePass); err != nil {
			t.Fatal(err)
		}
		reads = e.Reads()
		if code := e.Forge(srv.URL, id2); code != http.StatusOK {
			t.Fatalf("notify after ForgetBizNo: %d", code)
		}
		if runs, _, _ := e.Del.Get(id2); runs != 0 || e.Reads() != reads {
			t.Fatalf("after ForgetBizNo: %d runs, %d more reads", runs, e.Reads()-reads)
		}
		e.CheckErased(dump(), st, id2)
		callbacktest.ScanFor(t, "after ForgetBizNo", dump(), map[string]string{"BizNo": ref})
		// Its BizNo is free again (the person may start over).
		if err := h.ForgetBizNo(ctx, ref); err != nil {
			t.Fatalf("ForgetBizNo again: %v", err)
		}

		// A session the Store never held: its tombstone stops a late
		// callback from bringing it back.
		if err := h.Forget(ctx, e.Harness.UnknownSessionID); err != nil {
			t.Fatal(err)
		}
		if code := e.Forge(srv.URL, e.Harness.UnknownSessionID); code != http.StatusOK {
			t.Fatalf("notify for a forgotten unknown session: %d", code)
		}
		if e.Reads() != reads {
			t.Fatalf("a forgotten unknown session was read")
		}
	})
}

// memKeys lists a MemoryStore's keys.
func memKeys(t *testing.T, m *callback.MemoryStore) []string {
	t.Helper()
	return callback.MemoryKeys(m)
}

// KeepPersonalData keeps a delivered result's personal data, sealed, until
// its time is up; the reconciler then drops it.
func TestKeepPersonalData(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify), callbacktest.NotifyToSink())
	st := callback.NewMemoryStore(0)
	var got sync.Map
	h := e.PersonalHandler(st, &got)
	h.KeepPersonalData = time.Hour
	srv := e.Serve(h)
	e.Start(e.NewBrowser(), srv.URL)
	id := e.LastStarted()
	if _, err := e.SB.Complete(context.Background(), e.Vendor, id, sandbox.OutcomePass); err != nil {
		t.Fatal(err)
	}
	if code := e.Forge(srv.URL, id); code != http.StatusOK {
		t.Fatalf("notify: %d", code)
	}
	if rec := e.StoredRecord(st, id); !strings.Contains(rec, `"raw":`) || !strings.Contains(rec, `"purge_at":`) {
		t.Fatalf("kept record: %s", rec)
	}
	ctx := context.Background()
	if _, err := h.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if rec := e.StoredRecord(st, id); !strings.Contains(rec, `"raw":`) {
		t.Fatalf("purged before its time: %s", rec)
	}
	e.Clock.Advance(time.Hour + time.Minute)
	if _, err := h.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	rec := e.StoredRecord(st, id)
	if strings.Contains(rec, `"raw":`) || !strings.Contains(rec, `"delivered":true`) {
		t.Fatalf("after its time: %s", rec)
	}
	if runs, _, _ := e.Del.Get(id); runs != 1 {
		t.Fatalf("%d runs", runs)
	}
}
