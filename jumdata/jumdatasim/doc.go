// Package jumdatasim simulates Jumdata (H5 v2 on both auth channels, its
// check page and unsigned return, and the discontinued SDK v1 check) as a
// plug-in of the sandbox host ([sandbox.Plugin]).
//
// Importing it registers the simulator ([sandbox.Register]): every sandbox
// made afterwards serves Jumdata. A blank import is enough:
//
//	import _ "github.com/go-liveness/liveness/jumdata/jumdatasim"
//
// Like every simulator it imports no client code: its signatures and
// answers are computed from Jumdata's documents, so a bug in the jumdata
// package cannot be mirrored here. What the documents leave open is played
// as the readings' options say (readings.go).
package jumdatasim

import "github.com/go-liveness/liveness/sandbox"

// Sandbox credentials. The simulator accepts these (and the accounts in a
// state named after them, see [WithAccountCodes]) and rejects any other,
// like the real service does.
const (
	AppID     = "sandbox-jumdata-app"
	AppSecret = "sandbox-jumdata-secret"
	AppCode   = "sandbox-jumdata-appcode"
)

// The endpoints faults can be injected into ([sandbox.Sandbox.InjectFault]).
const (
	Init     sandbox.Endpoint = "jumdata/init"
	Result   sandbox.Endpoint = "jumdata/result"
	SDKCheck sandbox.Endpoint = "jumdata/sdk_check"
)
