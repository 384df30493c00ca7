package transport

import (
	"encoding/json"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

// DecodeJSON decodes the answer into v. A body that is not JSON of the
// expected shape is ErrBadResponse, or ErrUnavailable when the status says the
// vendor itself failed (a 5xx page from a proxy is not a malformed answer).
func (r *Response) DecodeJSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return r.NotJSON(err)
	}
	return nil
}

// NotJSON returns the error for an answer that is not the expected JSON.
func (r *Response) NotJSON(cause error) *liveness.Error {
	return &liveness.Error{Kind: driver.StatusKind(r.StatusCode), HTTPStatus: r.StatusCode, Message: "answer is not the expected JSON", Err: cause}
}
