package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/failover"
	"github.com/go-liveness/liveness/sandbox"
)

// failoverWanted reports whether the run goes through a failover router:
// the -failover flag or LIVENESS_FAILOVER=1.
func failoverWanted(flagSet bool) bool {
	if flagSet {
		return true
	}
	on, _ := strconv.ParseBool(os.Getenv("LIVENESS_FAILOVER"))
	return on
}

// routerDemo puts the live vendors behind one router, in the order found,
// with a request that carries every vendor's fields.
func routerDemo(ds []demo) (demo, error) {
	var cfg failover.Config
	for _, d := range ds {
		cfg.Providers = append(cfg.Providers, failover.Member{Provider: d.provider})
	}
	r, err := failover.New(cfg)
	if err != nil {
		return demo{}, err
	}
	return demo{failover.Vendor, r, func(ret, notify string) *liveness.SessionRequest {
		merged := &liveness.SessionRequest{}
		for _, d := range ds {
			mergeRequest(merged, d.request(ret, notify))
		}
		return merged
	}}, nil
}

// mergeRequest fills dst's empty fields from src.
func mergeRequest(dst, src *liveness.SessionRequest) {
	for _, f := range []struct{ dst, src *string }{
		{&dst.ReturnURL, &src.ReturnURL}, {&dst.NotifyURL, &src.NotifyURL}, {&dst.BizNo, &src.BizNo},
		{&dst.UserID, &src.UserID}, {&dst.Name, &src.Name}, {&dst.IDNumber, &src.IDNumber},
	} {
		if *f.dst == "" {
			*f.dst = *f.src
		}
	}
}

// step is one session of the failover demo: the trouble injected before
// it, and what it should show.
type step struct {
	trouble string
	inject  func(sb *sandbox.Sandbox)
}

// runSandboxFailover runs sessions through a router over every vendor of
// the sandbox, making one vendor after another fail, and prints
// which vendor served each session and which verified its callback.
func runSandboxFailover(ctx context.Context, out io.Writer) error {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
	if err != nil {
		return err
	}
	defer sb.Close()

	// One router over every vendor the sandbox serves, in name order.
	// Breakers open after two failures in a row; retries are off, so that
	// each vendor is called at most once per session.
	vendors := sb.Vendors()
	if len(vendors) < 2 {
		return errors.New("the failover demo needs two vendors or more")
	}
	q := url.Values{"threshold": {"2"}}
	var names []string
	for _, v := range vendors {
		q.Add("p", sb.ProviderURL(v))
		names = append(names, string(v))
	}
	router, err := liveness.Open("failover://?"+q.Encode(), liveness.WithRetry(0, 0))
	if err != nil {
		return err
	}
	rcv, err := startRouterReceiver(router)
	if err != nil {
		return err
	}
	defer rcv.close()

	// Each vendor but the last in turn answers every call with an HTTP 503
	// page (it failed, and made no session: the router goes on); then the
	// last drops the connection once (it may have made a session: the
	// router returns the error rather than pay a second vendor).
	steps := []step{{"none", func(*sandbox.Sandbox) {}}}
	for i, v := range vendors {
		if i < len(vendors)-1 {
			steps = append(steps, step{string(v) + " answers 503", func(sb *sandbox.Sandbox) {
				faultVendor(sb, v, sandbox.Fault{HTTPStatus: http.StatusServiceUnavailable})
			}})
			continue
		}
		steps = append(steps, step{string(v) + " drops the connection", func(sb *sandbox.Sandbox) {
			faultVendor(sb, v, sandbox.Fault{Drop: true, Times: 1})
		}})
	}
	fmt.Fprintf(out, "sandbox at %s; one router over %s; one return and one notify URL at %s\n\n", sb.URL, strings.Join(names, ", "), rcv.url)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tTROUBLE\tSERVED BY\tCALLBACK VERIFIED BY\tSTATUS\tSESSION")
	browser := &sandbox.Browser{}
	for i, st := range steps {
		st.inject(sb)
		bizNo := "FAILOVER" + strconv.FormatInt(time.Now().UnixNano(), 10)[:12] + strconv.Itoa(i)
		// One request carrying every vendor's fields: the router sends it
		// to whichever vendor takes it.
		s, err := router.InitSession(ctx, &liveness.SessionRequest{
			ReturnURL: rcv.url + "/return", NotifyURL: rcv.url + "/notify", BizNo: bizNo,
			UserID: sandboxPerson.userID, Name: sandboxPerson.name, IDNumber: sandboxPerson.idNumber,
		})
		if err != nil {
			var le *liveness.Error
			if !errors.As(err, &le) || !le.MayHaveReached {
				return err
			}
			fmt.Fprintf(tw, "%d\t%s\t-\t-\t%s\t%s\n", i+1, st.trouble, "returned, not failed over", "("+string(le.Vendor)+" may hold a session)")
			continue
		}
		v, err := browser.Press(ctx, s.CheckURL, sandbox.OutcomePass)
		if err != nil {
			return fmt.Errorf("%s: the check page: %w", s.Vendor, err)
		}
		got, ok := rcv.outcome(s.ID)
		verifiedBy := "-"
		if !ok && !strings.HasPrefix(v.ReturnURL, rcv.url) {
			// The page sent the browser nowhere: the router reads the
			// result from the vendor that served the session.
			res, err := router.FetchResult(ctx, s.ID)
			got, ok = resolved{res: res, err: err}, true
			verifiedBy = "none (read)"
		}
		if !ok {
			return fmt.Errorf("no return callback for session %s", s.ID)
		}
		if got.err != nil {
			return fmt.Errorf("%s: %w", s.Vendor, got.err)
		}
		if got.cb != nil {
			verifiedBy = string(got.cb.Vendor)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", i+1, st.trouble, s.Vendor, verifiedBy, got.res.Status, short(s.ID))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nBREAKERS")
	for _, h := range router.(*failover.Router).Health() {
		fmt.Fprintf(out, "  %s: %s, %d failure(s) in a row, %d session(s)\n", h.Name, h.State, h.ConsecutiveFailures, h.Sessions)
	}
	fmt.Fprintln(out, "\nA vendor that answered it made no session handed the request on; a dropped connection was returned,")
	fmt.Fprintln(out, "since the vendor may have started (and charged for) a session.")
	return nil
}

// faultVendor injects f into every endpoint of vendor v's simulator.
func faultVendor(sb *sandbox.Sandbox, v liveness.Vendor, f sandbox.Fault) {
	for _, e := range sb.VendorEndpoints() {
		if strings.HasPrefix(string(e), string(v)+"/") {
			sb.InjectFault(e, f)
		}
	}
}

// routerReceiver is the integrating service with one return and one
// notify handler for every vendor: the router picks the verifier.
type routerReceiver struct {
	url  string
	srv  *http.Server
	mu   sync.Mutex
	seen map[string]resolved
}

func startRouterReceiver(p liveness.Provider) (*routerReceiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &routerReceiver{url: "http://" + l.Addr().String(), seen: map[string]resolved{}}
	rc.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := p.VerifyCallback(r.Context(), r)
		if err != nil {
			http.Error(w, "callback rejected", http.StatusBadRequest)
			return
		}
		res, err := liveness.Resolve(r.Context(), p, cb)
		if strings.HasPrefix(r.URL.Path, "/return") {
			rc.mu.Lock()
			rc.seen[cb.SessionID] = resolved{cb, res, err}
			rc.mu.Unlock()
		}
		if err != nil {
			http.Error(w, "could not resolve", http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "verified: %s\n", res.Status)
	})}
	go func() { _ = rc.srv.Serve(l) }()
	return rc, nil
}

func (rc *routerReceiver) outcome(id string) (resolved, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.seen[id]
	return r, ok
}

func (rc *routerReceiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rc.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = rc.srv.Close()
	}
}
