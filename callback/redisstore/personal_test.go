package redisstore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
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

// personBizNo is a BizNo a service derived from a person's phone number:
// personal data, which must not reach a Store key or value in clear.
const personBizNo = "kyc13912345678"

// dumpStore is a Store that keeps every key and value ever written to it,
// and the index members, for an auditor's dump.
type dumpStore struct {
	callback.Store
	mu     sync.Mutex
	writes map[string][][]byte
	index  map[string][]string
}

func newDumpStore(st callback.Store) *dumpStore {
	return &dumpStore{Store: st, writes: map[string][][]byte{}, index: map[string][]string{}}
}

func (s *dumpStore) keep(k string, v []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes[k] = append(s.writes[k], bytes.Clone(v))
}

func (s *dumpStore) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	s.keep(k, v)
	return s.Store.Set(ctx, k, v, ttl)
}

func (s *dumpStore) SetNX(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	s.keep(k, v)
	return s.Store.SetNX(ctx, k, v, ttl)
}

func (s *dumpStore) Swap(ctx context.Context, k string, old, v []byte, ttl time.Duration) (bool, error) {
	s.keep(k, v)
	return s.Store.Swap(ctx, k, old, v, ttl)
}

func (s *dumpStore) SwapAnd(ctx context.Context, k string, old, v []byte, ttl time.Duration, set []callback.Entry, due []callback.Due) (bool, error) {
	s.keep(k, v)
	for _, e := range set {
		s.keep(e.Key, e.Value)
	}
	s.mu.Lock()
	for _, d := range due {
		s.index[d.Index] = append(s.index[d.Index], d.Member)
	}
	s.mu.Unlock()
	return s.Store.SwapAnd(ctx, k, old, v, ttl, set, due)
}

func (s *dumpStore) Extend(ctx context.Context, k string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	v, ok, err := s.Store.Extend(ctx, k, oldSuffix, newSuffix)
	if ok {
		s.keep(k, v)
	}
	return v, ok, err
}

func (s *dumpStore) Schedule(ctx context.Context, index, member string, at time.Time) error {
	s.mu.Lock()
	s.index[index] = append(s.index[index], member)
	s.mu.Unlock()
	return s.Store.Schedule(ctx, index, member, at)
}

// entries returns every key and value written, and every index name and
// member, as one list of byte strings to scan.
func (s *dumpStore) entries() map[string][][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][][]byte{}
	for k, vs := range s.writes {
		out[k] = vs
	}
	for idx, ms := range s.index {
		for _, m := range ms {
			out[idx] = append(out[idx], []byte(m))
		}
	}
	return out
}

// redisDump is what an auditor's SCAN and GET (and ZRANGE for the sorted
// sets) of a Redis database show.
func redisDump(t *testing.T, rdb *redis.Client) map[string][][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][][]byte{}
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

// forms are the ways a datum could be written: as it is, and hex and
// base64 of its bytes.
func forms(s string) []string {
	b := []byte(s)
	return []string{s, hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
}

// scanFor fails t for every datum found, in any form, in a key or a value
// of dump.
func scanFor(t *testing.T, where string, dump map[string][][]byte, data map[string]string) {
	t.Helper()
	for what, d := range data {
		if len(d) < 4 {
			continue
		}
		for _, f := range forms(d) {
			for k, vs := range dump {
				if strings.Contains(k, f) {
					t.Errorf("%s: key %q holds the %s", where, k, what)
				}
				for _, v := range vs {
					if bytes.Contains(v, []byte(f)) {
						t.Errorf("%s: the value under %q holds the %s", where, k, what)
					}
				}
			}
		}
	}
}

// personalHandler is e's Handler for store with a person's data in the
// request: the BizNo, and the name and ID number where the vendor takes
// them. Deliver records each result it receives in got.
func personalHandler(e *callbacktest.Env, store callback.Store, got *sync.Map) *callback.Handler {
	h := e.NewHandler(e.Provider(), store)
	next := h.NewRequest
	h.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = personBizNo
			if ref := r.FormValue("ref"); ref != "" {
				req.BizNo = ref
			}
		}
		return req, err
	}
	h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
		if err := e.Del.Deliver(ctx, res, s); err != nil {
			return err
		}
		got.Store(s.ID, res)
		return nil
	}
	return h
}

// storedRecord is the plain record of session id as a Store holds it.
func storedRecord(t *testing.T, e *callbacktest.Env, st callback.Store, id string) string {
	t.Helper()
	k := "s:" + string(e.Vendor) + ":" + id
	v, ok, err := st.Get(context.Background(), k)
	if err != nil || !ok {
		t.Fatalf("record of %s: ok %t, %v", id, ok, err)
	}
	plain := unseal(e, k, v)
	if plain == nil {
		t.Fatalf("the record of %s does not open", id)
	}
	return string(plain)
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
			st := newDumpStore(redisstore.New(rdb, "pd-"+string(vendor)))
			var got sync.Map
			h := personalHandler(e, st, &got)
			e.Del.Fail = 1 // the first Deliver fails: the record holds the result undelivered
			srv := e.Serve(h)
			b := callbacktest.NewBrowser()
			e.Start(b, srv.URL)
			id := e.LastStarted()
			c := e.Complete(id, sandbox.OutcomePass)
			if resp := b.Return(srv.URL, c); resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("return with Deliver failing: %d", resp.StatusCode)
			}
			undelivered := storedRecord(t, e, st, id)
			if !strings.Contains(undelivered, `"raw":`) || !strings.Contains(undelivered, personBizNo) {
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
			delivered := storedRecord(t, e, st, id)
			for _, field := range []string{`"raw":`, `"face_image`, `"message":`} {
				if strings.Contains(delivered, field) {
					t.Errorf("the delivered record still holds %s: %s", field, delivered)
				}
			}
			if !strings.Contains(delivered, `"status":"passed"`) {
				t.Errorf("the delivered record lost its status: %s", delivered)
			}

			data := map[string]string{"BizNo": personBizNo, "phone": "13912345678", "name": sandbox.TestName,
				"ID number": sandbox.TestIDNumber, "face image URL": res.FaceImageURL, "vendor message": res.Message}
			// Every 24-byte window of the vendor's answer, but those
			// within the session ID it echoes (an ID, which keys, logs
			// and Events name).
			for i := 0; i+24 <= len(res.Raw); i += 24 {
				if w := string(res.Raw[i : i+24]); !strings.Contains(id, w) {
					data["vendor answer at "+strconv.Itoa(i)] = w
				}
			}
			scanFor(t, "every write", st.entries(), data)
			dump := redisDump(t, rdb)
			if len(dump) < 3 {
				t.Fatalf("the Redis dump holds %d keys", len(dump))
			}
			scanFor(t, "redis", dump, data)
			var events bytes.Buffer
			for len(e.Events) > 0 {
				fmt.Fprintf(&events, "%+v\n", <-e.Events)
			}
			if !strings.Contains(events.String(), id) || !strings.Contains(e.Logs.String(), id) {
				t.Fatalf("the events or logs do not name the session: the scan is blind")
			}
			scanFor(t, "logs and events", map[string][][]byte{"log": {[]byte(e.Logs.String())}, "events": {events.Bytes()}}, data)
		})
	}
	if ran == 0 {
		t.Fatal("no registered vendor sends the browser back after a pass")
	}
}

// storeKeysOf lists the keys and index members of dump that name id, or
// its BizNo's reservation.
func storeKeysOf(dump map[string][][]byte, id string) []string {
	var out []string
	for k, vs := range dump {
		if strings.Contains(k, id) {
			out = append(out, k)
		}
		if strings.HasPrefix(k, "due:") || strings.Contains(k, ":due:") {
			for _, m := range vs {
				if string(m) == id {
					out = append(out, k+" member")
				}
			}
		}
	}
	return out
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
		e := callbacktest.New(t, callbacktest.VendorWith(t, callbacktest.UnsignedNotifyPath), callbacktest.NotifyToSink())
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = rdb.Close() })
		var st callback.Store = redisstore.New(rdb, "forget")
		dump := func() map[string][][]byte { return redisDump(t, rdb) }
		var got sync.Map
		h := personalHandler(e, st, &got)
		srv := e.Serve(h)
		ctx := context.Background()

		// One session delivered, then erased.
		b := callbacktest.NewBrowser()
		e.Start(b, srv.URL)
		id := e.LastStarted()
		c := e.Complete(id, sandbox.OutcomePass)
		if code := e.Resend(srv.URL); code != http.StatusOK {
			t.Fatalf("notify: %d", code)
		}
		if runs, _, _ := e.Del.Get(id); runs != 1 {
			t.Fatalf("%d runs", runs)
		}
		if keys := storeKeysOf(dump(), id); len(keys) == 0 {
			t.Fatal("the scan finds nothing of the session before Forget: the scan is blind")
		}
		if err := h.Forget(ctx, id); err != nil {
			t.Fatal(err)
		}
		checkErased(t, e, dump(), st, id)
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
		checkErased(t, e, dump(), st, id)

		// A session in flight, erased by its BizNo.
		ref := "kyc13800000000"
		resp, err := callbacktest.NewBrowser().Client.PostForm(srv.URL+"/start", url.Values{"user": {sandbox.MagicPrefix + "nobody"}, "ref": {ref}})
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
		checkErased(t, e, dump(), st, id2)
		scanFor(t, "after ForgetBizNo", dump(), map[string]string{"BizNo": ref})
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

// checkErased fails unless the only entry of session id left in dump is its
// tombstone, which holds the vendor, the ID and the mark, nothing else.
func checkErased(t *testing.T, e *callbacktest.Env, dump map[string][][]byte, st callback.Store, id string) {
	t.Helper()
	keys := storeKeysOf(dump, id)
	rec := "s:" + string(e.Vendor) + ":"
	if len(keys) != 1 || !strings.HasPrefix(keys[0], rec) && !strings.Contains(keys[0], ":"+rec) {
		t.Fatalf("after Forget the Store holds %q, want the tombstone only", keys)
	}
	tomb := storedRecord(t, e, st, id)
	want := `{"session":{"vendor":"` + string(e.Vendor) + `","id":"` + id + `"},"forgotten":true}`
	if tomb != want {
		t.Fatalf("tombstone %s, want %s", tomb, want)
	}
}
