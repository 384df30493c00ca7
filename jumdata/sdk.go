package jumdata

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/internal/jsonx"
	"github.com/go-liveness/liveness/internal/transport"
)

// MaxSDKFileBytes caps the SDK result file CheckSDKResult uploads. The
// SDK's encrypted file holds a few frames; nothing legitimate comes near it.
const MaxSDKFileBytes = 8 << 20

// sdkFileName is the file name sent with the file part; Jumdata reads only
// the content.
//
// Guess: see VENDORS.md, Jumdata, sdk-encoding
const sdkFileName = "file"

// CheckSDKResult verifies the encrypted result file that Jumdata's mobile
// liveness SDK v1 hands to your app: a multipart/form-data POST of appId,
// timestamp, sign and file to Config.SDKCheckURL. data.result 1 is a passed Result
// whose FaceImageURL (selfie_url) stays downloadable for one hour; 2 is a
// failed one (spoof). RequestID is taskNo, or data.order_no when Jumdata
// sends that instead; SessionID is empty, as there is no H5 session.
//
// Errors follow the SDK's own codes: 400 and 404 (wrong SDKCheckURL) are
// ErrInvalidArgument, 500 ErrUnavailable, 601 and 701 (bundle ID not
// registered) ErrPermissionDenied, 602 ErrUnauthenticated, 603
// ErrQuotaExceeded, 604 ErrDiscontinued, 999 ErrBadResponse; other codes
// are read as the H5 v2 public codes.
//
// The SDK v1 document gives the request format as x-www-form-urlencoded,
// but its one input is a file: the field file has type "file" and is
// described "文件类型,活体检测SDK返回的加密文件", and its error sample
// says "SDK结果文件必须上传" (must be uploaded). Only multipart/form-data
// carries a file; an urlencoded body would need the file as text, in an
// encoding (base64?) the document never names. The file therefore goes as
// a file part. A server that reads only an urlencoded body answers
// 400 (ErrInvalidArgument, nothing billed: "其余返回码均不计费"); the call
// is not repeated in the other encoding.
//
// The SDK v1 API exists only on the direct channel: a provider configured
// with AppCode answers ErrUnsupported without a call. The file is read
// whole first (at most MaxSDKFileBytes); an empty or unreadable file is
// ErrInvalidArgument. Jumdata bills every 200, so a call is retried only
// when it provably never left (connection refused).
//
// Deprecated: Jumdata has discontinued the SDK v1 (活体检测SDK-V1 停用); new
// integrations should use the H5 v2 flow ([Provider.InitSession]). The
// method stays fully working for apps that still ship the SDK.
func (p *Provider) CheckSDKResult(ctx context.Context, file io.Reader) (*liveness.Result, error) {
	c := driver.Checker{Vendor: liveness.Jumdata, Op: "CheckSDKResult"}
	if !p.Direct() {
		return nil, &liveness.Error{Vendor: liveness.Jumdata, Op: "CheckSDKResult", Kind: liveness.ErrUnsupported,
			Message: "the SDK v1 check needs the direct channel (AppID and AppSecret), not AppCode"}
	}
	if file == nil {
		return nil, c.Fail("file", "is nil")
	}
	data, err := io.ReadAll(io.LimitReader(file, MaxSDKFileBytes+1))
	switch {
	case err != nil:
		return nil, &liveness.Error{Vendor: liveness.Jumdata, Op: "CheckSDKResult", Kind: liveness.ErrInvalidArgument,
			Field: "file", Message: "cannot be read", Err: err}
	case len(data) == 0:
		return nil, c.Fail("file", "is empty")
	case len(data) > MaxSDKFileBytes:
		return nil, c.Fail("file", "is larger than "+strconv.Itoa(MaxSDKFileBytes)+" bytes")
	}
	form := url.Values{}
	p.authorize(form, false)
	// Guess: see VENDORS.md, Jumdata, sdk-encoding
	return transport.Call(ctx, p.c, &transport.Request{
		Op: "CheckSDKResult", Method: http.MethodPost, URL: p.sdkCheckURL, Form: form,
		Files:   []transport.File{{Field: "file", Name: sdkFileName, ContentType: "application/octet-stream", Data: data}},
		RetryIf: transport.NotSent,
	}, func(resp *transport.Response) (*liveness.Result, error) {
		env, err := decodeEnvelope(resp)
		if err != nil {
			return nil, err
		}
		if env.code() != codeOK || !httpOK(resp) {
			return nil, env.err(resp, sdkErrorTable, false)
		}
		return normalizeSDK(env, resp.Body)
	})
}

// sdkErrorTable is sdkCodes over publicCodes: the SDK v1 document lists its
// own codes, and a code only the H5 v2 document lists (606, 609, 610) keeps
// that meaning rather than becoming an unknown code.
//
// Guess: see VENDORS.md, Jumdata, sdk-public-codes
var sdkErrorTable = func() map[string]error {
	m := make(map[string]error, len(publicCodes)+len(sdkCodes))
	for k, v := range publicCodes {
		m[k] = v
	}
	for k, v := range sdkCodes {
		m[k] = v
	}
	return m
}()

func normalizeSDK(env *envelope, body []byte) (*liveness.Result, error) {
	var d struct {
		Result    jsonx.String `json:"result"` // 1 or "1"
		SelfieURL string       `json:"selfie_url"`
		OrderNo   string       `json:"order_no"`
	}
	reqID := env.TaskNo
	if !env.hasData() {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Code: env.code(), Message: "answer has no data", RequestID: reqID}
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Code: env.code(), Message: "data is not the expected object", RequestID: reqID, Err: err}
	}
	if reqID == "" {
		reqID = d.OrderNo
	}
	o, ok := sdkResults[string(d.Result)]
	if !ok {
		return nil, &liveness.Error{Kind: liveness.ErrBadResponse, Code: env.code(),
			Message: "data.result is " + strconv.Quote(string(d.Result)) + ", want 1 or 2", RequestID: reqID}
	}
	r := &liveness.Result{
		Vendor:     liveness.Jumdata,
		Status:     o.Status,
		Reason:     o.Reason,
		VendorCode: env.code(),
		Message:    env.message(),
		Liveness:   &liveness.LivenessResult{Passed: o.Status == liveness.StatusPassed, Code: string(d.Result), Message: env.message()},
		RequestID:  reqID,
		Raw:        json.RawMessage(body),
	}
	if o.Status == liveness.StatusPassed {
		r.FaceImageURL = d.SelfieURL
	}
	return r, nil
}
