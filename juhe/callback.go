package juhe

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/check"
	"github.com/go-liveness/liveness/internal/jsonx"
	"github.com/go-liveness/liveness/internal/vendorkit"
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
// Anything malformed — a bad escape, a repeated response, an order number
// that is not one (see MaxIDBytes), two different order numbers, more than
// 64 fields or a body over 1 MiB — is ErrInvalidArgument naming the field.
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
	c := check.Checker{Vendor: liveness.Juhe, Op: "VerifyCallback"}
	if r == nil || r.URL == nil {
		return nil, c.Fail("request", "is nil")
	}
	query, err := rawFields(r.URL.RawQuery)
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
		return readNotify(c, query, fieldList{})
	case bodiless:
		return p.readReturn(c, query)
	}
	// Guess: see VENDORS.md, Juhe, notify-format (a POST notify's body is
	// an urlencoded form, a multipart form or JSON).
	parsed, body, err := vendorkit.CallbackBody(c, r, check.DefaultMaxCallbackBytes, maxCallbackFields)
	if err != nil {
		return nil, err
	}
	if parsed != nil {
		return readNotify(c, query, formFields(parsed, body))
	}
	bf, err := bodyFields(r.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, c.Fail("body", err.Error())
	}
	return readNotify(c, query, bf)
}

// readReturn reads the browser's return redirect.
func (p *Provider) readReturn(c check.Checker, f fieldList) (*liveness.Callback, error) {
	switch {
	case f.has("response"):
		response, err := f.single("response")
		if err != nil {
			return nil, c.Fail("response", err.Error())
		}
		sign, err := f.single("sign")
		if err != nil {
			return nil, &liveness.Error{Vendor: liveness.Juhe, Op: c.Op, Kind: liveness.ErrBadSignature, Message: "sign " + err.Error()}
		}
		cb, err := p.verifyResponse(c.Op, response.raw, sign.value)
		if err != nil || cb.SessionID != "" {
			return cb, err
		}
		// Guess: see VENDORS.md, Juhe, unfinished-return. A signed
		// response naming no order (what a check left unfinished may
		// bring) cannot be tied to a session, and replayed it would
		// fit any: it is read as a bare return.
	case f.has("sign"):
		return nil, c.Fail("response", "is missing beside sign")
	}
	// Guess: see VENDORS.md, Juhe, unfinished-return (the browser comes
	// back bare after a cancel, an abandon or a timeout), and
	// return-keeps-query (your own orderId in returnUrl's query comes
	// back with it).
	ids, err := findOrder(c, f)
	if err != nil {
		return nil, err
	}
	if ids.session == "" && ids.biz == "" {
		return nil, noResult(c.Op)
	}
	return &liveness.Callback{Vendor: liveness.Juhe, Kind: liveness.CallbackReturn,
		SessionID: ids.session, BizNo: ids.biz, Raw: f.raw}, nil
}

// readNotify reads a notify call as an unsigned trigger: the body names
// the order, or else the query does.
//
// Guess: see VENDORS.md, Juhe, notify-signature (a notify is never
// believed: it carries no result, whatever it holds).
func readNotify(c check.Checker, query, body fieldList) (*liveness.Callback, error) {
	src := body
	ids, err := findOrder(c, body)
	if err != nil {
		return nil, err
	}
	if ids.session == "" && ids.biz == "" {
		src = query
		if ids, err = findOrder(c, query); err != nil {
			return nil, err
		}
	}
	if ids.session == "" && ids.biz == "" {
		return nil, c.Fail("jh_order_id", "is missing: the notify names no order (jh_order_id, jhOrderId or orderId)")
	}
	return &liveness.Callback{Vendor: liveness.Juhe, Kind: liveness.CallbackNotify,
		SessionID: ids.session, BizNo: ids.biz, Raw: src.raw}, nil
}

// noResult is the error of a return that carries nothing.
func noResult(op string) error {
	return &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrNoResult,
		Message: "the browser came back without a signed result naming its order: the check was canceled, abandoned or timed out"}
}

// orderNames are the names under which a callback may name its order: the
// first two are Juhe's jh_order_id (query answer, search request), the
// last your own orderId.
//
// Guess: see VENDORS.md, Juhe, notify-fields.
var orderNames = map[string]bool{"jh_order_id": true, "jhOrderId": true, "orderId": true}

// orderIDs are the order numbers a callback names.
type orderIDs struct{ session, biz string }

// add records value found under name. Every occurrence is checked, and two
// different values for the same order are refused: a reader must not be
// able to pick one.
func (o *orderIDs) add(c check.Checker, name, value string) error {
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

// findOrder looks for the order in a callback's fields: at the top level,
// and inside a result object or a response envelope (a JSON object, or
// one URL-encoded), under its own result too.
func findOrder(c check.Checker, f fieldList) (orderIDs, error) {
	var ids orderIDs
	for _, fl := range f.fields {
		switch {
		case orderNames[fl.name]:
			if err := ids.add(c, fl.name, fl.value); err != nil {
				return orderIDs{}, err
			}
		case fl.name == "result" || fl.name == "response":
			if err := scanObject(c, &ids, nestedObject(fl.value), 1); err != nil {
				return orderIDs{}, err
			}
		}
	}
	return ids, nil
}

// nestedObject returns the members of a JSON object sent as a field's
// value, URL-encoded or not; nil when it is not one.
func nestedObject(v string) []member {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "{") {
		d, err := url.QueryUnescape(v)
		if err != nil {
			return nil
		}
		v = strings.TrimSpace(d)
	}
	m, err := jsonObject([]byte(v))
	if err != nil {
		return nil
	}
	return m
}

// scanObject records the order names among members, and looks one level
// into a result member.
func scanObject(c check.Checker, ids *orderIDs, members []member, depth int) error {
	for _, m := range members {
		switch {
		case orderNames[m.name]:
			var s jsonx.String
			if err := s.UnmarshalJSON(m.value); err != nil {
				return c.Fail(m.name, "is not a string")
			}
			if err := ids.add(c, m.name, string(s)); err != nil {
				return err
			}
		case m.name == "result" && depth < 2:
			nested, err := jsonObject(m.value)
			if err != nil {
				continue // null, or a result that is not an object, names nothing
			}
			if err := scanObject(c, ids, nested, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
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
	cb, err := p.verifyResponse("VerifyReturn", response, sign)
	if err == nil && cb.SessionID == "" {
		// Guess: see VENDORS.md, Juhe, unfinished-return.
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: "VerifyReturn", Kind: liveness.ErrNoResult,
			Message: "the signed response names no order: the check was not completed"}
	}
	return cb, err
}

// verifyResponse is the one verification path of a signed response. Both
// candidate signatures are computed and compared before either result is
// looked at, so the time taken does not tell which form matched.
func (p *Provider) verifyResponse(op string, raw, sign string) (*liveness.Callback, error) {
	c := check.Checker{Vendor: liveness.Juhe, Op: op}
	if raw == "" {
		return nil, c.Fail("response", "is empty")
	}
	if len(raw) > check.DefaultMaxCallbackBytes {
		return nil, c.Fail("response", "is too large")
	}
	// Guess: see VENDORS.md, Juhe, return-sign-input (md5 over the
	// decoded JSON or over the text as sent: both are checked).
	decoded := raw
	if !strings.HasPrefix(strings.TrimSpace(raw), "{") {
		d, err := url.QueryUnescape(raw)
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
	// One pass over the envelope and one over the result, which gives
	// both the session's ID and, below, its Result.
	var env envelope
	if err := decodeEnvelopeBytes(body, &env); err != nil {
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadResponse,
			Message: "signed response is not the expected JSON", Err: err}
	}
	var sr searchResult
	srErr := decodeSearchResult(env.Result, &sr)
	id := struct {
		JHOrderID jsonx.String `json:"jh_order_id"`
	}{sr.JHOrderID}
	if srErr != nil {
		// An odd result may still name its order.
		id.JHOrderID = ""
		_ = json.Unmarshal(env.Result, &id) // an absent or odd result only leaves the ID empty
	}
	if id.JHOrderID != "" && checkID(c, "jh_order_id", string(id.JHOrderID)) != nil {
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadResponse,
			Message: "signed response names an order number that is not one"}
	}
	cb := &liveness.Callback{
		Vendor: liveness.Juhe, Kind: liveness.CallbackReturn, SessionID: string(id.JHOrderID), Signed: true, Raw: []byte(decoded),
	}
	// A signed response that cannot be normalized still names its session,
	// which Resolve can fetch; the same goes for a non-final state.
	if res, err := p.normalizeDecoded(&env, &sr, srErr, body, cb.SessionID); err == nil {
		cb.Result = res
	}
	return cb, nil
}

// field is one callback parameter: raw is its text as sent (still
// URL-encoded in a query or form), value its decoded text.
type field struct{ name, raw, value string }

// fieldList is a callback's parameters in the order sent, with the payload
// they came from.
type fieldList struct {
	fields []field
	raw    []byte
}

func (l fieldList) has(name string) bool {
	for _, f := range l.fields {
		if f.name == name {
			return true
		}
	}
	return false
}

// single returns the one field called name. A missing field is an error,
// and so is a repeated one: two differing responses would let a forger
// choose which one a careless reader sees.
func (l fieldList) single(name string) (field, error) {
	var got []field
	for _, f := range l.fields {
		if f.name == name {
			got = append(got, f)
		}
	}
	switch len(got) {
	case 0:
		return field{}, errString("is missing")
	case 1:
		return got[0], nil
	}
	return field{}, errString("is repeated")
}

// maxCallbackFields caps the parameters of a callback, counted before
// they are split: Juhe's return carries two, and nothing legitimate comes
// near this.
const maxCallbackFields = 64

type errString string

func (e errString) Error() string { return string(e) }

// rawFields splits a query string or urlencoded form, keeping every value's
// raw text: url.Values would decode it, losing the form the signature may
// have been computed over.
func rawFields(q string) (fieldList, error) {
	// Count before splitting: a 1 MiB form of 250,000 empty fields would
	// otherwise cost tens of megabytes before any check.
	if strings.Count(q, "&") >= maxCallbackFields {
		return fieldList{}, errString("holds more than " + strconv.Itoa(maxCallbackFields) + " fields")
	}
	l := fieldList{raw: []byte(q)}
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return fieldList{}, errString("holds a malformed escape")
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return fieldList{}, errString("holds a malformed escape in " + name)
		}
		l.fields = append(l.fields, field{name: name, raw: v, value: value})
	}
	return l, nil
}

// formFields is the fieldList of a form a middleware already parsed
// (r.ParseForm, r.ParseMultipartForm); raw is the form re-encoded.
func formFields(form url.Values, raw []byte) fieldList {
	l := fieldList{raw: raw}
	for _, name := range slices.Sorted(maps.Keys(form)) {
		for _, v := range form[name] {
			l.fields = append(l.fields, field{name: name, raw: url.QueryEscape(v), value: v})
		}
	}
	return l
}

// bodyFields reads a notify body: a JSON object (by content type, or when
// it starts with '{') or an urlencoded form. In JSON, a string's raw text
// is its decoded value, and numbers and objects keep their JSON text.
func bodyFields(contentType string, body []byte) (fieldList, error) {
	mt, params, _ := mime.ParseMediaType(contentType)
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return fieldList{}, nil
	}
	if mt == "multipart/form-data" {
		return multipartFields(body, params["boundary"])
	}
	if mt == "application/json" || strings.HasPrefix(trimmed, "{") {
		m, err := jsonObject(body)
		if err != nil {
			return fieldList{}, err
		}
		l := fieldList{raw: body}
		for _, kv := range m {
			k, v := kv.name, kv.value
			var s jsonx.String
			text := string(v)
			if s.UnmarshalJSON(v) == nil {
				text = string(s)
			}
			// An object (a response sent unencoded) keeps its JSON text.
			l.fields = append(l.fields, field{name: k, raw: text, value: text})
		}
		return l, nil
	}
	return rawFields(trimmed)
}

// member is one name and raw value of a JSON object.
type member struct {
	name  string
	value json.RawMessage
}

// jsonObject decodes the members of the JSON object b in order, refusing
// more than maxCallbackFields of them before decoding the rest, and any
// trailing data.
func jsonObject(b []byte) ([]member, error) {
	const notObject = errString("is not a JSON object")
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, notObject
	}
	var out []member
	for dec.More() {
		if len(out) == maxCallbackFields {
			return nil, errString("holds more than " + strconv.Itoa(maxCallbackFields) + " fields")
		}
		t, err := dec.Token()
		if err != nil {
			return nil, notObject
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject
		}
		out = append(out, member{name: name, value: v})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notObject
	}
	return out, nil
}

// multipartFields reads a multipart/form-data body, at most
// maxCallbackFields parts; body is already capped in size.
func multipartFields(body []byte, boundary string) (fieldList, error) {
	const bad = errString("is not a multipart form")
	if boundary == "" {
		return fieldList{}, bad
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	l := fieldList{raw: body}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return l, nil
		}
		if err != nil {
			return fieldList{}, bad
		}
		if len(l.fields) == maxCallbackFields {
			return fieldList{}, errString("holds more than " + strconv.Itoa(maxCallbackFields) + " fields")
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return fieldList{}, bad
		}
		l.fields = append(l.fields, field{name: part.FormName(), raw: string(v), value: string(v)})
	}
}
