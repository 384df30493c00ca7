package tencent

import (
	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/transport"
)

// DecodeResult reads body, answered with HTTP status, as FetchResult reads
// GetDetectInfoEnhanced's answer for sessionID, without a call.
func DecodeResult(sessionID string, status int, body []byte) (*liveness.Result, error) {
	a, err := readAnswer(&transport.Response{StatusCode: status, Body: body})
	if err != nil {
		return nil, err
	}
	return resultOf(sessionID, a)
}
