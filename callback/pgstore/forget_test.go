package pgstore_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/callback"
	"github.com/go-liveness/liveness/callback/callbacktest"
	"github.com/go-liveness/liveness/callback/pgstore"
	"github.com/go-liveness/liveness/callback/pgstore/internal/pgserver"
	"github.com/go-liveness/liveness/sandbox"
)

// An auditor's dump of the tables after a delivered session holds no BizNo
// in clear, in a key or a value; after ForgetBizNo, every row naming the
// session is gone but its tombstone.
func TestForgetLeavesOnlyTheTombstone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, pgserver.Start(t))
	st := newStore(t, pool, pgstore.Config{Schema: "forget"})
	e := callbacktest.New(t, callbacktest.VendorWith(t, noNotify))
	h := &callback.Handler{Provider: e.P, Key: bytes.Repeat([]byte{2}, 32), Store: st,
		Deliver: func(context.Context, *liveness.Result, *liveness.Session) error { return nil }}
	const bizNo = "kyc13912345678"
	req := e.Request("https://shop.example", sandbox.MagicPrefix+"nobody")
	req.BizNo = bizNo
	s, err := h.Begin(ctx, httptest.NewRecorder(), httptest.NewRequest("POST", "/start", nil), req)
	if err != nil {
		t.Fatal(err)
	}
	e.Complete(s.ID, sandbox.OutcomePass)
	if _, err := h.Wait(ctx, s); err != nil {
		t.Fatal(err)
	}
	type row struct{ table, key, value string }
	dump := func() []row {
		var out []row
		for _, q := range []string{
			"SELECT 'kv', key, encode(value, 'escape') FROM forget.liveness_kv WHERE expires_at > now()",
			"SELECT 'due', index_name, member FROM forget.liveness_due",
		} {
			rows, err := pool.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.table, &r.key, &r.value); err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
			rows.Close()
		}
		return out
	}
	naming := func(rows []row) []row {
		var out []row
		for _, r := range rows {
			if strings.Contains(r.key, s.ID) || r.value == s.ID || strings.HasPrefix(r.key, "n:") {
				out = append(out, r)
			}
		}
		return out
	}
	before := dump()
	for _, r := range before {
		if strings.Contains(r.key+r.value, bizNo) {
			t.Errorf("%s row %q holds the BizNo in clear", r.table, r.key)
		}
	}
	if n := len(naming(before)); n < 2 {
		t.Fatalf("%d rows name the session before Forget: the scan is blind", n)
	}
	if err := h.ForgetBizNo(ctx, bizNo); err != nil {
		t.Fatal(err)
	}
	left := naming(dump())
	if len(left) != 1 || left[0].key != "s:"+string(e.Vendor)+":"+s.ID {
		t.Fatalf("after ForgetBizNo: %v, want the tombstone only", left)
	}
	if _, err := h.Wait(ctx, s); err == nil {
		t.Fatal("Wait after ForgetBizNo succeeded")
	}
}
