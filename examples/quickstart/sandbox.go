package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"
)

// person is who is checked, as the vendors that ask want it.
type person struct {
	userID, name, idNumber string
	reference              []byte
}

// sandboxPerson is the sandbox's test person.
var sandboxPerson = person{userID: "user-42", name: sandbox.TestName, idNumber: sandbox.TestIDNumber, reference: sandbox.SampleFaceJPEG()}

// request is a session request for vendor v, carrying only the fields its
// vendor package says it uses (driver.Uses): a vendor refuses fields it
// cannot use, such as a reference photo it cannot compare.
func request(v liveness.Vendor, ret, notify, bizNo string, who person) *liveness.SessionRequest {
	r := &liveness.SessionRequest{ReturnURL: ret, BizNo: bizNo}
	if driver.Uses(v, "NotifyURL") {
		r.NotifyURL = notify
	}
	if driver.Uses(v, "UserID") {
		r.UserID = who.userID
	}
	if driver.Uses(v, "Name") {
		r.Name = who.name
	}
	if driver.Uses(v, "IDNumber") {
		r.IDNumber = who.idNumber
	}
	if driver.Uses(v, "ReferenceImages") && who.reference != nil {
		r.ReferenceImages = [][]byte{who.reference}
	}
	return r
}

// demo is one vendor as the quickstart drives it.
type demo struct {
	vendor   liveness.Vendor
	provider liveness.Provider
	request  func(returnURL, notifyURL string) *liveness.SessionRequest
}

// runSandbox runs every vendor on an in-process sandbox and prints a table.
func runSandbox(ctx context.Context, out io.Writer) error {
	sb, err := sandbox.New(sandbox.WithAnyNotifyPort()) // the receiver is on a random local port
	if err != nil {
		return err
	}
	defer sb.Close()

	// Each vendor the sandbox serves (the simulator packages imported in
	// sims.go register themselves), by its liveness.Open URL with the
	// sandbox's credentials (the vendor packages imported register the
	// schemes).
	seq := 0
	bizNo := func() string {
		seq++
		return "QS" + strconv.FormatInt(time.Now().UnixNano(), 10)[:14] + strconv.Itoa(seq)
	}
	var demos []demo
	for _, v := range sb.Vendors() {
		p, err := liveness.Open(sb.ProviderURL(v))
		if err != nil {
			return err
		}
		demos = append(demos, demo{v, p, func(ret, notify string) *liveness.SessionRequest {
			return request(v, ret, notify, bizNo(), sandboxPerson)
		}})
	}

	rcv, err := startReceiver(demos)
	if err != nil {
		return err
	}
	defer rcv.close()

	fmt.Fprintf(out, "sandbox at %s, your service's callback receiver at %s\n\n", sb.URL, rcv.url)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VENDOR\tPRESSED\tCALLBACK\tSTATUS\tREASON\tLIVENESS\tFACE MATCH\tSESSION")
	browser := &sandbox.Browser{}
	for _, d := range demos {
		for _, o := range []sandbox.Outcome{sandbox.OutcomePass, sandbox.OutcomeSpoof} {
			ret := rcv.url + "/" + string(d.vendor) + "/return"
			s, err := d.provider.InitSession(ctx, d.request(ret, rcv.url+"/"+string(d.vendor)+"/notify"))
			if err != nil {
				return err
			}
			v, err := browser.Press(ctx, s.CheckURL, o)
			if err != nil {
				return fmt.Errorf("%s: the check page: %w", d.vendor, err)
			}
			got, ok := rcv.outcome(d.vendor, liveness.CallbackReturn, s.ID)
			if !ok && !strings.HasPrefix(v.ReturnURL, rcv.url) {
				// The vendor's page sent the browser nowhere (Tencent
				// outside WeChat): your service reads the result itself.
				res, err := d.provider.FetchResult(ctx, s.ID)
				got, ok = resolved{res: res, err: err}, true
			}
			if !ok {
				return fmt.Errorf("%s: no return callback for session %s", d.vendor, s.ID)
			}
			if got.err != nil {
				return fmt.Errorf("%s: %w", d.vendor, got.err)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.vendor, o, callbackText(got.cb), got.res.Status,
				orDash(string(got.res.Reason)), livenessText(got.res), faceMatchText(got.res), short(s.ID))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nEvery row went: InitSession → check page → button → callback → VerifyCallback → liveness.Resolve.")
	fmt.Fprintln(out, "Signed callbacks carried their result; unsigned ones were confirmed with FetchResult, as was a")
	fmt.Fprintln(out, "session whose page sent the browser nowhere (CALLBACK none).")
	return nil
}

// resolved is what the receiver made of one callback.
type resolved struct {
	cb  *liveness.Callback
	res *liveness.Result
	err error
}

// receiver is the integrating service: it verifies each callback and
// resolves the trusted result, as a real service's handler would.
type receiver struct {
	url  string
	srv  *http.Server
	mu   sync.Mutex
	seen map[string]resolved
}

func startReceiver(demos []demo) (*receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{url: "http://" + l.Addr().String(), seen: map[string]resolved{}}
	mux := http.NewServeMux()
	for _, d := range demos {
		for _, kind := range []liveness.CallbackKind{liveness.CallbackReturn, liveness.CallbackNotify} {
			p := d.provider
			mux.HandleFunc("/"+string(d.vendor)+"/"+string(kind), func(w http.ResponseWriter, r *http.Request) {
				cb, err := p.VerifyCallback(r.Context(), r)
				if err != nil {
					http.Error(w, "callback rejected", http.StatusBadRequest)
					return
				}
				res, err := liveness.Resolve(r.Context(), p, cb)
				rc.mu.Lock()
				rc.seen[string(p.Vendor())+"/"+string(kind)+"/"+cb.SessionID] = resolved{cb, res, err}
				rc.mu.Unlock()
				if err != nil {
					http.Error(w, "could not resolve", http.StatusBadGateway)
					return
				}
				fmt.Fprintf(w, "verified: %s\n", res.Status)
			})
		}
	}
	rc.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = rc.srv.Serve(l) }()
	return rc, nil
}

func (rc *receiver) outcome(v liveness.Vendor, kind liveness.CallbackKind, id string) (resolved, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.seen[string(v)+"/"+string(kind)+"/"+id]
	return r, ok
}

func (rc *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rc.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = rc.srv.Close()
	}
}

func callbackText(cb *liveness.Callback) string {
	switch {
	case cb == nil:
		return "none"
	case cb.Signed:
		return "signed"
	}
	return "unsigned"
}

func livenessText(r *liveness.Result) string {
	if r.Liveness == nil {
		return "-"
	}
	verdict := "fail"
	if r.Liveness.Passed {
		verdict = "pass"
	}
	if r.Liveness.Score == 0 {
		return verdict
	}
	return verdict + " " + strconv.FormatFloat(r.Liveness.Score, 'f', -1, 64)
}

func faceMatchText(r *liveness.Result) string {
	if r.FaceMatch == nil {
		return "-"
	}
	verdict := "no match"
	if r.FaceMatch.Passed {
		verdict = "match"
	}
	return verdict + " " + strconv.FormatFloat(r.FaceMatch.Score, 'f', -1, 64) + " (threshold " + strconv.FormatFloat(r.FaceMatch.Threshold, 'f', -1, 64) + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func short(id string) string {
	if len(id) > 18 {
		return id[:15] + "..."
	}
	return id
}
