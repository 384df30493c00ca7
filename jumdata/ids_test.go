package jumdata_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
)

// badTokens are IDs no Jumdata call may carry, with why.
var badTokens = []struct {
	name, token string
}{
	{"1 MB", strings.Repeat("a", 1<<20)},
	{"one byte over the cap", strings.Repeat("t", jumdata.MaxTokenLen+1)},
	{"a space", "tok 1"},
	{"a newline", "tok\n1"},
	{"a NUL", "tok\x001"},
	{"a DEL", "tok\x7f"},
	{"non-ASCII", "tök"},
	{"invalid UTF-8", "tok\xff"},
}

func TestMaxTokenLen(t *testing.T) {
	assert.LessOrEqual(t, jumdata.MaxTokenLen, 128, "the cross-vendor ceiling")
}

func TestFetchResultRefusesABadIDBeforeTheWire(t *testing.T) {
	for _, ch := range channels {
		for _, tt := range badTokens {
			t.Run(ch.name+"/"+tt.name, func(t *testing.T) {
				fake := testutil.NewFakeVendor(t)
				fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_passed.json")))
				p := newProvider(t, fake, ch.direct)
				res, err := p.FetchResult(context.Background(), tt.token)
				require.ErrorIs(t, err, liveness.ErrInvalidArgument)
				assert.Nil(t, res)
				assert.Equal(t, "sessionID", asError(t, err).Field)
				assert.Equal(t, "FetchResult", asError(t, err).Op)
				assert.Zero(t, fake.Count(), "no request")
				assert.Less(t, len(err.Error()), 300, "the error does not quote the ID")
			})
		}
	}
}

func TestFetchResultSendsATokenOfTheMaximumLength(t *testing.T) {
	fake := testutil.NewFakeVendor(t)
	fake.Handle(http.MethodPost, resultPath, testutil.JSON(http.StatusOK, testutil.Sample(t, "jumdata/result_pending.json")))
	p := newProvider(t, fake, true)
	tok := strings.Repeat("T", jumdata.MaxTokenLen-3) + "/+="
	res, err := p.FetchResult(context.Background(), tok)
	require.NoError(t, err)
	assertConsistent(t, res)
	assert.Equal(t, liveness.StatusPending, res.Status)
	testutil.AssertForm(t, fake.Last(t).Form, with(authFields(true, true), "token", tok))
}

func TestBuildCheckURLRefusesABadID(t *testing.T) {
	p := newProvider(t, testutil.NewFakeVendor(t), false)
	for _, tt := range badTokens {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				s         *liveness.Session
				wantField string
			}{
				{&liveness.Session{Vendor: liveness.Jumdata, Token: tt.token}, "session.Token"},
				{&liveness.Session{Vendor: liveness.Jumdata, ID: tt.token}, "session.ID"},
				{&liveness.Session{Vendor: liveness.Jumdata, ID: tt.token, Token: "tok"}, "session.ID"},
				{&liveness.Session{Vendor: liveness.Jumdata, ID: "tok", Token: tt.token}, "session.Token"},
			} {
				u, err := p.BuildCheckURL(c.s)
				require.ErrorIs(t, err, liveness.ErrInvalidArgument)
				assert.Empty(t, u)
				assert.Equal(t, c.wantField, asError(t, err).Field)
			}
		})
	}
}

func TestVerifyCallbackRefusesABadToken(t *testing.T) {
	p := newProvider(t, testutil.NewFakeVendor(t), false)
	for _, tt := range badTokens {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/back", nil)
			// A space reaches the server as %20: a '+' is a '+' in a
			// Jumdata token (the page appends it as it is).
			r.URL.RawQuery = strings.ReplaceAll(url.Values{"token": {tt.token}, "success": {"true"}}.Encode(), "+", "%20")
			cb, err := p.VerifyCallback(context.Background(), r)
			require.ErrorIs(t, err, liveness.ErrInvalidArgument)
			assert.Nil(t, cb)
			assert.Less(t, len(err.Error()), 300, "the error does not quote the token")
		})
	}
	t.Run("900 KB", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/back?token="+strings.Repeat("9", 900<<10)+"&success=true", nil)
		cb, err := p.VerifyCallback(context.Background(), r)
		require.ErrorIs(t, err, liveness.ErrInvalidArgument)
		assert.Nil(t, cb)
	})
}

func TestInitSessionRefusesAnUnusableToken(t *testing.T) {
	for _, tt := range badTokens {
		t.Run(tt.name, func(t *testing.T) {
			fake := testutil.NewFakeVendor(t)
			body := `{"code":200,"msg":"成功","taskNo":"T1","data":{"token":` + quoteJSON(tt.token) + `}}`
			fake.Handle(http.MethodPost, initPath, jsonReply(body))
			p := newProvider(t, fake, false)
			s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, liveness.ErrBadResponse)
			assert.Nil(t, s)
			assert.Equal(t, 1, fake.Count(), "the init call is not retried")
		})
	}
}
