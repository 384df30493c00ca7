package megvii

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/go-liveness/liveness/internal/jsonx"
)

// This file is DecodePayload's one-pass decoder. The answer is validated
// once (json.Valid), then walked once: each field is read in place from
// the validated bytes, with the same rules encoding/json applies to the
// types of Payload (keys matched exactly, then case-insensitively; the
// last of duplicate keys wins, or merges where encoding/json merges; null
// leaves a value alone or clears a pointer, map or slice), and the same
// leniency: an informational field of an unknown shape is left empty. The
// decoder it replaced, several json.Unmarshal passes over the same bytes,
// is kept in the tests as the reference (TestDecodePayloadMatchesReference
// and FuzzDecodePayloadMatchesReference).

// Errors of the decoder. None quotes the input.
var (
	errWantObject  = jsonx.ErrWantObject
	errWantArray   = errors.New("want an array")
	errWantString  = errors.New("want a string")
	errBadKey      = errors.New("malformed key")
	errNotText     = errors.New("liveness_result.result is not text")
	errBadEncoding = errors.New("malformed string")
)

// known holds the texts Megvii's answers repeat (statuses, verdicts, the
// keys of details and thresholds): a plain string equal to one of them is
// read as the constant, without a copy.
var known = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"NOT_STARTED", "PROCESSING", "WEBRTC_UNSUPPORTED", "OK", "FAILED", "CANCELLED", "TIMEOUT",
		"NETWORK_ERROR", "PERMISSIONS_ERROR", "SUPPORT_ERROR", "PASS", "FAIL", "",
		"will", "selfie", "video", "still", "meglive", "flash", "0", "1", "2", "...",
		"1e-3", "1e-4", "1e-5", "1e-6", "face_front", "face_side",
		"UPLOAD_TIMES", "FACE_NOT_FOUND", "LOW_FACE_QUALITY", "INVALID_VIDEO_DURATION", "SR_ERROR",
		"NOT_SYNCHRONIZED", "VIDEO_FORMAT_UNSUPPORTED", "NO_AUDIO", "FACE_BLURRED", "FACE_MULTIPLE_FACES",
		"FACE_POOR_LIGHT", "FACE_NOT_FRONT", "FACE_NOT_SIDE", "FACE_NOT_PROPER_POSITION", "UNSUPPORTED_FORMAT",
		"image_best", "image_env", "image_idcard_front", "image_idcard_back", "image_action1",
		"image_action2", "image_action3", "image_face_front", "image_face_side",
	} {
		m[s] = s
	}
	for _, s := range genuinenessFields {
		m[s] = s
	}
	m["id_attacked"], m["id_photo_monochrome"] = "id_attacked", "id_photo_monochrome"
	return m
}()

// textOf is Text.UnmarshalJSON's text of v, a known text without a copy.
func textOf(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' {
		if s, ok := known[string(v[1:len(v)-1])]; ok {
			return s, nil
		}
	}
	var t Text
	err := t.UnmarshalJSON(v)
	return string(t), err
}

// stringValue is the text of a JSON string value.
func stringValue(v []byte) (string, error) {
	if in := v[1 : len(v)-1]; jsonx.Plain(in) {
		if s, ok := known[string(in)]; ok {
			return s, nil
		}
		return string(in), nil
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", errBadEncoding
	}
	return s, nil
}

// stringField decodes v into *dst as encoding/json decodes a string
// field: null leaves it alone, a value of another kind is an error.
func stringField(v []byte, dst *string) error {
	if jsonx.IsNull(v) {
		return nil
	}
	if v[0] != '"' {
		return errWantString
	}
	s, err := stringValue(v)
	if err != nil {
		return err
	}
	*dst = s
	return nil
}

// mapKey is the text of a key of a map.
func mapKey(key []byte) (string, error) {
	s, err := stringValue(key)
	if err != nil {
		return "", errBadKey
	}
	return s, nil
}

// payloadDecoder holds the answer being decoded and, once a raw value is
// kept, one copy of it that every kept value shares.
type payloadDecoder struct {
	raw  []byte
	copy []byte
}

// keep returns a copy of v, a part of d.raw, capped so that appending to
// it cannot reach its neighbours.
func (d *payloadDecoder) keep(v []byte) json.RawMessage {
	if d.copy == nil {
		d.copy = bytes.Clone(d.raw)
	}
	off := cap(d.raw) - cap(v)
	return d.copy[off : off+len(v) : off+len(v)]
}

var payloadFields = []string{"status", "fail_reason", "biz_info", "idcard_info", "liveness_result",
	"verify_result", "will_result", "multifaces_tag", "images", "request_id", "time_used",
	"error", "error_message", "biz_id", "biz_no"}

// decodePayload is DecodePayload. errorKey reports whether the answer is
// an object with a key errorAnswer reads (error, error_message): only
// then can vendorError find an error in a 2xx answer.
func decodePayload(raw []byte) (pl *Payload, errorKey bool, err error) {
	pl, err = decodePayloadTo(raw, &errorKey)
	return pl, errorKey, err
}

func decodePayloadTo(raw []byte, errorKey *bool) (*Payload, error) {
	v, err := jsonx.Top(raw)
	if err != nil {
		return nil, err
	}
	d := &payloadDecoder{raw: raw}
	var pl Payload
	if jsonx.IsNull(v) {
		return &pl, nil
	}
	// The last of duplicate keys wins, as with the json.RawMessage fields
	// the decoder read them into before.
	var vals [15][]byte
	if err := jsonx.Object(v, payloadFields, func(i int, val []byte) error {
		if i >= 0 {
			vals[i] = val
		}
		return nil
	}); err != nil {
		return nil, err
	}
	*errorKey = vals[11] != nil || vals[12] != nil
	if v := vals[0]; v != nil {
		t, err := textOf(v)
		if err != nil {
			return nil, errors.New("status: " + err.Error())
		}
		pl.Status = t
	}
	if v := vals[2]; v != nil {
		if err := d.bizInfo(v, &pl.BizInfo); err != nil {
			return nil, errors.New("biz_info: " + err.Error())
		}
	}
	// Guess: see VENDORS.md, Megvii, biz-fields. The callback document
	// puts biz_id and biz_no in biz_info; an answer that names them at its
	// top instead (as Megvii's raw get_result page places biz_no) is read
	// the same, biz_info winning where both name one.
	if pl.BizInfo.BizID == "" {
		pl.BizInfo.BizID = lenientText(vals[13], "")
	}
	if pl.BizInfo.BizNo == "" {
		pl.BizInfo.BizNo = lenientText(vals[14], "")
	}
	if v := vals[4]; v != nil {
		if jsonx.IsNull(v) {
			pl.Liveness = nil
		} else {
			pl.Liveness = new(LivenessDetail)
			if err := d.liveness(v, pl.Liveness); err != nil {
				return nil, errors.New("liveness_result: " + err.Error())
			}
		}
	}
	if v := vals[5]; v != nil {
		if !jsonx.IsNull(v) {
			pl.Verify = new(VerifyResult)
			if err := d.verify(v, pl.Verify); err != nil {
				return nil, errors.New("verify_result: " + err.Error())
			}
		}
	}
	if v := vals[6]; v != nil {
		if err := d.will(v, &pl.Will); err != nil {
			return nil, errors.New("will_result: " + err.Error())
		}
	}
	pl.FailReason = lenientText(vals[1], pl.FailReason)
	pl.RequestID = lenientText(vals[9], pl.RequestID)
	if v := vals[3]; v != nil {
		var info *IDCardInfo
		if d.idCard(v, &info) == nil {
			pl.IDCardInfo = info
		}
	}
	if v := vals[7]; v != nil {
		pl.MultifacesTag = Text(lenientText(v, string(pl.MultifacesTag)))
	}
	if v := vals[8]; v != nil {
		var images map[string]json.RawMessage
		if d.rawMap(v, &images) == nil {
			pl.Images = images
		}
	}
	pl.TimeUsed = lenientNumber(vals[10], pl.TimeUsed)
	return &pl, nil
}

// lenientText is the text of v, or old when v is absent or not text.
func lenientText(v []byte, old string) string {
	if v == nil {
		return old
	}
	t, err := textOf(v)
	if err != nil {
		return old
	}
	return t
}

// lenientNumber is the number v holds, or old when v is absent or not a
// number.
func lenientNumber(v []byte, old Number) Number {
	if v == nil {
		return old
	}
	var n Number
	if n.UnmarshalJSON(v) != nil {
		return old
	}
	return n
}

var bizFields = []string{"biz_id", "biz_no", "biz_extra_data"}

func (d *payloadDecoder) bizInfo(v []byte, out *BizInfo) error {
	if jsonx.IsNull(v) {
		return nil
	}
	var extra []byte
	if err := jsonx.Object(v, bizFields, func(i int, val []byte) error {
		switch i {
		case 0, 1:
			var t Text
			if err := t.UnmarshalJSON(val); err != nil {
				return err
			}
			if i == 0 {
				out.BizID = string(t)
			} else {
				out.BizNo = string(t)
			}
		case 2:
			extra = val
		}
		return nil
	}); err != nil {
		return err
	}
	out.BizExtraData = lenientText(extra, "")
	return nil
}

var livenessFields = []string{"result", "procedure_type", "details", "face_genuineness"}

// liveness is LivenessDetail.UnmarshalJSON in place.
func (d *payloadDecoder) liveness(v []byte, out *LivenessDetail) error {
	var vals [4][]byte
	if err := jsonx.Object(v, livenessFields, func(i int, val []byte) error {
		if i >= 0 {
			vals[i] = val
		}
		return nil
	}); err != nil {
		return err
	}
	if vals[0] != nil {
		t, err := textOf(vals[0])
		if err != nil {
			return errNotText
		}
		out.Result = t
	}
	out.ProcedureType = lenientText(vals[1], "")
	if v := vals[2]; v != nil && v[0] == '{' {
		// The callback never fails: a member that is neither shape, or
		// has a malformed key, is left out.
		_ = jsonx.Map(v, func(key, val []byte) error {
			k, err := mapKey(key)
			if err != nil {
				return nil
			}
			var n Number
			if n.UnmarshalJSON(val) == nil {
				if out.Details == nil {
					out.Details = map[string]Number{}
				}
				out.Details[k] = n
				// A later duplicate of another shape replaces it.
				delete(out.PhotoDetails, k)
				return nil
			}
			var photo map[string]Number
			if val[0] == '{' && numberMap(val, &photo) == nil {
				if out.PhotoDetails == nil {
					out.PhotoDetails = map[string]map[string]Number{}
				}
				out.PhotoDetails[k] = photo
				delete(out.Details, k)
				return nil
			}
			// Neither: the previous value of a duplicate key stays
			// out, as in a map decoded first.
			delete(out.Details, k)
			delete(out.PhotoDetails, k)
			return nil
		})
		if len(out.Details) == 0 {
			out.Details = nil
		}
		if len(out.PhotoDetails) == 0 {
			out.PhotoDetails = nil
		}
	}
	if v := vals[3]; v != nil {
		out.FaceGenuineness = faceGenuineness(v)
	}
	return nil
}

// numberMap decodes an object of numbers into *out, merging as
// encoding/json does; null leaves a nil map.
func numberMap(v []byte, out *map[string]Number) error {
	if jsonx.IsNull(v) {
		*out = nil
		return nil
	}
	if v[0] != '{' {
		return errWantObject
	}
	if *out == nil {
		*out = map[string]Number{}
	}
	return jsonx.Map(v, func(key, val []byte) error {
		k, err := mapKey(key)
		if err != nil {
			return err
		}
		var n Number
		if err := n.UnmarshalJSON(val); err != nil {
			return err
		}
		(*out)[k] = n
		return nil
	})
}

var genuinenessFields = []string{"synthetic_face_confidence", "synthetic_face_threshold", "mask_confidence",
	"mask_threshold", "screen_replay_confidence", "screen_replay_threshold", "selfie_inconsistent",
	"selfie_metadata_inconsistent"}

// faceGenuineness is FaceGenuineness.UnmarshalJSON: never failing, the
// last of duplicate keys deciding (a map's keys are exact).
func faceGenuineness(v []byte) FaceGenuineness {
	var g FaceGenuineness
	var vals [8][]byte
	if jsonx.Map(v, func(key, val []byte) error {
		k, err := mapKey(key)
		if err != nil {
			return err
		}
		for i, n := range genuinenessFields {
			if k == n {
				vals[i] = val
			}
		}
		return nil
	}) != nil {
		// Not an object, or a malformed key: nothing.
		return g
	}
	nums := [6]*Number{&g.SyntheticFaceConfidence, &g.SyntheticFaceThreshold, &g.MaskConfidence,
		&g.MaskThreshold, &g.ScreenReplayConfidence, &g.ScreenReplayThreshold}
	for i, dst := range nums {
		*dst = lenientNumber(vals[i], 0)
	}
	g.SelfieInconsistent = Text(lenientText(vals[6], ""))
	g.SelfieMetadataInconsistent = Text(lenientText(vals[7], ""))
	return g
}

var verifyFields = []string{"verify_time", "error_message", "result_faceid", "result_ref1", "result_ref2",
	"result_idcard_photo", "result_idcard_datasource", "id_exceptions"}

// verify is VerifyResult.UnmarshalJSON in place.
func (d *payloadDecoder) verify(v []byte, out *VerifyResult) error {
	var verifyTime, exceptions []byte
	cmps := [5]**Comparison{&out.ResultFaceID, &out.ResultRef1, &out.ResultRef2,
		&out.ResultIDCardPhoto, &out.ResultIDCardDatasource}
	if err := jsonx.Object(v, verifyFields, func(i int, val []byte) error {
		switch i {
		case 0:
			verifyTime = val
		case 1:
			if jsonx.IsNull(val) {
				out.ErrorMessage = ""
				return nil
			}
			t, err := textOf(val)
			if err != nil {
				return err
			}
			out.ErrorMessage = t
		case 2, 3, 4, 5, 6:
			return comparison(val, cmps[i-2])
		case 7:
			exceptions = val
		}
		return nil
	}); err != nil {
		return err
	}
	out.VerifyTime = lenientNumber(verifyTime, 0)
	if exceptions != nil && exceptions[0] == '{' {
		var attacked, monochrome []byte
		if jsonx.Map(exceptions, func(key, val []byte) error {
			k, err := mapKey(key)
			if err != nil {
				return err
			}
			switch k {
			case "id_attacked":
				attacked = val
			case "id_photo_monochrome":
				monochrome = val
			}
			return nil
		}) != nil {
			attacked, monochrome = nil, nil
		}
		out.IDExceptions.IDAttacked = lenientNumber(attacked, 0)
		out.IDExceptions.IDPhotoMonochrome = lenientNumber(monochrome, 0)
	}
	return nil
}

var comparisonFields = []string{"confidence", "thresholds"}

// comparison decodes into *out as encoding/json decodes into a
// *Comparison: null clears it, an object fills the one already there.
func comparison(v []byte, out **Comparison) error {
	if jsonx.IsNull(v) {
		*out = nil
		return nil
	}
	if v[0] != '{' {
		return errWantObject
	}
	if *out == nil {
		*out = new(Comparison)
	}
	c := *out
	return jsonx.Object(v, comparisonFields, func(i int, val []byte) error {
		switch i {
		case 0:
			return c.Confidence.UnmarshalJSON(val)
		case 1:
			return numberMap(val, &c.Thresholds)
		}
		return nil
	})
}

var willFields = []string{"result", "will_error_message"}

// will decodes will_result as encoding/json decodes a []WillResult.
func (d *payloadDecoder) will(v []byte, out *[]WillResult) error {
	if jsonx.IsNull(v) {
		*out = nil
		return nil
	}
	if v[0] != '[' {
		return errWantArray
	}
	list := []WillResult{}
	for m := jsonx.Walk(v); ; {
		_, el, ok := m.Next()
		if !ok {
			break
		}
		var w WillResult
		if !jsonx.IsNull(el) {
			if err := jsonx.Object(el, willFields, func(i int, val []byte) error {
				switch i {
				case 0:
					return stringField(val, &w.Result)
				case 1:
					return stringField(val, &w.WillErrorMessage)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		list = append(list, w)
	}
	*out = list
	return nil
}

var idCardFields = []string{"idcard_mode", "idcard_uneditable_field", "idcard_number", "idcard_name",
	"idcard_valid_date", "idcard_issued_by", "front_side", "back_side", "ocr_front_quality", "ocr_back_quality"}

// idCard decodes idcard_info as encoding/json decodes a *IDCardInfo.
func (d *payloadDecoder) idCard(v []byte, out **IDCardInfo) error {
	if jsonx.IsNull(v) {
		return nil
	}
	if v[0] != '{' {
		return errWantObject
	}
	info := new(IDCardInfo)
	strs := [5]*string{&info.IDCardUneditableField, &info.IDCardNumber, &info.IDCardName,
		&info.IDCardValidDate, &info.IDCardIssuedBy}
	raws := [4]*json.RawMessage{&info.FrontSide, &info.BackSide, &info.OCRFrontQuality, &info.OCRBackQuality}
	if err := jsonx.Object(v, idCardFields, func(i int, val []byte) error {
		switch {
		case i == 0:
			return info.IDCardMode.UnmarshalJSON(val)
		case i >= 1 && i <= 5:
			return stringField(val, strs[i-1])
		case i >= 6:
			*raws[i-6] = d.keep(val)
		}
		return nil
	}); err != nil {
		return err
	}
	*out = info
	return nil
}

// rawMap decodes an object into a map of its raw values, as encoding/json
// decodes a map[string]json.RawMessage.
func (d *payloadDecoder) rawMap(v []byte, out *map[string]json.RawMessage) error {
	if jsonx.IsNull(v) {
		return nil
	}
	if v[0] != '{' {
		return errWantObject
	}
	mp := map[string]json.RawMessage{}
	if err := jsonx.Map(v, func(key, val []byte) error {
		k, err := mapKey(key)
		if err != nil {
			return err
		}
		mp[k] = d.keep(val)
		return nil
	}); err != nil {
		return err
	}
	*out = mp
	return nil
}
