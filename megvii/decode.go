package megvii

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// How Megvii's JSON is read: one json.Unmarshal of each answer into the
// private structs below. The fields that decide the verdict are typed
// strictly; Number and Text take the values Megvii sends as either a string
// or a number; an informational leaf (request_id, time_used, ...) of an
// unknown shape is left empty (loose).
//
// An informational object (idcard_info, images, liveness_result's details
// and face_genuineness, verify_result's id_exceptions) is typed as Megvii
// documents it: an answer that sends one in another shape fails that
// decode and is decoded again into payloadLenient, where such a field is
// loose and left empty. encoding/json reads a loose object three times
// (validated and skipped in the answer, validated and decoded again in
// its own Unmarshal): typing them in the first decode keeps that cost to
// the answers that need it, within internal/bench's budget.
//
// get_result and the signed callbacks decode only what the Result is made
// of (verdictJSON), with the informational objects they skip checked for
// the shapes payloadJSON types them in (the shape types below): the two
// decodes fall back to payloadLenient on the same answers, so they make
// the same Result.
//
// Of duplicate keys the last wins, as encoding/json has it: a value
// replaces the one before; an object is read into the one before by the
// strict decodes, and replaces it in payloadLenient where the object's
// type has its own UnmarshalJSON (liveness_result, verify_result,
// face_genuineness, and the loose ones).

// Number is a JSON number that Megvii may also send as a string. null and
// "" are 0; spaces around the number in a string are ignored.
type Number float64

// Errors of Number, Text and the seconds of expired_time. None quotes the
// answer, which may hold anything.
var (
	errNotNumber  = errors.New("want a number or a string holding one")
	errNotText    = errors.New("want a string, number or boolean, got an object or array")
	errNotString  = errors.New("want a string")
	errNotSeconds = errors.New("want a whole number of seconds")
)

// UnmarshalJSON implements json.Unmarshaler.
func (n *Number) UnmarshalJSON(b []byte) error {
	*n = 0
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var t Text
		if t.UnmarshalJSON(b) != nil {
			return errNotNumber
		}
		return n.parse(strings.TrimSpace(string(t)))
	}
	return n.parse(string(b))
}

// parse reads s, a number's text; "" is 0.
func (n *Number) parse(s string) error {
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errNotNumber
	}
	*n = Number(f)
	return nil
}

// Text is a JSON string that Megvii may also send as a number (or a
// boolean), kept as its JSON text; null is "".
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	*t = ""
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '{' || b[0] == '[':
		return errNotText
	case b[0] != '"':
		*t = Text(b)
		return nil
	}
	// A string without escapes (nearly every one Megvii sends) is the
	// text between its quotes; encoding/json decodes the others.
	if len(b) >= 2 && b[len(b)-1] == '"' && !bytes.ContainsFunc(b[1:len(b)-1], escaped) {
		*t = Text(b[1 : len(b)-1])
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = Text(s)
	return nil
}

// escaped reports whether r, inside a JSON string, is not its own text.
func escaped(r rune) bool {
	return r < ' ' || r == '"' || r == '\\' || r == utf8.RuneError
}

// unixSeconds is a whole number of seconds, sent as a number or a string
// holding one (1462257765, "1462257765", 1.462257765e9).
type unixSeconds int64

// UnmarshalJSON implements json.Unmarshaler.
func (u *unixSeconds) UnmarshalJSON(b []byte) error {
	*u = 0
	var n Number
	if err := n.UnmarshalJSON(b); err != nil {
		return err
	}
	f := float64(n)
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return errNotSeconds
	}
	*u = unixSeconds(f)
	return nil
}

// loose holds a field that decides nothing: a value of a shape T cannot
// hold leaves it zero instead of failing the answer.
type loose[T any] struct{ v T }

// UnmarshalJSON implements json.Unmarshaler, never failing.
func (l *loose[T]) UnmarshalJSON(b []byte) error {
	var zero T
	l.v = zero
	var err error
	if u, ok := any(&l.v).(json.Unmarshaler); ok {
		// encoding/json validated b (the whole answer) before this
		// call: Text and Number read it without a second validation.
		err = u.UnmarshalJSON(b)
	} else {
		err = json.Unmarshal(b, &l.v)
	}
	if err != nil {
		l.v = zero
	}
	return nil
}

// present records that a key was sent, whatever its value.
type present bool

// UnmarshalJSON implements json.Unmarshaler.
func (p *present) UnmarshalJSON([]byte) error {
	*p = true
	return nil
}

// payloadCore is what both decodes of a payload share: the fields that
// decide the verdict, the informational leaves, and the keys DecodePayload
// reads besides (biz_id and biz_no at the top, error and error_message).
type payloadCore struct {
	Status     Text        `json:"status"`
	FailReason loose[Text] `json:"fail_reason"`
	BizInfo    struct {
		BizID        Text        `json:"biz_id"`
		BizNo        Text        `json:"biz_no"`
		BizExtraData loose[Text] `json:"biz_extra_data"`
	} `json:"biz_info"`
	Will          []WillResult  `json:"will_result"`
	MultifacesTag loose[Text]   `json:"multifaces_tag"`
	RequestID     loose[Text]   `json:"request_id"`
	TimeUsed      loose[Number] `json:"time_used"`
	BizID         loose[Text]   `json:"biz_id"`
	BizNo         loose[Text]   `json:"biz_no"`
	Error         present       `json:"error"`
	ErrorMessage  present       `json:"error_message"`
}

// payloadJSON is Payload in the shapes Megvii documents.
type payloadJSON struct {
	payloadCore
	IDCardInfo *IDCardInfo                `json:"idcard_info"`
	Images     map[string]json.RawMessage `json:"images"`
	Liveness   *livenessJSON              `json:"liveness_result"`
	Verify     *verifyJSON                `json:"verify_result"`
}

// payloadLenient is Payload with every informational object loose.
type payloadLenient struct {
	payloadCore
	IDCardInfo loose[*IDCardInfo]                `json:"idcard_info"`
	Images     loose[map[string]json.RawMessage] `json:"images"`
	Liveness   *LivenessDetail                   `json:"liveness_result"`
	Verify     *VerifyResult                     `json:"verify_result"`
}

// verdictJSON is the part of a payload that normalizePayload reads, in
// the shapes Megvii documents: get_result and the signed callbacks decode
// only this, and a caller reads the rest (the ID card, the liveness
// details, the ID exceptions, which decide nothing) from Result.Raw with
// DecodePayload. The skipped objects are checked for their documented
// shapes (idCardShape, objectShape), kept nowhere: an answer fails this
// decode exactly when it fails payloadJSON's, and both then fall back to
// payloadLenient. So the normalized Result, or the error, is the same
// either way (FuzzVerdictMatchesPayload).
type verdictJSON struct {
	payloadCore
	IDCardInfo *idCardShape               `json:"idcard_info"`
	Images     map[string]json.RawMessage `json:"images"`
	Liveness   *livenessVerdictJSON       `json:"liveness_result"`
	Verify     *verifyVerdictJSON         `json:"verify_result"`
}

// livenessVerdictJSON is what normalizePayload reads of liveness_result:
// the result, and face_genuineness for a failure's message.
type livenessVerdictJSON struct {
	livenessCore
	Details         objectShape         `json:"details"`
	FaceGenuineness faceGenuinenessJSON `json:"face_genuineness"`
}

// verifyVerdictJSON is what normalizePayload reads of verify_result.
type verifyVerdictJSON struct {
	verifyCore
	IDExceptions objectShape `json:"id_exceptions"`
}

// objectShape decodes a JSON object or null, keeping nothing, and fails
// on any other value, as the map and the struct of loose fields that
// payloadJSON reads details and id_exceptions into do.
type objectShape struct{}

// idCardShape is IDCardInfo's shape, keeping nothing: each field fails
// where IDCardInfo's fails (its json.RawMessage fields never do, and are
// left out). TestIDCardShapeFollowsIDCardInfo holds the two together.
type idCardShape struct {
	IDCardMode            textShape   `json:"idcard_mode"`
	IDCardUneditableField stringShape `json:"idcard_uneditable_field"`
	IDCardNumber          stringShape `json:"idcard_number"`
	IDCardName            stringShape `json:"idcard_name"`
	IDCardValidDate       stringShape `json:"idcard_valid_date"`
	IDCardIssuedBy        stringShape `json:"idcard_issued_by"`
}

// stringShape is a string's shape: a string or null, as encoding/json
// decodes into a string.
type stringShape struct{}

// UnmarshalJSON implements json.Unmarshaler.
func (stringShape) UnmarshalJSON(b []byte) error {
	if string(b) == "null" || len(b) > 0 && b[0] == '"' {
		return nil
	}
	return errNotString
}

// textShape is Text's shape: any value but an object or an array.
type textShape struct{}

// UnmarshalJSON implements json.Unmarshaler.
func (textShape) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return errNotText
	}
	return nil
}

// decodePayload is DecodePayload. errorKey reports whether the answer has
// a key errorAnswer reads (error, error_message): only then can
// vendorError find an error in a 2xx answer that decodes.
func decodePayload(raw []byte) (pl *Payload, errorKey bool, err error) {
	var w payloadJSON
	if json.Unmarshal(raw, &w) != nil {
		return decodeLenient(raw)
	}
	pl = &Payload{IDCardInfo: w.IDCardInfo, Images: w.Images}
	if w.Liveness != nil {
		pl.Liveness = w.Liveness.detail()
	}
	if w.Verify != nil {
		pl.Verify = w.Verify.result()
	}
	return pl, w.fill(pl), nil
}

// decodeVerdict is decodePayload for normalizePayload alone: the Payload
// has the fields it reads, the others are left empty (see verdictJSON).
func decodeVerdict(raw []byte) (pl *Payload, errorKey bool, err error) {
	var w verdictJSON
	if json.Unmarshal(raw, &w) != nil {
		return decodeLenient(raw)
	}
	pl = &Payload{Images: w.Images}
	if l := w.Liveness; l != nil {
		pl.Liveness = l.livenessCore.detail(nil, l.FaceGenuineness.value())
	}
	if w.Verify != nil {
		pl.Verify = w.Verify.verifyCore.result(idExceptionsJSON{})
	}
	return pl, w.fill(pl), nil
}

// decodeLenient decodes an answer whose informational objects are not in
// the shapes Megvii documents, leaving them empty.
func decodeLenient(raw []byte) (pl *Payload, errorKey bool, err error) {
	var l payloadLenient
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, false, err
	}
	pl = &Payload{IDCardInfo: l.IDCardInfo.v, Images: l.Images.v, Liveness: l.Liveness, Verify: l.Verify}
	return pl, l.fill(pl), nil
}

// fill sets the fields of pl that c holds, and reports whether the answer
// has an error key.
func (c *payloadCore) fill(pl *Payload) (errorKey bool) {
	pl.Status = string(c.Status)
	pl.FailReason = string(c.FailReason.v)
	pl.BizInfo = BizInfo{
		BizID: string(c.BizInfo.BizID), BizNo: string(c.BizInfo.BizNo),
		BizExtraData: string(c.BizInfo.BizExtraData.v),
	}
	pl.Will = c.Will
	pl.MultifacesTag = c.MultifacesTag.v
	pl.RequestID = string(c.RequestID.v)
	pl.TimeUsed = c.TimeUsed.v
	// Guess: see VENDORS.md, Megvii, biz-fields. The callback document
	// puts biz_id and biz_no in biz_info; an answer that names them at its
	// top instead (as Megvii's raw get_result page places biz_no) is read
	// the same, biz_info winning where both name one.
	if pl.BizInfo.BizID == "" {
		pl.BizInfo.BizID = string(c.BizID.v)
	}
	if pl.BizInfo.BizNo == "" {
		pl.BizInfo.BizNo = string(c.BizNo.v)
	}
	return bool(c.Error || c.ErrorMessage)
}

// livenessCore is what both decodes of liveness_result share: result must
// be text.
type livenessCore struct {
	Result        Text        `json:"result"`
	ProcedureType loose[Text] `json:"procedure_type"`
}

// livenessJSON is LivenessDetail in the shapes Megvii documents.
type livenessJSON struct {
	livenessCore
	Details         map[string]detail   `json:"details"`
	FaceGenuineness faceGenuinenessJSON `json:"face_genuineness"`
}

func (w *livenessJSON) detail() *LivenessDetail {
	return w.livenessCore.detail(w.Details, w.FaceGenuineness.value())
}

func (c *livenessCore) detail(details map[string]detail, g FaceGenuineness) *LivenessDetail {
	d := &LivenessDetail{Result: string(c.Result), ProcedureType: string(c.ProcedureType.v), FaceGenuineness: g}
	for k, v := range details {
		switch {
		case v.count:
			if d.Details == nil {
				d.Details = make(map[string]Number, len(details))
			}
			d.Details[k] = v.n
		case v.photo != nil:
			if d.PhotoDetails == nil {
				d.PhotoDetails = map[string]map[string]Number{}
			}
			d.PhotoDetails[k] = v.photo
		}
	}
	return d
}

// UnmarshalJSON implements json.Unmarshaler: result must be text (a string
// or a number); details and face_genuineness are read as far as their
// shape allows, never failing.
func (d *LivenessDetail) UnmarshalJSON(b []byte) error {
	var w struct {
		livenessCore
		Details         loose[map[string]detail] `json:"details"`
		FaceGenuineness FaceGenuineness          `json:"face_genuineness"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = *w.livenessCore.detail(w.Details.v, w.FaceGenuineness)
	return nil
}

// detail is one member of liveness_result.details: a count, or the counts
// of one photo that procedure_type selfie nests there. A member of another
// shape is neither, and is left out.
type detail struct {
	count bool
	n     Number
	photo map[string]Number
}

// UnmarshalJSON implements json.Unmarshaler, never failing.
func (d *detail) UnmarshalJSON(b []byte) error {
	*d = detail{}
	if d.n.UnmarshalJSON(b) == nil {
		d.count = true
		return nil
	}
	var photo map[string]Number
	if json.Unmarshal(b, &photo) == nil {
		d.photo = photo
	}
	return nil
}

// faceGenuinenessJSON is FaceGenuineness as Megvii sends it, every field
// loose.
type faceGenuinenessJSON struct {
	SyntheticFaceConfidence    loose[Number] `json:"synthetic_face_confidence"`
	SyntheticFaceThreshold     loose[Number] `json:"synthetic_face_threshold"`
	MaskConfidence             loose[Number] `json:"mask_confidence"`
	MaskThreshold              loose[Number] `json:"mask_threshold"`
	ScreenReplayConfidence     loose[Number] `json:"screen_replay_confidence"`
	ScreenReplayThreshold      loose[Number] `json:"screen_replay_threshold"`
	SelfieInconsistent         loose[Text]   `json:"selfie_inconsistent"`
	SelfieMetadataInconsistent loose[Text]   `json:"selfie_metadata_inconsistent"`
}

func (w *faceGenuinenessJSON) value() FaceGenuineness {
	return FaceGenuineness{
		SyntheticFaceConfidence: w.SyntheticFaceConfidence.v, SyntheticFaceThreshold: w.SyntheticFaceThreshold.v,
		MaskConfidence: w.MaskConfidence.v, MaskThreshold: w.MaskThreshold.v,
		ScreenReplayConfidence: w.ScreenReplayConfidence.v, ScreenReplayThreshold: w.ScreenReplayThreshold.v,
		SelfieInconsistent: w.SelfieInconsistent.v, SelfieMetadataInconsistent: w.SelfieMetadataInconsistent.v,
	}
}

// UnmarshalJSON implements json.Unmarshaler, never failing: a field of
// another shape is left zero, and so is every field when b is not an
// object.
func (g *FaceGenuineness) UnmarshalJSON(b []byte) error {
	var w faceGenuinenessJSON
	*g = FaceGenuineness{}
	if json.Unmarshal(b, &w) == nil {
		*g = w.value()
	}
	return nil
}

// verifyCore is what both decodes of verify_result share: error_message
// must be text and every comparison readable, as they decide the verdict.
type verifyCore struct {
	VerifyTime             loose[Number] `json:"verify_time"`
	ErrorMessage           Text          `json:"error_message"`
	ResultFaceID           *Comparison   `json:"result_faceid"`
	ResultRef1             *Comparison   `json:"result_ref1"`
	ResultRef2             *Comparison   `json:"result_ref2"`
	ResultIDCardPhoto      *Comparison   `json:"result_idcard_photo"`
	ResultIDCardDatasource *Comparison   `json:"result_idcard_datasource"`
}

// idExceptionsJSON is id_exceptions, every field loose.
type idExceptionsJSON struct {
	IDAttacked        loose[Number] `json:"id_attacked"`
	IDPhotoMonochrome loose[Number] `json:"id_photo_monochrome"`
}

// verifyJSON is VerifyResult in the shapes Megvii documents.
type verifyJSON struct {
	verifyCore
	IDExceptions idExceptionsJSON `json:"id_exceptions"`
}

func (w *verifyJSON) result() *VerifyResult { return w.verifyCore.result(w.IDExceptions) }

func (c *verifyCore) result(ex idExceptionsJSON) *VerifyResult {
	v := &VerifyResult{
		VerifyTime: c.VerifyTime.v, ErrorMessage: string(c.ErrorMessage),
		ResultFaceID: c.ResultFaceID, ResultRef1: c.ResultRef1, ResultRef2: c.ResultRef2,
		ResultIDCardPhoto: c.ResultIDCardPhoto, ResultIDCardDatasource: c.ResultIDCardDatasource,
	}
	v.IDExceptions.IDAttacked = ex.IDAttacked.v
	v.IDExceptions.IDPhotoMonochrome = ex.IDPhotoMonochrome.v
	return v
}

// UnmarshalJSON implements json.Unmarshaler: error_message must be text
// and every comparison readable, as they decide the verdict; verify_time
// and id_exceptions are read leniently.
func (v *VerifyResult) UnmarshalJSON(b []byte) error {
	var w struct {
		verifyCore
		IDExceptions loose[idExceptionsJSON] `json:"id_exceptions"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*v = *w.verifyCore.result(w.IDExceptions.v)
	return nil
}
