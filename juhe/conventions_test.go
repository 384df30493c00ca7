package juhe_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
)

// Issue 11 item 7: the same situation gives the same sentinel and field
// as for every vendor (providertest holds all three to it).
func TestCrossVendorConventions(t *testing.T) {
	t.Run("a nil request is named request", func(t *testing.T) {
		fake := testutil.NewFakeVendor(t)
		p := newProvider(t, fake.URL)
		_, err := p.InitSession(ctx, nil)
		assert.Equal(t, "request", requireKind(t, err, liveness.ErrInvalidArgument, "InitSession").Field)
		_, err = p.VerifyCallback(ctx, nil)
		assert.Equal(t, "request", requireKind(t, err, liveness.ErrInvalidArgument, "VerifyCallback").Field)
		_, err = p.FetchResult(ctx, "")
		assert.Equal(t, "sessionID", requireKind(t, err, liveness.ErrInvalidArgument, "FetchResult").Field)
		_, err = p.BuildCheckURL(nil)
		assert.Equal(t, "session", requireKind(t, err, liveness.ErrInvalidArgument, "BuildCheckURL").Field)
		assert.Zero(t, fake.Count())
	})
	for _, tt := range []struct {
		name string
		body string
		kind error
	}{
		{"a wrong key is unauthenticated", `{"reason":"错误的请求KEY","result":null,"error_code":10001}`, liveness.ErrUnauthenticated},
		{"an expired key is unauthenticated", `{"reason":"KEY过期","result":null,"error_code":10003}`, liveness.ErrUnauthenticated},
		{"a banned key is unauthenticated", `{"reason":"被禁止的KEY","result":null,"error_code":10009}`, liveness.ErrUnauthenticated},
		{"an unknown order is not found", `{"reason":"查询不到认证记录","result":null,"error_code":279302}`, liveness.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/faceid/query", "/faceid/search"} {
				fake := testutil.NewFakeVendor(t)
				fake.Handle(http.MethodPost, path, testutil.JSON(200, []byte(tt.body)))
				p := newProvider(t, fake.URL)
				var err error
				op := "FetchResult"
				if path == "/faceid/query" {
					op = "InitSession"
					_, err = p.InitSession(ctx, validRequest())
				} else {
					_, err = p.FetchResult(ctx, seedOrderID)
				}
				requireKind(t, err, tt.kind, op)
				assert.False(t, liveness.Retryable(err))
			}
		})
	}
}
