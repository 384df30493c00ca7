package invariant_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/juhe/juhesim"
	"github.com/go-liveness/liveness/juhe/juhetest"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/megvii"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/sandbox"
)

// faultTimeout bounds each attempt of a faulted call, so that a Latency
// fault becomes a timeout quickly.
const faultTimeout = 250 * time.Millisecond

// faultCase is one fault the sandbox can inject.
type faultCase struct {
	name  string
	fault sandbox.Fault
	// result: the vendor's code is a session state, so the call may
	// succeed (Juhe's 279305-279307 on search).
	result bool
}

// sandboxFaults returns every kind of fault the sandbox can inject
// (sandbox.Fault), with vendorErrors as the VendorError codes; the codes in
// results are session states rather than errors.
func sandboxFaults(vendorErrors, results []string) []faultCase {
	fs := []faultCase{
		{name: "latency past the timeout", fault: sandbox.Fault{Latency: 20 * faultTimeout}},
		{name: "dropped connection", fault: sandbox.Fault{Drop: true}},
		{name: "malformed JSON", fault: sandbox.Fault{Malformed: true}},
		{name: "truncated JSON", fault: sandbox.Fault{Truncated: true}},
		{name: "gateway 403 with X-Ca-Error-Message", fault: sandbox.Fault{HTTPStatus: http.StatusForbidden,
			Header: http.Header{"X-Ca-Error-Message": {"Quota Exhausted"}}}},
	}
	for _, st := range []int{400, 401, 403, 404, 405, 413, 429, 500, 502, 503, 504} {
		fs = append(fs, faultCase{name: "HTTP " + strconv.Itoa(st), fault: sandbox.Fault{HTTPStatus: st}})
	}
	for _, code := range vendorErrors {
		fs = append(fs, faultCase{"vendor error " + code, sandbox.Fault{VendorError: code}, slices.Contains(results, code)})
	}
	return fs
}

// faultOp is one operation that reaches a sandbox endpoint.
type faultOp struct {
	name     string
	endpoint sandbox.Endpoint
	// call runs the operation on p, which meets the fault.
	call func(ctx context.Context, p liveness.Provider) error
}

// sandboxVendor is one provider configuration against the sandbox.
type sandboxVendor struct {
	name   string
	vendor liveness.Vendor
	// secrets are the configuration's secrets (the sandbox's credentials).
	secrets []string
	// new builds the provider against sb.
	new func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider
	// request is a valid InitSession request with the given callbacks.
	request      func(returnURL, notifyURL string) *liveness.SessionRequest
	vendorErrors []string
	// vendorResults are the vendorErrors that are session states.
	vendorResults []string
	// ops returns the operations beyond InitSession, FetchResult and the
	// callbacks' Resolve, given a pending session.
	ops func(t *testing.T, s *liveness.Session) []faultOp
	// unreached are the vendor's endpoints this configuration never calls.
	unreached []sandbox.Endpoint
}

func sandboxVendors() []sandboxVendor {
	return []sandboxVendor{
		{
			name: "megvii", vendor: liveness.Megvii, secrets: []string{megviisim.APISecret},
			new: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
				p, err := megvii.New(megviitest.SandboxConfig(sb), opts...)
				require.NoError(t, err)
				return p
			},
			request: func(returnURL, notifyURL string) *liveness.SessionRequest {
				// A GET return is unsigned: its Resolve reads get_result.
				return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "biz-20240517-0001",
					UserID: "user-42", Extra: &megvii.SessionOptions{ActionHTTPMethod: http.MethodGet, GetFailReason: megvii.On}}
			},
			vendorErrors: []string{"AUTHENTICATION_ERROR", "AUTHORIZATION_ERROR:Denied.", "CONCURRENCY_LIMIT_EXCEEDED",
				"API_NOT_FOUND", "INTERNAL_ERROR", "RESULT_NOT_FOUND", "BAD_ARGUMENTS:biz_id"},
			ops: func(t *testing.T, s *liveness.Session) []faultOp {
				return []faultOp{
					{"InitSession with a reference image", megviisim.GetToken, func(ctx context.Context, p liveness.Provider) error {
						_, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: "https://shop.example/r", NotifyURL: "https://shop.example/n", BizNo: "biz-2", UserID: "user-42",
							ReferenceImages: [][]byte{sandbox.SampleFaceJPEG()}})
						return err
					}},
					{"GetResult with options", megviisim.GetResult, func(ctx context.Context, p liveness.Provider) error {
						_, err := p.(*megvii.Provider).GetResult(ctx, s.ID, megvii.GetResultOptions{ReturnImage: megvii.ImageAll, ReturnVerifyTime: true})
						return err
					}},
				}
			},
		},
		{
			name: "juhe", vendor: liveness.Juhe, secrets: []string{juhesim.Key},
			new: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
				p, err := juhe.New(juhetest.SandboxConfig(sb), opts...)
				require.NoError(t, err)
				return p
			},
			request: func(returnURL, notifyURL string) *liveness.SessionRequest {
				return &liveness.SessionRequest{ReturnURL: returnURL, NotifyURL: notifyURL, BizNo: "order20240517A1",
					Name: "张三", IDNumber: "11010519491231002X"}
			},
			vendorErrors: []string{"10001", "10002", "10003", "10004", "10005", "10007", "10008", "10009", "10011", "10012",
				"10013", "10014", "10020", "10021", "279301", "279302", "279303", "279304", "279305", "279306", "279307"},
			// Liveness abnormal, not finished, not submitted: results.
			vendorResults: []string{"279305", "279306", "279307"},
			ops: func(t *testing.T, s *liveness.Session) []faultOp {
				return []faultOp{{"FetchSessionResult", juhesim.Search, func(ctx context.Context, p liveness.Provider) error {
					_, err := p.(*juhe.Provider).FetchSessionResult(ctx, s)
					return err
				}}}
			},
		},
		jumdataVendor("jumdata direct", jumdatatest.SandboxConfig, jumdatasim.AppSecret, true),
		jumdataVendor("jumdata cloud market", jumdatatest.SandboxAppCodeConfig, jumdatasim.AppCode, false),
	}
}

// jumdataVendor is Jumdata on the channel config chooses, direct or not.
// Only the direct channel has the SDK check: on the cloud market
// CheckSDKResult answers ErrUnsupported without a call, and nothing
// reaches jumdata/sdk_check.
func jumdataVendor(name string, config func(*sandbox.Sandbox) jumdata.Config, secret string, direct bool) sandboxVendor {
	v := sandboxVendor{
		name: name, vendor: liveness.Jumdata, secrets: []string{secret},
		new: func(t *testing.T, sb *sandbox.Sandbox, opts ...liveness.Option) liveness.Provider {
			p, err := jumdata.New(config(sb), opts...)
			require.NoError(t, err)
			return p
		},
		request: func(returnURL, _ string) *liveness.SessionRequest {
			return &liveness.SessionRequest{ReturnURL: returnURL, BizNo: "order-1"}
		},
		vendorErrors: []string{"400", "500", "601", "602", "603", "604", "606", "609", "610", "701", "999"},
		ops:          func(*testing.T, *liveness.Session) []faultOp { return nil },
		unreached:    []sandbox.Endpoint{jumdatasim.SDKCheck},
	}
	if direct {
		v.unreached = nil
		v.ops = func(*testing.T, *liveness.Session) []faultOp {
			return []faultOp{{"CheckSDKResult", jumdatasim.SDKCheck, func(ctx context.Context, p liveness.Provider) error {
				//lint:ignore SA1019 the deprecated SDK check still calls the vendor and is held to the invariant
				_, err := p.(*jumdata.Provider).CheckSDKResult(ctx, strings.NewReader("encrypted SDK result"))
				return err
			}}}
		}
	}
	return v
}

// callbackReceiver keeps the last request the sandbox sent to each path.
type callbackReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got map[string]*http.Request
}

func newCallbackReceiver(t *testing.T) *callbackReceiver {
	rc := &callbackReceiver{got: map[string]*http.Request{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		kept := httptest.NewRequest(r.Method, r.URL.RequestURI(), strings.NewReader(string(body)))
		kept.Header = r.Header.Clone()
		rc.mu.Lock()
		rc.got[r.URL.Path] = kept
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *callbackReceiver) requests() map[string]*http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]*http.Request, len(rc.got))
	for k, v := range rc.got {
		out[k] = v
	}
	return out
}

// resolveOps completes a session with a pass and returns, for every
// callback the sandbox sent (the browser's return and the notify) whose
// Resolve has to ask the vendor (it is unsigned or carries no final
// result), the operation VerifyCallback then Resolve.
func resolveOps(t *testing.T, v sandboxVendor, sb *sandbox.Sandbox, healthy liveness.Provider, rc *callbackReceiver) []faultOp {
	ctx := context.Background()
	s, err := healthy.InitSession(ctx, v.request(rc.URL+"/return", rc.URL+"/notify"))
	require.NoError(t, err)
	c, err := sb.Complete(ctx, v.vendor, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	ret, err := c.ReturnRequest(ctx)
	require.NoError(t, err)
	reqs := rc.requests()
	reqs["/return"] = ret
	var ops []faultOp
	for _, path := range []string{"/return", "/notify"} {
		r := reqs[path]
		if r == nil {
			continue
		}
		var body []byte
		if r.Body != nil {
			body, err = io.ReadAll(r.Body)
			require.NoError(t, err)
		}
		replay := func() *http.Request {
			req := httptest.NewRequest(r.Method, r.URL.String(), strings.NewReader(string(body)))
			req.Header = r.Header.Clone()
			return req
		}
		cb, err := healthy.VerifyCallback(ctx, replay())
		require.NoError(t, err, "the sandbox's %s verifies", path)
		if cb.Signed && cb.Result != nil && cb.Result.Status.Final() {
			continue // Resolve makes no call
		}
		ep := map[liveness.Vendor]sandbox.Endpoint{liveness.Megvii: megviisim.GetResult, liveness.Juhe: juhesim.Search,
			liveness.Jumdata: jumdatasim.Result}[v.vendor]
		ops = append(ops, faultOp{"VerifyCallback and Resolve of the " + path[1:], ep, func(ctx context.Context, p liveness.Provider) error {
			cb, err := p.VerifyCallback(ctx, replay())
			if err != nil {
				return fmt.Errorf("VerifyCallback, which makes no call, failed: %w", err)
			}
			_, err = liveness.Resolve(ctx, p, cb)
			return err
		}})
	}
	return ops
}

// TestNoSecretUnderSandboxFaults: for every vendor configuration, every
// sandbox endpoint, every kind of fault the sandbox can inject and every
// operation that meets it, the returned error (its text, %#v and %+v, and
// every error it wraps) and every debug log line hold no spelling of the
// configuration's secrets (testutil.AssertNoSecret: raw, escaped, base64,
// and their 8-character prefixes).
func TestNoSecretUnderSandboxFaults(t *testing.T) {
	for _, v := range sandboxVendors() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			sb, err := sandbox.New(sandbox.WithAnyNotifyPort(), sandbox.WithNotifyRetry(0, 0))
			require.NoError(t, err)
			t.Cleanup(func() { _ = sb.Close() })
			rc := newCallbackReceiver(t)
			ctx := context.Background()
			healthy := v.new(t, sb)
			pending, err := healthy.InitSession(ctx, v.request(rc.URL+"/return", rc.URL+"/notify"))
			require.NoError(t, err)

			initEndpoint := map[liveness.Vendor]sandbox.Endpoint{liveness.Megvii: megviisim.GetToken,
				liveness.Juhe: juhesim.Query, liveness.Jumdata: jumdatasim.Init}[v.vendor]
			resultEndpoint := map[liveness.Vendor]sandbox.Endpoint{liveness.Megvii: megviisim.GetResult,
				liveness.Juhe: juhesim.Search, liveness.Jumdata: jumdatasim.Result}[v.vendor]
			ops := []faultOp{
				{"InitSession", initEndpoint, func(ctx context.Context, p liveness.Provider) error {
					_, err := p.InitSession(ctx, v.request(rc.URL+"/return", rc.URL+"/notify"))
					return err
				}},
				{"FetchResult", resultEndpoint, func(ctx context.Context, p liveness.Provider) error {
					_, err := p.FetchResult(ctx, pending.ID)
					return err
				}},
			}
			ops = append(ops, v.ops(t, pending)...)
			resolves := resolveOps(t, v, sb, healthy, rc)
			require.NotEmpty(t, resolves, "a callback of %s that Resolve confirms with the vendor", v.name)
			ops = append(ops, resolves...)

			// Every endpoint of the vendor is met by some operation.
			met := map[sandbox.Endpoint]bool{}
			for _, op := range ops {
				met[op.endpoint] = true
			}
			for _, ep := range sandbox.Endpoints() {
				if strings.HasPrefix(string(ep), string(v.vendor)+"/") && !met[ep] && !slices.Contains(v.unreached, ep) {
					t.Errorf("no operation meets endpoint %s", ep)
				}
			}

			logger, logs := testutil.LogBuffer()
			p := v.new(t, sb, liveness.WithRetry(1, 0), liveness.WithTimeout(faultTimeout), liveness.WithLogger(logger))
			for _, op := range ops {
				for _, fc := range sandboxFaults(v.vendorErrors, v.vendorResults) {
					sb.ClearFaults()
					sb.InjectFault(op.endpoint, fc.fault)
					before := sb.Requests(op.endpoint)
					logs.Reset()
					err := op.call(ctx, p)
					where := fmt.Sprintf("%s, %s on %s", op.name, fc.name, op.endpoint)
					// (A call that timed out on a loaded machine may not have
					// reached the handler yet.)
					var nerr net.Error
					if sb.Requests(op.endpoint) == before && !(errors.As(err, &nerr) && nerr.Timeout()) {
						t.Errorf("%s: the fault was never met: %v", where, err)
					}
					if err == nil && !fc.result {
						t.Errorf("%s: no error", where)
					}
					for _, s := range errorTexts(err) {
						if !testutil.AssertNoSecret(t, s, v.secrets...) {
							t.Errorf("%s: the error above leaks a secret", where)
							break
						}
					}
					if !testutil.AssertNoSecret(t, logs.String(), v.secrets...) {
						t.Errorf("%s: the debug log above leaks a secret", where)
					}
				}
			}
			sb.ClearFaults()
		})
	}
}
