package megviisim

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
)

// Megvii's notify as the readings say (readings.go): the form
// urlencoded or multipart, which answer counts as received, and whether a
// notify not received is sent again. It is sent with the sandbox's own
// context, not Complete's: Close ends it, and the notify client's timeout
// bounds it.

// megviiNotifyRequest is the notify POST of form, encoded and with the
// headers r says; page is the session's check page.
func megviiNotifyRequest(ctx context.Context, to, page string, r readings, form url.Values) (*http.Request, error) {
	body, contentType := []byte(form.Encode()), "application/x-www-form-urlencoded"
	if r.notifyBody == NotifyMultipart {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		// data first, as the callback document's table lists them.
		for _, k := range []string{"data", "sign"} {
			if err := mw.WriteField(k, form.Get(k)); err != nil {
				return nil, err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, err
		}
		body, contentType = buf.Bytes(), mw.FormDataContentType()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	r.setNotifyHeaders(req, page)
	return req, nil
}

// placeBizFields moves the session's identifiers in get_result's answer d
// where WithResultBizFields says.
func (r readings) placeBizFields(d *megviiPayload) {
	switch r.bizFields {
	case BizNoOnly:
		d.BizInfo.BizID = ""
	case BizTopLevel:
		d.BizID, d.BizNo = d.BizInfo.BizID, d.BizInfo.BizNo
		d.BizInfo = nil
	}
}
