package driver

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
)

// CallbackBody returns what a POST callback carries, whichever ran first,
// VerifyCallback or a middleware or router that parsed the form:
//
//   - when r.ParseForm (an urlencoded body) or r.ParseMultipartForm (a
//     multipart body) has consumed the body, the parsed fields come back
//     as form, capped at maxFields values (DefaultMaxFormFields when
//     maxFields <= 0) and max bytes of names and values, and body is
//     form re-encoded (url.Values.Encode), since the bytes sent are gone;
//   - otherwise form is nil and body is the body as sent, read with
//     Checker.ReadBody (at most max bytes), and r.Body is put back as a reader
//     over the same bytes, so the handlers after VerifyCallback can read
//     it too.
//
// Use it only where the vendor's signature, if any, covers decoded
// values, which a parsed form still holds. Every failure is
// ErrInvalidArgument naming "request" or "body".
func CallbackBody(c Checker, r *http.Request, max int64, maxFields int) (form url.Values, body []byte, err error) {
	if r == nil {
		return nil, nil, c.Fail("request", "is nil")
	}
	if parsed := parsedForm(r); parsed != nil {
		if maxFields <= 0 {
			maxFields = DefaultMaxFormFields
		}
		n, size := 0, int64(0)
		for k, vs := range parsed {
			n += len(vs)
			for _, v := range vs {
				size += int64(len(k) + len(v) + 2)
			}
		}
		if n > maxFields {
			return nil, nil, c.Fail("body", "has more than "+strconv.Itoa(maxFields)+" fields")
		}
		if size > max {
			return nil, nil, c.Fail("body", "is larger than "+strconv.FormatInt(max, 10)+" bytes")
		}
		return parsed, []byte(parsed.Encode()), nil
	}
	body, err = c.ReadBody(r, max)
	return nil, body, err
}

// CallbackForm is CallbackBody for a callback that is a form: the form a
// middleware parsed, or else the body read and parsed with Checker.Form under
// the request's Content-Type. raw is the body as sent, or the parsed
// form re-encoded.
func CallbackForm(c Checker, r *http.Request, max int64, maxFields int) (fields url.Values, raw []byte, err error) {
	fields, raw, err = CallbackBody(c, r, max, maxFields)
	if err != nil || fields != nil {
		return fields, raw, err
	}
	fields, err = c.Form(r.Header.Get("Content-Type"), raw, maxFields)
	if err != nil {
		return nil, nil, err
	}
	return fields, raw, nil
}

// parsedForm returns the body fields a middleware already parsed, or nil
// when the body has not been consumed by a form parser: ParseForm reads an
// urlencoded body only, and ParseMultipartForm a multipart one; any other
// body is left unread even when r.PostForm is set.
func parsedForm(r *http.Request) url.Values {
	if r.PostForm == nil {
		return nil
	}
	// ParseForm leaves a body without a Content-Type unread (it takes it
	// for application/octet-stream); Form reads it as urlencoded.
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err != nil:
		return nil
	case mt == "application/x-www-form-urlencoded":
		return r.PostForm
	case mt == "multipart/form-data" && r.MultipartForm != nil:
		return r.PostForm
	}
	return nil
}
