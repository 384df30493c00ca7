package callbacktest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/internal/hooks"
)

// An auditor's view of a Store, for the tests that hold a flow's stored
// data to the privacy rules (no personal datum in clear in a key or a
// value; a forgotten session leaves only its tombstone), on any Store.

// PersonBizNo is a BizNo a service derived from a person's phone number
// (13912345678): personal data, which must not reach a Store key or value
// in clear.
const PersonBizNo = "kyc13912345678"

// Dump is what an auditor's dump of a Store shows: every key, with the
// values written under it (or, for an index, its members).
type Dump map[string][][]byte

// DumpStore is a Store that keeps every key and value ever written to it,
// and the index members, for an auditor's dump (Entries).
type DumpStore struct {
	callback.Store
	mu     sync.Mutex
	writes map[string][][]byte
	index  map[string][]string
}

// NewDumpStore returns a DumpStore over st.
func NewDumpStore(st callback.Store) *DumpStore {
	return &DumpStore{Store: st, writes: map[string][][]byte{}, index: map[string][]string{}}
}

func (s *DumpStore) keep(k string, v []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes[k] = append(s.writes[k], bytes.Clone(v))
}

// Set implements callback.Store.
func (s *DumpStore) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	s.keep(k, v)
	return s.Store.Set(ctx, k, v, ttl)
}

// SetNX implements callback.Store.
func (s *DumpStore) SetNX(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	s.keep(k, v)
	return s.Store.SetNX(ctx, k, v, ttl)
}

// Swap implements callback.Store.
func (s *DumpStore) Swap(ctx context.Context, k string, old, v []byte, ttl time.Duration) (bool, error) {
	s.keep(k, v)
	return s.Store.Swap(ctx, k, old, v, ttl)
}

// SwapAnd implements callback.Store.
func (s *DumpStore) SwapAnd(ctx context.Context, k string, old, v []byte, ttl time.Duration, set []callback.Entry, due []callback.Due) (bool, error) {
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

// Extend implements callback.Store.
func (s *DumpStore) Extend(ctx context.Context, k string, oldSuffix, newSuffix []byte) ([]byte, bool, error) {
	v, ok, err := s.Store.Extend(ctx, k, oldSuffix, newSuffix)
	if ok {
		s.keep(k, v)
	}
	return v, ok, err
}

// Schedule implements callback.Store.
func (s *DumpStore) Schedule(ctx context.Context, index, member string, at time.Time) error {
	s.mu.Lock()
	s.index[index] = append(s.index[index], member)
	s.mu.Unlock()
	return s.Store.Schedule(ctx, index, member, at)
}

// Entries returns every key and value written, and every index name and
// member.
func (s *DumpStore) Entries() Dump {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Dump{}
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

// forms are the ways a datum could be written: as it is, and hex and
// base64 of its bytes.
func forms(s string) []string {
	b := []byte(s)
	return []string{s, hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
}

// ScanFor fails t for every datum of data (named by its key; those
// shorter than 4 bytes are passed over) found in a key or a value of
// dump, as it is or in hex or base64.
func ScanFor(t testing.TB, where string, dump Dump, data map[string]string) {
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

// KeysOf lists the keys and index members of dump that name session id,
// or its BizNo's reservation.
func KeysOf(dump Dump, id string) []string {
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

// PersonalHandler is e's Handler (NewHandler) over store with a person's
// data in the request: the BizNo (PersonBizNo, or the form's "ref" when
// set), and the name and ID number where the vendor takes them. Its
// Deliver is Env.Del's, and records each result it receives in got, by
// session ID.
func (e *Env) PersonalHandler(store callback.Store, got *sync.Map) *callback.Handler {
	h := e.NewHandler(e.Provider(), store)
	next := h.NewRequest
	h.NewRequest = func(r *http.Request) (*liveness.SessionRequest, error) {
		req, err := next(r)
		if err == nil {
			req.BizNo = PersonBizNo
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

// StoredRecord is the plain record of session id as st holds it, sealed
// by a Handler with Env.Key; it fails the test when there is none or it
// does not open.
func (e *Env) StoredRecord(st callback.Store, id string) string {
	e.T.Helper()
	k := "s:" + string(e.Vendor) + ":" + id
	v, ok, err := st.Get(context.Background(), k)
	if err != nil || !ok {
		e.T.Fatalf("record of %s: ok %t, %v", id, ok, err)
	}
	plain := hooks.Unseal(e.Key, k, v)
	if plain == nil {
		e.T.Fatalf("the record of %s does not open", id)
	}
	return string(plain)
}

// CheckErased fails the test unless the only entry of session id left in
// dump (of st) is its tombstone, which holds the vendor, the ID and the
// mark, nothing else.
func (e *Env) CheckErased(dump Dump, st callback.Store, id string) {
	e.T.Helper()
	keys := KeysOf(dump, id)
	if prefix := "s:" + string(e.Vendor) + ":"; len(keys) != 1 || !strings.HasPrefix(keys[0], prefix) && !strings.Contains(keys[0], ":"+prefix) {
		e.T.Fatalf("after Forget the Store holds %q, want the tombstone only", keys)
	}
	tomb := e.StoredRecord(st, id)
	want := `{"session":{"vendor":"` + string(e.Vendor) + `","id":"` + id + `"},"forgotten":true}`
	if tomb != want {
		e.T.Fatalf("tombstone %s, want %s", tomb, want)
	}
}
