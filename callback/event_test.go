package callback_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness/sandbox"
)

// At the default level, Info, the handlers write no record for a routine
// request (a start that redirected): those are Debug; a refused request
// is Info, one an error stopped Warn with its error.
func TestLogLevels(t *testing.T) {
	e := newEnv(t, vendorWith(t, triggerNotify))
	var logs bytes.Buffer
	h := e.NewHandler(e.P, nil)
	h.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))

	start := func(method string, form url.Values) int {
		r := httptest.NewRequest(method, "http://shop.example/start", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.Start(w, r)
		return w.Code
	}
	assert.Equal(t, http.StatusSeeOther, start(http.MethodPost, url.Values{"user": {sandbox.MagicPrefix + "a"}}))
	assert.Empty(t, logs.String(), "a routine start writes nothing at Info")

	assert.Equal(t, http.StatusMethodNotAllowed, start(http.MethodGet, nil))
	assert.Contains(t, logs.String(), "level=INFO msg=\"liveness callback\"")
	assert.Contains(t, logs.String(), "outcome=rejected")
	logs.Reset()

	assert.Equal(t, http.StatusBadRequest, start(http.MethodPost, url.Values{}))
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "error=\"user is required\"")
	logs.Reset()

	h.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	assert.Equal(t, http.StatusSeeOther, start(http.MethodPost, url.Values{"user": {sandbox.MagicPrefix + "b"}}))
	assert.Contains(t, logs.String(), "level=DEBUG msg=\"liveness callback\"")
	assert.Contains(t, logs.String(), "outcome=started")
}
