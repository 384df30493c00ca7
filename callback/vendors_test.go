package callback_test

// Every vendor the module simulates runs through the handlers
// (TestEveryReadingRuns, among others): their harnesses register
// themselves (providertest.Register), and their simulators with the
// sandbox. A test about one kind of vendor picks it by the fact it needs
// (vendorWith), never by name.
import (
	"testing"

	"github.com/go-liveness/liveness/callback/callbacktest"

	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)

// fact is something a test needs of its vendor, said of its harness.
type fact = callbacktest.Fact

var (
	// signedNotify: the notify carries the result, signed, so that the
	// Handler acts on it without a read; the vendor also has a return
	// that comes back unsigned (UnsignedReturn), read once, and a budget
	// of result calls (ReadCalls).
	signedNotify = fact{What: "a signed notify, an unsigned return and a read budget", Has: func(h providertest.Harness) bool {
		return h.SignedNotify && h.UnsignedReturn != nil && h.ReadCalls != nil
	}}
	// triggerNotify: a notify that only says a result is ready (a read
	// follows), a signed return, and the browser sent back bare when
	// nothing was submitted.
	triggerNotify = fact{What: "a notify that only triggers a read, a signed return and a bare return", Has: func(h providertest.Harness) bool {
		return h.Notifies && !h.SignedNotify && h.SignedReturn && h.BareReturn
	}}
	// noNotify: no notify at all, an unsigned return that the browser
	// makes after every outcome, and sessions that expire as expired.
	noNotify = fact{What: "no notify, an unsigned return after every outcome", Has: func(h providertest.Harness) bool {
		if h.Notifies || h.SignedReturn || !h.Expired.Final() {
			return false
		}
		for _, want := range h.Outcomes {
			if want.NoReturn {
				return false
			}
		}
		return true
	}}
)

// vendorWith returns the harness of the first registered vendor (by name)
// that has f; the test fails when none has it.
func vendorWith(t testing.TB, f fact) providertest.Harness {
	t.Helper()
	return callbacktest.VendorWith(t, f)
}

// Every vendor the sandbox simulates has its harness registered, so that
// the tests running every vendor run it.
func TestEveryVendorHasAHarness(t *testing.T) {
	sb, err := sandbox.New()
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if len(sb.Vendors()) == 0 {
		t.Fatal("the sandbox simulates no vendor")
	}
	for _, v := range sb.Vendors() {
		if _, ok := providertest.Registration(v); !ok {
			t.Errorf("no harness registered for %s, which the sandbox simulates: import its test-helper package", v)
		}
	}
}
