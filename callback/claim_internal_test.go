package callback

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
)

// signedP is a provider whose every callback is a notify carrying a signed
// final result: what cb returns for the session the notify names.
type signedP struct {
	fakeP
	cb func(id string) *liveness.Callback
}

func (p *signedP) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	return p.cb(r.URL.Query().Get("id")), nil
}

// claimEnv is a Handler on a MemoryStore over signedP, whose vendor
// notifies (its notify route accepts POST), with Deliver recorded.
type claimEnv struct {
	h     *Handler
	p     *signedP
	mu    sync.Mutex
	runs  []Delivery
	got   []*liveness.Result
	fail  atomic.Int32 // Deliver fails this many more times
	calls atomic.Int32
}

func newClaimEnv(t *testing.T) *claimEnv {
	t.Helper()
	e := &claimEnv{}
	e.p = &signedP{fakeP: fakeP{vendor: globex}}
	e.p.onFetch = func(id string) (*liveness.Result, error) {
		e.calls.Add(1)
		return &liveness.Result{Vendor: globex, SessionID: id, Status: liveness.StatusPending}, nil
	}
	e.p.cb = func(id string) *liveness.Callback {
		return &liveness.Callback{Vendor: globex, Kind: liveness.CallbackNotify, SessionID: id, Signed: true,
			Result: &liveness.Result{Vendor: globex, SessionID: id, Status: liveness.StatusPassed, Message: "signed"}}
	}
	e.h = &Handler{Provider: e.p, Key: hkey, Store: NewMemoryStore(0), MaxWait: 2 * time.Second,
		DeliverTimeout: 200 * time.Millisecond,
		Deliver: func(ctx context.Context, res *liveness.Result, _ *liveness.Session) error {
			d, _ := DeliveryFrom(ctx)
			if e.fail.Load() > 0 {
				e.fail.Add(-1)
				return errors.New("the service failed")
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			e.runs = append(e.runs, d)
			e.got = append(e.got, res)
			return nil
		}}
	return e
}

// begin starts a session with bizNo and returns it.
func (e *claimEnv) begin(t *testing.T, bizNo string) *liveness.Session {
	t.Helper()
	s, err := e.h.Begin(context.Background(), httptest.NewRecorder(), httptest.NewRequest("POST", "https://svc.example/start", nil),
		&liveness.SessionRequest{BizNo: bizNo, ReturnURL: "https://svc.example/return"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// notify sends the signed notify of session id and returns the status.
func (e *claimEnv) notify(id string) int {
	w := httptest.NewRecorder()
	e.h.Notify(w, httptest.NewRequest("POST", "https://svc.example/notify?id="+id, nil))
	return w.Code
}

// A record's trailer is outside its seal: whatever its bytes say, a damaged
// or hostile trailer is an unreadable record, never a panic (a length of
// 0xFFFFFFFF is -1 as an int on 32-bit platforms) and never a delta read
// over a record that was changed.
func TestHostileRecordTrailers(t *testing.T) {
	e := newClaimEnv(t)
	s := e.begin(t, "kyc-trailer")
	fresh, _, _ := e.h.store().Get(context.Background(), e.h.skey(s.ID))
	if fresh[len(fresh)-1] != trailerFresh {
		t.Fatalf("a new session's record ends with %d, want the fresh trailer", fresh[len(fresh)-1])
	}
	base := fresh[:len(fresh)-1]
	withLen := func(n uint32) []byte {
		b := bytes.Clone(base)
		b = binary.BigEndian.AppendUint32(b, n)
		return append(b, trailerExtended)
	}
	for name, v := range map[string][]byte{
		"empty":             {},
		"trailer 3":         append(bytes.Clone(base), 3),
		"trailer 0xff":      append(bytes.Clone(base), 0xff),
		"extended, no len":  {1, 2, trailerExtended},
		"len 0":             withLen(0),
		"len of the body":   withLen(uint32(len(base))),
		"len past the body": withLen(uint32(len(base) + 1)),
		"len 0xFFFFFFFF":    withLen(0xFFFFFFFF),
	} {
		if _, err := e.h.decodeRecord(s.ID, v); !errors.Is(err, errUnreadable) {
			t.Errorf("%s: decodeRecord = %v, want errUnreadable", name, err)
		}
	}
	// A changed record whose trailer was damaged into the fresh one takes
	// a signed claim's delta, which is then refused when read.
	rec, err := e.h.load(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := e.h.update(context.Background(), rec, func(r *record) (bool, error) { r.Calls = 3; return true, nil })
	if err != nil {
		t.Fatal(err)
	}
	if changed.raw[len(changed.raw)-1] != trailerChanged {
		t.Fatal("a changed record does not end with the changed trailer")
	}
	damaged := bytes.Clone(changed.raw)
	damaged[len(damaged)-1] = trailerFresh
	if err := e.h.store().Set(context.Background(), e.h.skey(s.ID), damaged, time.Hour); err != nil {
		t.Fatal(err)
	}
	if code := e.notify(s.ID); code == http.StatusOK {
		t.Fatal("a delta laid over a changed record was read")
	}
	if len(e.runs) != 0 {
		t.Fatalf("delivered %d times", len(e.runs))
	}
}

// Only a record as a start leaves it is written fresh: each field a signed
// claim's delta assumes empty makes the record changed.
func TestPristineCoversWhatTheDeltaAssumes(t *testing.T) {
	h := &Handler{Provider: &fakeP{vendor: globex}, Key: hkey}
	res := &liveness.Result{Status: liveness.StatusPassed}
	held := &lease{Token: "t", Until: time.Now().Add(time.Minute)}
	for name, change := range map[string]func(r *record){
		"nothing":    func(*record) {},
		"result":     func(r *record) { r.Result = res },
		"pending":    func(r *record) { r.Pending = res },
		"calls":      func(r *record) { r.Calls = 1 },
		"triggers":   func(r *record) { r.Triggers = 1 },
		"fetch":      func(r *record) { r.Fetch = held },
		"attempts":   func(r *record) { r.Attempts = 1 },
		"delivering": func(r *record) { r.Delivering = held },
		"delivered":  func(r *record) { r.Delivered = true },
		"purge":      func(r *record) { r.PurgeAt = time.Now().Add(time.Hour) },
		"forgotten":  func(r *record) { r.Forgotten = true },
	} {
		rec := &record{Session: liveness.Session{Vendor: globex, ID: "s1"}, Binding: "b", Started: time.Now()}
		change(rec)
		b, err := h.encodeRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		want := trailerChanged
		if name == "nothing" {
			want = trailerFresh
		}
		if got := b[len(b)-1]; got != want {
			t.Errorf("%s: trailer %d, want %d", name, got, want)
		}
	}
}

// A signed notify for a session whose record was changed after its start
// (a read made, a result stored, a delivery that failed) takes the usual
// path: the stored result wins, the read count and the attempts go on.
func TestSignedNotifyOverAChangedRecord(t *testing.T) {
	ctx := context.Background()
	t.Run("after a pending read", func(t *testing.T) {
		e := newClaimEnv(t)
		s := e.begin(t, "kyc-read")
		if res, err := e.h.Wait(ctxWithin(t, 50*time.Millisecond), s); err == nil || res == nil || res.Status != liveness.StatusPending {
			t.Fatalf("Wait: %v, %v", res, err)
		}
		if code := e.notify(s.ID); code != http.StatusOK {
			t.Fatalf("notify: %d", code)
		}
		if len(e.runs) != 1 || e.runs[0].Attempt != 1 || e.runs[0].Calls != int(e.calls.Load()) || e.calls.Load() == 0 {
			t.Fatalf("runs %+v after %d calls", e.runs, e.calls.Load())
		}
	})
	t.Run("after a result was stored", func(t *testing.T) {
		e := newClaimEnv(t)
		s := e.begin(t, "kyc-kept")
		rec, _ := e.h.load(ctx, s.ID)
		first := &liveness.Result{Vendor: globex, SessionID: s.ID, Status: liveness.StatusFailed, Message: "read first"}
		if _, _, err := e.h.keep(ctx, rec, first); err != nil {
			t.Fatal(err)
		}
		if code := e.notify(s.ID); code != http.StatusOK {
			t.Fatalf("notify: %d", code)
		}
		if len(e.got) != 1 || e.got[0].Message != "read first" {
			t.Fatalf("delivered %+v, want the result stored first", e.got)
		}
	})
	t.Run("after Deliver failed", func(t *testing.T) {
		e := newClaimEnv(t)
		s := e.begin(t, "kyc-failed")
		e.fail.Store(1)
		if code := e.notify(s.ID); code != http.StatusInternalServerError {
			t.Fatalf("notify with Deliver failing: %d", code)
		}
		if code := e.notify(s.ID); code != http.StatusOK {
			t.Fatalf("notify again: %d", code)
		}
		if len(e.runs) != 1 || e.runs[0].Attempt != 2 {
			t.Fatalf("runs %+v, want one, Attempt 2", e.runs)
		}
	})
	t.Run("while another request delivers", func(t *testing.T) {
		e := newClaimEnv(t)
		s := e.begin(t, "kyc-busy")
		release := make(chan struct{})
		inner := e.h.Deliver
		var entered sync.Once
		started := make(chan struct{})
		e.h.Deliver = func(ctx context.Context, res *liveness.Result, s *liveness.Session) error {
			entered.Do(func() { close(started) })
			<-release
			return inner(ctx, res, s)
		}
		e.h.DeliverTimeout = 5 * time.Second
		first := make(chan int)
		go func() { first <- e.notify(s.ID) }()
		<-started
		second := make(chan int)
		go func() { second <- e.notify(s.ID) }()
		time.Sleep(50 * time.Millisecond)
		close(release)
		if a, b := <-first, <-second; a != http.StatusOK || b != http.StatusOK {
			t.Fatalf("notifies: %d, %d", a, b)
		}
		if len(e.runs) != 1 {
			t.Fatalf("Deliver ran %d times", len(e.runs))
		}
	})
}

// A signed notify naming a session with another session's BizNo is
// acknowledged and never delivered, whether the record is fresh (the claim
// is given back) or not.
func TestSignedNotifyWithAnotherBizNo(t *testing.T) {
	for _, changed := range []bool{false, true} {
		e := newClaimEnv(t)
		s := e.begin(t, "kyc-mine")
		if changed {
			rec, _ := e.h.load(context.Background(), s.ID)
			if _, err := e.h.update(context.Background(), rec, func(r *record) (bool, error) { r.Calls = 1; return true, nil }); err != nil {
				t.Fatal(err)
			}
		}
		inner := e.p.cb
		e.p.cb = func(id string) *liveness.Callback {
			cb := inner(id)
			cb.BizNo = "kyc-someone-else"
			return cb
		}
		if code := e.notify(s.ID); code != http.StatusOK {
			t.Fatalf("changed=%v: notify: %d, want 200 (acknowledged)", changed, code)
		}
		if len(e.runs) != 0 {
			t.Fatalf("changed=%v: delivered %+v", changed, e.got)
		}
		rec, err := e.h.load(context.Background(), s.ID)
		if err != nil || rec == nil || rec.Result != nil || rec.Delivering != nil || rec.Attempts != 0 {
			t.Fatalf("changed=%v: record after the notify: %+v, %v", changed, rec, err)
		}
		// The session's own notify is delivered.
		e.p.cb = inner
		if code := e.notify(s.ID); code != http.StatusOK || len(e.runs) != 1 {
			t.Fatalf("changed=%v: its own notify: %d, %d runs", changed, code, len(e.runs))
		}
	}
}

// A claim whose answer was lost and that the client sent again (go-redis
// resends a command after a read timeout) finds its own lease and goes on.
func TestClaimSentTwice(t *testing.T) {
	e := newClaimEnv(t)
	s := e.begin(t, "kyc-twice")
	e.h.Store = &twiceStore{Store: e.h.store()}
	if code := e.notify(s.ID); code != http.StatusOK {
		t.Fatalf("notify: %d", code)
	}
	if len(e.runs) != 1 || e.runs[0].Attempt != 1 {
		t.Fatalf("runs %+v", e.runs)
	}
}

// twiceStore runs every Extend twice and answers the second run, as a
// client that resent it after losing the first answer.
type twiceStore struct{ Store }

func (s *twiceStore) Extend(ctx context.Context, k string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	if _, _, err := s.Store.Extend(ctx, k, oldSuffix, newSuffix); err != nil {
		return nil, false, err
	}
	return s.Store.Extend(ctx, k, oldSuffix, newSuffix)
}

func ctxWithin(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// A start's SwapAnd whose answer was lost and that the client sent again
// finds its own write: the session is started, not erased as if
// ForgetBizNo had removed its reservation.
func TestStartRecordSentTwice(t *testing.T) {
	e := newClaimEnv(t)
	e.h.Store = &twiceStore{Store: e.h.store()}
	s := e.begin(t, "kyc-start-twice")
	rec, err := e.h.load(context.Background(), s.ID)
	if err != nil || rec == nil || rec.Forgotten {
		t.Fatalf("record after the start: %+v, %v", rec, err)
	}
}

func (s *twiceStore) SwapAnd(ctx context.Context, k string, old, v []byte, ttl time.Duration, set []Entry, due []Due) (bool, error) {
	if _, err := s.Store.SwapAnd(ctx, k, old, v, ttl, set, due); err != nil {
		return false, err
	}
	return s.Store.SwapAnd(ctx, k, old, v, ttl, set, due)
}

// ForgetBizNo that reads a start's reservation while the vendor creates
// the session, and deletes it only after the start recorded the session,
// reads it again and erases the session: nothing of the BizNo survives.
func TestForgetBizNoAfterTheStartRecorded(t *testing.T) {
	e := newClaimEnv(t)
	rs := &raceStore{Store: e.h.store(), read: make(chan struct{}), recorded: make(chan struct{})}
	e.h.Store = rs
	done := make(chan error, 1)
	e.p.onInit = func(req *liveness.SessionRequest) {
		go func() {
			done <- e.h.ForgetBizNo(context.WithValue(context.Background(), forgetting{}, true), req.BizNo)
		}()
	}
	s := e.begin(t, "kyc-forget-late")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rec, err := e.h.load(context.Background(), s.ID)
	if err != nil || rec == nil || !rec.Forgotten {
		t.Fatalf("record after ForgetBizNo: present %v, erased %v, %v", rec != nil, rec != nil && rec.Forgotten, err)
	}
	nkeys, _ := e.h.nkeys("kyc-forget-late")
	if _, ok, _ := e.h.store().Get(context.Background(), nkeys[0]); ok {
		t.Fatal("the BizNo's reservation survived ForgetBizNo")
	}
}

type forgetting struct{}

// raceStore orders ForgetBizNo's first read of a reservation before the
// start's SwapAnd, and its delete after it.
type raceStore struct {
	Store
	read, recorded   chan struct{}
	readOnce, recOne sync.Once
}

func (s *raceStore) Get(ctx context.Context, k string) ([]byte, bool, error) {
	v, ok, err := s.Store.Get(ctx, k)
	if ctx.Value(forgetting{}) != nil && ok {
		s.readOnce.Do(func() { close(s.read) })
	}
	return v, ok, err
}

func (s *raceStore) SwapAnd(ctx context.Context, k string, old, v []byte, ttl time.Duration, set []Entry, due []Due) (bool, error) {
	<-s.read
	ok, err := s.Store.SwapAnd(ctx, k, old, v, ttl, set, due)
	s.recOne.Do(func() { close(s.recorded) })
	return ok, err
}

func (s *raceStore) DeleteIf(ctx context.Context, k string, v []byte) (bool, error) {
	if ctx.Value(forgetting{}) != nil {
		<-s.recorded
	}
	return s.Store.DeleteIf(ctx, k, v)
}
