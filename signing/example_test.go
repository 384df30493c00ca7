package signing_test

import (
	"fmt"
	"time"

	"github.com/go-liveness/liveness/signing"
)

// The appId, appSecret and timestamp are the example in Jumdata's signing
// documentation.
func ExampleJumdata() {
	ts := signing.JumdataTimestamp(time.UnixMilli(1555378976238))
	fmt.Println(ts)
	fmt.Println(signing.Jumdata("xyzxy2121zxyz", "efcefcef1121cefcefc1212121", ts))
	// Output:
	// 1555378976238
	// 6ddcdc405743c576cb6d34b17b47ed56e2b9b6670fae1fe85ed01244fd31558b
}

// A signature received from a vendor is compared with the expected one
// through Equal, which ignores hex case and never matches an empty value.
func ExampleEqual() {
	expected := signing.Megvii("test-secret", `{"status":"OK"}`)
	fmt.Println(expected)
	fmt.Println(signing.Equal("BC8FD0B087FDCBBC63A102DA922B31D518590E4A", expected))
	fmt.Println(signing.Equal("", expected))
	// Output:
	// bc8fd0b087fdcbbc63a102da922b31d518590e4a
	// true
	// false
}
