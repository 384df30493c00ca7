package juhe

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/check"
	"github.com/go-liveness/liveness/internal/jsonx"
	"github.com/go-liveness/liveness/signing"
)

// VerifyCallback reads a Juhe callback.
//
// The return redirect (a GET carrying response and sign in the query) is
// verified: sign must be md5(response + key), where Juhe's documents do not
// say whether response is the URL-decoded JSON or the encoded text, so
// both are accepted. The signed JSON becomes Callback.Result, which
// liveness.Resolve uses without a call when it is final. A missing or
// wrong sign is ErrBadSignature.
//
// The notify call's format is not public. A POST (form or JSON body, or a
// query) carrying response and sign is verified exactly like the return.
// Otherwise it is read as a trigger naming the session by jh_order_id (and
// your orderId, as Callback.BizNo): it never carries a Result, so
// liveness.Resolve confirms it with FetchResult. If such a trigger carries
// a sign, it must be md5(jh_order_id + key), the return's rule applied to
// the only datum it asserts; a wrong one is ErrBadSignature.
//
// A notify naming only orderId has an empty SessionID: look the session up
// by Callback.BizNo in your own store before resolving it.
func (p *Provider) VerifyCallback(_ context.Context, r *http.Request) (*liveness.Callback, error) {
	const op = "VerifyCallback"
	c := check.Checker{Vendor: liveness.Juhe, Op: op}
	if r == nil || r.URL == nil {
		return nil, c.Fail("request", "is nil")
	}
	kind := liveness.CallbackNotify
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		kind = liveness.CallbackReturn
	}
	fields, err := rawFields(r.URL.RawQuery)
	if err != nil {
		return nil, c.Fail("query", err.Error())
	}
	if kind == liveness.CallbackNotify && !fields.has("response") {
		body, err := c.ReadBody(r, check.DefaultMaxCallbackBytes)
		if err != nil {
			return nil, err
		}
		bf, err := bodyFields(r.Header.Get("Content-Type"), body)
		if err != nil {
			return nil, c.Fail("body", err.Error())
		}
		if len(bf.fields) > 0 {
			fields = bf
		}
	}
	if fields.has("response") {
		response, err := fields.single("response")
		if err != nil {
			return nil, c.Fail("response", err.Error())
		}
		sign, err := fields.single("sign")
		if err != nil {
			return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadSignature, Message: "sign " + err.Error()}
		}
		return p.verifyResponse(op, kind, response.raw, sign.value)
	}
	return p.notifyTrigger(op, kind, fields)
}

// VerifyReturn verifies the response and sign of a return redirect, for a
// single-page app that forwards them from the browser (the fragment never
// reaches your server). Pass them as [ParseReturnURL] returns them,
// response still URL-encoded as it appeared in the URL; an already decoded
// JSON object is accepted too. Errors are as for VerifyCallback.
func (p *Provider) VerifyReturn(response, sign string) (*liveness.Callback, error) {
	return p.verifyResponse("VerifyReturn", liveness.CallbackReturn, response, sign)
}

// verifyResponse is the one verification path of a signed response. Both
// candidate signatures are computed and compared before either result is
// looked at, so the time taken does not tell which form matched.
func (p *Provider) verifyResponse(op string, kind liveness.CallbackKind, raw, sign string) (*liveness.Callback, error) {
	c := check.Checker{Vendor: liveness.Juhe, Op: op}
	if raw == "" {
		return nil, c.Fail("response", "is empty")
	}
	if len(raw) > check.DefaultMaxCallbackBytes {
		return nil, c.Fail("response", "is too large")
	}
	decoded := raw
	if !strings.HasPrefix(strings.TrimSpace(raw), "{") {
		d, err := url.QueryUnescape(raw)
		if err != nil {
			return nil, c.Fail("response", "is not URL-encoded text")
		}
		decoded = d
	}
	overDecoded := signing.Equal(sign, signing.Juhe(decoded, p.key))
	overRaw := signing.Equal(sign, signing.Juhe(raw, p.key))
	if !(overDecoded || overRaw) {
		msg := "sign does not match md5(response + key)"
		if sign == "" {
			msg = "sign is missing"
		}
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadSignature, Message: msg}
	}

	var env envelope
	if err := json.Unmarshal([]byte(decoded), &env); err != nil {
		return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadResponse,
			Message: "signed response is not the expected JSON", Err: err}
	}
	var id struct {
		JHOrderID jsonx.String `json:"jh_order_id"`
	}
	_ = json.Unmarshal(env.Result, &id) // an absent or odd result only leaves the ID empty
	cb := &liveness.Callback{
		Vendor: liveness.Juhe, Kind: kind, SessionID: string(id.JHOrderID), Signed: true, Raw: []byte(decoded),
	}
	// A signed response that cannot be normalized still names its session,
	// which Resolve can fetch; the same goes for a non-final state.
	if res, err := p.normalize(&env, []byte(decoded), cb.SessionID); err == nil {
		cb.Result = res
	}
	return cb, nil
}

// notifyTrigger reads a callback that carries no signed response: in
// practice the notify call.
func (p *Provider) notifyTrigger(op string, kind liveness.CallbackKind, f fieldList) (*liveness.Callback, error) {
	c := check.Checker{Vendor: liveness.Juhe, Op: op}
	var ids [2]string
	for i, name := range []string{"jh_order_id", "orderId"} {
		if !f.has(name) {
			continue
		}
		v, err := f.single(name)
		if err != nil {
			return nil, c.Fail(name, err.Error())
		}
		ids[i] = v.value
	}
	sessionID, bizNo := ids[0], ids[1]
	if sessionID == "" && bizNo == "" {
		return nil, c.Fail("request", "is not a Juhe callback: no response, jh_order_id or orderId")
	}
	cb := &liveness.Callback{Vendor: liveness.Juhe, Kind: kind, SessionID: sessionID, BizNo: bizNo, Raw: f.raw}
	if f.has("sign") {
		sign, err := f.single("sign")
		if err != nil {
			return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadSignature, Message: "sign " + err.Error()}
		}
		if sessionID == "" || !signing.Equal(sign.value, signing.Juhe(sessionID, p.key)) {
			return nil, &liveness.Error{Vendor: liveness.Juhe, Op: op, Kind: liveness.ErrBadSignature,
				Message: "sign does not match md5(jh_order_id + key)"}
		}
		cb.Signed = true
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

// bodyFields reads a notify body: a JSON object (by content type, or when
// it starts with '{') or an urlencoded form. In JSON, a string's raw text
// is its decoded value, and numbers and objects keep their JSON text.
func bodyFields(contentType string, body []byte) (fieldList, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return fieldList{}, nil
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
