package juhe

import (
	"encoding/json"
	"errors"

	"github.com/go-liveness/liveness/internal/jsonx"
)

// One-pass decoders of the envelope and the search result, with the rules
// encoding/json applies to envelope and searchResult (keys matched
// exactly, then case-insensitively; the last duplicate wins, a repeated
// detail fills the same struct; the jsonx types read every value, null
// included). TestDecodersMatchEncodingJSON and FuzzDecodersMatchEncodingJSON
// hold them to json.Unmarshal.

var (
	errNotJSON    = errors.New("not valid JSON")
	errWantObject = errors.New("want an object")
)

var envelopeFields = []string{"error_code", "reason", "result"}

// decodeEnvelopeBytes decodes b into env as json.Unmarshal would; Result
// is a slice of b, not a copy.
func decodeEnvelopeBytes(b []byte, env *envelope) error {
	if !json.Valid(b) {
		return errNotJSON
	}
	v := b[jsonx.WSEnd(b, 0):]
	v = v[:jsonx.ValueEnd(v, 0)]
	if jsonx.IsNull(v) {
		return nil
	}
	if v[0] != '{' {
		return errWantObject
	}
	for m := jsonx.Walk(v); ; {
		key, val, ok := m.Next()
		if !ok {
			return nil
		}
		i, err := jsonx.FieldIndex(key, envelopeFields)
		if err != nil {
			return err
		}
		switch i {
		case 0:
			if err := env.ErrorCode.UnmarshalJSON(val); err != nil {
				return err
			}
		case 1:
			if err := env.Reason.UnmarshalJSON(val); err != nil {
				return err
			}
		case 2:
			env.Result = val
		}
	}
}

var (
	searchFields = []string{"jh_order_id", "passed", "message", "detail"}
	detailFields = []string{"live_passed", "live_code", "live_message", "live_score", "certify_passed",
		"certify_code", "certify_message", "certify_score", "certify_res", "img"}
)

// decodeSearchResult decodes b, a value of validated JSON (env.Result),
// into sr as json.Unmarshal would.
func decodeSearchResult(b []byte, sr *searchResult) error {
	if len(b) == 0 {
		return errNotJSON
	}
	if jsonx.IsNull(b) {
		return nil
	}
	if b[0] != '{' {
		return errWantObject
	}
	d := &sr.Detail
	strs := [...]*jsonx.String{&d.LivePassed, &d.LiveCode, &d.LiveMessage, nil, &d.CertifyPassed,
		&d.CertifyCode, &d.CertifyMessage, nil, &d.CertifyRes, &d.Img}
	for m := jsonx.Walk(b); ; {
		key, val, ok := m.Next()
		if !ok {
			return nil
		}
		i, err := jsonx.FieldIndex(key, searchFields)
		if err != nil {
			return err
		}
		switch i {
		case 0, 1, 2:
			dst := [...]*jsonx.String{&sr.JHOrderID, &sr.Passed, &sr.Message}[i]
			if err := dst.UnmarshalJSON(val); err != nil {
				return err
			}
		case 3:
			if jsonx.IsNull(val) {
				continue
			}
			if val[0] != '{' {
				return errWantObject
			}
			for f := jsonx.Walk(val); ; {
				key, val, ok := f.Next()
				if !ok {
					break
				}
				j, err := jsonx.FieldIndex(key, detailFields)
				if err != nil {
					return err
				}
				switch j {
				case -1:
				case 3:
					err = d.LiveScore.UnmarshalJSON(val)
				case 7:
					err = d.CertifyScore.UnmarshalJSON(val)
				default:
					err = strs[j].UnmarshalJSON(val)
				}
				if err != nil {
					return err
				}
			}
		}
	}
}
