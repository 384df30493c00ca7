// Package wiretest checks, byte for byte, that what the tencent provider
// sends is what Tencent Cloud's own Go SDK sends for the same call: its
// method, address, headers (the TC3 Authorization included) and body. It
// is a module of its own, so that the SDK is a dependency of this test
// only, never of the liveness module.
//
// The SDK's faceid package is not served by the module proxy; the calls
// are sent generically, with the common client and a CommonRequest, which
// sign and encode exactly as the product clients do.
package wiretest
