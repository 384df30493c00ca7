// Package megviisim simulates Megvii FaceID Lite (its multipart get_token,
// the /do check page, get_result with the secret in the query, and the
// data+sign callbacks) as a plug-in of the sandbox host
// ([sandbox.Plugin]).
//
// Importing it registers the simulator ([sandbox.Register]): every sandbox
// made afterwards serves Megvii. A blank import is enough:
//
//	import _ "github.com/go-liveness/liveness/megvii/megviisim"
//
// Like every simulator it imports no client code: its signatures and
// answers are computed from Megvii's documents, so a bug in the megvii
// package cannot be mirrored here. What the documents leave open is played
// as the readings' options say (readings.go).
//
// # get_result's limits
//
// Megvii keeps a result one day and allows three get_result calls per
// biz_id. By default the simulator plays the harshest reading of that:
// every call counts, pending ones included (the 4th answers
// RESULT_NOT_FOUND), and a result is forgotten a day after it came to be,
// on the sandbox's clock. [WithPendingCallsFree] counts only reads of a
// final result, [WithResultsKept] forgets none, [WithRetention] sets
// another lifetime. [ResultCalls] says how many calls a biz_id received,
// and sandbox.Sandbox.Requests how many the endpoint received in all.
//
// # Notify ports
//
// Megvii calls back only its whitelisted ports (443, 5000, 16003, 8883,
// 8028): get_token refuses a notify_url on another with
// BAD_ARGUMENTS:notify_url unless the sandbox allows any port
// (sandbox.WithAnyNotifyPort), and then the provider URL it gives
// (sandbox.Sandbox.ProviderURL) allows any too.
package megviisim

import "github.com/go-liveness/liveness/sandbox"

// Sandbox credentials. The simulator accepts these and rejects any other,
// like the real service does.
const (
	APIKey    = "sandbox-megvii-key"
	APISecret = "sandbox-megvii-secret"
)

// The endpoints faults can be injected into ([sandbox.Sandbox.InjectFault]).
const (
	GetToken  sandbox.Endpoint = "megvii/get_token"
	GetResult sandbox.Endpoint = "megvii/get_result"
)
