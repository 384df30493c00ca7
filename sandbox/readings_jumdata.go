package sandbox

import "net/http"

// Readings of Jumdata's documents. Where the documents are silent the
// sandbox plays one reading by default, the harsher one where there is a
// choice; these options play the others, so a client can be tested
// against each. Jumdata's client in this module survives every one of
// them (callback/jumdata_readings_test.go, jumdata/readings_test.go).

// DefaultJumdataProductCode is the productCode the sandbox requires of the
// direct channel's H5 v2 calls unless told otherwise: the value the
// jumdata package sends by default. No Jumdata document names the field.
const DefaultJumdataProductCode = "life_check_v2"

// JumdataSDKEncoding is a request encoding the SDK v1 check
// (/lifecheck-sdk/v1/check) may accept, named by its media type.
type JumdataSDKEncoding string

// The SDK v1 check's encodings. The SDK v1 document says both: its request
// format is x-www-form-urlencoded, and its field file has the type file
// ("文件类型,活体检测SDK返回的加密文件"), which only multipart/form-data
// carries.
const (
	// JumdataSDKMultipart: multipart/form-data, the file as a file part
	// named file.
	JumdataSDKMultipart JumdataSDKEncoding = "multipart/form-data"
	// JumdataSDKURLEncoded: application/x-www-form-urlencoded, the file as
	// the value of the field file: base64 (standard alphabet) when the
	// value decodes as such, else the value's bytes themselves.
	JumdataSDKURLEncoded JumdataSDKEncoding = "application/x-www-form-urlencoded"
)

// WithJumdataCodeOnlyErrors makes Jumdata's answers carry only their code:
// the msg of every answer is the description the H5 v2 document gives the
// code (400 "参数错误", 203 "检测失败", …), never a text of the sandbox's
// own that names a cause ("签名错误", "参数错误: token", "参数错误:
// returnUrl", "检测失败：浏览器缺少进行活体采集的特性"). The documents show
// no other msg, so a client must not need one: through the jumdata
// package a wrong secret or an unknown token is then ErrInvalidArgument
// (what 400 means), and device_unsupported is error / unknown (what 203
// means). The SDK check's "SDK结果文件必须上传" stays: it is the SDK v1
// document's own sample.
//
// The default is the reading with texts, because the conformance suite
// (package providertest) requires an unknown session to be ErrNotFound and
// wrong credentials ErrUnauthenticated, which a bare 400 cannot say.
func WithJumdataCodeOnlyErrors() Option {
	return withJumdataReading(func(r *jumdataReadings) { r.codeOnly = true })
}

// WithJumdataProductCode makes the direct channel's H5 v2 calls (init and
// result) require productCode=code, answering 400 otherwise; the default is
// DefaultJumdataProductCode. No Jumdata document names the field or its
// value, so this plays a vendor that gives you another code: configure it
// in the client (jumdata.Config.ProductCode, product_code= in the
// liveness.Open URL; [Sandbox.ProviderURL] does not carry it). An empty
// code leaves the default.
func WithJumdataProductCode(code string) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		if code != "" {
			r.productCode = code
		}
	})
}

// WithJumdataAnyProductCode makes the direct channel's H5 v2 calls accept
// any productCode, or none: the reading in which the field means nothing to
// Jumdata (the address already names the product).
func WithJumdataAnyProductCode() Option {
	return withJumdataReading(func(r *jumdataReadings) { r.anyProductCode = true })
}

// WithJumdataSDKEncodings sets the encodings the SDK v1 check accepts. The
// default is both, each line of the SDK v1 document honoured: its request
// format (x-www-form-urlencoded) and its file-typed field (a multipart
// file part). A request in an encoding not accepted has, for the server,
// no file: it answers 400 "SDK结果文件必须上传", the document's error
// sample, as a server reading the other encoding does. Unknown encodings
// are ignored; none at all leaves the default.
func WithJumdataSDKEncodings(encs ...JumdataSDKEncoding) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		var set jumdataSDKSet
		for _, e := range encs {
			switch e {
			case JumdataSDKMultipart:
				set.multipart = true
			case JumdataSDKURLEncoded:
				set.urlencoded = true
			}
		}
		if set.multipart || set.urlencoded {
			r.sdk = &set
		}
	})
}

// WithJumdataRichResults makes the result call answer in the shape of a
// public sample of a richer Jumdata result ({"code":200, "message":"成功",
// "charge":true, "data":{"passed":true, "face_image_url":…,
// "hack_score":0.7475}}) instead of the H5 v2 document's: message for
// msg, and a completed check is code 200 whose data.passed gives the
// verdict (false for spoof, with a hack_score of the sandbox's own),
// rather than 200 or 202. Other codes (201, 203, 301, errors) keep their
// meaning and spell msg as message.
func WithJumdataRichResults() Option {
	return withJumdataReading(func(r *jumdataReadings) { r.rich = true })
}

// WithJumdataInvalidAppCodeStatus sets the HTTP status of the cloud market
// gateway's answer to a wrong AppCode (X-Ca-Error-Message: Invalid
// AppCode, empty body); the default is 403. Neither Jumdata nor this
// module's spec settles it (the spec gives 400).
func WithJumdataInvalidAppCodeStatus(status int) Option {
	return withJumdataReading(func(r *jumdataReadings) {
		if status >= 400 && status <= 599 {
			r.invalidAppCodeStatus = status
		}
	})
}

// jumdataReadings are the readings a sandbox plays; the zero value is the
// default.
type jumdataReadings struct {
	codeOnly             bool
	productCode          string // "" is DefaultJumdataProductCode
	anyProductCode       bool
	sdk                  *jumdataSDKSet // nil is both
	rich                 bool
	invalidAppCodeStatus int // 0 is 403
}

type jumdataSDKSet struct{ multipart, urlencoded bool }

// accepts reports whether the SDK check reads a file sent in enc.
func (r *jumdataReadings) accepts(enc JumdataSDKEncoding) bool {
	if r.sdk == nil {
		return true
	}
	switch enc {
	case JumdataSDKMultipart:
		return r.sdk.multipart
	case JumdataSDKURLEncoded:
		return r.sdk.urlencoded
	}
	return false
}

// wantProductCode reports whether the productCode v is accepted.
func (r *jumdataReadings) wantProductCode(v string) bool {
	if r.anyProductCode {
		return true
	}
	want := r.productCode
	if want == "" {
		want = DefaultJumdataProductCode
	}
	return v == want
}

// msg returns the msg of an answer with code: text, or under code-only
// answers the document's description of the code.
func (r *jumdataReadings) msg(code int, text string) string {
	if r.codeOnly {
		return jumdataMessages[code]
	}
	return text
}

func (r *jumdataReadings) appCodeStatus() int {
	if r.invalidAppCodeStatus == 0 {
		return 403
	}
	return r.invalidAppCodeStatus
}

func withJumdataReading(set func(*jumdataReadings)) Option {
	return func(s *Sandbox) { set(&s.jumdataReadings) }
}

// jumdataReadingList is the catalogue of Jumdata's readings (see [Readings]).
func jumdataReadingList() []Reading {
	return []Reading{
		{"jumdata/product-code=exact", true, WithJumdataProductCode(DefaultJumdataProductCode)},
		{"jumdata/product-code=any", false, WithJumdataAnyProductCode()},
		{"jumdata/error-texts=texts", true, noOption},
		{"jumdata/error-texts=code-only", false, WithJumdataCodeOnlyErrors()},
		{"jumdata/sdk-encoding=both", true, WithJumdataSDKEncodings(JumdataSDKMultipart, JumdataSDKURLEncoded)},
		{"jumdata/sdk-encoding=multipart", false, WithJumdataSDKEncodings(JumdataSDKMultipart)},
		{"jumdata/sdk-encoding=urlencoded", false, WithJumdataSDKEncodings(JumdataSDKURLEncoded)},
		{"jumdata/rich-result=seed", true, noOption},
		{"jumdata/rich-result=rich", false, WithJumdataRichResults()},
		{"jumdata/gateway-errors=invalid-appcode-403", true, WithJumdataInvalidAppCodeStatus(http.StatusForbidden)},
		{"jumdata/gateway-errors=invalid-appcode-400", false, WithJumdataInvalidAppCodeStatus(http.StatusBadRequest)},
	}
}
