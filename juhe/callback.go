package juhe

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/jsonx"
	"github.com/go-liveness/liveness/signing"
)

// VerifyCallback reads a Juhe callback. It makes no network call. The
// outcomes are:
//
//   - A return redirect (GET or HEAD) carrying response and sign: sign must
//     be md5(response + key), where Juhe's documents do not say whether
//     response is the URL-decoded JSON or the encoded text, so both are
//     accepted. The signed JSON becomes Callback.Result (Signed is true),
//     which liveness.Resolve uses without a call when it is final. A
//     response whose sign is missing, repeated or wrong is forgery:
//     ErrBadSignature.
//   - A return carrying neither response nor sign: Juhe's faceid document
//     appends them only when the check was completed, so this is the user
//     who canceled, abandoned or timed out the check, a normal path and
//     neither forgery nor bad input. If the query names the order (orderId, your BizNo,
//     which you can put in your returnUrl's own query, which Juhe keeps
//     as far as its document shows;
//     or jh_order_id / jhOrderId) the Callback is an unsigned trigger
//     naming it; otherwise the error is liveness.ErrNoResult: look the
//     session up from your own records (the browser that started it) and
//     call FetchResult or FetchSessionResult.
//   - A return whose response verifies but names no order (jh_order_id):
//     read as a return carrying neither, above. Juhe's completed checks
//     name their order; a check left unfinished may bring back a signed
//     "not submitted" (279307) instead of nothing, which the documents do
//     not rule out. Such a response cannot be tied to a session, and
//     replayed it would fit any, so its content is not used.
//   - A notify call (any other method; a GET notify is read by
//     [Provider.VerifyCallbackOfKind]). Its format is not documented, so it
//     is never believed and never refused for its signature: whatever it
//     carries (response, sign, passed), the Callback has Signed false and
//     no Result, and liveness.Resolve always confirms it with FetchResult.
//     The order is read from jh_order_id or jhOrderId (Callback.SessionID)
//     and orderId (your order, Callback.BizNo), in an urlencoded form, a
//     multipart form, a JSON body or the query, at the top level or under
//     result (or inside a response envelope). A notify naming no order is
//     ErrInvalidArgument: Juhe notifies only finished checks.
//
// Anything malformed — a query or form url.ParseQuery refuses (a bad
// escape, a ';' separator), a repeated response, an order number that is
// not one (see MaxIDBytes), two different order numbers, more than 64
// fields or a body over 1 MiB — is ErrInvalidArgument naming the field.
//
// A notify whose form a router or middleware parsed first (r.ParseForm,
// r.ParseMultipartForm) is read from the parsed form, with Raw the form
// re-encoded; otherwise the body is read and put back, so handlers after
// VerifyCallback can read it again.
//
// A callback naming only orderId has an empty SessionID: look the session
// up by Callback.BizNo in your own store before resolving it.
func (p *Provider) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	return p.verifyCallback(r, "")
}

// VerifyCallbackOfKind is VerifyCallback for a handler that knows which
// callback it serves, and is how a notify sent by GET is read: with kind
// CallbackNotify the request is read as a notify whatever its method (a
// GET or HEAD names the order in its query), and with CallbackReturn as a
// return, which must be a GET or HEAD (ErrInvalidArgument naming
// "method" otherwise). Any other kind is ErrInvalidArgument naming
// "kind". Verification and errors are otherwise VerifyCallback's.
//
// Juhe's document does not say how its notify is sent, and a GET notify
// looks like a return naming its order; VerifyCallback, which must guess
// the kind from the method, reads every GET as a return.
func (p *Provider) VerifyCallbackOfKind(_ context.Context, r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	if kind != liveness.CallbackReturn && kind != liveness.CallbackNotify {
		return nil, liveness.InvalidArgument(liveness.Juhe, "VerifyCallback", "kind", "must be return or notify")
	}
	return p.verifyCallback(r, kind)
}

// verifyCallback reads r as kind, or by its method when kind is empty.
func (p *Provider) verifyCallback(r *http.Request, kind liveness.CallbackKind) (*liveness.Callback, error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: "VerifyCallback"}
	if r == nil || r.URL == nil {
		return nil, c.Fail("request", "is nil")
	}
	query, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, c.Fail("query", err.Error())
	}
	bodiless := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case kind == liveness.CallbackReturn && !bodiless:
		return nil, c.Fail("method", r.Method+" is not a return: Juhe sends the browser back with a GET redirect")
	case kind == liveness.CallbackNotify && bodiless:
		// Guess: see VENDORS.md, Juhe, notify-format (a notify by GET
		// names the order in its query).
		return readNotify(c, orderIDs{}, nil, query, r.URL.RawQuery)
	case bodiless:
		return p.readReturn(c, query, r.URL.RawQuery)
	}
	ids, body, err := readNotifyBody(c, r)
	if err != nil {
		return nil, err
	}
	return readNotify(c, ids, body, query, r.URL.RawQuery)
}

// readReturn reads the browser's return redirect: query is the redirect's
// query string rawQuery, parsed.
func (p *Provider) readReturn(c driver.Checker, query url.Values, rawQuery string) (*liveness.Callback, error) {
	switch {
	case query.Has("response"):
		// A repeated response or sign is refused: two differing copies
		// would let a forger choose which one a careless reader sees.
		if len(query["response"]) > 1 {
			return nil, c.Fail("response", "is repeated")
		}
		if n := len(query["sign"]); n != 1 {
			msg := "sign is missing"
			if n > 1 {
				msg = "sign is repeated"
			}
			return nil, &liveness.Error{Vendor: liveness.Juhe, Op: c.Op, Kind: liveness.ErrBadSignature, Message: msg}
		}
		// url.ParseQuery has URL-decoded the response already.
		unescaped := func(string) (string, error) { return query.Get("response"), nil }
		cb, err := p.verifyResponse(c.Op, rawValue(rawQuery, "response"), unescaped, query.Get("sign"))
		if err != nil || cb.SessionID != "" {
			return cb, err
		}
		// Guess: see VENDORS.md, Juhe, unfinished-return. A signed
		// response naming no order (what a check left unfinished may
		// bring) cannot be tied to a session, and replayed it would
		// fit any: it is read as a bare return.
	case query.Has("sign"):
		return nil, c.Fail("response", "is missing beside sign")
	}
	// Guess: see VENDORS.md, Juhe, unfinished-return (the browser comes
	// back bare after a cancel, an abandon or a timeout), and
	// return-keeps-query (your own orderId in returnUrl's query comes
	// back with it).
	ids, err := findOrder(c, query)
	if err != nil {
		return nil, err
	}
	if ids.session == "" && ids.biz == "" {
		return nil, noResult(c.Op)
	}
	return &liveness.Callback{Vendor: liveness.Juhe, Kind: liveness.CallbackReturn,
		SessionID: ids.session, BizNo: ids.biz, Raw: []byte(rawQuery)}, nil
}

// readNotify reads a notify call as an unsigned trigger: the order its
// body names (ids, read from body), or else the one its query names.
//
// Guess: see VENDORS.md, Juhe, notify-signature (a notify is never
// believed: it carries no result, whatever it holds).
func readNotify(c driver.Checker, ids orderIDs, body []byte, query url.Values, rawQuery string) (*liveness.Callback, error) {
	raw := body
	if ids.session == "" && ids.biz == "" {
		var err error
		if ids, err = findOrder(c, query); err != nil {
			return nil, err
		}
		raw = []byte(rawQuery)
	}
	if ids.session == "" && ids.biz == "" {
		return nil, c.Fail("jh_order_id", "is missing: the notify names no order (jh_order_id, jhOrderId or orderId)")
	}
	return &liveness.Callback{Vendor: liveness.Juhe, Kind: liveness.CallbackNotify,
		SessionID: ids.session, BizNo: ids.biz, Raw: raw}, nil
}

// readNotifyBody reads the order a POST notify's body names, and the body
// (a form a middleware parsed first comes re-encoded).
//
// Guess: see VENDORS.md, Juhe, notify-format (the body is an urlencoded
// form, a multipart form or JSON; a body of any other type that is not
// JSON is read as an urlencoded form).
func readNotifyBody(c driver.Checker, r *http.Request) (orderIDs, []byte, error) {
	form, body, err := driver.CallbackBody(c, r, driver.DefaultMaxCallbackBytes, maxCallbackFields)
	if err != nil {
		return orderIDs{}, nil, err
	}
	if form == nil {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		trimmed := bytes.TrimSpace(body)
		switch {
		case len(trimmed) == 0:
			return orderIDs{}, body, nil
		case mt == "application/json" || trimmed[0] == '{':
			ids, err := jsonOrder(c, body)
			return ids, body, err
		case mt == "multipart/form-data":
			form, err = c.Form(r.Header.Get("Content-Type"), body, maxCallbackFields)
		default:
			form, err = c.Form("application/x-www-form-urlencoded", trimmed, maxCallbackFields)
		}
		if err != nil {
			return orderIDs{}, nil, err
		}
	}
	ids, err := findOrder(c, form)
	return ids, body, err
}

// noResult is the error of a return that carries nothing.
func noResult(op string) error {
	return &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrNoResult,
		Message: "the browser came back without a signed result naming its order: the check was canceled, abandoned or timed out"}
}

// orderNames are the names under which a callback may name its order: the
// first two are Juhe's jh_order_id (query answer, search request), the
// last your own orderId. Read in this order, so that a conflict is always
// reported under the same name.
//
// Guess: see VENDORS.md, Juhe, notify-fields.
var orderNames = [...]string{"jh_order_id", "jhOrderId", "orderId"}

// orderIDs are the order numbers a callback names.
type orderIDs struct{ session, biz string }

// add records value found under name. Every occurrence is checked, and two
// different values for the same order are refused: a reader must not be
// able to pick one.
func (o *orderIDs) add(c driver.Checker, name, value string) error {
	if err := checkID(c, name, value); err != nil {
		return err
	}
	target := &o.session
	if name == "orderId" {
		target = &o.biz
	}
	if *target != "" && *target != value {
		return c.Fail(name, "names two different orders")
	}
	*target = value
	return nil
}

// findOrder looks for the order in a callback's parameters: at the top
// level, and inside a result object or a response envelope (JSON text, or
// URL-encoded JSON text), under its own result too.
func findOrder(c driver.Checker, params url.Values) (orderIDs, error) {
	var ids orderIDs
	for _, name := range orderNames {
		for _, v := range params[name] {
			if err := ids.add(c, name, v); err != nil {
				return orderIDs{}, err
			}
		}
	}
	for _, name := range [...]string{"result", "response"} {
		for _, v := range params[name] {
			if err := ids.addNested(c, v); err != nil {
				return orderIDs{}, err
			}
		}
	}
	return ids, nil
}

// orderJSON is what a JSON notify, or a result or response object in a
// callback, may name its order with (encoding/json matches the names in
// any case, and the last of a repeated name wins). The values stay raw: an
// order number may come as a string or a number, and one that is neither
// is refused under its own name.
type orderJSON struct {
	JHOrderID json.RawMessage `json:"jh_order_id"`
	JhOrderID json.RawMessage `json:"jhOrderId"`
	OrderID   json.RawMessage `json:"orderId"`
	Result    json.RawMessage `json:"result"`
	Response  json.RawMessage `json:"response"`
}

// jsonOrder reads the order a JSON notify body names: an object of at
// most maxCallbackFields members, which may hold a result object or a
// response envelope (an object, or a string of JSON text, URL-encoded or
// not).
func jsonOrder(c driver.Checker, body []byte) (orderIDs, error) {
	n, err := countMembers(body, maxCallbackFields)
	if err != nil {
		return orderIDs{}, c.Fail("body", err.Error())
	}
	if n > maxCallbackFields {
		return orderIDs{}, c.Fail("body", "holds more than "+strconv.Itoa(maxCallbackFields)+" fields")
	}
	var o orderJSON
	if err := json.Unmarshal(body, &o); err != nil {
		return orderIDs{}, c.Fail("body", "is not a JSON object")
	}
	var ids orderIDs
	if err := ids.addJSON(c, &o); err != nil {
		return orderIDs{}, err
	}
	for _, v := range [...]json.RawMessage{o.Result, o.Response} {
		var err error
		var s string
		switch {
		case isObject(v):
			err = ids.addObject(c, v)
		case json.Unmarshal(v, &s) == nil:
			err = ids.addNested(c, s)
		}
		if err != nil {
			return orderIDs{}, err
		}
	}
	return ids, nil
}

// addNested records the order named by v, the text of a result or a
// response parameter: a JSON object, or one URL-encoded. Anything else
// names nothing.
func (o *orderIDs) addNested(c driver.Checker, v string) error {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "{") {
		d, err := url.QueryUnescape(v)
		if err != nil {
			return nil
		}
		v = d
	}
	if !isObject([]byte(v)) {
		return nil
	}
	return o.addObject(c, []byte(v))
}

// addObject records the order the JSON object b names, at its top level
// or in its result object (a response envelope's). An object that is not
// valid JSON names nothing.
func (o *orderIDs) addObject(c driver.Checker, b []byte) error {
	var obj orderJSON
	if json.Unmarshal(b, &obj) != nil {
		return nil
	}
	if err := o.addJSON(c, &obj); err != nil {
		return err
	}
	if !isObject(obj.Result) {
		return nil
	}
	var result orderJSON
	if json.Unmarshal(obj.Result, &result) != nil {
		return nil
	}
	return o.addJSON(c, &result)
}

// addJSON records the order numbers obj holds, each a string or a number.
func (o *orderIDs) addJSON(c driver.Checker, obj *orderJSON) error {
	for i, raw := range [...]json.RawMessage{obj.JHOrderID, obj.JhOrderID, obj.OrderID} {
		if raw == nil {
			continue
		}
		var s jsonx.String
		if err := json.Unmarshal(raw, &s); err != nil {
			return c.Fail(orderNames[i], "is not a string")
		}
		if err := o.add(c, orderNames[i], string(s)); err != nil {
			return err
		}
	}
	return nil
}

// isObject reports whether b, JSON text, starts an object.
func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// countMembers returns how many members the JSON object b has at its top
// level, a repeated name counted each time, counting no further than
// limit+1: the cap is checked before the object is decoded.
func countMembers(b []byte, limit int) (int, error) {
	notObject := errString("is not a JSON object")
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, notObject
	}
	n := 0
	for ; n <= limit && dec.More(); n++ {
		var v json.RawMessage
		if _, err := dec.Token(); err != nil {
			return 0, notObject
		}
		if err := dec.Decode(&v); err != nil {
			return 0, notObject
		}
	}
	return n, nil
}

// VerifyReturn verifies the response and sign of a return redirect, for a
// single-page app that forwards them from the browser (the fragment never
// reaches your server). Pass them as [ParseReturnURL] returns them,
// response still URL-encoded as it appeared in the URL; an already decoded
// JSON object is accepted too. Both empty is liveness.ErrNoResult (the
// user came back without a result); otherwise errors are as for
// VerifyCallback.
//
// A signed response that names no order (jh_order_id) is
// liveness.ErrNoResult as well: it cannot be tied to a session, and
// replayed it would fit any. Juhe's completed checks name theirs; what a
// check left unfinished brings back, if anything, is not documented.
func (p *Provider) VerifyReturn(response, sign string) (*liveness.Callback, error) {
	if response == "" && sign == "" {
		return nil, noResult("VerifyReturn")
	}
	cb, err := p.verifyResponse("VerifyReturn", response, url.QueryUnescape, sign)
	if err == nil && cb.SessionID == "" {
		// Guess: see VENDORS.md, Juhe, unfinished-return.
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: "VerifyReturn", Kind: liveness.ErrNoResult,
			Message: "the signed response names no order: the check was not completed"}
	}
	return cb, err
}

// verifyResponse is the one verification path of a signed response: raw
// is the response as sent, which unescape URL-decodes. Both candidate
// signatures are computed and compared before either result is looked at,
// so the time taken does not tell which form matched.
func (p *Provider) verifyResponse(op, raw string, unescape func(string) (string, error), sign string) (*liveness.Callback, error) {
	c := driver.Checker{Vendor: liveness.Juhe, Op: op}
	if raw == "" {
		return nil, c.Fail("response", "is empty")
	}
	if len(raw) > driver.DefaultMaxCallbackBytes {
		return nil, c.Fail("response", "is too large")
	}
	// Guess: see VENDORS.md, Juhe, return-sign-input (md5 over the
	// decoded JSON or over the text as sent: both are checked).
	decoded := raw
	if !strings.HasPrefix(strings.TrimSpace(raw), "{") {
		d, err := unescape(raw)
		if err != nil {
			return nil, c.Fail("response", "is not URL-encoded text")
		}
		decoded = d
	}
	// Over the decoded JSON first; over the text as sent only when that
	// differs and the first did not match (which one matched is no secret:
	// the answer says whether the callback verified). Guess: see
	// VENDORS.md, Juhe, return-sign-case (signing.Equal ignores hex case).
	verified := signing.Equal(sign, signing.Juhe(decoded, p.key)) ||
		(raw != decoded && signing.Equal(sign, signing.Juhe(raw, p.key)))
	if !verified {
		msg := "sign does not match md5(response + key)"
		if sign == "" {
			msg = "sign is missing"
		}
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadSignature, Message: msg}
	}

	body := []byte(decoded) // read by json and kept as Result.Raw; Callback.Raw is its own copy
	var a answer[searchResult]
	if err := a.decode(body); err != nil {
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadResponse,
			Message: "signed response is not the expected JSON", Err: err}
	}
	id := a.Result.JHOrderID
	if a.resultErr != nil {
		// An odd result may still name its order.
		var r struct {
			JHOrderID string `json:"jh_order_id"`
		}
		_ = json.Unmarshal(a.rawResult, &r) // an absent or odd result only leaves the ID empty
		id = r.JHOrderID
	}
	if id != "" && checkID(c, "jh_order_id", id) != nil {
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadResponse,
			Message: "signed response names an order number that is not one"}
	}
	cb := &liveness.Callback{
		Vendor: liveness.Juhe, Kind: liveness.CallbackReturn, SessionID: id, Signed: true, Raw: []byte(decoded),
	}
	// A signed response that cannot be normalized still names its session,
	// which Resolve can fetch; the same goes for a non-final state.
	if res, err := p.normalize(&a, body, cb.SessionID); err == nil {
		cb.Result = res
	}
	return cb, nil
}

// maxCallbackFields caps the parameters of a callback, counted before
// they are split: Juhe's return carries two, and nothing legitimate comes
// near this.
const maxCallbackFields = 64

type errString string

func (e errString) Error() string { return string(e) }

// parseQuery parses a query string with url.ParseQuery, after counting its
// fields: a 1 MiB query of 250,000 empty fields would otherwise cost tens
// of megabytes before any check.
func parseQuery(q string) (url.Values, error) {
	if strings.Count(q, "&") >= maxCallbackFields {
		return nil, errString("holds more than " + strconv.Itoa(maxCallbackFields) + " fields")
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		return nil, errString("holds a malformed escape or separator")
	}
	return v, nil
}

// rawValue returns the value of name in the query q as sent, still
// URL-encoded: the signature may have been computed over that text, which
// url.Values holds only decoded. q is one parseQuery has read.
func rawValue(q, name string) string {
	for part := range strings.SplitSeq(q, "&") {
		k, v, _ := strings.Cut(part, "=")
		if k, _ := url.QueryUnescape(k); k == name {
			return v
		}
	}
	return ""
}
