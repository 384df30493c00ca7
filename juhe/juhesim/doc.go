// Package juhesim simulates Juhe faceid (its urlencoded query and search
// answering HTTP 200 with error_code, the verify page, the signed return
// and the notify) as a plug-in of the sandbox host ([sandbox.Plugin]).
//
// Importing it registers the simulator ([sandbox.Register]): every sandbox
// made afterwards serves Juhe. A blank import is enough:
//
//	import _ "github.com/go-liveness/liveness/juhe/juhesim"
//
// Like every simulator it imports no client code: its signatures and
// answers are computed from Juhe's faceid document, so a bug in the juhe
// package cannot be mirrored here. What the document leaves open is played
// as the readings' options say (readings.go).
package juhesim

import "github.com/go-liveness/liveness/sandbox"

// Key is the sandbox's Juhe key. The simulator accepts it and rejects any
// other, like the real service does.
const Key = "sandboxjuhekey0000000000000000000"

// The endpoints faults can be injected into ([sandbox.Sandbox.InjectFault]).
const (
	Query  sandbox.Endpoint = "juhe/query"
	Search sandbox.Endpoint = "juhe/search"
)
