package megviisim

import (
	"crypto/sha1"
	"encoding/hex"
	"net/url"
)

// The vendor-side encoders: the callback signature and form, written from
// Megvii's callback document with the standard library only. They
// deliberately share no code with the client packages (megvii, signing),
// so a signing or parsing bug in a client cannot be mirrored here and
// hidden from the tests.

// megviiSign is Megvii FaceID Lite's callback signature (callback
// document, "sign = sha1(API_SECRET + json_data)", lowercase).
func megviiSign(apiSecret string, data []byte) string {
	h := sha1.Sum(append([]byte(apiSecret), data...))
	return hex.EncodeToString(h[:])
}

// megviiCallbackForm is the POST form of a Megvii return or notify:
// data=<json>&sign=<sha1>.
func megviiCallbackForm(apiSecret string, data []byte) url.Values {
	return url.Values{"data": {string(data)}, "sign": {megviiSign(apiSecret, data)}}
}
