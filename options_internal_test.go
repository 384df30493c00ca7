package liveness

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestDefaultTransportSettings: the default client has its own transport,
// tuned for vendor traffic, not http.DefaultTransport.
func TestDefaultTransportSettings(t *testing.T) {
	o := NewOptions()
	tr, ok := o.HTTPClient.Transport.(*http.Transport)
	if !ok || tr == http.DefaultTransport {
		t.Fatalf("default transport is %T, not its own *http.Transport", o.HTTPClient.Transport)
	}
	if tr.MaxIdleConnsPerHost != defaultMaxIdleConnsPerHost || tr.MaxIdleConns < tr.MaxIdleConnsPerHost ||
		!tr.ForceAttemptHTTP2 || tr.DialContext == nil || tr.TLSHandshakeTimeout != defaultTLSHandshakeTimeout ||
		tr.IdleConnTimeout != defaultIdleConnTimeout || tr.Proxy == nil {
		t.Errorf("default transport not tuned: %+v", tr)
	}
	c := &http.Client{}
	if NewOptions(WithHTTPClient(c)).HTTPClient != c {
		t.Error("WithHTTPClient does not replace the default client")
	}
}

// TestDefaultTransportConnectionsUnderConcurrency: 16 concurrent callers
// making 200 calls each to a TLS vendor that offers HTTP/2 open at most 16
// connections (the vendor transport's settings, with the test server's
// certificate trusted).
func TestDefaultTransportConnectionsUnderConcurrency(t *testing.T) {
	var opened atomic.Int64
	var proto sync.Map
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto, true)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"error_code":0,"reason":"SUCCESS","result":{"passed":"T"}}`)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			opened.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()

	tr := newVendorTransport()
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	const callers, calls = 16, 200
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for range calls {
				resp, err := hc.Post(srv.URL+"/faceid/search", "application/x-www-form-urlencoded", strings.NewReader("jhOrderId=JH1"))
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.ReadAll(resp.Body)
				_ = resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if _, ok := proto.Load("HTTP/2.0"); !ok {
		t.Error("the vendor offered HTTP/2 and the transport did not use it")
	}
	if n := opened.Load(); n > callers {
		t.Errorf("%d callers × %d calls opened %d connections, want at most %d", callers, calls, n, callers)
	}
}
