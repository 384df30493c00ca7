package sandbox

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// ControlPrefix starts every path of the control API. It is on no vendor's
// path, so a client pointed at the sandbox never reaches it by mistake.
const ControlPrefix = "/_sandbox/"

// SessionInfo describes one session the sandbox holds, as Sessions and
// the control API list them.
type SessionInfo struct {
	Vendor liveness.Vendor `json:"vendor"`
	// ID is Session.ID: Megvii biz_id, Juhe jh_order_id, Jumdata token.
	ID    string `json:"id"`
	BizNo string `json:"biz_no,omitempty"`
	// State is "pending", "completed" or "expired" (pending past its
	// expiry).
	State string `json:"state"`
	// Outcome is how the session was completed; empty while pending.
	Outcome   Outcome   `json:"outcome,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Outcomes are the outcomes its check page offers (SessionOutcomes).
	Outcomes []Outcome `json:"outcomes"`
}

// Sessions lists the sessions the sandbox holds, oldest first (ties by
// vendor and ID).
func (s *Sandbox) Sessions() []SessionInfo {
	s.mu.Lock()
	now := s.now()
	out := make([]SessionInfo, 0, len(s.sessions))
	for _, se := range s.sessions {
		st := "pending"
		switch {
		case se.outcome != "":
			st = "completed"
		case now.After(se.expiresAt):
			st = "expired"
		}
		out = append(out, SessionInfo{Vendor: se.vendor, ID: se.id, BizNo: se.bizNo, State: st, Outcome: se.outcome,
			CreatedAt: se.createdAt, ExpiresAt: se.expiresAt, Outcomes: se.outcomes()})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		if a.Vendor != b.Vendor {
			return a.Vendor < b.Vendor
		}
		return a.ID < b.ID
	})
	return out
}

// CompleteRequest is the body of the control API's complete call.
type CompleteRequest struct {
	Outcome Outcome `json:"outcome"`
}

// CompleteResponse is the control API's answer to a complete call: what
// Complete did.
type CompleteResponse struct {
	Vendor    liveness.Vendor `json:"vendor"`
	SessionID string          `json:"session_id"`
	Outcome   Outcome         `json:"outcome"`
	// ReturnMethod and ReturnURL are where the browser goes (empty when the
	// outcome sends it nowhere); ReturnForm is the form of a POST return.
	ReturnMethod string              `json:"return_method,omitempty"`
	ReturnURL    string              `json:"return_url,omitempty"`
	ReturnForm   map[string][]string `json:"return_form,omitempty"`
	// Notified is true when a notify callback was sent and answered 2xx;
	// NotifyError says why not when one was due.
	Notified    bool   `json:"notified"`
	NotifyError string `json:"notify_error,omitempty"`
}

// FaultRequest is the body of the control API's fault call: a Fault for one
// Endpoint, with durations in Go syntax ("1.5s").
type FaultRequest struct {
	Endpoint    Endpoint            `json:"endpoint"`
	Latency     string              `json:"latency,omitempty"`
	Drop        bool                `json:"drop,omitempty"`
	VendorError string              `json:"vendor_error,omitempty"`
	HTTPStatus  int                 `json:"http_status,omitempty"`
	Header      map[string][]string `json:"header,omitempty"`
	Malformed   bool                `json:"malformed,omitempty"`
	Truncated   bool                `json:"truncated,omitempty"`
	Times       int                 `json:"times,omitempty"`
}

// ControlError is the body of every control API error answer.
type ControlError struct {
	Error string `json:"error"`
}

// controlRoutes mounts the control API; the package documentation
// describes it.
func (s *Sandbox) controlRoutes() {
	s.mux.HandleFunc("GET "+ControlPrefix+"{$}", s.serveControlIndex)
	for _, rt := range controlTable {
		serve := rt.serve
		s.mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) { serve(s, w, r) })
	}
}

const maxControlBody = 64 << 10

func controlJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	writeJSON(w, status, append(b, '\n'))
}

func controlFail(w http.ResponseWriter, status int, msg string) {
	controlJSON(w, status, ControlError{Error: msg})
}

// readControl decodes a JSON body. It requires Content-Type
// application/json, which a cross-site form cannot send without a CORS
// preflight the sandbox never grants, so a web page cannot drive a sandbox
// on localhost.
func readControl(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		controlFail(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		controlFail(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	return true
}

func (s *Sandbox) serveSessions(w http.ResponseWriter, r *http.Request) {
	controlJSON(w, http.StatusOK, s.Sessions())
}

func (s *Sandbox) serveEndpoints(w http.ResponseWriter, r *http.Request) {
	controlJSON(w, http.StatusOK, s.VendorEndpoints())
}

func (s *Sandbox) serveControlComplete(w http.ResponseWriter, r *http.Request) {
	var req CompleteRequest
	if !readControl(w, r, &req) {
		return
	}
	c, err := s.Complete(r.Context(), liveness.Vendor(r.PathValue("vendor")), r.PathValue("id"), req.Outcome)
	if err != nil {
		controlFail(w, completeStatus(err, http.StatusUnprocessableEntity), err.Error())
		return
	}
	out := CompleteResponse{Vendor: c.Vendor, SessionID: c.SessionID, Outcome: c.Outcome, ReturnMethod: c.ReturnMethod,
		ReturnURL: c.ReturnURL, ReturnForm: c.ReturnForm, Notified: c.Notified}
	if c.ReturnURL == "" {
		out.ReturnMethod = ""
	}
	if c.NotifyErr != nil {
		out.NotifyError = c.NotifyErr.Error()
	}
	controlJSON(w, http.StatusOK, out)
}

func (s *Sandbox) serveFault(w http.ResponseWriter, r *http.Request) {
	var req FaultRequest
	if !readControl(w, r, &req) {
		return
	}
	known := false
	eps := s.VendorEndpoints()
	names := make([]string, 0, len(eps))
	for _, e := range eps {
		known = known || e == req.Endpoint
		names = append(names, string(e))
	}
	if !known {
		controlFail(w, http.StatusBadRequest, "endpoint: must be one of "+strings.Join(names, ", "))
		return
	}
	f := Fault{Drop: req.Drop, VendorError: req.VendorError, HTTPStatus: req.HTTPStatus, Malformed: req.Malformed,
		Truncated: req.Truncated, Times: req.Times}
	if req.Latency != "" {
		d, err := time.ParseDuration(req.Latency)
		if err != nil || d < 0 || d > 10*time.Minute {
			controlFail(w, http.StatusBadRequest, "latency: must be a Go duration from 0 to 10m, such as 1.5s")
			return
		}
		f.Latency = d
	}
	if req.HTTPStatus != 0 && (req.HTTPStatus < 100 || req.HTTPStatus > 599) {
		controlFail(w, http.StatusBadRequest, "http_status: must be from 100 to 599")
		return
	}
	if req.Times < 0 {
		controlFail(w, http.StatusBadRequest, "times: must not be negative")
		return
	}
	if len(req.VendorError) > maxFaultValue {
		controlFail(w, http.StatusBadRequest, "vendor_error: at most 256 bytes")
		return
	}
	if len(req.Header) > maxFaultHeaders {
		controlFail(w, http.StatusBadRequest, "header: at most 16 fields")
		return
	}
	if len(req.Header) > 0 {
		f.Header = make(http.Header, len(req.Header))
		for k, vs := range req.Header {
			if !validHeaderName(k) {
				controlFail(w, http.StatusBadRequest, "header: a field name must be 1 to 64 token characters (RFC 9110)")
				return
			}
			if len(vs) > maxFaultHeaders {
				controlFail(w, http.StatusBadRequest, "header: at most 16 values a field")
				return
			}
			for _, v := range vs {
				if len(v) > maxFaultValue || strings.ContainsAny(v, "\r\n\x00") {
					controlFail(w, http.StatusBadRequest, "header: a value must be at most 256 bytes, without CR, LF or NUL")
					return
				}
			}
			f.Header[http.CanonicalHeaderKey(k)] = vs
		}
	}
	if f.Latency == 0 && !f.Drop && f.VendorError == "" && f.HTTPStatus == 0 && !f.Malformed && !f.Truncated {
		controlFail(w, http.StatusBadRequest, "fault: set at least one of latency, drop, vendor_error, http_status, malformed, truncated")
		return
	}
	s.InjectFault(req.Endpoint, f)
	controlJSON(w, http.StatusCreated, req)
}

func (s *Sandbox) serveClearFaults(w http.ResponseWriter, r *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

// Bounds of what a fault request may carry: the control API takes no
// header a vendor could not send, and nothing that grows the sandbox's
// answers without bound.
const (
	maxFaultHeaders = 16
	maxFaultValue   = 256
)

// validHeaderName reports whether k is an HTTP field name: 1 to 64 token
// characters (RFC 9110, 5.6.2).
func validHeaderName(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
