package megvii

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/signing"
)

// VerifyCallback reads a Megvii callback. There are three:
//
//   - the return as a POST (Megvii's default): the browser submits the form
//     data=<json>&sign=<hex> to your return_url;
//   - the notify: Megvii's server POSTs the same form to your notify_url;
//   - the return as a GET (SessionOptions.ActionHTTPMethod "GET"): the
//     browser comes back with only biz_id appended to return_url.
//
// A POST must carry data and sign = sha1(api_secret + data), lowercase hex
// as the callback document says ("其中sha1返回的字符均为小写"); upper-case is
// accepted too, since hex case carries no bit of the digest (see package
// signing), and a sign with anything before or after it, or a digit more or
// less, is refused.
// The signature is checked first, in constant time over the data as
// received, and only then is data decoded: a missing or wrong sign is
// ErrBadSignature, and nothing else is. Signed data must be exactly one
// JSON object (nothing after it: sha1 over secret-first input can be
// extended by a forger, and the extension is trailing bytes) whose verdict
// fields can be read; otherwise the callback is ErrBadResponse. Fields the
// package does not model, or in shapes it does not know, never make a
// signed callback unreadable: they stay in Result.Raw. The signed data
// becomes Callback.Result, which liveness.Resolve uses without a call once
// final. The body is read up to 1 MiB and 64 form fields; more is
// ErrInvalidArgument naming "body".
//
// A router or middleware may have parsed the form first (r.ParseForm,
// r.ParseMultipartForm): sign covers the decoded data value, so the parsed
// form is verified the same way, and Callback.Raw is then the form
// re-encoded. Otherwise the body is read and put back: handlers after
// VerifyCallback can read it again.
//
// The GET return is unsigned: Callback.Signed is false, Result is nil, and
// SessionID is the URL-decoded biz_id, for liveness.Resolve to confirm with
// FetchResult. A POST with only biz_id is read the same way. Megvii always
// appends biz_id (the callback document, 回调说明, section 1.2), but a browser can land on return_url
// without it (the back button, a bookmark); a return, GET or browser POST,
// that carries none of biz_id, data and sign names no session and holds no
// result: that is liveness.ErrNoResult, not an error of the caller's.
// Look the session up in your own records and fetch its result.
//
// Both POST callbacks carry the same form, so Callback.Kind is a best
// guess: CallbackReturn when the request looks like a browser's (a
// User-Agent starting "Mozilla/", or Sec-Fetch-*, Origin or Referer
// headers), CallbackNotify otherwise. Megvii does not say which headers its
// notify carries: a notify sent with a browser's User-Agent is guessed
// CallbackReturn, and a POST return from a client that sends none of these
// headers (a bare HTTP client, some in-app webviews) CallbackNotify. The
// signature, the Result and the verdict are the same either way, and only
// Kind is a guess; a handler that needs the kind exactly should serve
// return_url and notify_url separately and call
// [Provider.VerifyCallbackOfKind] (package callback does).
func (p *Provider) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	return p.verifyCallback(r, "")
}

// VerifyCallbackOfKind is VerifyCallback for a handler that knows which
// callback it serves: Callback.Kind is kind (CallbackReturn or
// CallbackNotify) rather than a guess. A GET is only accepted as
// CallbackReturn. Any other kind is ErrInvalidArgument naming "kind".
func (p *Provider) VerifyCallbackOfKind(_ context.Context, r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	if kind != liveness.CallbackReturn && kind != liveness.CallbackNotify {
		return nil, liveness.InvalidArgument(liveness.Megvii, "VerifyCallback", "kind", "must be return or notify")
	}
	return p.verifyCallback(r, kind)
}

// VerifyCallbackAs is VerifyCallbackOfKind.
//
// Deprecated: use [Provider.VerifyCallbackOfKind]; the old name reads
// like errors.As.
func (p *Provider) VerifyCallbackAs(ctx context.Context, r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	return p.VerifyCallbackOfKind(ctx, r, kind)
}

func (p *Provider) verifyCallback(r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	const op = "VerifyCallback"
	c := driver.Checker{Vendor: liveness.Megvii, Op: op}
	if r == nil || r.URL == nil {
		return nil, c.Fail("request", "is nil")
	}
	var fields url.Values
	var raw []byte
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if kind == liveness.CallbackNotify {
			return nil, c.Fail("method", "Megvii's notify is a POST")
		}
		q, err := c.QueryFields("query", r.URL.RawQuery, driver.DefaultMaxFormFields)
		if err != nil {
			return nil, err
		}
		return unsignedReturn(c, q, []byte(r.URL.RawQuery))
	case http.MethodPost:
		// Guess: see VENDORS.md, Megvii, notify-body. "采用Post回调的内容为
		// 一个form格式数据" names no encoding: urlencoded and multipart
		// bodies are both read (a body with no Content-Type as urlencoded).
		var err error
		if fields, raw, err = driver.CallbackForm(c, r, driver.DefaultMaxCallbackBytes, driver.DefaultMaxFormFields); err != nil {
			return nil, err
		}
	default:
		return nil, c.Fail("method", r.Method+" is not a Megvii callback")
	}
	if kind == "" {
		kind = liveness.CallbackNotify
		if fromBrowser(r) {
			kind = liveness.CallbackReturn
		}
	}
	if _, has := fields["data"]; !has {
		if _, has := fields["sign"]; !has && kind == liveness.CallbackReturn {
			return unsignedReturn(c, fields, raw)
		}
	}

	badSign := func(msg string) error {
		return &liveness.Error{Vendor: liveness.Megvii, Op: op, Kind: liveness.ErrBadSignature, Message: msg}
	}
	data, sign := fields["data"], fields["sign"]
	switch {
	case len(sign) == 0 || sign[0] == "":
		return nil, badSign("sign is missing")
	case len(data) == 0:
		return nil, badSign("data is missing")
	case len(sign) > 1 || len(data) > 1:
		// Which copy was signed is anyone's guess.
		return nil, badSign("data or sign is repeated")
	case !signing.Equal(sign[0], signing.Megvii(p.secret, data[0])):
		return nil, badSign("sign does not match sha1(api_secret + data)")
	}
	// The signature holds; from here on nothing is a bad signature. The
	// data is decoded once, for the checks and the Result.
	signed := []byte(data[0])
	pl, _, err := decodeVerdict(signed)
	if err != nil {
		return nil, &liveness.Error{Vendor: liveness.Megvii, Op: op, Kind: liveness.ErrBadResponse,
			Message: "signed data is not exactly one JSON object Megvii documents", Err: err}
	}
	if id := pl.BizInfo.BizID; id != "" {
		if err := checkID(c, "biz_id", id); err != nil {
			return nil, err
		}
	}
	if err := c.MaxBytes("biz_no", pl.BizInfo.BizNo, maxBizNo); err != nil {
		return nil, err
	}
	res, err := p.normalizePayload(pl, signed, "")
	if err != nil {
		var le *liveness.Error
		if errors.As(err, &le) {
			le.Vendor, le.Op = liveness.Megvii, op
		}
		return nil, err
	}
	return &liveness.Callback{
		Vendor:    liveness.Megvii,
		Kind:      kind,
		SessionID: res.SessionID,
		BizNo:     res.BizNo,
		Signed:    true,
		Result:    res,
		Raw:       raw,
	}, nil
}

// unsignedReturn reads a return that names the session by biz_id only.
func unsignedReturn(c driver.Checker, fields url.Values, raw []byte) (*liveness.Callback, error) {
	ids := fields["biz_id"]
	switch {
	case len(ids) == 0 && (fields.Has("data") || fields.Has("sign")):
		return nil, c.Fail("biz_id", "is missing, and data and sign belong in a POST")
	case len(ids) == 0:
		return nil, &liveness.Error{Vendor: liveness.Megvii, Op: c.Op, Kind: liveness.ErrNoResult,
			Message: "the return names no session (no biz_id) and carries no result"}
	case strings.TrimSpace(ids[0]) == "":
		return nil, c.Fail("biz_id", "is empty")
	case len(ids) > 1:
		return nil, c.Fail("biz_id", "is repeated")
	}
	if err := checkID(c, "biz_id", ids[0]); err != nil {
		return nil, err
	}
	return &liveness.Callback{
		Vendor:    liveness.Megvii,
		Kind:      liveness.CallbackReturn,
		SessionID: ids[0],
		Raw:       raw,
	}, nil
}

// fromBrowser reports whether r looks like a browser's navigation rather
// than a server's call: the notify and the POST return carry the same
// form, and Megvii's server is taken to send none of these headers.
// Guess: see VENDORS.md, Megvii, callback-kind
func fromBrowser(r *http.Request) bool {
	h := r.Header
	return strings.HasPrefix(h.Get("User-Agent"), "Mozilla/") ||
		h.Get("Sec-Fetch-Mode") != "" || h.Get("Sec-Fetch-Dest") != "" ||
		h.Get("Origin") != "" || h.Get("Referer") != ""
}
