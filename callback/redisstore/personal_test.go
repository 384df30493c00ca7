package redisstore_test

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
	"github.com/go-liveness/liveness/callback/redisstore"
	"github.com/go-liveness/liveness/callback/redisstore/internal/redisserver"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
	"github.com/redis/go-redis/v9"
)

// redisDump is what an auditor's SCAN and GET (and ZRANGE for the sorted
// sets) of a Redis database show.
func redisDump(t *testing.T, rdb *redis.Client) callbacktest.Dump {
	t.Helper()
	ctx := context.Background()
	out := callbacktest.Dump{}
	iter := rdb.Scan(ctx, 0, "*", 0).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			v, err := rdb.Get(ctx, k).Bytes()
			if err == nil {
				out[k] = append(out[k], v)
			}
		case "zset":
			for _, m := range rdb.ZRange(ctx, k, 0, -1).Val() {
				out[k] = append(out[k], []byte(m))
			}
		default:
			t.Fatalf("key %q of type %s", k, typ)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// An auditor dumps the Store after every vendor's flow run with a person's
// data: no key and no value holds the BizNo, the name, the ID number, the
// face image URL or any part of the vendor's answer in clear (every value
// is sealed, the BizNo's key is a keyed hash), and neither do the logs
// and the Events. Opened, the record holds the
// whole result until the delivery mark, and then only what the flow needs.
// Here on Redis, whose dump (SCAN, GET, ZRANGE) is scanned too; the
// callback package runs the same on a MemoryStore.
func TestStoreHoldsNoPersonalDataInClear(t *testing.T) {
	addr := redisserver.Start(t)
	ran := 0
	for _, hv := range providertest.Registered() {
		if hv.Outcomes[sandbox.OutcomePass].NoReturn {
			continue // the browser is not sent back: no return to follow
		}
		ran++
		vendor := hv.Vendor
		t.Run(string(vendor)+"/redis", func(t *testing.T) {
			opts := []callbacktest.Option{callbacktest.NotifyToSink()}
			if hv.UnsignedReturn != nil {
				opts = append(opts, callbacktest.UnsignedReturn()) // the result is read, not carried
			}
			e := callbacktest.New(t, hv, opts...)
			rdb := redis.NewClient(&redis.Options{Addr: addr})
			t.Cleanup(func() { _ = rdb.Close() })
			st := callbacktest.NewDumpStore(redisstore.New(rdb, "pd-"+string(vendor)))
			var got sync.Map
			h := e.PersonalHandler(st, &got)
			e.Del.SetFail(1) // the first Deliver fails: the record holds the result undelivered
			srv := e.Serve(h)
			b := e.NewBrowser()
			e.Start(b, srv.URL)
			id := e.LastStarted()
			c := e.Complete(id, sandbox.OutcomePass)
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
			dump := redisDump(t, rdb)
			if len(dump) < 3 {
				t.Fatalf("the Redis dump holds %d keys", len(dump))
			}
			callbacktest.ScanFor(t, "redis", dump, data)
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

// Forget erases a session: an auditor's scan of the Store finds nothing of
// it but a tombstone naming the vendor and the ID; the vendor's notify
// replayed after it is acknowledged and neither read nor delivered; the
// browser's return shows the check closed; Wait says ErrForgotten, and the
// reconciler never brings it back. ForgetBizNo does the same for a session
// in flight, and leaves no key of the BizNo. Here on Redis, with a vendor
// whose notify only says a result is ready (so that a notify the Store
// did not stop would read it); the callback package runs the same on a
// MemoryStore.
func TestForget(t *testing.T) {
	addr := redisserver.Start(t)
	t.Run("redis", func(t *testing.T) {
		e := callbacktest.New(t, callbacktest.VendorWith(t, callbacktest.UnsignedNotifyPath()), callbacktest.NotifyToSink())
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = rdb.Close() })
		var st callback.Store = redisstore.New(rdb, "forget")
		dump := func() callbacktest.Dump { return redisDump(t, rdb) }
		var got sync.Map
		h := e.PersonalHandler(st, &got)
		srv := e.Serve(h)
		ctx := context.Background()

		// One session delivered, then erased.
		b := e.NewBrowser()
		e.Start(b, srv.URL)
		id := e.LastStarted()
		c := e.Complete(id, sandbox.OutcomePass)
		if code := e.Resend(srv.URL); code != http.StatusOK {
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
		if code := e.Resend(srv.URL); code != http.StatusOK {
			t.Fatalf("notify after Forget: %d", code)
		}
		if resp := b.Return(srv.URL, c); resp.StatusCode != http.StatusGone {
			t.Fatalf("return after Forget: %d", resp.StatusCode)
		}
		if _, err := h.Wait(ctx, &liveness.Session{Vendor: e.Vendor, ID: id}); !errors.Is(err, callback.ErrForgotten) {
			t.Fatalf("Wait after Forget: %v", err)
		}
		e.Clock.Advance(e.Harness.Lifetime + 2*time.Hour)
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
		e.Complete(id2, sandbox.OutcomePass)
		reads = e.Reads()
		if code := e.Resend(srv.URL); code != http.StatusOK {
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
		unknown := e.Harness.UnknownSessionID
		if err := h.Forget(ctx, unknown); err != nil {
			t.Fatal(err)
		}
		if code := e.Forge(srv.URL, unknown); code != http.StatusOK {
			t.Fatalf("notify for a forgotten unknown session: %d", code)
		}
		if e.Reads() != reads {
			t.Fatalf("a forgotten unknown session was read")
		}
	})
}
