package aliyun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/jsonx"
	"github.com/go-liveness/liveness/internal/transport"
	"github.com/go-liveness/liveness/signing"
)

// splitBase returns the Host a call to base is signed for and the path
// it is sent to: "/" for the API's own endpoint, the prefix and "/" for a
// simulator mounted under one.
func splitBase(base string) (host, path string) {
	u, _ := url.Parse(base) // check.BaseURL has parsed it
	return u.Host, strings.TrimRight(u.Path, "/") + "/"
}

// rpc is one cloudauth RPC call: the action, its query parameters and
// its form body (nil: no body), as the SDK places them.
type rpc struct {
	op     string
	action string
	query  url.Values
	form   url.Values
	// read marks a call that changes nothing at Alibaba Cloud
	// (DescribeFaceVerify): retried on Retryable errors. Any other call is
	// sent again only when the error proves it never left.
	read bool
	// personal are the person's data the call carries, kept out of its
	// errors and logs.
	personal []string
}

// call sends c signed, as many times as the provider's retry options and
// c allow, and decodes the answer's frame. Every attempt is signed anew,
// with its own date and nonce (Alibaba Cloud refuses a nonce it has seen:
// SignatureNonceUsed), so a retried call is a new request, never a
// replayed one.
func call[T any](ctx context.Context, p *Provider, c rpc) (*answer[T], *transport.Response, error) {
	opts := p.c.Options()
	for attempt := 0; ; attempt++ {
		a, resp, err := callOnce[T](ctx, p, c)
		if err == nil {
			return a, resp, nil
		}
		var le *liveness.Error
		retry := errors.As(err, &le) && (c.read && liveness.Retryable(err) || !c.read && le.Kind == liveness.ErrUnavailable && transport.NotSent(le.Err))
		if !retry || ctx.Err() != nil || attempt >= opts.MaxRetries {
			return nil, nil, err
		}
		t := time.NewTimer(backoff(opts.RetryBase, attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, &liveness.Error{Vendor: Vendor, Op: c.op, Err: ctx.Err()}
		case <-t.C:
		}
	}
}

// backoff is base doubled per attempt, at most 30 times base, with
// jitter in [d/2, d).
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 0; i < attempt && d < 30*base; i++ {
		d *= 2
	}
	if d <= 1 {
		return d
	}
	return d/2 + mrand.N(d/2)
}

// callOnce makes one signed attempt of c through the transport, which
// neither retries it nor replays it.
func callOnce[T any](ctx context.Context, p *Provider, c rpc) (*answer[T], *transport.Response, error) {
	var body []byte
	header := map[string]string{
		"host":                  p.host,
		"x-acs-action":          c.action,
		"x-acs-version":         APIVersion,
		"x-acs-date":            signing.ACS3Date(p.c.Now()),
		"x-acs-signature-nonce": nonce(),
	}
	if c.form != nil {
		body = []byte(c.form.Encode())
		// What the transport sends with a form (and the SDK with its
		// formData body).
		header["content-type"] = "application/x-www-form-urlencoded"
	}
	hashed := signing.ACS3PayloadHash(body)
	header["x-acs-content-sha256"] = hashed
	auth := signing.ACS3Authorization(p.keyID, p.secret, signing.ACS3Request{
		Method: http.MethodPost, Path: p.path, Query: c.query, Headers: header, HashedPayload: hashed,
	})
	h := http.Header{"Accept": {"application/json"}, "Authorization": {auth}}
	for k, v := range header {
		if k != "host" && k != "content-type" {
			h.Set(k, v)
		}
	}
	never := func(error) bool { return false }
	var (
		out  *answer[T]
		resp *transport.Response
	)
	err := p.c.Do(ctx, &transport.Request{
		Op: c.op, Method: http.MethodPost, URL: p.base + "/", Query: c.query, Header: h, Form: c.form,
		Idempotent: c.read, RetryIf: never, Personal: c.personal,
	}, func(r *transport.Response) error {
		a, err := decode[T](r)
		if err != nil {
			return err
		}
		out, resp = a, r
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, resp, nil
}

// nonce returns 32 random hex digits: the x-acs-signature-nonce.
func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// answer is every cloudauth answer: its frame, and the ResultObject of a
// success. A gateway refusal (a bad signature, an unknown AccessKey, a
// throttle) has the same Code and Message, beside HostId and Recommend.
type answer[T any] struct {
	RequestID    string       `json:"RequestId"`
	Code         jsonx.String `json:"Code"`
	Message      string       `json:"Message"`
	ResultObject *T           `json:"ResultObject"`
}

// decode reads r's frame. An answer that is not JSON, or names no Code,
// is not Alibaba Cloud's: ErrBadResponse (ErrUnavailable for a 5xx). A
// Code other than 200 is an error of its kind (codes.go), except the
// states of a session (pending, in DescribeFaceVerify), which the caller
// reads from Code.
func decode[T any](r *transport.Response) (*answer[T], error) {
	var a answer[T]
	if err := json.Unmarshal(r.Body, &a); err != nil {
		// A frame whose ResultObject is not a T: the frame alone, so the
		// Code still decides.
		var frame answer[json.RawMessage]
		if ferr := json.Unmarshal(r.Body, &frame); ferr != nil || frame.Code == "" {
			return nil, r.NotJSON(err)
		}
		if string(frame.Code) == codeOK {
			return nil, r.NotJSON(err)
		}
		a = answer[T]{RequestID: frame.RequestID, Code: frame.Code, Message: frame.Message}
	}
	if a.Code == "" {
		return nil, r.NotJSON(errors.New("no Code"))
	}
	code := string(a.Code)
	if code == codeOK {
		if r.StatusCode != http.StatusOK {
			// A success under an error status is not believed.
			return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Code: code, RequestID: a.RequestID,
				Message: "Code 200 under HTTP status " + http.StatusText(r.StatusCode)}
		}
		return &a, nil
	}
	if pendingCodes[code] {
		return &a, nil
	}
	return nil, &liveness.Error{Kind: codeKind(code, r.StatusCode), Code: code, Message: a.Message, RequestID: a.RequestID}
}
