package sandbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// echoSim is the smallest plug-in: POST /echo/start starts a session,
// GET /echo/page/{id} is its check page, and a completed session sends
// the browser to its return URL with the outcome.
type echoSim struct{}

const echoVendor liveness.Vendor = "echo"

func (echoSim) Vendor() liveness.Vendor { return echoVendor }
func (echoSim) Title() string           { return "Echo check" }
func (echoSim) Outcomes() []sandbox.Outcome {
	return []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof}
}
func (echoSim) Endpoints() []sandbox.Endpoint { return []sandbox.Endpoint{"echo/start"} }
func (echoSim) ProviderURL(base string) string {
	return "echo://" + base
}
func (echoSim) Mount(h *sandbox.Host) {
	h.HandleFunc("POST /echo/start", func(w http.ResponseWriter, r *http.Request) {
		if h.Fault(w, r, "echo/start", func(code string) (int, []byte) { return 200, []byte(`{"error":"` + code + `"}`) },
			func() []byte { return []byte(`{"id":"x"}`) }) {
			return
		}
		mode, _ := h.Setting("mode")
		se := h.AddSession(sandbox.SessionSpec{ID: "s-" + r.URL.Query().Get("n"), ReturnURL: r.URL.Query().Get("return"),
			Lifetime: time.Minute, BizNo: mode.(string)})
		b, _ := json.Marshal(map[string]string{"id": se.ID})
		sandbox.WriteJSON(w, http.StatusOK, b)
	})
	h.HandleFunc("GET /echo/page/{id}", func(w http.ResponseWriter, r *http.Request) { h.ServePage(w, r, r.PathValue("id")) })
}
func (echoSim) Complete(h *sandbox.Host, se sandbox.SessionState, c *sandbox.Completion) url.Values {
	c.ReturnMethod, c.ReturnURL = http.MethodGet, se.ReturnURL+"?outcome="+string(se.Outcome)
	return nil
}

// TestPlugin: a plug-in's vendor is served like a built-in one: its
// endpoints, page, faults, settings and sessions through the Go API and
// the control API.
func TestPlugin(t *testing.T) {
	sb := start(t, sandbox.With(echoSim{}), sandbox.Set(echoVendor, "mode", "m1"))
	back := make(chan string, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { back <- r.URL.RawQuery }))
	t.Cleanup(app.Close)
	assert.Equal(t, "echo://"+sb.URL, sb.ProviderURL(echoVendor))
	assert.Equal(t, []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof}, sb.VendorOutcomes(echoVendor))
	assert.Contains(t, sb.VendorEndpoints(), sandbox.Endpoint("echo/start"))
	assert.NotContains(t, sandbox.Endpoints(), sandbox.Endpoint("echo/start"))

	status, body := control(t, http.MethodGet, sb.URL+"/_sandbox/endpoints", "", "")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"echo/start"`)

	status, _ = control(t, http.MethodPost, sb.URL+"/_sandbox/faults", "application/json", `{"endpoint":"echo/start","vendor_error":"E1","times":1}`)
	require.Equal(t, http.StatusCreated, status)
	status, body = control(t, http.MethodPost, sb.URL+"/echo/start?n=1&return="+url.QueryEscape(app.URL+"/back"), "", "")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"error":"E1"}`, string(body))
	assert.Equal(t, 1, sb.Requests("echo/start"))

	status, body = control(t, http.MethodPost, sb.URL+"/echo/start?n=1&return="+url.QueryEscape(app.URL+"/back"), "", "")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"id":"s-1"}`, string(body))
	infos := sb.Sessions()
	require.Len(t, infos, 1)
	assert.Equal(t, echoVendor, infos[0].Vendor)
	assert.Equal(t, "m1", infos[0].BizNo, "the plug-in read its setting")
	assert.Equal(t, []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof}, infos[0].Outcomes)

	_, err := sb.Complete(context.Background(), echoVendor, "s-1", sandbox.OutcomeCancel)
	assert.ErrorIs(t, err, sandbox.ErrOutcomeNotOffered)
	v, err := (&sandbox.Browser{}).Press(context.Background(), sb.URL+"/echo/page/s-1", sandbox.OutcomeSpoof)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, v.PageStatus)
	assert.Equal(t, "outcome=spoof", <-back, "the browser came back as the plug-in said")
	status, body = control(t, http.MethodPost, sb.URL+"/_sandbox/sessions/echo/s-1/complete", "application/json", `{"outcome":"pass"}`)
	assert.Equal(t, http.StatusConflict, status, "%s", body)
}

// readSim is a plug-in that counts a session's reads in its Data and
// answers with the sandbox's face: the host kit's Update, FaceURL and
// FaceJPEG.
type readSim struct{}

const readVendor liveness.Vendor = "reader"

func (readSim) Vendor() liveness.Vendor       { return readVendor }
func (readSim) Title() string                 { return "Reader check" }
func (readSim) Outcomes() []sandbox.Outcome   { return []sandbox.Outcome{sandbox.OutcomePass} }
func (readSim) Endpoints() []sandbox.Endpoint { return nil }
func (readSim) ProviderURL(base string) string {
	return "reader://" + base
}
func (readSim) Mount(h *sandbox.Host) {
	h.HandleFunc("POST /reader/start", func(w http.ResponseWriter, r *http.Request) {
		h.AddSession(sandbox.SessionSpec{ID: "r1", Lifetime: time.Minute, Data: 0})
	})
	h.HandleFunc("GET /reader/read", func(w http.ResponseWriter, r *http.Request) {
		se, ok := h.Update(r.URL.Query().Get("id"), func(se *sandbox.SessionState) {
			se.Data = se.Data.(int) + 1
			se.Opened = true
			se.BizNo = "not kept"
		})
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		b, _ := json.Marshal(map[string]any{"reads": se.Data, "opened": se.Opened, "biz_no": se.BizNo,
			"face": h.FaceURL(r), "face_bytes": len(h.FaceJPEG())})
		sandbox.WriteJSON(w, http.StatusOK, b)
	})
}
func (readSim) Complete(*sandbox.Host, sandbox.SessionState, *sandbox.Completion) url.Values {
	return nil
}

// TestHostUpdate: a plug-in changes its session's Opened and Data under
// the host's lock, and no field of the host's own; the host serves the
// face a plug-in links to.
func TestHostUpdate(t *testing.T) {
	sb := start(t, sandbox.With(readSim{}))
	status, _ := control(t, http.MethodGet, sb.URL+"/reader/read?id=r1", "", "")
	assert.Equal(t, http.StatusNotFound, status, "no session yet")
	status, _ = control(t, http.MethodPost, sb.URL+"/reader/start", "", "")
	require.Equal(t, http.StatusOK, status)
	for i := 1; i <= 2; i++ {
		status, body := control(t, http.MethodGet, sb.URL+"/reader/read?id=r1", "", "")
		require.Equal(t, http.StatusOK, status)
		var got struct {
			Reads     int    `json:"reads"`
			Opened    bool   `json:"opened"`
			BizNo     string `json:"biz_no"`
			Face      string `json:"face"`
			FaceBytes int    `json:"face_bytes"`
		}
		require.NoError(t, json.Unmarshal(body, &got))
		assert.Equal(t, i, got.Reads)
		assert.True(t, got.Opened)
		assert.Empty(t, got.BizNo, "Update keeps the host's fields")
		assert.Equal(t, sb.URL+"/sandbox/face.jpg", got.Face)
		assert.Equal(t, len(sandbox.SampleFaceJPEG()), got.FaceBytes)
	}
	status, body := control(t, http.MethodGet, sb.URL+"/sandbox/face.jpg", "", "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, sandbox.SampleFaceJPEG(), body)
}

// Vendors lists the plug-ins a sandbox serves, added or registered, by
// name and each once.
func TestVendorsListsThePlugins(t *testing.T) {
	sb := start(t, sandbox.With(readSim{}), sandbox.With(echoSim{}))
	vs := sb.Vendors()
	assert.Contains(t, vs, echoVendor)
	assert.Contains(t, vs, readVendor)
	assert.True(t, slices.IsSorted(vs), "by name: %v", vs)
	assert.Equal(t, len(vs), len(slices.Compact(slices.Clone(vs))), "each once: %v", vs)
	for _, v := range vs {
		assert.NotEmpty(t, sb.ProviderURL(v), "every vendor listed has a provider URL: %s", v)
	}
}
