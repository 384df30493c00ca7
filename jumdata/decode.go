package jumdata

import (
	"github.com/go-liveness/liveness/internal/jsonx"
)

// envelopeFields are the JSON names of envelope's fields, in order.
var envelopeFields = []string{"code", "msg", "message", "taskNo", "data"}

// decodeEnvelopeBytes decodes b into env in one pass, with the rules
// encoding/json applies to envelope (keys matched exactly, then
// case-insensitively; the last duplicate wins; the jsonx types read every
// value, null included). Data is a slice of b, not a copy.
// TestEnvelopeMatchesEncodingJSON and FuzzEnvelopeMatchesEncodingJSON hold
// it to json.Unmarshal.
func decodeEnvelopeBytes(b []byte, env *envelope) error {
	return jsonx.TopObject(b, envelopeFields, func(i int, val []byte) error {
		switch i {
		case 0:
			return env.Code.UnmarshalJSON(val)
		case 1:
			return env.Msg.UnmarshalJSON(val)
		case 2:
			return env.Message.UnmarshalJSON(val)
		case 3:
			return env.TaskNo.UnmarshalJSON(val)
		case 4:
			env.Data = val
		}
		return nil
	})
}
