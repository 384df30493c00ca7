package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"
)

// Megvii's notify as the readings say (readings_megvii.go): the form
// urlencoded or multipart, which answer counts as received, and whether a
// notify not received is sent again. It is sent with the sandbox's own
// context, not Complete's: Close ends it, and the notify client's timeout
// bounds it.

// megviiNotifyRequest is the notify POST of form, encoded as r says.
func megviiNotifyRequest(ctx context.Context, to string, r megviiReadings, form url.Values) (*http.Request, error) {
	body, contentType := []byte(form.Encode()), "application/x-www-form-urlencoded"
	if r.notifyBody == MegviiNotifyMultipart {
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
	return req, nil
}

// megviiAckBytes bounds how much of a notify's answer is read: enough for
// "success" with white space around it.
const megviiAckBytes = 1 << 10

// sendMegviiNotify posts the notify and waits for the answer; nil when it
// was received as r says.
func (s *Sandbox) sendMegviiNotify(ctx context.Context, to string, r megviiReadings, form url.Values) error {
	if !s.track() {
		return errors.New("sandbox: closed")
	}
	defer s.notifyWait.Done()
	req, err := megviiNotifyRequest(ctx, to, r, form)
	if err != nil {
		return err
	}
	resp, err := s.notify.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, megviiAckBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if !r.received(resp.StatusCode, body) {
		if resp.StatusCode/100 == 2 {
			return fmt.Errorf("sandbox: notify answered HTTP %d without the body success", resp.StatusCode)
		}
		return fmt.Errorf("sandbox: notify answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// redeliverMegvii sends a notify not received again in the background
// (WithMegviiNotifyRedelivered), up to notifyRetries times with doubling
// delays from notifyBase, until one is received or Close.
func (s *Sandbox) redeliverMegvii(to string, r megviiReadings, form url.Values) {
	if s.notifyRetries <= 0 || !s.track() {
		return
	}
	go func() {
		defer s.notifyWait.Done()
		d := s.notifyBase
		for i := 0; i < s.notifyRetries; i++ {
			t := time.NewTimer(d)
			select {
			case <-s.stop.Done():
				t.Stop()
				return
			case <-t.C:
			}
			if s.sendMegviiNotify(s.stop, to, r, form) == nil {
				return
			}
			d *= 2
		}
	}()
}

// placeBizFields moves the session's identifiers in get_result's answer d
// where WithMegviiResultBizFields says.
func (r megviiReadings) placeBizFields(d *megviiPayload) {
	switch r.bizFields {
	case MegviiBizNoOnly:
		d.BizInfo.BizID = ""
	case MegviiBizTopLevel:
		d.BizID, d.BizNo = d.BizInfo.BizID, d.BizInfo.BizNo
		d.BizInfo = nil
	}
}
