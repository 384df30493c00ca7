package tencent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/transport"
	"github.com/go-liveness/liveness/signing"
)

// contentType is the Content-Type of every call, as signed.
const contentType = "application/json"

func signingTimestamp(t time.Time) string { return signing.TC3Timestamp(t) }

// authorization is the TC3 Authorization header of a JSON POST to host.
func authorization(secretID, secretKey, host string, ts time.Time, payload []byte) string {
	return signing.TC3Authorization(secretID, secretKey, signing.TC3Request{
		Method: http.MethodPost, ContentType: contentType, Host: host, Payload: payload, Service: Service, Timestamp: ts,
	})
}

// The transport sends forms; Tencent takes JSON. A call hands the
// transport its JSON as the one field of a form and marks it with
// jsonMarker; jsonBody, the RoundTripper under the transport's HTTP
// client, sends the JSON itself as the body, byte for byte what was
// signed. The transport's guarantees stand: it builds, times, retries and
// reads the call, follows no redirect (its client copy stops at the first
// answer above this RoundTripper) and redacts its errors.
const (
	jsonMarker = "X-Liveness-Json-Body"
	jsonField  = "json"
)

// jsonBody rewrites a marked urlencoded request into its JSON body.
type jsonBody struct{ next http.RoundTripper }

// RoundTrip sends r, its marked form replaced by the JSON it carries.
func (j jsonBody) RoundTrip(r *http.Request) (*http.Response, error) {
	next := j.next
	if next == nil {
		next = http.DefaultTransport
	}
	if r.Header.Get(jsonMarker) == "" {
		return next.RoundTrip(r)
	}
	var form []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		form = b
	}
	v, err := url.ParseQuery(string(form))
	if err != nil || len(v) != 1 || len(v[jsonField]) != 1 {
		return nil, errors.New("tencent: a marked call without its JSON")
	}
	body := []byte(v[jsonField][0])
	out := r.Clone(r.Context())
	out.Header.Del(jsonMarker)
	out.Header.Set("Content-Type", contentType)
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return next.RoundTrip(out)
}

// apiError is Response.Error.
type apiError struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// head is what every Response carries besides the action's own fields.
type head struct {
	Error     *apiError `json:"Error"`
	RequestID string    `json:"RequestId"`
}

// call is one API call of action with payload, marshalled with
// encoding/json (keys in the order of its struct's fields).
type call struct {
	op, action string
	payload    any
	// personal is the person's data the call sends, kept out of errors.
	personal []string
	// idempotent: the call changes nothing at Tencent and is repeated on
	// a Retryable error. Otherwise it is sent again only when it provably
	// never left.
	idempotent bool
}

// answer is a decoded Response: its common part, the object itself, the
// whole body as received, and the HTTP status.
type answer struct {
	head
	response json.RawMessage
	body     []byte
	status   int
}

// do sends cl, reads the answer's Response and hands it to decode, which
// returns nil or the error the answer is. A Response.Error is decode's to
// read first (FetchResult takes some codes for session states); then
// errorOf maps it.
func (p *Provider) do(ctx context.Context, cl call, decode func(a *answer) error) error {
	payload, err := json.Marshal(cl.payload)
	if err != nil {
		return &liveness.Error{Vendor: Vendor, Op: cl.op, Kind: liveness.ErrInvalidArgument, Err: err}
	}
	req := &transport.Request{
		Op: cl.op, Method: http.MethodPost, URL: p.base, Form: url.Values{jsonField: {string(payload)}},
		Header: p.header(cl.action, p.c.Now(), payload), Personal: cl.personal, Idempotent: cl.idempotent,
	}
	if !cl.idempotent {
		req.RetryIf = transport.NotSent
	}
	return p.c.Do(ctx, req, func(resp *transport.Response) error {
		a, err := readAnswer(resp)
		if err != nil {
			// An answer no one can read may follow a session Tencent
			// made: a create is not sent again. A 503 page is the one
			// exception, as for every vendor (the transport's rule): the
			// service saying it did not serve the call, which a router
			// may hand to another vendor.
			err.MayHaveReached = !cl.idempotent && resp.StatusCode != http.StatusServiceUnavailable
			return err
		}
		return decode(a)
	})
}

// readAnswer reads {"Response": {...}}. An answer that is not that JSON is
// ErrBadResponse, or what its HTTP status says (a gateway's 502, 503).
func readAnswer(resp *transport.Response) (*answer, *liveness.Error) {
	var env struct {
		Response json.RawMessage `json:"Response"`
	}
	if err := json.Unmarshal(resp.Body, &env); err != nil || len(env.Response) == 0 || env.Response[0] != '{' {
		e := resp.NotJSON(err)
		if err == nil {
			e.Message = "answer has no Response object"
		}
		return nil, e
	}
	a := &answer{response: env.Response, body: resp.Body, status: resp.StatusCode}
	if err := json.Unmarshal(env.Response, &a.head); err != nil {
		return nil, resp.NotJSON(err)
	}
	return a, nil
}

// decodeInto decodes a's Response into v; ErrBadResponse when it is not
// the expected object.
func (a *answer) decodeInto(v any) error {
	if err := json.Unmarshal(a.response, v); err != nil {
		return &liveness.Error{Kind: liveness.ErrBadResponse, HTTPStatus: a.status, RequestID: a.RequestID,
			Message: "Response is not the expected object", Err: err}
	}
	return nil
}

// statusProblem is the error of a success answered under an HTTP error
// status: not believed.
func (a *answer) statusProblem() error {
	if a.status >= 200 && a.status < 300 {
		return nil
	}
	return &liveness.Error{Kind: vendorKindOfStatus(a.status), HTTPStatus: a.status, RequestID: a.RequestID,
		Message: "a success under HTTP status " + strconv.Itoa(a.status) + " is not believed"}
}
