// Package tencentsim simulates Tencent Cloud FaceID's H5 flow (实名核身:
// DetectAuth, the H5 page and its redirect back, GetDetectInfoEnhanced) as
// a plug-in of the sandbox host ([sandbox.Plugin]).
//
// Importing it registers the simulator ([sandbox.Register]): every sandbox
// made afterwards serves Tencent. A blank import is enough:
//
//	import _ "github.com/go-liveness/liveness/tencent/tencentsim"
//
// Like every simulator it imports no client code: it checks each call's
// TC3-HMAC-SHA256 signature with its own implementation of Tencent's
// signature v3 document (encode.go), so a bug in the tencent package or in
// package signing cannot be mirrored here. What the documents leave open
// is played as the readings say (readings.go).
//
// The API is served at /tencent/ (one POST address for every action, the
// action in X-TC-Action, as faceid.tencentcloudapi.com serves it at /),
// the H5 page at /tencent/h5?token=<BizToken>.
package tencentsim

import (
	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// Vendor is the vendor the simulator serves, "tencent", written here
// rather than taken from the client.
const Vendor liveness.Vendor = "tencent"

// Sandbox credentials and business flow. The simulator accepts these and
// refuses any other key pair or RuleId, as the real service does.
const (
	SecretID  = "AKIDsandboxtencentfaceid0000000000"
	SecretKey = "sandbox-tencent-secret-key-0000"
	RuleID    = "1"
)

// The endpoints faults can be injected into ([sandbox.Sandbox.InjectFault]):
// the API's two actions.
const (
	DetectAuth            sandbox.Endpoint = "tencent/DetectAuth"
	GetDetectInfoEnhanced sandbox.Endpoint = "tencent/GetDetectInfoEnhanced"
)

// The paths the simulator serves.
const (
	APIPath  = "/tencent/"
	PagePath = "/tencent/h5"
)
