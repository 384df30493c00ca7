package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// Endpoint names a vendor API endpoint of the sandbox, for fault injection.
type Endpoint string

// Endpoints lists every endpoint faults can be injected into: those of
// the plug-ins registered so far ([Register]).
func Endpoints() []Endpoint {
	var out []Endpoint
	for _, p := range registered() {
		out = append(out, p.Endpoints()...)
	}
	return out
}

// Fault changes how an endpoint answers. Latency applies first; then the
// first of Drop, VendorError, HTTPStatus, Malformed, Truncated that is set
// decides the answer.
type Fault struct {
	// Latency delays the answer (the request's context still ends it).
	Latency time.Duration
	// Drop closes the connection without answering.
	Drop bool
	// VendorError answers with the vendor's own error for this code, on the
	// wire the vendor uses: Megvii "CONCURRENCY_LIMIT_EXCEEDED" or
	// "INTERNAL_ERROR" (with their HTTP statuses), Juhe "10012" or "279303"
	// (HTTP 200, error_code), Jumdata "609" or "610" (HTTP 200, code).
	VendorError string
	// HTTPStatus answers with this status, Header, and an HTML body (a proxy
	// or gateway error page). With Header alone it can play the Jumdata
	// cloud-market gateway: 403 and X-Ca-Error-Message: Quota Exhausted.
	HTTPStatus int
	Header     http.Header
	// Malformed answers HTTP 200 with a body that is not JSON.
	Malformed bool
	// Truncated answers HTTP 200 with the vendor's JSON cut in half.
	Truncated bool
	// Times is how many requests the fault applies to; 0 means every
	// request until ClearFaults. A provider retries what it may retry
	// (WithRetry: 2 retries by default), so a fault it retries, such as a
	// rate limit, must outlast the retries (Times > retries, or
	// liveness.WithRetry(0, 0) on the provider) for the caller to see it.
	Times int
}

type faultState struct {
	Fault
	used int
}

// InjectFault adds f to endpoint e. Faults on one endpoint apply in the
// order injected, each for its Times.
func (s *Sandbox) InjectFault(e Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[e] = append(s.faults[e], &faultState{Fault: f})
}

// ClearFaults removes every injected fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = make(map[Endpoint][]*faultState)
}

// Requests returns how many requests endpoint e has received (answered or
// not, faults included), so a test can check that a client refused bad
// input without calling the vendor.
func (s *Sandbox) Requests(e Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[e]
}

// takeFault counts a request to e and returns the fault that applies to
// it, if any.
func (s *Sandbox) takeFault(e Endpoint) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.requests == nil {
		s.requests = make(map[Endpoint]int)
	}
	s.requests[e]++
	for _, f := range s.faults[e] {
		if f.Times == 0 || f.used < f.Times {
			f.used++
			c := f.Fault
			return &c
		}
	}
	return nil
}

// vendorErrorFunc renders a vendor's own error answer for a code.
type vendorErrorFunc func(code string) (status int, body []byte)

// fault applies an injected fault to a request; true when it answered.
// answer renders the endpoint's normal JSON answer, for Truncated.
func (s *Sandbox) fault(w http.ResponseWriter, r *http.Request, e Endpoint, vendorErr vendorErrorFunc, answer func() []byte) bool {
	f := s.takeFault(e)
	if f == nil {
		return false
	}
	if f.Latency > 0 {
		// The server notices a client that gave up only once the body has
		// been read: read it first, then keep it for the handler.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	for k, vs := range f.Header {
		w.Header()[http.CanonicalHeaderKey(k)] = vs
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case f.VendorError != "":
		status, body := vendorErr(f.VendorError)
		writeJSON(w, status, body)
	case f.HTTPStatus != 0:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.HTTPStatus)
		if len(f.Header) == 0 {
			_, _ = w.Write([]byte("<html><body><h1>" + http.StatusText(f.HTTPStatus) + "</h1></body></html>"))
		}
	case f.Malformed:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html><body>upstream error</body></html>"))
	case f.Truncated:
		body := answer()
		writeJSON(w, http.StatusOK, body[:len(body)/2])
	default:
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
