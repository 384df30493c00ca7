package megvii

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/go-liveness/liveness"
)

// Payload is Megvii's result JSON, typed: the answer of get_result and the
// data field of the callbacks. Result.Raw holds it untouched; [DecodePayload]
// reads it back, so everything Megvii sent beyond the normalized Result
// (idcard_info, details, face_genuineness, multifaces_tag, images) stays
// reachable.
type Payload struct {
	// Status is NOT_STARTED, PROCESSING, WEBRTC_UNSUPPORTED, OK, FAILED,
	// CANCELLED or TIMEOUT. OK means the flow ended, not that it passed.
	Status string `json:"status"`
	// FailReason (NETWORK_ERROR, PERMISSIONS_ERROR, SUPPORT_ERROR) comes
	// with WEBRTC_UNSUPPORTED when the session asked for it.
	FailReason string          `json:"fail_reason"`
	BizInfo    BizInfo         `json:"biz_info"`
	IDCardInfo *IDCardInfo     `json:"idcard_info"`
	Liveness   *LivenessDetail `json:"liveness_result"`
	Verify     *VerifyResult   `json:"verify_result"`
	// Will holds the intention checks (procedure_type "will").
	Will []WillResult `json:"will_result"`
	// MultifacesTag is sent with return_multifaces_tag=1, as a number or a
	// string.
	MultifacesTag Text `json:"multifaces_tag"`
	// Images maps image names (image_best, ...) to the data URIs get_result
	// sends with return_image; DecodeImages decodes them.
	Images    map[string]json.RawMessage `json:"images"`
	RequestID string                     `json:"request_id"`
	TimeUsed  Number                     `json:"time_used"`
}

// BizInfo identifies the session. DecodePayload fills it from biz_info,
// and from biz_id and biz_no at the top of the answer where biz_info does
// not name them.
type BizInfo struct {
	// BizID is the session ID (get_token's biz_id). It is opaque: it holds a
	// comma, and may hold spaces.
	BizID        string `json:"biz_id"`
	BizNo        string `json:"biz_no"`
	BizExtraData string `json:"biz_extra_data"`
}

// IDCardInfo is the ID card step, sent when the scene reads an ID card.
// The OCR details stay as JSON.
type IDCardInfo struct {
	IDCardMode            Text            `json:"idcard_mode"`
	IDCardUneditableField string          `json:"idcard_uneditable_field"`
	IDCardNumber          string          `json:"idcard_number"`
	IDCardName            string          `json:"idcard_name"`
	IDCardValidDate       string          `json:"idcard_valid_date"`
	IDCardIssuedBy        string          `json:"idcard_issued_by"`
	FrontSide             json.RawMessage `json:"front_side"`
	BackSide              json.RawMessage `json:"back_side"`
	OCRFrontQuality       json.RawMessage `json:"ocr_front_quality"`
	OCRBackQuality        json.RawMessage `json:"ocr_back_quality"`
}

// LivenessDetail is liveness_result. Only Result decides anything; the
// other fields are decoded leniently: a shape the package does not know is
// left out here and stays in Result.Raw.
type LivenessDetail struct {
	// Result is PASS, FAIL or TIMEOUT.
	Result        string `json:"result"`
	ProcedureType string `json:"procedure_type"`
	// Details counts the user's mistakes (FACE_NOT_FOUND, UPLOAD_TIMES,
	// ...); they do not decide the result.
	Details map[string]Number `json:"details"`
	// PhotoDetails holds the counts per photo ("face_front", "face_side")
	// that procedure_type selfie nests under details.
	PhotoDetails    map[string]map[string]Number `json:"-"`
	FaceGenuineness FaceGenuineness              `json:"face_genuineness"`
}

// MarshalJSON implements json.Marshaler, writing Details and PhotoDetails
// back into the one details object Megvii sends.
func (d LivenessDetail) MarshalJSON() ([]byte, error) {
	details := make(map[string]any, len(d.Details)+len(d.PhotoDetails))
	for k, v := range d.Details {
		details[k] = v
	}
	for k, v := range d.PhotoDetails {
		details[k] = v
	}
	w := struct {
		Result          string          `json:"result"`
		ProcedureType   string          `json:"procedure_type,omitempty"`
		Details         map[string]any  `json:"details,omitempty"`
		FaceGenuineness FaceGenuineness `json:"face_genuineness"`
	}{d.Result, d.ProcedureType, details, d.FaceGenuineness}
	return json.Marshal(w)
}

// FaceGenuineness holds the confidences that the face is synthetic, a mask
// or a replayed screen, each with the threshold from which Megvii counts
// it as an attack, and for procedure_type selfie whether the two photos
// disagree. Each field is decoded leniently.
type FaceGenuineness struct {
	SyntheticFaceConfidence Number `json:"synthetic_face_confidence"`
	SyntheticFaceThreshold  Number `json:"synthetic_face_threshold"`
	MaskConfidence          Number `json:"mask_confidence"`
	MaskThreshold           Number `json:"mask_threshold"`
	ScreenReplayConfidence  Number `json:"screen_replay_confidence"`
	ScreenReplayThreshold   Number `json:"screen_replay_threshold"`
	// SelfieInconsistent (selfie only) is "1" when the front and side
	// photos do not show the same content, "0" otherwise.
	SelfieInconsistent Text `json:"selfie_inconsistent"`
	// SelfieMetadataInconsistent (selfie only) is "1" when the photos'
	// metadata disagree, "2" when a photo is not a JPEG (picked from an
	// album rather than taken), "0" otherwise.
	SelfieMetadataInconsistent Text `json:"selfie_metadata_inconsistent"`
}

// Attacks names the attacks whose confidence reached their threshold, and
// the selfie checks that failed (selfie_inconsistent,
// selfie_metadata_inconsistent).
func (g FaceGenuineness) Attacks() []string {
	var out []string
	for _, a := range []struct {
		name                  string
		confidence, threshold Number
	}{
		{"synthetic_face", g.SyntheticFaceConfidence, g.SyntheticFaceThreshold},
		{"mask", g.MaskConfidence, g.MaskThreshold},
		{"screen_replay", g.ScreenReplayConfidence, g.ScreenReplayThreshold},
	} {
		if a.threshold > 0 && a.confidence >= a.threshold {
			out = append(out, a.name)
		}
	}
	if g.SelfieInconsistent != "" && g.SelfieInconsistent != "0" {
		out = append(out, "selfie_inconsistent")
	}
	if g.SelfieMetadataInconsistent != "" && g.SelfieMetadataInconsistent != "0" {
		out = append(out, "selfie_metadata_inconsistent")
	}
	return out
}

// VerifyResult is verify_result: the face comparisons, or the error that
// prevented them.
type VerifyResult struct {
	// VerifyTime is sent with return_verify_time=1 (Unix seconds).
	VerifyTime Number `json:"verify_time"`
	// ErrorMessage is set when the comparison could not be made
	// (ID_NUMBER_NAME_NOT_MATCH, NO_SUCH_ID_NUMBER, ...).
	ErrorMessage           string      `json:"error_message"`
	ResultFaceID           *Comparison `json:"result_faceid"`
	ResultRef1             *Comparison `json:"result_ref1"`
	ResultRef2             *Comparison `json:"result_ref2"`
	ResultIDCardPhoto      *Comparison `json:"result_idcard_photo"`
	ResultIDCardDatasource *Comparison `json:"result_idcard_datasource"`
	IDExceptions           struct {
		IDAttacked        Number `json:"id_attacked"`
		IDPhotoMonochrome Number `json:"id_photo_monochrome"`
	} `json:"id_exceptions"`
}

// Comparison is one face comparison: a confidence from 0 to 100 and the
// threshold for each false-accept rate ("1e-3" ... "1e-6").
type Comparison struct {
	Confidence Number            `json:"confidence"`
	Thresholds map[string]Number `json:"thresholds"`
}

// WillResult is one intention check.
type WillResult struct {
	// Result is PASS or FAIL.
	Result           string `json:"result"`
	WillErrorMessage string `json:"will_error_message"`
}

// DecodePayload parses Megvii's result JSON (Result.Raw of a Megvii
// Result, or a callback's data). Anything after the JSON object is an
// error, and so is a field that decides the verdict in a shape the package
// cannot read (status, biz_info, liveness_result.result, verify_result,
// will_result). The informational fields (idcard_info, the details and
// face_genuineness of liveness_result, multifaces_tag, images, fail_reason,
// request_id, time_used) are decoded leniently: an unknown shape leaves
// the field empty and stays in the raw JSON. The payload's json.RawMessage
// values (the ID card's sides and OCR qualities, the images) are copies:
// raw itself is not kept.
func DecodePayload(raw []byte) (*Payload, error) {
	pl, _, err := decodePayload(raw)
	return pl, err
}

// DecodeImages decodes every image of the payload. Megvii sends data URIs,
// spelled "data:image/jpeg;base64,..." or "data: image/jpeg;base64,...";
// bare base64 is accepted too. A name whose value is a list gets one entry
// per image, name_1, name_2, ...
func (pl *Payload) DecodeImages() (map[string][]byte, error) {
	out := make(map[string][]byte, len(pl.Images))
	names := make([]string, 0, len(pl.Images))
	for name := range pl.Images {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := pl.Images[name]
		var one string
		if err := json.Unmarshal(raw, &one); err == nil {
			if one == "" {
				continue
			}
			b, err := decodeDataURI(one)
			if err != nil {
				return nil, errors.New("images." + name + ": " + err.Error())
			}
			out[name] = b
			continue
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			return nil, errors.New("images." + name + " is neither a string nor a list of strings")
		}
		for i, s := range many {
			b, err := decodeDataURI(s)
			if err != nil {
				return nil, errors.New("images." + name + "[" + strconv.Itoa(i) + "]: " + err.Error())
			}
			out[name+"_"+strconv.Itoa(i+1)] = b
		}
	}
	return out, nil
}

// decodeDataURI returns the bytes of a base64 data URI. The sample's
// "data: image/jpeg;base64," has a space after the colon, and base64 may
// come wrapped in lines or without padding.
func decodeDataURI(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 5 && strings.EqualFold(s[:5], "data:") {
		header, body, ok := strings.Cut(s[5:], ",")
		if !ok {
			return nil, errors.New("data URI without a comma")
		}
		params := strings.Split(header, ";")
		if !strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64") {
			return nil, errors.New("data URI is not base64")
		}
		s = body
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) == 0 {
				return nil, errors.New("empty image")
			}
			return b, nil
		}
	}
	return nil, errors.New("image is not valid base64")
}

// badPayload is the error for a payload that cannot be understood.
func badPayload(msg string, err error) *liveness.Error {
	return &liveness.Error{Kind: liveness.ErrBadResponse, Message: msg, Err: err}
}
