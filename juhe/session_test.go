package juhe_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/megvii"
)

func TestInitSessionSendsTheQueryForm(t *testing.T) {
	tests := []struct {
		name string
		edit func(*liveness.SessionRequest)
		want map[string]string
	}{
		{"the required fields alone are sent",
			func(*liveness.SessionRequest) {},
			map[string]string{}},
		{"every optional field is sent",
			func(r *liveness.SessionRequest) {
				r.NotifyURL = "https://shop.example/notify"
				r.Extra = &juhe.SessionOptions{Model: 4, DeviceType: juhe.DeviceWeb}
			},
			map[string]string{"notifyUrl": "https://shop.example/notify", "model": "4", "deviceType": "WEB"}},
		{"options given by value are accepted",
			func(r *liveness.SessionRequest) { r.Extra = juhe.SessionOptions{Model: 1, DeviceType: juhe.DeviceH5} },
			map[string]string{"model": "1", "deviceType": "H5"}},
		{"a nil options pointer means the defaults",
			func(r *liveness.SessionRequest) { r.Extra = (*juhe.SessionOptions)(nil) },
			map[string]string{}},
		{"a lower-case x in the ID number is sent upper-case",
			func(r *liveness.SessionRequest) { r.IDNumber = "11010519491231002x" },
			map[string]string{"certNo": "11010519491231002X"}},
		{"a 15-digit ID number is sent as is",
			func(r *liveness.SessionRequest) { r.IDNumber = "110105491231002" },
			map[string]string{"certNo": "110105491231002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, "/faceid/query", testutil.JSON(200, seedSample(t, "query_ok.json")))
			p := newProvider(t, fake.URL, liveness.WithClock(fixedClock))
			req := validRequest()
			tt.edit(req)

			s, err := p.InitSession(ctx, req)
			require.NoError(t, err)

			want := map[string]string{
				"key": testKey, "certName": "张三", "certNo": testIDNumber,
				"orderId": "order20240517A1", "returnUrl": "https://shop.example/return",
			}
			for k, v := range tt.want {
				want[k] = v
			}
			got := fake.Last(t)
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, "/faceid/query", got.Path)
			assert.Equal(t, "application/x-www-form-urlencoded", got.ContentType)
			assert.Empty(t, got.RawQuery, "the key travels in the body, never the URL")
			testutil.AssertForm(t, got.Form, want)

			assert.Equal(t, &liveness.Session{
				Vendor:    liveness.Juhe,
				ID:        "JH79320240513145425BLEnR",
				CheckURL:  "http://m.alyms.cn/F4.bTPyEV",
				BizNo:     "order20240517A1",
				ExpiresAt: fixedClock().Add(30 * time.Minute),
				Raw:       seedSample(t, "query_ok.json"),
			}, s)
		})
	}
}

func TestInitSessionRejectsBadInputWithoutACall(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*liveness.SessionRequest)
		field string
	}{
		{"a missing order number", func(r *liveness.SessionRequest) { r.BizNo = "" }, "BizNo"},
		{"an order number of 7 characters", func(r *liveness.SessionRequest) { r.BizNo = "abc1234" }, "BizNo"},
		{"an order number of 33 characters", func(r *liveness.SessionRequest) { r.BizNo = strings.Repeat("a", 33) }, "BizNo"},
		{"an order number with a dash", func(r *liveness.SessionRequest) { r.BizNo = "order-2024-0517" }, "BizNo"},
		{"an order number with non-ASCII letters", func(r *liveness.SessionRequest) { r.BizNo = "订单20240517" }, "BizNo"},
		{"a missing name", func(r *liveness.SessionRequest) { r.Name = "" }, "Name"},
		{"a blank name", func(r *liveness.SessionRequest) { r.Name = "  " }, "Name"},
		{"a missing ID number", func(r *liveness.SessionRequest) { r.IDNumber = "" }, "IDNumber"},
		{"an ID number with a wrong check digit", func(r *liveness.SessionRequest) { r.IDNumber = "110101199003071234" }, "IDNumber"},
		{"an ID number of 16 digits", func(r *liveness.SessionRequest) { r.IDNumber = "1101011990030712" }, "IDNumber"},
		{"a missing return URL", func(r *liveness.SessionRequest) { r.ReturnURL = "" }, "ReturnURL"},
		{"a relative return URL", func(r *liveness.SessionRequest) { r.ReturnURL = "/return" }, "ReturnURL"},
		{"a javascript return URL", func(r *liveness.SessionRequest) { r.ReturnURL = "javascript:alert(1)" }, "ReturnURL"},
		{"an ftp notify URL", func(r *liveness.SessionRequest) { r.NotifyURL = "ftp://shop.example/notify" }, "NotifyURL"},
		{"model 6", func(r *liveness.SessionRequest) { r.Extra = &juhe.SessionOptions{Model: 6} }, "Extra.Model"},
		{"a negative model", func(r *liveness.SessionRequest) { r.Extra = &juhe.SessionOptions{Model: -1} }, "Extra.Model"},
		{"a lower-case device type", func(r *liveness.SessionRequest) { r.Extra = &juhe.SessionOptions{DeviceType: "web"} }, "Extra.DeviceType"},
		{"an unknown device type", func(r *liveness.SessionRequest) { r.Extra = &juhe.SessionOptions{DeviceType: "APP"} }, "Extra.DeviceType"},
		{"another vendor's options", func(r *liveness.SessionRequest) { r.Extra = &megvii.SessionOptions{} }, "Extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			p := newProvider(t, fake.URL)
			req := validRequest()
			tt.edit(req)

			_, err := p.InitSession(ctx, req)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "InitSession")
			assert.Equal(t, tt.field, le.Field)
			assert.Zero(t, fake.Count(), "no request may reach Juhe")
		})
	}

	t.Run("a nil request", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		_, err := newProvider(t, fake.URL).InitSession(ctx, nil)
		requireKind(t, err, liveness.ErrInvalidArgument, "InitSession")
		assert.Zero(t, fake.Count())
	})
}

func TestInitSessionWrongCheckDigitSaysSo(t *testing.T) {
	req := validRequest()
	req.IDNumber = "110101199003071234"
	_, err := newProvider(t, "http://127.0.0.1:1").InitSession(ctx, req)
	assert.EqualError(t, err, "liveness: juhe InitSession: invalid argument: IDNumber: wrong check digit (GB 11643-1999): the number is mistyped")
	assert.NotContains(t, err.Error(), "11010119900307123", "errors must not quote the ID number")
}

func TestInitSessionMapsJuheErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply testutil.Reply
		kind  error
		code  string
		calls int
	}{
		{"a bad key is unauthenticated", testutil.JSON(200, localSample(t, "error_bad_key.json")), liveness.ErrUnauthenticated, "10001", 1},
		{"an internal error is not retried: the query may be charged",
			testutil.JSON(200, []byte(`{"reason":"系统内部异常","result":null,"error_code":10014}`)), liveness.ErrUnavailable, "10014", 1},
		{"a parameter error is an invalid argument",
			testutil.JSON(200, []byte(`{"reason":"参数异常","result":null,"error_code":279301}`)), liveness.ErrInvalidArgument, "279301", 1},
		{"a session state cannot answer a query",
			testutil.JSON(200, []byte(`{"reason":"x","result":null,"error_code":279306}`)), liveness.ErrBadResponse, "279306", 1},
		{"success without verify_url is a bad response",
			testutil.JSON(200, []byte(`{"reason":"SUCCESS","result":{"jh_order_id":"JH1"},"error_code":0}`)), liveness.ErrBadResponse, "", 1},
		{"an answer without error_code is a bad response",
			testutil.JSON(200, []byte(`{"reason":"SUCCESS"}`)), liveness.ErrBadResponse, "", 1},
		{"a proxy's 502 page is unavailable, and not retried",
			testutil.Raw(502, "text/html", []byte("<html>bad gateway</html>")), liveness.ErrUnavailable, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			fake.Handle(http.MethodPost, "/faceid/query", tt.reply)
			_, err := newProvider(t, fake.URL).InitSession(ctx, validRequest())
			le := requireKind(t, err, tt.kind, "InitSession")
			assert.Equal(t, tt.code, le.Code)
			assert.Equal(t, tt.calls, fake.Count())
			testutil.AssertNoSecret(t, err.Error(), testKey)
		})
	}
}

func TestBuildCheckURL(t *testing.T) {
	p := newProvider(t, "http://127.0.0.1:1", liveness.WithClock(fixedClock))
	live := &liveness.Session{Vendor: liveness.Juhe, ID: "JH1", CheckURL: "http://m.alyms.cn/F4.bTPyEV", ExpiresAt: fixedClock().Add(time.Minute)}

	t.Run("a live session gives its verify_url", func(t *testing.T) {
		got, err := p.BuildCheckURL(live)
		require.NoError(t, err)
		assert.Equal(t, "http://m.alyms.cn/F4.bTPyEV", got)
	})
	t.Run("a session past its 30 minutes is expired", func(t *testing.T) {
		s := *live
		s.ExpiresAt = fixedClock()
		_, err := p.BuildCheckURL(&s)
		requireKind(t, err, liveness.ErrSessionExpired, "BuildCheckURL")
	})
	tests := []struct {
		name  string
		s     *liveness.Session
		field string
	}{
		{"a nil session is invalid", nil, "session"},
		{"a session without ID is invalid", &liveness.Session{Vendor: liveness.Juhe, CheckURL: live.CheckURL}, "session.ID"},
		{"a session ID of 129 bytes is invalid", &liveness.Session{ID: strings.Repeat("J", 129), CheckURL: live.CheckURL}, "session.ID"},
		{"a session ID with a space is invalid", &liveness.Session{ID: "JH 1", CheckURL: live.CheckURL}, "session.ID"},
		{"another vendor's session is invalid", &liveness.Session{Vendor: liveness.Megvii, ID: "JH1", CheckURL: "https://x.example"}, "session.Vendor"},
		{"a session without URL is invalid", &liveness.Session{Vendor: liveness.Juhe, ID: "JH1"}, "session.CheckURL"},
		{"a javascript URL is invalid", &liveness.Session{Vendor: liveness.Juhe, ID: "JH1", CheckURL: "javascript:alert(1)"}, "session.CheckURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.BuildCheckURL(tt.s)
			le := requireKind(t, err, liveness.ErrInvalidArgument, "BuildCheckURL")
			assert.Equal(t, tt.field, le.Field)
		})
	}
}

// Issue 11 item 6: a caller who passes a reference image expects a
// comparison Juhe cannot make.
func TestInitSessionRefusesReferenceImagesWithoutACall(t *testing.T) {
	for name, images := range map[string][][]byte{
		"one image":         {[]byte("\xff\xd8\xff\xe0jpeg")},
		"an empty image":    {{}},
		"a thousand images": make([][]byte, 1000),
	} {
		t.Run(name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			req := validRequest()
			req.ReferenceImages = images
			_, err := newProvider(t, fake.URL).InitSession(ctx, req)
			le := requireKind(t, err, liveness.ErrUnsupported, "InitSession")
			assert.Equal(t, "ReferenceImages", le.Field)
			assert.Contains(t, err.Error(), "ReferenceImages")
			assert.Zero(t, fake.Count())
		})
	}
	t.Run("an empty list is no image", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		fake.Handle(http.MethodPost, "/faceid/query", testutil.JSON(200, seedSample(t, "query_ok.json")))
		req := validRequest()
		req.ReferenceImages = [][]byte{}
		_, err := newProvider(t, fake.URL).InitSession(ctx, req)
		require.NoError(t, err)
	})
}
