// Package aliyunsim simulates Alibaba Cloud ID Verification (实人认证, the
// cloudauth OpenAPI 2019-03-07: InitFaceVerify and DescribeFaceVerify
// behind the V3 signature, the H5 check page, the ReturnUrl redirect and
// the CallbackUrl notify with its CallbackToken) as a plug-in of the
// sandbox host ([sandbox.Plugin]).
//
// Importing it registers the simulator ([sandbox.Register]): every sandbox
// made afterwards serves Alibaba Cloud. A blank import is enough:
//
//	import _ "github.com/go-liveness/liveness/aliyun/aliyunsim"
//
// Like every simulator it imports no client code: it verifies the
// ACS3-HMAC-SHA256 signature of every call with the standard library, from
// Alibaba Cloud's V3 signature document, so a bug in the aliyun package
// (or in package signing) cannot be mirrored here. What the documents
// leave open is played as the readings say (readings.go).
//
// The API is served under /aliyun/ (POST, the action in x-acs-action), the
// check page at /aliyun/check/{CertifyId}, and a getMetaInfo() that
// returns [MetaInfo] at /aliyun/jsvm_all.js, for a test page that runs the
// browser's half of the flow.
package aliyunsim

import (
	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// vendor is the simulated vendor's name, the aliyun package's Vendor.
const vendor liveness.Vendor = "aliyun"

// Sandbox credentials: the simulator accepts this AccessKey pair and scene
// and refuses any other, as Alibaba Cloud does.
const (
	AccessKeyID     = "LTAI5tSandboxAliyunKeyId"
	AccessKeySecret = "sandbox-aliyun-access-key-secret-0123"
	SceneID         = 1000000006
)

// MetaInfo is a MetaInfo the simulator takes, shaped like the reference's
// sample; its getMetaInfo() returns it. Alibaba Cloud takes only the
// MetaInfo of the browser that will do the check: this one works in the
// sandbox only.
const MetaInfo = `{"zimVer":"3.0.0","appVersion":"1","bioMetaInfo":"4.1.0:11501568,0","appName":"com.aliyun.antcloudauth","deviceType":"h5","osVersion":"sandbox","apdidToken":"","deviceModel":"sandbox"}`

// The endpoints faults can be injected into ([sandbox.Sandbox.InjectFault]).
const (
	Init     sandbox.Endpoint = "aliyun/InitFaceVerify"
	Describe sandbox.Endpoint = "aliyun/DescribeFaceVerify"
)

// Prefix is the path the API and the pages are served under.
const Prefix = "/aliyun"
