package callback

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
)

// fakeP is a minimal provider: InitSession and FetchResult run hooks.
type fakeP struct {
	vendor  liveness.Vendor
	onInit  func(req *liveness.SessionRequest)
	onFetch func(id string) (*liveness.Result, error)
	fetches atomic.Int32
}

func (p *fakeP) Vendor() liveness.Vendor { return p.vendor }
func (p *fakeP) InitSession(_ context.Context, req *liveness.SessionRequest) (*liveness.Session, error) {
	if p.onInit != nil {
		p.onInit(req)
	}
	return &liveness.Session{Vendor: p.vendor, ID: "sess-" + req.BizNo, BizNo: req.BizNo,
		CheckURL: "https://vendor.example/check", ExpiresAt: time.Now().Add(30 * time.Minute)}, nil
}
func (p *fakeP) BuildCheckURL(*liveness.Session) (string, error) {
	return "https://vendor.example/check", nil
}
func (p *fakeP) FetchResult(_ context.Context, id string) (*liveness.Result, error) {
	p.fetches.Add(1)
	return p.onFetch(id)
}
func (p *fakeP) VerifyCallback(context.Context, *http.Request) (*liveness.Callback, error) {
	return nil, errors.New("no callbacks")
}

func personalResult(id string) *liveness.Result {
	return &liveness.Result{Vendor: acme, SessionID: id, Status: liveness.StatusPassed,
		FaceImage: []byte("FACE-IMAGE-BYTES"), Raw: json.RawMessage(`{"name":"Zhang San"}`), Message: "Zhang San passed"}
}

var hkey = []byte(strings.Repeat("k", 32))

// 1. ForgetBizNo racing a start: the start finds its reservation gone,
// erases the session it created (its record had been written with a plain
// Set) and answers ErrForgotten; the reconciler never delivers it.
func TestHostileForgetBizNoRacingStart(t *testing.T) {
	now := time.Now()
	clk := func() time.Time { return now }
	st := &MemoryStore{Now: clk}
	p := &fakeP{vendor: acme}
	var delivered atomic.Int32
	h := &Handler{Provider: p, Key: hkey, Store: st, Now: clk,
		Deliver: func(context.Context, *liveness.Result, *liveness.Session) error { delivered.Add(1); return nil }}
	p.onFetch = func(id string) (*liveness.Result, error) { return personalResult(id), nil }
	var forgetErr error
	p.onInit = func(req *liveness.SessionRequest) {
		// The person asks for erasure while the vendor creates the session.
		forgetErr = h.ForgetBizNo(context.Background(), req.BizNo)
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "https://svc.example/start", nil)
	const bizNo = "kyc13912345678"
	s, err := h.Begin(context.Background(), w, r, &liveness.SessionRequest{BizNo: bizNo, ReturnURL: "https://svc.example/return"})
	if !errors.Is(err, ErrForgotten) || s != nil || forgetErr != nil {
		t.Fatalf("Begin: %v, %v; ForgetBizNo: %v", s, err, forgetErr)
	}
	if c := w.Result().Cookies(); len(c) != 0 {
		t.Fatalf("a browser was bound to the erased session: %v", c)
	}
	rec, err := h.load(context.Background(), "sess-"+bizNo)
	if err != nil || rec == nil || !rec.Forgotten {
		t.Fatalf("the raced session's record: %+v, %v; want its tombstone", rec, err)
	}
	now = now.Add(29 * time.Minute) // the reconciler's first look
	if _, err := h.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	if delivered.Load() != 0 || p.fetches.Load() != 0 {
		t.Fatalf("the erased session was read %d and delivered %d time(s)", p.fetches.Load(), delivered.Load())
	}
}

// 2. A fetch in flight when Forget runs: its final result (face image, raw
// payload) is stashed in memory for the erased session, and never dropped.
func TestHostileForgetDuringFetchStashesPersonalData(t *testing.T) {
	st := NewMemoryStore(0)
	p := &fakeP{vendor: acme}
	h := &Handler{Provider: p, Key: hkey, Store: st}
	s := &liveness.Session{Vendor: acme, ID: "sess-1", ExpiresAt: time.Now().Add(time.Hour)}
	p.onFetch = func(id string) (*liveness.Result, error) {
		if err := h.Forget(context.Background(), id); err != nil {
			t.Errorf("Forget: %v", err)
		}
		return personalResult(id), nil
	}
	_, err := h.Wait(context.Background(), s)
	t.Logf("Wait: %v", err)
	h.unkeptMu.Lock()
	got := h.unkept[s.ID]
	h.unkeptMu.Unlock()
	if got != nil {
		t.Errorf("after Forget, this instance holds the erased session's result in memory: FaceImage %q, Raw %s", got.FaceImage, got.Raw)
	}
}

// 3. With Deliver nil (a Wait-only flow), the personal fields go with the
// first write of the result, as KeepPersonalData's doc says: only the Wait
// that made the one vendor call gets the face image.
func TestHostileWaitWithoutDeliverGetsMinimized(t *testing.T) {
	st := NewMemoryStore(0)
	p := &fakeP{vendor: acme}
	h := &Handler{Provider: p, Key: hkey, Store: st}
	p.onFetch = func(id string) (*liveness.Result, error) { return personalResult(id), nil }
	s := &liveness.Session{Vendor: acme, ID: "sess-2", ExpiresAt: time.Now().Add(time.Hour)}
	var wg sync.WaitGroup
	res := make([]*liveness.Result, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], _ = h.Wait(context.Background(), s)
		}()
	}
	wg.Wait()
	r3, _ := h.Wait(context.Background(), s)
	with := 0
	for _, r := range res {
		if len(r.FaceImage) > 0 {
			with++
		}
	}
	if p.fetches.Load() != 1 || with != 1 || len(r3.FaceImage) != 0 {
		t.Fatalf("vendor calls %d; Waits with the face image %d of 2, later Wait %d bytes; want 1, 1, 0",
			p.fetches.Load(), with, len(r3.FaceImage))
	}
}

// 4. The tombstone lives ResultTTL, the record it replaced ResultTTL plus
// the session's remaining life and grace: after the tombstone expires, a
// late signed callback (or a binding cookie) rebuilds and delivers the
// erased session again.
func TestHostileTombstoneShorterThanRecord(t *testing.T) {
	now := time.Now()
	clk := func() time.Time { return now }
	st := &MemoryStore{Now: clk}
	p := &fakeP{vendor: acme}
	h := &Handler{Provider: p, Key: hkey, Store: st, Now: clk, ResultTTL: time.Hour}
	s := &liveness.Session{Vendor: acme, ID: "sess-3", ExpiresAt: now.Add(24 * time.Hour)}
	rec, err := h.create(context.Background(), &record{Session: *s})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("record ttl %v, tombstone ttl %v", h.ttl(&rec.Session), h.forgottenTTL())
	if err := h.Forget(context.Background(), s.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour) // past the tombstone, well within the session's own life
	got, _ := h.load(context.Background(), s.ID)
	if got == nil {
		// orphan/rebuild would now create the record again.
		reb, err := h.rebuild(context.Background(), newRecordFor(acme, s.ID, "kyc13912345678"))
		t.Errorf("2h after Forget (session expires in 22h) the tombstone is gone; a late callback rebuilds it: forgotten=%v err=%v", reb != nil && reb.Forgotten, err)
	}
}

// sfP is a provider with its own FetchSessionResult (as juhe.Provider).
type sfP struct{ fakeP }

func (p *sfP) FetchSessionResult(_ context.Context, s *liveness.Session) (*liveness.Result, error) {
	p.fetches.Add(1)
	return p.onFetch(s.ID)
}

// budget is a service's read-budget / rate-limit wrapper: it counts (and
// could refuse) every result read, and implements Unwrap, as capabilities.go
// recommends, to keep the wrapped provider's capabilities.
type budget struct {
	liveness.Provider
	reads atomic.Int32
}

func (b *budget) FetchResult(ctx context.Context, id string) (*liveness.Result, error) {
	b.reads.Add(1)
	return b.Provider.FetchResult(ctx, id)
}
func (b *budget) Unwrap() liveness.Provider { return b.Provider }

// 5. A counting wrapper that implements Unwrap is skipped by every vendor
// read of the Handler when the wrapped provider is a SessionFetcher.
func TestHostileWrapperReadBudgetBypassed(t *testing.T) {
	inner := &sfP{fakeP{vendor: acme}}
	inner.onFetch = func(id string) (*liveness.Result, error) { return personalResult(id), nil }
	b := &budget{Provider: inner}
	h := &Handler{Provider: b, Key: hkey}
	s := &liveness.Session{Vendor: acme, ID: "sess-5", ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := h.Wait(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	t.Logf("vendor reads %d, counted by the wrapper %d", inner.fetches.Load(), b.reads.Load())
	if b.reads.Load() != inner.fetches.Load() {
		t.Errorf("the wrapper's read budget saw %d of %d vendor reads", b.reads.Load(), inner.fetches.Load())
	}
}

// kvP is a provider with VerifyCallbackOfKind (as megvii and juhe).
type kvP struct{ fakeP }

func (p *kvP) VerifyCallbackOfKind(_ context.Context, r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	id := r.URL.Query().Get("id")
	return &liveness.Callback{Vendor: p.vendor, Kind: kind, SessionID: id, Signed: true, Result: personalResult(id)}, nil
}

// allowlist is a service's wrapper that refuses callbacks from outside the
// vendor's published addresses, and Unwraps (to keep capabilities).
type allowlist struct{ liveness.Provider }

func (a allowlist) VerifyCallback(ctx context.Context, r *http.Request) (*liveness.Callback, error) {
	if !strings.HasPrefix(r.RemoteAddr, "10.9.") {
		return nil, liveness.ErrBadSignature
	}
	return a.Provider.VerifyCallback(ctx, r)
}
func (a allowlist) Unwrap() liveness.Provider { return a.Provider }

func TestHostileWrapperVerifyBypassed(t *testing.T) {
	inner := &kvP{fakeP{vendor: globex}}
	var delivered atomic.Int32
	h := &Handler{Provider: allowlist{inner}, Key: hkey,
		Deliver: func(context.Context, *liveness.Result, *liveness.Session) error { delivered.Add(1); return nil }}
	r := httptest.NewRequest("POST", "https://svc.example/notify?id=sess-6", nil)
	r.RemoteAddr = "203.0.113.7:4444"
	w := httptest.NewRecorder()
	h.Notify(w, r)
	t.Logf("notify from outside the allowlist: %d, delivered %d", w.Code, delivered.Load())
	if w.Code == 200 || delivered.Load() > 0 {
		t.Errorf("the wrapper's VerifyCallback check was skipped (liveness.As unwrapped to the inner KindVerifier)")
	}
}

// 6. KeepPersonalData: the purge waits for the reconciler's next look at the
// session, which is scheduled for the read policy, not for PurgeAt.
func TestHostileKeepPersonalDataPurgeLate(t *testing.T) {
	now := time.Now()
	clk := func() time.Time { return now }
	st := &MemoryStore{Now: clk}
	p := &fakeP{vendor: acme}
	p.onFetch = func(id string) (*liveness.Result, error) { return personalResult(id), nil }
	h := &Handler{Provider: p, Key: hkey, Store: st, Now: clk, KeepPersonalData: 10 * time.Minute,
		Deliver: func(context.Context, *liveness.Result, *liveness.Session) error { return nil }}
	s := &liveness.Session{Vendor: acme, ID: "sess-7", ExpiresAt: now.Add(2 * time.Hour)}
	if _, err := h.Wait(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	now = now.Add(15 * time.Minute) // 5 minutes past PurgeAt
	n, err := h.Reconcile(context.Background())
	b, _, _ := st.Get(context.Background(), h.skey(s.ID))
	plain := Unseal(hkey, h.skey(s.ID), b)
	t.Logf("reconcile looked at %d (%v); stored record holds the face image: %v", n, err, strings.Contains(string(plain), "face_image"))
	if strings.Contains(string(plain), "face_image") {
		t.Errorf("15 min after delivery, KeepPersonalData 10 min: the Store still keeps the face image")
	}
}

// 7. A record written after its session's end gets a new expiry (ResultTTL
// from then), its start reservation keeps its first one: once the
// reservation expires, ForgetBizNo finds nothing and returns nil while the
// record (BizNo and result) is still in the Store.
func TestHostileForgetBizNoAfterReservationExpired(t *testing.T) {
	now := time.Now()
	clk := func() time.Time { return now }
	st := &MemoryStore{Now: clk}
	p := &fakeP{vendor: acme}
	p.onFetch = func(id string) (*liveness.Result, error) { return personalResult(id), nil }
	h := &Handler{Provider: p, Key: hkey, Store: st, Now: clk, ResultTTL: 2 * time.Hour,
		Deliver: func(context.Context, *liveness.Result, *liveness.Session) error { return nil }}
	const bizNo = "kyc13912345678"
	s, err := h.Begin(context.Background(), httptest.NewRecorder(), httptest.NewRequest("POST", "/start", nil),
		&liveness.SessionRequest{BizNo: bizNo, ReturnURL: "https://svc.example/return"})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(90 * time.Minute) // the session (30 min) ended an hour ago; a late look delivers it
	if _, err := h.Wait(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	now = now.Add(80 * time.Minute) // reservation: 30m+grace+2h after start, gone; record: 2h after the delivery
	if err := h.ForgetBizNo(context.Background(), bizNo); err != nil {
		t.Fatal(err)
	}
	rec, _ := h.load(context.Background(), s.ID)
	if rec != nil && !rec.Forgotten {
		t.Errorf("ForgetBizNo returned nil; the record naming BizNo %q is still stored (result %s)", rec.Session.BizNo, rec.Result.Status)
	}
}
